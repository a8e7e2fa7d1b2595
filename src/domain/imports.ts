/** Bulk imports of the inventory: the answer an upload gets, and its state as indexing proceeds. */
import { z } from 'zod'
import type { ErrorDetail } from './errors.js'

export const IMPORT_STATES = ['receiving', 'indexing', 'done', 'failed'] as const
export type ImportState = (typeof IMPORT_STATES)[number]

export const importStatusSchema = z.object({
  importId: z.string(),
  state: z.enum(IMPORT_STATES),
  total: z.number().int(),
  indexed: z.number().int(),
  rejected: z.number().int(),
  /** What the upload's answer said, once its body was read to the end (absent before, and on imports older than these counts). */
  accepted: z.number().int().optional().describe('valid records: created + updated + unchanged'),
  created: z.number().int().optional(),
  updated: z.number().int().optional(),
  unchanged: z.number().int().optional().describe('records equal to the stored patent: not stored or indexed again'),
  error: z.string().optional(),
  ownerOrgId: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
})
export type ImportStatus = z.infer<typeof importStatusSchema>
/** An import's counts of valid records, as its answer gave them. */
export type ImportCounts = Required<Pick<ImportStatus, 'accepted' | 'created' | 'updated' | 'unchanged'>>
export const IMPORT_COUNTS = ['accepted', 'created', 'updated', 'unchanged'] as const satisfies ReadonlyArray<keyof ImportCounts>

const detail = z.object({ path: z.string(), message: z.string(), zh: z.string().optional(), value: z.string().optional() }) satisfies z.ZodType<ErrorDetail>

export const importOutcomeSchema = z.object({
  importId: z.string(),
  mode: z.enum(['merge', 'replace']),
  accepted: z.number().int().describe('valid records: created + updated + unchanged'),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int().describe('records equal to the stored patent: not stored or indexed again'),
  rejected: z.array(z.object({ line: z.number().int(), errors: z.array(detail) })).describe('the first 1,000 rejected records, each with its line (or Excel row)'),
  /** Rejected records in all; `rejected` lists at most the first 1,000. */
  rejectedTotal: z.number().int(),
  warnings: z.array(z.object({ line: z.number().int(), message: z.string(), zh: z.string() })),
})
export type ImportOutcome = z.infer<typeof importOutcomeSchema>

/**
 * One record as a reader hands it on: fields to validate, or a syntax error; with the row's cells
 * as the file had them (`original`), so that a rejected row can be given back as it was.
 */
export type RawRecord = ({ line: number; value: Record<string, unknown> } | { line: number; errors: ErrorDetail[] }) & { original?: string[] }

/** A rejected row kept for its import's download: its line, its cells as written, its problems. */
export const rejectedRowSchema = z.object({ line: z.number().int(), cells: z.array(z.string()), errors: z.array(detail) })
export type RejectedRow = z.infer<typeof rejectedRowSchema>

/** What a reader learnt of the file: its format, how it was decoded, which sheet, the columns. */
export const fileFactsSchema = z
  .object({
    format: z.enum(['ndjson', 'csv', 'xlsx']),
    encoding: z.string().optional(),
    encodingSource: z.enum(['bom', 'declared', 'detected']).optional(),
    sheet: z.string().optional(),
    columns: z.record(z.string(), z.string()).optional().describe("the file's columns → the fields they filled"),
  })
  .describe('how the file was read')
export type FileFacts = z.infer<typeof fileFactsSchema>

/** A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is given back quoted as text. */
const inert = (cell: string) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)

/**
 * An import's rejected rows as a sheet to correct and send again: the line, the file's own
 * columns with the values as written, then what was wrong, in Chinese or English. The columns
 * are the file's header (NDJSON: the record as one column), so a corrected file imports as is
 * once the first and last columns are removed.
 */
export function rejectedSheet(header: readonly string[] | undefined, rows: readonly RejectedRow[], lang: 'zh' | 'en', truncated: number): string[][] {
  const width = Math.max(header?.length ?? 0, ...rows.map((r) => r.cells.length))
  const columns = header !== undefined && header.length >= width ? [...header] : width <= 1 && header === undefined ? [lang === 'zh' ? '记录' : 'record'] : Array.from({ length: width }, (_, i) => header?.[i] ?? `${i + 1}`)
  const head = [lang === 'zh' ? '行号' : 'line', ...columns, lang === 'zh' ? '错误' : 'errors']
  const body = rows.map((r) => {
    const cells = Array.from({ length: columns.length }, (_, i) => inert(r.cells[i] ?? ''))
    const problems = r.errors.map((e) => (lang === 'zh' ? (e.zh ?? e.message) : e.message)).join(lang === 'zh' ? '；' : '; ')
    return [String(r.line), ...cells, problems]
  })
  if (truncated > 0) {
    const note = lang === 'zh' ? `另有 ${truncated} 行被拒绝，未能保留：请修正以上各行后重新导入，再下载其余各行` : `${truncated} more rejected rows were not kept: correct these, import again, and download the rest`
    body.push(['', ...columns.map(() => ''), note])
  }
  return [head, ...body]
}
