/**
 * An enterprise's interest in a patent, seen by the patent's university as far as disclosed, and
 * answered by it: accepted (the interest becomes a pairing with the operations centre of the
 * enterprise's province) or declined with a reason. One interest per enterprise, patent and need.
 */
import { z } from 'zod'
import './zod-messages.js'
import { DISCLOSURE_LEVELS } from './need.js'
import { INTEREST_DECLINE_REASONS } from './pairing.js'

/** `open` until the university answers; `accepted` and `declined` are final. */
export const INTEREST_STATES = ['open', 'accepted', 'declined'] as const
export type InterestState = (typeof INTEREST_STATES)[number]

/** The university's answer: who, when, and either the pairing it opened or why it declined. */
export const interestAnswerSchema = z.object({
  at: z.string(),
  actor: z.object({ role: z.string(), orgId: z.string().optional() }),
  reason: z.enum(INTEREST_DECLINE_REASONS).optional(),
  note: z.string().optional(),
  /** Accepted: the pairing the interest became, and the operations centre that carries it. */
  pairingId: z.string().optional(),
  centreOrgId: z.string().optional(),
})
export type InterestAnswer = z.infer<typeof interestAnswerSchema>

export const interestSchema = z.object({
  id: z.string(),
  publicationNumber: z.string(),
  enterpriseOrgId: z.string(),
  universityOrgId: z.string().optional(),
  needId: z.string().optional(),
  message: z.string().optional(),
  /** What the enterprise lets the university see: nothing, its name, or its name and the need. */
  disclosure: z.enum(DISCLOSURE_LEVELS),
  /** Interests stored before answers existed are read as `open`. */
  state: z.enum(INTEREST_STATES),
  answer: interestAnswerSchema.optional(),
  createdAt: z.string(),
})
export type Interest = z.infer<typeof interestSchema>

export const declineInterestSchema = z
  .strictObject({
    reason: z.enum(INTEREST_DECLINE_REASONS),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.reason === 'other' && v.note === undefined) ctx.addIssue({ code: 'custom', path: ['note'], message: 'required when the reason is "other"' })
  })
export type DeclineInterestInput = z.infer<typeof declineInterestSchema>

export const acceptInterestSchema = z.strictObject({
  /** Passed on to the centre in the pairing's first audit entry. */
  note: z.string().trim().min(1).max(2000).optional(),
})
export type AcceptInterestInput = z.infer<typeof acceptInterestSchema>

/** The key of the one interest an enterprise may hold in a patent for a need (or for none). */
export const interestUniqueKey = (i: Pick<Interest, 'publicationNumber' | 'needId'>): string => `${i.publicationNumber}|${i.needId ?? ''}`
