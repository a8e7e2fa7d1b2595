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
