/**
 * Readers for bulk-import bodies as offices have them: NDJSON (one JSON object a line), CSV and
 * Excel (.xlsx) with a header row in Chinese or English. Text is decoded from UTF-8 (with or
 * without BOM), UTF-16 or GB18030/GBK, detected or as the upload's `charset` says. They stream:
 * one record at a time, each with its line (or row) number, either as fields to validate or as a
 * syntax error. Headers and values are made into the API's fields by `domain/office-sheet`;
 * nothing here decides what is valid.
 */
import { Busboy } from '@fastify/busboy'
import { parse as parseCsv } from 'csv-parse'
import chardet from 'chardet'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import split2 from 'split2'
import { Readable, pipeline, type Transform } from 'node:stream'
import { DomainError, ValidationError, excerpt, type ErrorDetail } from '../domain/errors.js'
import type { FileFacts, RawRecord } from '../domain/imports.js'
import { foldKey, mapHeader, normaliseRecord, type Cell, type HeaderMapping, type SheetVocabulary } from '../domain/office-sheet.js'

export type ImportFormat = 'ndjson' | 'csv' | 'xlsx'

export type { FileFacts, RawRecord } from '../domain/imports.js'

/** What a reader learns of a file: the facts the import's answer gives, and the header as written. */
export interface ReadFacts extends FileFacts {
  header?: string[]
}

export const MEDIA_TYPES: Record<string, ImportFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
}

/** A file's type by its name, as a browser form sends it (its declared type is often generic). */
const EXTENSIONS: Record<string, ImportFormat | 'xls'> = { xlsx: 'xlsx', xls: 'xls', csv: 'csv', ndjson: 'ndjson', jsonl: 'ndjson' }

/** The file of a multipart form, streaming, with the form's other fields sent before it. */
export interface FormFile {
  stream: Readable
  format: ImportFormat
  filename: string
  /** The charset the part's content-type declares, if any. */
  charset?: string
  fields: Record<string, string>
}

/**
 * Reads a `multipart/form-data` body (a browser's upload form) up to its first file, which is
 * handed on as a stream; fields sent before the file (mode, sheet, charset) come with it. The
 * file's format is taken from its name's extension, else from the part's content-type.
 */
export function formFile(body: Readable, headers: Record<string, string | string[] | undefined>): Promise<FormFile> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {}
    let busboy: ReturnType<typeof Busboy>
    try {
      busboy = Busboy({ headers: headers as { 'content-type': string }, limits: { files: 1, fields: 20, fieldSize: 1000, parts: 30 } })
    } catch (err) {
      return reject(new ValidationError(`not a readable form: ${excerpt((err as Error).message, 80)}`, [{ path: 'headers.content-type', message: 'a multipart form needs its boundary', zh: '表单格式不正确' }]))
    }
    let found = false
    busboy.on('field', (name, value) => {
      if (!found) fields[excerpt(name, 40)] = value
    })
    busboy.on('file', (_field, stream, filename, _encoding, mimeType) => {
      if (found) return stream.resume()
      found = true
      const [type = '', ...params] = mimeType.split(';').map((p) => p.trim())
      const ext = /\.([A-Za-z0-9]{1,10})$/.exec(filename ?? '')?.[1]?.toLowerCase()
      const byName = ext === undefined ? undefined : EXTENSIONS[ext]
      const format = byName ?? MEDIA_TYPES[type.toLowerCase()]
      if (format === undefined || format === 'xls') {
        stream.resume()
        const what = format === 'xls' ? 'an old Excel workbook (.xls): save it as .xlsx in Excel and upload that' : `"${excerpt(filename || type, 60)}", which is none of .xlsx, .csv, .ndjson`
        return reject(
          new DomainError('unsupported_media_type', `the form's file is ${what}`, [
            { path: 'body.file', message: 'unsupported file type', zh: format === 'xls' ? '不支持旧版 Excel（.xls）：请在 Excel 中另存为 .xlsx 后上传' : '不支持的文件类型：请上传 .xlsx、CSV 或 NDJSON 文件' },
          ]),
        )
      }
      const charset = params.find((p) => /^charset=/i.test(p))?.slice('charset='.length).replace(/^"|"$/g, '')
      resolve({ stream, format, filename: filename ?? '', fields, ...(charset === undefined ? {} : { charset }) })
    })
    busboy.on('error', (err: unknown) => {
      if (!found) reject(new ValidationError(`the form cannot be read: ${excerpt(err instanceof Error ? err.message : String(err), 80)}`, [{ path: 'body', message: 'not a readable multipart form', zh: '无法读取上传的表单' }]))
    })
    busboy.on('finish', () => {
      if (!found) reject(new ValidationError('the form holds no file: send the inventory as its field "file"', [{ path: 'body.file', message: 'required', zh: '表单中没有文件' }]))
    })
    body.on('error', (err) => (found ? undefined : reject(err)))
    body.pipe(busboy)
  })
}

export class HeaderError extends Error {
  constructor(
    message: string,
    readonly details: ErrorDetail[],
  ) {
    super(message)
  }
}

/**
 * The longest line (NDJSON) or record (CSV) read: far above any patent record, low enough that
 * a body without line breaks is refused after a few MB instead of being buffered whole.
 */
export const MAX_LINE_BYTES = 4 * 2 ** 20

/** A line or record over MAX_LINE_BYTES: the rest of the body is not read. */
export class LineTooLong extends DomainError {
  constructor(line: number, read: number) {
    const done = read === 0 ? 'no record was read' : `lines 1–${read} were read`
    super('payload_too_large', `line ${line} is longer than ${MAX_LINE_BYTES / 2 ** 20} MiB: is the file one record a line? ${done}, nothing after them`)
  }
}

/** NDJSON, decoded already; keys may be the columns' names too (公开号), values are normalised as a sheet's. */
export async function* readNdjson(body: Readable, vocabulary: SheetVocabulary): AsyncGenerator<RawRecord> {
  let line = 0
  let split = 0
  const lines = pipeline(
    body,
    split2((l: string) => (split++, l), { maxLength: MAX_LINE_BYTES }),
    () => {},
  )
  // split2 reports an over-long line as a plain error; name it for the client
  const overflow = (err: unknown) => (err instanceof Error && /maximum buffer reached/.test(err.message) ? new LineTooLong(split + 1, line) : err)
  const iterator = (lines as AsyncIterable<string>)[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<string>
    try {
      next = await iterator.next()
    } catch (err) {
      throw overflow(err)
    }
    if (next.done) return
    const text = next.value
    line++
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      yield { line, errors: [{ path: '(root)', message: `not valid JSON: ${(err as Error).message}` }], original: [text] }
      continue
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, errors: [{ path: '(root)', message: 'expected a JSON object' }], original: [text] }
      continue
    }
    const byField: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    // Chinese column names are understood; English keys are the API's field names, exactly.
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) byField[/^[\x00-\x7f]*$/.test(key) ? key : (vocabulary.columns.get(foldKey(key)) ?? key)] = v
    yield { line, value: normaliseRecord(byField, vocabulary, 'json'), original: [text] }
  }
}

/** The first `bytes` of a stream, and the whole stream again to read from. */
export async function peek(body: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = []
  let size = 0
  const iterator = body[Symbol.asyncIterator]()
  let done = false
  while (size < bytes) {
    const next = (await iterator.next()) as IteratorResult<Buffer>
    if (next.done) {
      done = true
      break
    }
    chunks.push(next.value)
    size += next.value.length
  }
  const head = Buffer.concat(chunks)
  async function* all() {
    if (head.length > 0) yield head
    if (done) return
    for (;;) {
      const next = (await iterator.next()) as IteratorResult<Buffer>
      if (next.done) return
      yield next.value
    }
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) }
}

/**
 * Whether a body starting with `[` is one JSON array of records (pretty-printed over many lines,
 * or on one line of objects) rather than NDJSON whose first line happens to be an array.
 */
function looksLikeJsonArray(text: string): boolean {
  const first = text.split('\n', 1)[0]!.trim()
  try {
    const v: unknown = JSON.parse(first)
    return Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))
  } catch {
    return true
  }
}

/** What the first bytes say a body is, whatever it was declared as. */
export function sniff(head: Buffer): ImportFormat | 'xls' | 'json-array' | 'empty' | undefined {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'xlsx'
  if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) return 'xls'
  const text = head.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (text === '') return 'empty'
  if (text.startsWith('[') && looksLikeJsonArray(text)) return 'json-array'
  if (text.startsWith('{')) return 'ndjson'
  return undefined
}

/** Refuses a body that is plainly not what it was declared as, saying what it looks like. */
export function checkDeclared(declared: ImportFormat, head: Buffer): void {
  const seen = sniff(head)
  const hint: Record<string, string> = {
    xlsx: 'it is an Excel workbook (.xlsx): send it with content-type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    xls: 'it is an old Excel workbook (.xls): save it as .xlsx or CSV in Excel and upload that',
    'json-array': 'it is a JSON array: send one object per line as NDJSON (application/x-ndjson)',
    ndjson: 'it looks like NDJSON (one JSON object per line): send it with content-type application/x-ndjson',
  }
  if (seen === 'empty') throw new ValidationError('the file is empty: nothing to import', [{ path: 'body', message: 'no records' }])
  if (declared === 'xlsx' && seen !== 'xlsx') {
    const what = seen === 'xls' ? hint.xls! : 'it is not an Excel workbook (.xlsx): send a CSV as text/csv, NDJSON as application/x-ndjson'
    throw new ValidationError(`the body was declared .xlsx, but ${what}`, [{ path: 'body', message: what, zh: '文件不是 Excel 工作簿（.xlsx）' }])
  }
  if (seen === undefined || seen === declared) return
  if (declared === 'ndjson' && seen === 'json-array') throw new ValidationError(`the body is not NDJSON: ${hint['json-array']}`, [{ path: 'body', message: hint['json-array']! }])
  if (declared !== 'xlsx' || seen !== 'ndjson') {
    throw new ValidationError(`the body was declared ${declared.toUpperCase()}, but ${hint[seen]}`, [{ path: 'body', message: hint[seen]! }])
  }
}

const BOMS: Array<[number[], string]> = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
]

/**
 * The encoding of a text body: its byte-order mark, else the declared charset, else UTF-8 when
 * the first bytes are valid UTF-8, else what chardet finds — GB18030 (which reads GBK and
 * GB2312) unless chardet is sure of UTF-16, Big5 or another it names with confidence.
 */
export function detectEncoding(head: Buffer, declared?: string): { encoding: string; source: 'bom' | 'declared' | 'detected' } {
  for (const [bytes, encoding] of BOMS) if (bytes.every((b, i) => head[i] === b)) return { encoding, source: 'bom' }
  if (declared !== undefined) {
    const name = declared.toLowerCase()
    if (!iconv.encodingExists(name)) throw new ValidationError(`unknown charset "${excerpt(declared, 30)}"`, [{ path: 'headers.content-type', message: 'unknown charset' }])
    return { encoding: ['gbk', 'gb2312'].includes(name) ? 'gb18030' : name, source: 'declared' }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    return { encoding: 'utf-8', source: 'detected' }
  } catch {
    const best = chardet.analyse(head)[0]
    const sure = best !== undefined && best.confidence >= 80 && /^(UTF-16LE|UTF-16BE|Big5|Shift_JIS|EUC-KR|EUC-JP)$/.test(best.name)
    return { encoding: sure ? best.name.toLowerCase() : 'gb18030', source: 'detected' }
  }
}

/** The body decoded to text by `encoding` (a BOM dropped). */
export function decode(body: Readable, encoding: string): Readable {
  const out = iconv.decodeStream(encoding, { stripBOM: true }) as unknown as Transform
  return pipeline(body, out, () => {}) as unknown as Readable
}

function headerError(mapping: HeaderMapping, vocabulary: SheetVocabulary): HeaderError | undefined {
  if (mapping.unknown.length === 0 && mapping.duplicates.length === 0) return undefined
  const known = [...vocabulary.templateHeaders.entries()].map(([field, zh]) => `${zh} (${field})`).join(', ')
  const details: ErrorDetail[] = [
    ...mapping.unknown.map((h) => ({ path: excerpt(h, 40), message: `unknown field "${excerpt(h, 40)}"`, zh: `无法识别的列「${excerpt(h, 40)}」` })),
    ...mapping.duplicates.map((d) => ({ path: excerpt(d.columns[1], 40), message: `"${excerpt(d.columns[0], 40)}" and "${excerpt(d.columns[1], 40)}" both fill ${d.field}`, zh: `「${excerpt(d.columns[0], 40)}」和「${excerpt(d.columns[1], 40)}」是同一字段` })),
  ]
  const what = mapping.unknown.length > 0 ? `unknown column${mapping.unknown.length > 1 ? 's' : ''} in the header: ${mapping.unknown.map((h) => excerpt(h, 40)).join(', ')}` : 'two columns name the same field'
  return new HeaderError(`${what}; the columns understood are: ${known}`, details)
}

/** One spreadsheet or CSV row, by the header's fields, made into the API's fields. */
function rowValue(fields: ReadonlyArray<string | undefined>, cells: ReadonlyArray<Cell | undefined>, vocabulary: SheetVocabulary): Record<string, unknown> {
  const byField: Record<string, Cell> = {}
  fields.forEach((field, i) => {
    const cell = cells[i]
    if (field !== undefined && cell !== undefined && cell !== '') byField[field] = cell
  })
  return normaliseRecord(byField, vocabulary, 'sheet')
}

/**
 * CSV with a header line, decoded already. Empty cells are absent fields. The header is mapped
 * once: an unknown column is refused by name before any row is read.
 */
export async function* readCsv(text: Readable, vocabulary: SheetVocabulary, facts: ReadFacts): AsyncGenerator<RawRecord> {
  const skipped: RawRecord[] = []
  const parser = pipeline(
    text,
    parseCsv({ info: true, skip_records_with_error: true, relax_column_count: true, bom: true, skip_empty_lines: true, trim: true, max_record_size: MAX_LINE_BYTES }),
    () => {},
  )
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({ line: err.lines ?? 0, errors: [{ path: '(row)', message: `not valid CSV: ${excerpt(err.message, 200)}` }] })
  })
  let header: HeaderMapping | undefined
  let prevEnd = 0
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length > 0) yield skipped.shift()!
    const line = prevEnd + 1
    prevEnd = info.lines
    if (header === undefined) {
      header = mapHeader(record, vocabulary)
      const err = headerError(header, vocabulary)
      if (err !== undefined) throw err
      facts.columns = header.mapping
      facts.header = record
      continue
    }
    if (record.length > header.fields.length) {
      yield { line, errors: [{ path: '(row)', message: `${record.length} cells for ${header.fields.length} columns`, zh: `这一行有 ${record.length} 个单元格，表头只有 ${header.fields.length} 列` }], original: record }
      continue
    }
    yield { line, value: rowValue(header.fields, record, vocabulary), original: record }
  }
  while (skipped.length > 0) yield skipped.shift()!
}

/** A spreadsheet cell's value as text, date or number (rich text, formulas and links flattened). */
function cellValue(v: unknown): Cell | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v
  const o = v as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown; error?: string }
  if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('')
  if ('result' in o) return cellValue(o.result)
  if (typeof o.text === 'string') return o.text
  return undefined
}

/** A cell as a person reads it back: a date as YYYY-MM-DD (Excel's dates carry no zone: UTC). */
const cellText = (c: Cell | undefined): string => (c === undefined ? '' : c instanceof Date ? c.toISOString().slice(0, 10) : String(c))

/**
 * The first sheet of an .xlsx workbook (or the one named), streamed row by row: the first
 * non-empty row is the header, each later row a record numbered as Excel numbers it.
 */
export async function* readXlsx(body: Readable, vocabulary: SheetVocabulary, facts: ReadFacts, sheetName?: string): AsyncGenerator<RawRecord> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(body, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit', entries: 'ignore' })
  const names: string[] = []
  try {
    yield* sheetRows(reader as Parameters<typeof sheetRows>[0], names, vocabulary, facts, sheetName)
  } catch (err) {
    if (err instanceof DomainError || err instanceof HeaderError) throw err
    // unzipper and the XML parser: a workbook cut off or damaged
    throw new ValidationError(`the workbook cannot be read (${excerpt((err as Error).message, 80)}): is the file complete, and saved as .xlsx?`, [
      { path: 'body', message: 'not a readable .xlsx workbook', zh: '无法读取该 Excel 文件：文件是否完整、是否保存为 .xlsx？' },
    ])
  }
  if (sheetName !== undefined && !names.includes(sheetName)) {
    throw new ValidationError(`the workbook has no sheet "${excerpt(sheetName, 40)}"; its sheets: ${names.map((n) => excerpt(n, 40)).join(', ')}`, [{ path: 'query.sheet', message: 'no such sheet' }])
  }
}

/** The rows of the chosen sheet of a workbook being read; `names` collects every sheet's name. */
async function* sheetRows(
  reader: AsyncIterable<AsyncIterable<{ number: number; values: unknown[] }> & { name: string }>,
  names: string[],
  vocabulary: SheetVocabulary,
  facts: ReadFacts,
  sheetName: string | undefined,
): AsyncGenerator<RawRecord> {
  for await (const sheet of reader) {
    names.push(sheet.name)
    if (sheetName !== undefined ? sheet.name !== sheetName : names.length > 1) continue
    facts.sheet = sheet.name
    let header: HeaderMapping | undefined
    for await (const row of sheet) {
      const cells = row.values.slice(1).map(cellValue)
      if (header === undefined) {
        if (cells.every((c) => c === undefined || c === '')) continue
        facts.header = cells.map(cellText)
        header = mapHeader(facts.header, vocabulary)
        const err = headerError(header, vocabulary)
        if (err !== undefined) throw err
        facts.columns = header.mapping
        continue
      }
      if (cells.every((c) => c === undefined || c === '')) continue
      yield { line: row.number, value: rowValue(header.fields, cells, vocabulary), original: cells.map(cellText) }
    }
  }
}
