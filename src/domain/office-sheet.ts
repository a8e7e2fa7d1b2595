/**
 * Inventory records as tech-transfer offices keep them, made into the API's patent fields: column
 * headers in Chinese or English and their usual variants, values in the office's words (有效, 许可,
 * 中文), dates as people write them, publication numbers and IPC codes in any width, case or
 * spacing, lists separated as Excel users separate them. The words are data
 * (`search-config/import-columns.tsv`, `import-values.tsv`); what cannot be read is left as it is,
 * for the patent schema to reject with the field's name.
 */

import { excerpt } from './errors.js'

export interface SheetVocabulary {
  /** Normalised header → field. */
  columns: ReadonlyMap<string, string>
  /** Field → normalised value → code. */
  values: ReadonlyMap<string, ReadonlyMap<string, string>>
  /** Field → the header of the template (the first Chinese name). */
  templateHeaders: ReadonlyMap<string, string>
}

/** Full width to half width, case folded, spaces, underscores and hyphens dropped: 公开（公告）号 = 公开(公告)号, Publication_Number = publicationNumber. */
export function foldKey(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\s_\-]+/g, '')
}

function rows(text: string, columns: number, file: string): string[][] {
  const out: string[][] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const cells = line.split('\t').map((s) => s.trim())
    if (cells.length !== columns || cells.some((c) => c === '')) throw new Error(`${file}: "${line.slice(0, 40)}" needs ${columns} cells separated by tabs`)
    out.push(cells)
  }
  return out
}

export function parseSheetVocabulary(columnsText: string, valuesText: string): SheetVocabulary {
  const columns = new Map<string, string>()
  const templateHeaders = new Map<string, string>()
  for (const [field, names] of rows(columnsText, 2, 'import-columns.tsv')) {
    const list = names!.split('|').map((n) => n.trim())
    templateHeaders.set(field!, list[0]!)
    for (const name of [field!, ...list]) {
      const key = foldKey(name)
      const taken = columns.get(key)
      if (taken !== undefined && taken !== field) throw new Error(`import-columns.tsv: "${name}" names both ${taken} and ${field}`)
      columns.set(key, field!)
    }
  }
  const values = new Map<string, Map<string, string>>()
  for (const [field, value, code] of rows(valuesText, 3, 'import-values.tsv')) {
    let m = values.get(field!)
    if (m === undefined) values.set(field!, (m = new Map()))
    m.set(foldKey(value!), code!)
  }
  return { columns, values, templateHeaders }
}

export interface HeaderMapping {
  /** For each column, the field it fills (undefined: unknown). */
  fields: Array<string | undefined>
  /** Every known column: as written in the file → field. */
  mapping: Record<string, string>
  unknown: string[]
  /** Fields that two columns name (the second is ignored). */
  duplicates: Array<{ field: string; columns: [string, string] }>
}

export function mapHeader(header: readonly string[], vocabulary: SheetVocabulary): HeaderMapping {
  const mapping: Record<string, string> = {}
  const unknown: string[] = []
  const duplicates: HeaderMapping['duplicates'] = []
  const seen = new Map<string, string>()
  const fields = header.map((h) => {
    const field = vocabulary.columns.get(foldKey(h))
    if (field === undefined) {
      if (h.trim() !== '') unknown.push(h)
      return undefined
    }
    const first = seen.get(field)
    if (first !== undefined) {
      duplicates.push({ field, columns: [first, h] })
      return undefined
    }
    seen.set(field, h)
    mapping[h] = field
    return field
  })
  return { fields, mapping, unknown, duplicates }
}

/** A cell as a reader gives it: text, or a date or number from a spreadsheet. */
export type Cell = string | number | Date | boolean

const LIST_FIELDS = new Set(['keywords', 'ipc', 'applicants', 'inventors', 'transferModes'])
const DATE_FIELDS = new Set(['filingDate', 'publicationDate', 'grantDate', 'expiryDate'])
/** Fields that are small whole numbers: 6, ６, TRL 6, 6级 → 6 (an office word such as a grade letter is read first). */
const NUMBER_FIELDS = new Set(['maturity', 'officeGrade'])
const wholeNumber = (v: unknown): unknown => {
  if (typeof v !== 'string') return v
  const m = /^(?:trl)?(\d{1,2})级?$/.exec(foldKey(v))
  return m === null ? v : Number(m[1])
}
/** Separators offices put between list items (not spaces: an IPC code may contain one). */
const LIST_SEPARATOR = /[;；,，、|\n]+/

const pad = (n: number) => String(n).padStart(2, '0')
/** The ISO date, or undefined when the parts name no calendar day (then the cell is left as given). */
const iso = (y: number, m: number, d: number) => {
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? `${y}-${pad(m)}-${pad(d)}` : undefined
}

/**
 * 2021-3-4, 2021/03/04, 2021.3.4, 2021年3月4日, 20210304, an Excel date or its serial number →
 * 2021-03-04. Anything else is returned as given (the schema names what it expects).
 */
export function normaliseDate(cell: Cell): Cell {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? cell : cell.toISOString().slice(0, 10)
  if (typeof cell === 'number') {
    // Excel's serial day (1900 date system): day 25569 is 1970-01-01.
    if (Number.isInteger(cell) && cell > 0 && cell < 2_958_466) return new Date((cell - 25569) * 86_400_000).toISOString().slice(0, 10)
    return cell
  }
  if (typeof cell !== 'string') return cell
  const s = cell.normalize('NFKC').trim()
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s)
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3])) ?? cell
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3])) ?? cell
  return cell
}

/** ＣＮ１１７１５１１２２Ａ, cn117151122a, CN 117151122 A, CN117151122.A → CN117151122A. */
export function normalisePublicationNumber(cell: Cell): Cell {
  if (typeof cell !== 'string') return typeof cell === 'number' ? String(cell) : cell
  return cell.normalize('NFKC').toUpperCase().replace(/[\s.]+/g, '')
}

/** CN202310012345.6 and 2023 1001 2345.6 alike; kept with its check digit. */
export function normaliseApplicationNumber(cell: Cell): Cell {
  if (typeof cell !== 'string') return typeof cell === 'number' ? String(cell) : cell
  return cell.normalize('NFKC').toUpperCase().replace(/\s+/g, '')
}

/** G06F 16/35, g06f16/35, Ｇ０６Ｆ１６／３５, and the zero-padded G06F0016350000 → G06F16/35. */
export function normaliseIpc(code: string): string {
  const s = code.normalize('NFKC').toUpperCase().replace(/\s+/g, '')
  const padded = /^([A-H]\d{2}[A-Z])(\d{4})(\d{6})$/.exec(s)
  if (padded) {
    const group = String(Number(padded[2]))
    const sub = padded[3]!.replace(/0+$/, '')
    return `${padded[1]}${group}/${sub.length < 2 ? sub.padEnd(2, '0') : sub}`
  }
  return s
}

function listOf(cell: Cell): string[] {
  if (typeof cell !== 'string') return [String(cell)]
  return cell
    .split(LIST_SEPARATOR)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/**
 * One record's cells, by field, made into the values the patent schema takes. Fields without a
 * rule pass through as text (trimmed); empty cells are absent fields. From a sheet every cell is
 * text, a number or a date; from JSON, values that are not text are left for the schema to judge.
 */
export function normaliseRecord(cells: Record<string, unknown>, vocabulary: SheetVocabulary, from: 'sheet' | 'json'): Record<string, unknown> {
  // No prototype: a "__proto__" field stays a field (and is refused by name as unknown).
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  const code = (field: string, v: unknown) => (typeof v === 'string' ? (vocabulary.values.get(field)?.get(foldKey(v)) ?? v.trim()) : v)
  for (const [field, raw] of Object.entries(cells)) {
    // A blank value of a known field is an absent field; an unknown field stays, to be refused by name.
    const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')
    if (blank && vocabulary.templateHeaders.has(field)) continue
    if (from === 'json' && typeof raw !== 'string' && !Array.isArray(raw)) {
      out[field] = raw
      continue
    }
    if (Array.isArray(raw)) {
      // NDJSON lists: each item normalised like a spreadsheet's
      out[field] = field === 'ipc' ? raw.map((c) => (typeof c === 'string' ? normaliseIpc(c) : c)) : raw.map((c) => code(field, c))
      continue
    }
    const cell = raw as Cell
    if (LIST_FIELDS.has(field) && (typeof cell === 'string' || typeof cell === 'number')) {
      const items = listOf(cell)
      out[field] = field === 'ipc' ? items.map(normaliseIpc) : items.map((c) => code(field, c))
    } else if (DATE_FIELDS.has(field)) out[field] = normaliseDate(cell)
    else if (field === 'publicationNumber') out[field] = normalisePublicationNumber(cell)
    else if (field === 'applicationNumber') out[field] = normaliseApplicationNumber(cell)
    else if (NUMBER_FIELDS.has(field)) out[field] = typeof cell === 'number' ? cell : wholeNumber(code(field, cell))
    else if (typeof cell === 'string') out[field] = code(field, cell)
    else if (typeof cell === 'number' || typeof cell === 'boolean') out[field] = String(cell)
    else out[field] = cell
  }
  return out
}

/** A zod issue as the patent schema reports it. */
interface Issue {
  path: ReadonlyArray<PropertyKey>
  message: string
  code?: string
  keys?: string[]
  maximum?: unknown
  input?: unknown
}

const FORMAT_HINTS_ZH: Record<string, string> = {
  publicationNumber: '不是公开号，例如 CN117151122A',
  applicationNumber: '不是申请号，例如 CN202310012345.6',
  ipc: '不是 IPC 分类号，例如 G06F16/35',
  filingDate: '不是日期，可写作 2021-03-04、2021/3/4、2021年3月4日 或 20210304',
}
for (const f of ['publicationDate', 'grantDate', 'expiryDate']) FORMAT_HINTS_ZH[f] = FORMAT_HINTS_ZH.filingDate!


/**
 * A rejected record's problems, each with its field path, the message in English and Chinese,
 * and an excerpt of the value at fault; a field is named by the file's own column where it had
 * one (`columns`: column → field), else by the template's Chinese header.
 */
export function rowDetails(issues: readonly Issue[], record: Record<string, unknown>, vocabulary: SheetVocabulary, columns: Record<string, string> = {}) {
  const columnOf = new Map(Object.entries(columns).map(([column, field]) => [field, column]))
  const label = (field: string) => columnOf.get(field) ?? vocabulary.templateHeaders.get(field) ?? field
  const allowedZh = (field: string) => {
    const first = new Map<string, string>()
    for (const [value, code] of vocabulary.values.get(field) ?? []) if (!first.has(code) && /[^\x00-\x7f]/.test(value)) first.set(code, value)
    return [...first.values()].join('、')
  }
  // One problem per field is enough for a person (a date both malformed and impossible, say).
  const seen = new Set<string>()
  const firstPerField = issues.filter((i) => {
    const key = i.path.map(String).join('.')
    if (i.code !== 'unrecognized_keys' && seen.has(key)) return false
    seen.add(key)
    return true
  })
  return firstPerField.flatMap((issue) => {
    const field = String(issue.path[0] ?? '')
    const path = issue.path.map(String).join('.') || '(root)'
    const at = issue.path.length > 1 ? (record[field] as unknown[] | undefined)?.[Number(issue.path[1])] : record[field]
    const value = at === undefined ? undefined : excerpt(at)
    const withValue = <T extends object>(d: T) => (value === undefined ? d : { ...d, value })
    if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
      return issue.keys.map((k) => excerpt(k)).map((k) => ({ path: k, message: `unknown field "${k}"`, zh: `未知字段「${k}」` }))
    }
    const name = label(field)
    let zh: string
    if (issue.code === 'invalid_type' && issue.input === undefined) zh = `缺少「${name}」`
    else if (issue.code === 'invalid_value') zh = `「${name}」的值「${value ?? ''}」无法识别${allowedZh(field) === '' ? '' : `，可填：${allowedZh(field)}`}`
    else if (issue.code === 'too_big') zh = `「${name}」过长，最多 ${String(issue.maximum)} ${Array.isArray(record[field]) && issue.path.length === 1 ? '项' : '字'}`
    else if (issue.code === 'too_small') zh = `「${name}」不能为空`
    else if (FORMAT_HINTS_ZH[field] !== undefined) zh = `「${name}」的值「${value ?? ''}」${FORMAT_HINTS_ZH[field]}`
    else zh = `「${name}」：${issue.message}`
    return [withValue({ path, message: issue.message, zh })]
  })
}

/** The example row of the template, by field (values in the words an office writes). */
const EXAMPLE: Record<string, string> = {
  publicationNumber: 'CN117151122A',
  applicationNumber: 'CN202310012345.6',
  title: '一种基于深度学习的工业零件表面缺陷检测方法',
  abstract: '本发明公开了一种基于深度学习的工业零件表面缺陷检测方法，采集零件图像，经卷积神经网络识别划痕、凹坑等缺陷，检测准确率高。',
  claims: '1. 一种工业零件表面缺陷检测方法，其特征在于……',
  ipc: 'G06T7/00; G06N3/08',
  keywords: '缺陷检测; 深度学习; 机器视觉',
  applicants: '某某大学',
  inventors: '张三; 李四',
  legalStatus: '有效',
  filingDate: '2023/1/5',
  publicationDate: '2023年12月8日',
  grantDate: '20240510',
  expiryDate: '2043-01-05',
  transferModes: '许可; 转让',
  language: '中文',
  maturity: '6',
  officeGrade: 'B',
}

/** The template's header (each field's first Chinese name) and its example row. */
export function importTemplate(vocabulary: SheetVocabulary): { header: string[]; example: string[] } {
  const fields = [...vocabulary.templateHeaders.keys()]
  return { header: fields.map((f) => vocabulary.templateHeaders.get(f)!), example: fields.map((f) => EXAMPLE[f] ?? '') }
}
