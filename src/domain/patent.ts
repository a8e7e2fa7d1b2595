/**
 * The patent record of the university inventory, as the API contract names its fields.
 * The schema is the single source of validation for the JSON routes, NDJSON and CSV import.
 */
import { z } from 'zod'
import './zod-messages.js'

export const LEGAL_STATUSES = ['pending', 'granted', 'lapsed', 'expired', 'invalidated'] as const
export const TRANSFER_MODES = ['assignment', 'license', 'open-license', 'equity'] as const
/** `listed` while on offer; `withdrawn` once the owner takes it off the market (it may list it again). */
export const PATENT_STATUSES = ['listed', 'withdrawn'] as const
export type LegalStatus = (typeof LEGAL_STATUSES)[number]
export type PatentStatus = (typeof PATENT_STATUSES)[number]
export type TransferMode = (typeof TRANSFER_MODES)[number]

/** Statuses under which a patent can no longer be transferred: never offered as a match. */
export const DEAD_STATUSES: ReadonlySet<LegalStatus> = new Set(['lapsed', 'expired', 'invalidated'])

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date')

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max)
const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max)

export const publicationNumberSchema = z
  .string()
  .trim()
  .regex(/^[A-Z]{2}[0-9A-Z]{3,20}$/, 'expected a publication number such as CN117151122A')

export const ipcCodeSchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase().replace(/\s+/g, ''))
  .pipe(z.string().regex(/^[A-H]\d{2}[A-Z](\d{1,4}(\/\d{1,6})?)?$/, 'expected an IPC or CPC code such as G06F16/35'))

/** Fields a TTO may write; `publicationNumber` is the identity. */
export const patentInputSchema = z.strictObject({
  publicationNumber: publicationNumberSchema,
  /** The application number (申请号), kept as its own field: offices look patents up by it. */
  applicationNumber: z
    .string()
    .trim()
    .regex(/^(CN)?\d{8,13}(\.[\dX])?$|^[A-Z]{2}[0-9A-Z/.\-]{4,24}$/, 'expected an application number such as CN202310012345.6')
    .optional(),
  title: text(500),
  abstract: text(20_000),
  claims: z.string().max(200_000).optional(),
  keywords: list(text(100), 100).optional(),
  ipc: list(ipcCodeSchema, 100).optional(),
  applicants: list(text(300), 50).optional(),
  inventors: list(text(200), 100).optional(),
  language: z.enum(['zh', 'en']).optional(),
  legalStatus: z.enum(LEGAL_STATUSES).optional(),
  filingDate: isoDate.optional(),
  publicationDate: isoDate.optional(),
  grantDate: isoDate.optional(),
  expiryDate: isoDate.optional(),
  transferModes: list(z.enum(TRANSFER_MODES), 4).optional(),
  /**
   * Technology readiness (技术成熟度) as the office judges it: the nine levels of GB/T 22900-2022
   * (1 principle observed … 9 proven in production).
   */
  maturity: z.number().int().min(1).max(9).optional(),
  /** The office's own grade of the patent from its inventory review (盘点分级), 1 to 5, 5 the best. */
  officeGrade: z.number().int().min(1).max(5).optional(),
})
export type PatentInput = z.infer<typeof patentInputSchema>

/** An update replaces the writable fields given; the identity comes from the path. */
export const patentPatchSchema = patentInputSchema.omit({ publicationNumber: true }).partial()
export type PatentPatch = z.infer<typeof patentPatchSchema>

/** A stored patent: the input with defaults applied and bookkeeping added. */
export const patentSchema = z.object({
  publicationNumber: z.string(),
  applicationNumber: z.string().optional(),
  title: z.string(),
  abstract: z.string(),
  claims: z.string().optional(),
  keywords: z.array(z.string()),
  ipc: z.array(z.string()),
  applicants: z.array(z.string()),
  inventors: z.array(z.string()),
  /** Given by the TTO, or detected from title and abstract (zh, en or mixed). */
  language: z.enum(['zh', 'en', 'mixed']),
  legalStatus: z.enum(LEGAL_STATUSES),
  filingDate: z.string().optional(),
  publicationDate: z.string().optional(),
  grantDate: z.string().optional(),
  expiryDate: z.string().optional(),
  transferModes: z.array(z.enum(TRANSFER_MODES)),
  maturity: z.number().int().optional(),
  officeGrade: z.number().int().optional(),
  /** `listed` while on offer; `withdrawn` once the owner takes it off the market. */
  status: z.enum(PATENT_STATUSES),
  /** Organisation that listed it (the key's organisation). */
  ownerOrgId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Patent = z.infer<typeof patentSchema>

/** Whether a patent may be offered to an enterprise at all. */
export function isOfferable(p: Pick<Patent, 'status' | 'legalStatus'>): boolean {
  return p.status === 'listed' && !DEAD_STATUSES.has(p.legalStatus)
}
