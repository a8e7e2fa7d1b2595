/**
 * Readers for bulk-import bodies: NDJSON (one JSON object a line) and CSV (a header of field
 * names, lists separated by `;`). They stream: one record at a time, each with its line number,
 * either as an object to validate or as a syntax error. Nothing here decides what is valid.
 */
import { parse as parseCsv } from 'csv-parse'
import split2 from 'split2'
import { pipeline, type Readable } from 'node:stream'
import { DomainError, type ErrorDetail } from '../domain/errors.js'

export type ImportFormat = 'ndjson' | 'csv'

export type RawRecord = { line: number; value: Record<string, unknown> } | { line: number; errors: ErrorDetail[] }

/** Fields that CSV carries as `;`-separated lists. */
const LIST_FIELDS = new Set(['keywords', 'ipc', 'applicants', 'inventors', 'transferModes'])

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

export async function* readNdjson(body: Readable): AsyncGenerator<RawRecord> {
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
      yield { line, errors: [{ path: '(root)', message: `not valid JSON: ${(err as Error).message}` }] }
      continue
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, errors: [{ path: '(root)', message: 'expected a JSON object' }] }
      continue
    }
    yield { line, value: value as Record<string, unknown> }
  }
}

/**
 * CSV with a header line. Empty cells are absent fields; list fields split on `;`.
 * `knownFields` lets the reader refuse an unknown column once, by name, instead of on every row.
 */
export async function* readCsv(body: Readable, knownFields: ReadonlySet<string>): AsyncGenerator<RawRecord> {
  const skipped: RawRecord[] = []
  const parser = pipeline(
    body,
    parseCsv({ info: true, skip_records_with_error: true, relax_column_count: true, bom: true, skip_empty_lines: true, trim: true, max_record_size: MAX_LINE_BYTES }),
    () => {},
  )
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({ line: err.lines ?? 0, errors: [{ path: '(row)', message: `not valid CSV: ${err.message}` }] })
  })
  let header: string[] | undefined
  let prevEnd = 0
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length > 0) yield skipped.shift()!
    const line = prevEnd + 1
    prevEnd = info.lines
    if (header === undefined) {
      header = record
      const unknown = header.filter((h) => !knownFields.has(h))
      if (unknown.length > 0) {
        throw new HeaderError(
          `unknown column${unknown.length > 1 ? 's' : ''} in the CSV header: ${unknown.join(', ')}`,
          unknown.map((h) => ({ path: h, message: `unknown field "${h}"` })),
        )
      }
      continue
    }
    if (record.length > header.length) {
      yield { line, errors: [{ path: '(row)', message: `${record.length} cells for ${header.length} columns` }] }
      continue
    }
    const value: Record<string, unknown> = {}
    header.forEach((name, i) => {
      const cell = record[i]
      if (cell === undefined || cell === '') return
      value[name] = LIST_FIELDS.has(name)
        ? cell
            .split(';')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : cell
    })
    yield { line, value }
  }
  while (skipped.length > 0) yield skipped.shift()!
}
