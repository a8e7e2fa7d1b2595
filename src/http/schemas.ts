/** Response schemas shared by routes: what leaves the API, and nothing more. */
import { z } from 'zod'
import { ENTERPRISE_FLAGS, ENTERPRISE_SIZES, ORG_KINDS } from '../domain/org.js'
import { LEGAL_STATUSES, TRANSFER_MODES } from '../domain/patent.js'

/** A field's problem; import rows and headers also say it in Chinese and quote (a short excerpt of) the value. */
const detail = z.object({ path: z.string(), message: z.string(), zh: z.string().optional(), value: z.string().optional() })

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(detail),
  }),
})

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  503: errorSchema,
}

export const patentSchema = z.object({
  publicationNumber: z.string(),
  title: z.string(),
  abstract: z.string(),
  claims: z.string().optional(),
  keywords: z.array(z.string()),
  ipc: z.array(z.string()),
  applicants: z.array(z.string()),
  inventors: z.array(z.string()),
  language: z.enum(['zh', 'en', 'mixed']),
  legalStatus: z.enum(LEGAL_STATUSES),
  applicationNumber: z.string().optional(),
  filingDate: z.string().optional(),
  publicationDate: z.string().optional(),
  grantDate: z.string().optional(),
  expiryDate: z.string().optional(),
  transferModes: z.array(z.enum(TRANSFER_MODES)),
  status: z.enum(['listed', 'withdrawn']),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const importStatusSchema = z.object({
  importId: z.string(),
  state: z.enum(['receiving', 'indexing', 'done', 'failed']),
  total: z.number().int(),
  indexed: z.number().int(),
  rejected: z.number().int(),
  error: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
})

export const importOutcomeSchema = z.object({
  importId: z.string(),
  mode: z.enum(['merge', 'replace']),
  accepted: z.number().int().describe('valid records: created + updated + unchanged'),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int().describe('records equal to the stored patent: not stored or indexed again'),
  rejected: z.array(z.object({ line: z.number().int(), errors: z.array(detail) })).describe('the first 1,000 rejected records, each with its line (or Excel row)'),
  rejectedTotal: z.number().int(),
  warnings: z.array(z.object({ line: z.number().int(), message: z.string(), zh: z.string() })),
  file: z
    .object({
      format: z.enum(['ndjson', 'csv', 'xlsx']),
      encoding: z.string().optional(),
      encodingSource: z.enum(['bom', 'declared', 'detected']).optional(),
      sheet: z.string().optional(),
      columns: z.record(z.string(), z.string()).optional().describe("the file's columns → the fields they filled"),
    })
    .describe('how the file was read'),
})

export const needSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  keywords: z.array(z.string()),
  ipc: z.array(z.string()),
  transferModes: z.array(z.enum(TRANSFER_MODES)),
  province: z.string().optional(),
  industry: z.string().optional(),
  state: z.enum(['open', 'closed']),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const matchesSchema = z.object({
  needId: z.string(),
  state: z.enum(['pending', 'ready']),
  computedAt: z.string().optional(),
  strength: z.enum(['strong', 'weak', 'none']).describe(
    'strong: the best match reaches `threshold` (pairings are pushed from there by default); weak: matches, all below it; none: no match yet',
  ),
  threshold: z.number().describe('the score from which a match is strong; scores are estimated probabilities of relevance, comparable across needs'),
  matches: z.array(
    z.object({
      rank: z.number().int(),
      publicationNumber: z.string(),
      title: z.string(),
      score: z.number().describe('the estimated probability (0..1) that the patent is relevant to the need'),
      evidence: z.number().optional().describe('the evidence the probability rests on: text evidence lifted by class evidence'),
      new: z.boolean().optional(),
      explanation: z.object({
        matchedTerms: z.array(z.string()).describe('the need\'s words found in the patent, as the need wrote them'),
        titleCoverage: z.number().optional().describe('share (0..1) of the weight of the need\'s title words that the patent contains'),
        coverage: z.number().optional().describe('share (0..1) of the weight of all the need\'s words that the patent contains'),
        classTitles: z
          .record(z.string(), z.object({ prefix: z.string(), zh: z.string(), en: z.string() }))
          .optional()
          .describe('titles of the shown classes by code: the most specific titled prefix, abridged from WIPO\'s IPC scheme'),
        sharedClasses: z.array(z.string()),
        inferredClasses: z.array(z.string()),
        signals: z.record(z.string(), z.number()).describe('each signal\'s share of the evidence, in percent (summing to 100)'),
      }),
    }),
  ),
})

export const orgSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ORG_KINDS),
  province: z.string().optional(),
  city: z.string().optional(),
  creditCode: z.string().optional(),
  size: z.enum(ENTERPRISE_SIZES).optional(),
  flags: z.array(z.enum(ENTERPRISE_FLAGS)).optional(),
  industry: z.string().optional(),
  patentsHeld: z.number().optional(),
  createdAt: z.string(),
})

export const keyInfoSchema = z.object({
  keyId: z.string(),
  orgId: z.string(),
  name: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
})

export const interestSchema = z.object({
  id: z.string(),
  publicationNumber: z.string(),
  /** Shown to a university only when the enterprise disclosed its identity. */
  enterprise: z.object({ id: z.string(), name: z.string() }).optional(),
  /** Shown to a university only when the enterprise disclosed its need. */
  need: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
  message: z.string().optional(),
  disclosure: z.enum(['none', 'identity', 'identity-and-need']),
  createdAt: z.string(),
})
