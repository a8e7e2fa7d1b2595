/** An enterprise's technology need: what it wants to solve, in its own words. */
import { z } from 'zod'
import { patentFactsSchema } from './patent-facts.js'
import './zod-messages.js'
import { ipcTitleSchema } from './ipc-titles.js'
import { ipcCodeSchema, TRANSFER_MODES } from './patent.js'

export const NEED_STATES = ['open', 'closed'] as const
/**
 * What a university sees of a need in pairings and interests on its patents: nothing of the
 * enterprise, its identity, or its identity and the need's text.
 */
export const DISCLOSURE_LEVELS = ['none', 'identity', 'identity-and-need'] as const
export type DisclosureLevel = (typeof DISCLOSURE_LEVELS)[number]

export const needInputSchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(500),
  description: z.string().trim().max(20_000).optional(),
  keywords: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  ipc: z.array(ipcCodeSchema).max(50).optional(),
  transferModes: z.array(z.enum(TRANSFER_MODES)).max(4).optional(),
  /** Any way of writing a province (广东, 广东省, Guangdong, 440000); the enterprise's when absent. */
  province: z.string().trim().min(1).max(50).optional(),
  industry: z.string().trim().min(1).max(100).optional(),
  /** What a university sees of this need in pairings on its patents (default: nothing). */
  disclosure: z.enum(DISCLOSURE_LEVELS).optional(),
})
export type NeedInput = z.infer<typeof needInputSchema>

export const needPatchSchema = needInputSchema.partial()
export type NeedPatch = z.infer<typeof needPatchSchema>

export const needSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  keywords: z.array(z.string()),
  ipc: z.array(z.string()),
  transferModes: z.array(z.enum(TRANSFER_MODES)),
  /** The province's full name (广东省) … */
  province: z.string().optional(),
  /** … and its GB/T 2260 code (440000): what routing and the figures compare. */
  provinceCode: z.string().optional(),
  industry: z.string().optional(),
  /** What universities see of the need and its enterprise; `none` when the enterprise chose nothing. */
  disclosure: z.enum(DISCLOSURE_LEVELS).optional(),
  state: z.enum(NEED_STATES),
  /** Bumped by every change; a match job computes for one version. */
  version: z.number().int(),
  ownerOrgId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Need = z.infer<typeof needSchema>

/** What others are shown of a need that its enterprise disclosed. */
export const disclosedNeedSchema = needSchema.pick({ id: true, title: true, description: true })

/** One match of a need as stored, with what explains it; the API shows it as it is. */
export const storedMatchSchema = z.object({
  publicationNumber: z.string(),
  title: z.string(),
  score: z.number().describe('the estimated probability (0..1) that the patent is relevant to the need'),
  /** Absent in matches stored before it was kept. */
  evidence: z.number().optional().describe('the evidence the probability rests on: text evidence lifted by class evidence'),
  /** Set when the patent qualified through reverse matching after the last full computation. */
  new: z.boolean().optional(),
  explanation: z.object({
    matchedTerms: z.array(z.string()).describe("the need's words found in the patent, as the need wrote them"),
    titleCoverage: z.number().optional().describe("share (0..1) of the weight of the need's title words that the patent contains"),
    coverage: z.number().optional().describe("share (0..1) of the weight of all the need's words that the patent contains"),
    classTitles: z
      .record(z.string(), ipcTitleSchema)
      .optional()
      .describe("titles of the shown classes by code: the most specific titled prefix, abridged from WIPO's IPC scheme"),
    sharedClasses: z.array(z.string()),
    inferredClasses: z.array(z.string()),
    signals: z.record(z.string(), z.number()).describe("each signal's share of the evidence, in percent (summing to 100)"),
  }),
})
export type StoredMatch = z.infer<typeof storedMatchSchema>

/** A need's matches, computed for one version of the need. */
export const matchSetSchema = z.object({
  needId: z.string(),
  needVersion: z.number().int(),
  state: z.enum(['pending', 'ready']),
  computedAt: z.string().optional(),
  matches: z.array(storedMatchSchema),
})
export type MatchSet = z.infer<typeof matchSetSchema>

/** A match as shown: as stored, with the facts of its patent as they are when read. */
export const matchViewSchema = storedMatchSchema.extend({ patent: patentFactsSchema.optional().describe('absent when the patent is no longer on record') })
export const matchSetViewSchema = matchSetSchema.extend({ matches: z.array(matchViewSchema) })
export type MatchSetView = z.infer<typeof matchSetViewSchema>
