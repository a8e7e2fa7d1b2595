import t from 'tap'
import {
  CREDIT_CODE_CHARSET,
  creditCodeCheckChar,
  creditCodeSchema,
  isValidCreditCode,
  validateCreditCode,
  withCreditCodeCheckChar,
} from '../../src/domain/credit-code.js'

/**
 * Codes of registered enterprises, as published on their business licences. Each also satisfies the
 * GB 11714 check of its organisation code (positions 9–17), an independent check computed below.
 */
const REAL_CODES = [
  '91350100M000100Y43', // commonly cited example
  '914403001922038216', // 华为技术有限公司
  '91110108551385082Q', // 小米科技有限责任公司
]

/** GB 11714-1997 check digit of a 9-character organisation code: weights 3 7 9 10 5 8 4 2, mod 11. */
function organisationCodeCheck(orgCode: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const ch = orgCode.charAt(i)
    const value = /\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55
    sum += value * (weights[i] ?? 0)
  }
  const c = 11 - (sum % 11)
  return c === 10 ? 'X' : c === 11 ? '0' : String(c)
}

t.test('codes of real enterprises are valid', async (t) => {
  for (const code of REAL_CODES) {
    t.equal(organisationCodeCheck(code.slice(8, 17)), code.charAt(16), `${code}: its organisation code is consistent`)
    t.ok(isValidCreditCode(code), code)
    t.equal(creditCodeCheckChar(code.slice(0, 17)), code.charAt(17))
  }
  const r = validateCreditCode('914403001922038216')
  t.ok(r.ok)
  if (r.ok) {
    t.same(r.parts, {
      registrationAuthority: '9',
      organisationType: '1',
      divisionCode: '440300',
      organisationCode: '192203821',
      checkChar: '6',
      authorityName: '工商',
      organisationTypeName: '企业',
    })
  }
})

t.test('check character computed by hand', async (t) => {
  // 91350100M000100Y4: values 9 1 3 5 0 1 0 0 21 0 0 0 1 0 0 30 4
  // Σ value × weight = 9 + 3 + 27 + 135 + 0 + 26 + 0 + 0 + 420 + 0 + 0 + 0 + 8 + 0 + 0 + 900 + 112 = 1640
  // 1640 mod 31 = 28; 31 − 28 = 3
  t.equal(CREDIT_CODE_CHARSET.indexOf('M'), 21)
  t.equal(CREDIT_CODE_CHARSET.indexOf('Y'), 30)
  t.equal(creditCodeCheckChar('91350100M000100Y4'), '3')
  // Σ mod 31 = 0 gives 31, written 0; Σ mod 31 = 1 gives 30, written Y.
  t.equal(creditCodeCheckChar('00000000000000000'), '0')
  t.equal(creditCodeCheckChar('10000000000000000'), 'Y')
  // With 3 instead of 4 last: Σ = 1640 − 4 × 28 + 3 × 28 = 1612 = 52 × 31, so the check is 0.
  t.equal(creditCodeCheckChar('91350100M000100Y3'), '0')
  t.ok(isValidCreditCode('91350100M000100Y30'))
})

t.test('the helper builds valid codes', async (t) => {
  const code = withCreditCodeCheckChar('91330106MA2AXXXX0')
  t.equal(code.length, 18)
  t.ok(isValidCreditCode(code))
})

t.test('precise messages for bad codes', async (t) => {
  const msg = (code: string) => {
    const r = validateCreditCode(code)
    return r.ok ? 'ok' : r.message
  }
  t.match(msg('91350100M000100Y4'), /18 characters, got 17/)
  t.match(msg('91350100M000100Y433'), /18 characters, got 19/)
  t.match(msg(''), /got 0/)
  t.match(msg('91350100M0001O0Y43'), /character 'O' at position 14 is not allowed/)
  t.match(msg('91350100m000100Y43'), /position 9.*capitals/)
  t.match(msg('91350100M000100S43'), /'S' at position 16.*I, O, Z, S and V/)
  t.match(msg('913501-0M000100Y43'), /'-' at position 7/)
  t.match(msg(withCreditCodeCheckChar('B1350100M000100Y4')), /position 1 \(registration authority\).*got 'B'/)
  t.match(msg(withCreditCodeCheckChar('9A350100M000100Y4')), /position 2 \(organisation type\).*got 'A'/)
  t.match(msg(withCreditCodeCheckChar('913501A0M000100Y4')), /positions 3–8 .*'A' at position 7/)
  t.equal(msg('91350100M000100Y44'), "wrong check character at position 18: expected '3', got '4'")
  const r = validateCreditCode('914403001922038217')
  t.equal(r.ok ? 0 : r.position, 18)
})

t.test('a single changed character is always caught', async (t) => {
  const code = '914403001922038216'
  let caught = 0
  let tried = 0
  for (let i = 0; i < 18; i++) {
    for (const ch of CREDIT_CODE_CHARSET) {
      if (ch === code.charAt(i)) continue
      tried++
      if (!isValidCreditCode(code.slice(0, i) + ch + code.slice(i + 1))) caught++
    }
  }
  t.equal(caught, tried)
})

t.test('creditCodeSchema normalises case and spaces, then validates', async (t) => {
  t.equal(creditCodeSchema.parse(' 91350100m000100y43 '), '91350100M000100Y43')
  t.equal(creditCodeSchema.parse('9135 0100 M000 100Y 43'), '91350100M000100Y43')
  const bad = creditCodeSchema.safeParse('91350100M000100Y44')
  t.notOk(bad.success)
  t.equal(bad.error?.issues[0]?.message, "wrong check character at position 18: expected '3', got '4'")
  t.notOk(creditCodeSchema.safeParse(12).success)
})
