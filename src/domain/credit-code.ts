/**
 * The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters.
 *
 * | position | meaning |
 * | --- | --- |
 * | 1 | registration authority (登记管理部门代码) |
 * | 2 | organisation type under that authority (机构类别代码) |
 * | 3–8 | administrative division of the registering office (GB/T 2260), digits |
 * | 9–17 | organisation identifier (GB 11714 organisation code) |
 * | 18 | check character over positions 1–17 |
 *
 * Every character is from `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, Z, S, V); a character's value is
 * its index there. check = 31 − (Σ valueᵢ × weightᵢ mod 31), where 31 becomes 0.
 *
 * Position 2 is checked only as a digit 1–9 and positions 3–8 only as digits: the tables of types and
 * divisions change over time, and rejecting a real enterprise's code costs more than a loose check.
 * Positions 9–17 carry their own GB 11714 check digit; GB 32100 does not ask for it, so it is not enforced.
 */
import { z } from 'zod'

export const CREDIT_CODE_LENGTH = 18
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
export const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const

/** Registration authorities of position 1 and the organisation types of position 2 they use. */
export const REGISTRATION_AUTHORITIES: Readonly<Record<string, { name: string; types: Readonly<Record<string, string>> }>> = {
  '1': { name: '机构编制', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', types: { '1': '外国常住新闻机构', '9': '其他' } },
  '3': { name: '司法行政', types: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' } },
  '4': { name: '文化', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': { name: '旅游', types: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' } },
  '7': { name: '宗教', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', types: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', types: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', types: { '1': '其他' } },
}

export interface CreditCodeParts {
  registrationAuthority: string
  organisationType: string
  divisionCode: string
  organisationCode: string
  checkChar: string
  /** Names from the standard's tables, where the code uses a listed value. */
  authorityName?: string
  organisationTypeName?: string
}

export type CreditCodeResult =
  | { ok: true; code: string; parts: CreditCodeParts }
  | { ok: false; message: string; /** 1-based position of the offending character, when there is one. */ position?: number }

const FORBIDDEN_LETTERS = new Set(['I', 'O', 'Z', 'S', 'V'])

function describeBadChar(ch: string): string {
  if (/[a-z]/.test(ch)) return 'lower-case letters are not used; write it in capitals'
  if (FORBIDDEN_LETTERS.has(ch)) return 'the letters I, O, Z, S and V are not used'
  return 'only digits and capital letters other than I, O, Z, S, V are used'
}

/**
 * The check character (position 18) for the first 17 characters of a code.
 * Throws a RangeError when `first17` is not 17 characters of the charset.
 */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== CREDIT_CODE_LENGTH - 1) {
    throw new RangeError(`expected the first 17 characters of a credit code, got ${first17.length}`)
  }
  let sum = 0
  for (let i = 0; i < first17.length; i++) {
    const value = CREDIT_CODE_CHARSET.indexOf(first17.charAt(i))
    if (value < 0) throw new RangeError(`character '${first17.charAt(i)}' at position ${i + 1} is not in the credit-code charset`)
    sum += value * (CREDIT_CODE_WEIGHTS[i] ?? 0)
  }
  const check = (31 - (sum % 31)) % 31
  return CREDIT_CODE_CHARSET.charAt(check)
}

/** `first17` followed by its check character: a valid code when positions 1–8 are well formed. */
export function withCreditCodeCheckChar(first17: string): string {
  return first17 + creditCodeCheckChar(first17)
}

/** Checks the exact string (no trimming, no case folding); the first problem found is reported. */
export function validateCreditCode(code: string): CreditCodeResult {
  const chars = [...code]
  if (chars.length !== CREDIT_CODE_LENGTH) {
    return { ok: false, message: `a unified social credit code has 18 characters, got ${chars.length}` }
  }
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? ''
    if (!CREDIT_CODE_CHARSET.includes(ch)) {
      return { ok: false, position: i + 1, message: `character '${ch}' at position ${i + 1} is not allowed: ${describeBadChar(ch)}` }
    }
  }
  const authorityCode = code.charAt(0)
  const authority = REGISTRATION_AUTHORITIES[authorityCode]
  if (!authority) {
    return {
      ok: false,
      position: 1,
      message: `position 1 (registration authority) must be one of ${Object.keys(REGISTRATION_AUTHORITIES).join(', ')}; got '${authorityCode}'`,
    }
  }
  const typeCode = code.charAt(1)
  if (!/^[1-9]$/.test(typeCode)) {
    return { ok: false, position: 2, message: `position 2 (organisation type) must be a digit from 1 to 9; got '${typeCode}'` }
  }
  for (let i = 2; i < 8; i++) {
    const ch = code.charAt(i)
    if (!/^\d$/.test(ch)) {
      return { ok: false, position: i + 1, message: `positions 3–8 (administrative division code) must be digits; got '${ch}' at position ${i + 1}` }
    }
  }
  const expected = creditCodeCheckChar(code.slice(0, 17))
  const actual = code.charAt(17)
  if (actual !== expected) {
    return { ok: false, position: 18, message: `wrong check character at position 18: expected '${expected}', got '${actual}'` }
  }
  const typeName = authority.types[typeCode]
  return {
    ok: true,
    code,
    parts: {
      registrationAuthority: authorityCode,
      organisationType: typeCode,
      divisionCode: code.slice(2, 8),
      organisationCode: code.slice(8, 17),
      checkChar: actual,
      authorityName: authority.name,
      ...(typeName ? { organisationTypeName: typeName } : {}),
    },
  }
}

export function isValidCreditCode(code: string): boolean {
  return validateCreditCode(code).ok
}

/** For request bodies: trims, removes inner spaces and upper-cases, then validates. */
export const creditCodeSchema = z
  .string()
  .transform((s) => s.replace(/\s+/g, '').toUpperCase())
  .superRefine((s, ctx) => {
    const result = validateCreditCode(s)
    if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message })
  })
