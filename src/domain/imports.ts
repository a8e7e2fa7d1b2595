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
  error: z.string().optional(),
  ownerOrgId: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
})
export type ImportStatus = z.infer<typeof importStatusSchema>

const detail = z.object({ path: z.string(), message: z.string() }) satisfies z.ZodType<ErrorDetail>

export const importOutcomeSchema = z.object({
  importId: z.string(),
  accepted: z.number().int(),
  rejected: z.array(z.object({ line: z.number().int(), errors: z.array(detail) })),
  /** Rejected records in all; `rejected` lists at most the first 1,000. */
  rejectedTotal: z.number().int(),
})
export type ImportOutcome = z.infer<typeof importOutcomeSchema>
