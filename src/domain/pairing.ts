/**
 * Pairings: a match inside an operations centre's scope, carried by that centre from first
 * contact to industrialisation. The workflow, the decline reasons and the routing scope.
 */
import { createHash } from 'node:crypto'
import { STRONG_MATCH } from './matching/strength.js'
import { z } from 'zod'
import './zod-messages.js'
import { ConflictError } from './errors.js'

export const PAIRING_STATES = [
  'recommended',
  'contacted',
  'nda-signed',
  'negotiating',
  'agreement-signed',
  'recorded',
  'industrialised',
  'declined',
  'withdrawn',
] as const
export type PairingState = (typeof PAIRING_STATES)[number]

/** The allowed next states of each state. `declined` and `withdrawn` end a pairing early. */
export const TRANSITIONS: Record<PairingState, readonly PairingState[]> = {
  recommended: ['contacted', 'declined', 'withdrawn'],
  contacted: ['nda-signed', 'declined', 'withdrawn'],
  'nda-signed': ['negotiating', 'declined', 'withdrawn'],
  negotiating: ['agreement-signed', 'declined', 'withdrawn'],
  'agreement-signed': ['recorded', 'withdrawn'],
  recorded: ['industrialised'],
  industrialised: [],
  declined: [],
  withdrawn: [],
}

/** The way from recommendation to industrialisation: every state but the two early ends. */
export const MAIN_PATH: readonly PairingState[] = PAIRING_STATES.filter((s) => s !== 'declined' && s !== 'withdrawn')

/** States at or after a signed agreement: "substantive progress" for the cultivation pool. */
export const AGREED_STATES: ReadonlySet<PairingState> = new Set(['agreement-signed', 'recorded', 'industrialised'])

export const DECLINE_REASONS = ['not-relevant', 'too-early-stage', 'price', 'transfer-mode', 'region', 'already-solved', 'other'] as const
export type DeclineReason = (typeof DECLINE_REASONS)[number]

/**
 * Why a university declines an enterprise's interest in one of its patents. The pairing reasons
 * are the enterprise's side (not relevant, already solved); these are the holder's: the patent is
 * taken, promised or not offered now, the way asked for is not offered, or it knows too little
 * of the enterprise (which may have disclosed nothing).
 */
export const INTEREST_DECLINE_REASONS = ['already-transferred', 'in-negotiation', 'not-offered', 'transfer-mode', 'insufficient-information', 'other'] as const
export type InterestDeclineReason = (typeof INTEREST_DECLINE_REASONS)[number]

export const transitionInputSchema = z
  .strictObject({
    to: z.enum(PAIRING_STATES),
    reason: z.enum(DECLINE_REASONS).optional(),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.to === 'declined' && v.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `required when declining: one of ${DECLINE_REASONS.join(', ')}` })
    }
    if (v.to !== 'declined' && v.reason !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a reason goes only with "declined"' })
    }
    if (v.reason === 'other' && v.note === undefined) {
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'required when the reason is "other"' })
    }
  })
export type TransitionInput = z.infer<typeof transitionInputSchema>

/** Throws a 409-class error naming the allowed next states when `to` is not one of them. */
export function assertTransition(from: PairingState, to: PairingState): void {
  const allowed = TRANSITIONS[from]
  if (!allowed.includes(to)) {
    const next = allowed.length === 0 ? `none: "${from}" is final` : allowed.map((s) => `"${s}"`).join(', ')
    throw new ConflictError('illegal_transition', `a pairing cannot move from "${from}" to "${to}"; allowed next states: ${next}`, [
      { path: 'to', message: `allowed: ${allowed.join(', ') || 'none'}` },
    ])
  }
}

export const pairingSchema = z.object({
  id: z.string(),
  centreOrgId: z.string(),
  needId: z.string(),
  enterpriseOrgId: z.string().optional(),
  /** The need's province, for routing and the provincial figures: its full name, and its code. */
  province: z.string().optional(),
  provinceCode: z.string().optional(),
  publicationNumber: z.string(),
  universityOrgId: z.string().optional(),
  score: z.number(),
  state: z.enum(PAIRING_STATES),
  reason: z.enum(DECLINE_REASONS).optional(),
  /** False while held back by the centre's daily cap or digest mode. */
  pushed: z.boolean(),
  /** Set when the pairing began as an enterprise's interest that the university accepted. */
  interestId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Pairing = z.infer<typeof pairingSchema>

/** One audit event of a pairing; never rewritten. */
export const pairingEventSchema = z.object({
  pairingId: z.string(),
  at: z.string(),
  actor: z.object({ role: z.string(), orgId: z.string().optional() }),
  from: z.enum(PAIRING_STATES).nullable(),
  to: z.enum(PAIRING_STATES),
  reason: z.enum(DECLINE_REASONS).optional(),
  note: z.string().optional(),
})
export type PairingEvent = z.infer<typeof pairingEventSchema>

/** A pairing is one per centre, need and patent: re-scoring updates it, never duplicates it. */
export function pairingId(centreOrgId: string, needId: string, publicationNumber: string): string {
  return createHash('sha256').update(`${centreOrgId}|${needId}|${publicationNumber}`).digest('hex').slice(0, 24)
}

export const DELIVERY_MODES = ['immediate', 'digest'] as const
export type DeliveryMode = (typeof DELIVERY_MODES)[number]

export const routingInputSchema = z.strictObject({
  /** Provinces of the needs this centre serves, each written any way (广东, 广东省, Guangdong, 440000); all when absent. */
  provinces: z.array(z.string().trim().min(1).max(50)).max(40).optional(),
  /** IPC prefixes of the patents this centre serves (`G06F`, `H01M10`); all when absent. */
  ipcPrefixes: z
    .array(z.string().trim().toUpperCase().regex(/^[A-H](\d{2}([A-Z](\d{1,4}(\/\d{1,6})?)?)?)?$/, 'expected an IPC prefix such as G06F'))
    .max(100)
    .optional(),
  /** Lowest match score that becomes a pairing; by default where a match is strong (`STRONG_MATCH`). */
  minScore: z.number().min(0).max(1).optional(),
  /** Most pairings per need for this centre (the best ones). */
  maxPerNeed: z.number().int().min(1).max(100).optional(),
  /** Most pairings pushed a day (China time); the rest wait in the inbox and the next digest. */
  dailyCap: z.number().int().min(1).max(10_000).optional(),
  /** `immediate`: one message per pairing (default); `digest`: one message with the top pairings of each period. */
  delivery: z.enum(DELIVERY_MODES).optional(),
  /** Length of a digest period in hours. */
  digestHours: z.number().int().min(1).max(168).optional(),
})
export type RoutingInput = z.infer<typeof routingInputSchema>

/** A centre's routing with every default applied: what `toRouting` makes of the input. */
export const routingSchema = z.object({
  /** The provinces' full names … */
  provinces: z.array(z.string()),
  /** … and their GB/T 2260 codes, in the same order: what a need's province is compared with. */
  provinceCodes: z.array(z.string()),
  ipcPrefixes: z.array(z.string()),
  minScore: z.number(),
  maxPerNeed: z.number(),
  dailyCap: z.number().optional(),
  delivery: z.enum(DELIVERY_MODES),
  digestHours: z.number(),
})
export type Routing = z.infer<typeof routingSchema>

/**
 * The routing with its defaults. `read` is what the region table made of `input.provinces` (their
 * names and codes); without it the provinces are taken as written, names and keys alike.
 */
export function toRouting(input: RoutingInput, read?: { provinces: string[]; provinceCodes: string[] }): Routing {
  const r: Routing = {
    provinces: read?.provinces ?? input.provinces ?? [],
    provinceCodes: read?.provinceCodes ?? input.provinces ?? [],
    ipcPrefixes: input.ipcPrefixes ?? [],
    minScore: input.minScore ?? STRONG_MATCH,
    maxPerNeed: input.maxPerNeed ?? 5,
    delivery: input.delivery ?? 'immediate',
    digestHours: input.digestHours ?? 24,
  }
  if (input.dailyCap !== undefined) r.dailyCap = input.dailyCap
  return r
}

/** Whether a match of a need to a patent falls in a centre's scope; `needProvince` is the need's province key (its code, see `regionKey`). */
export function inScope(routing: Routing, needProvince: string | undefined, patentIpc: readonly string[], score: number): boolean {
  if (score < routing.minScore) return false
  if (routing.provinceCodes.length > 0 && (needProvince === undefined || !routing.provinceCodes.includes(needProvince))) return false
  if (routing.ipcPrefixes.length > 0 && !patentIpc.some((c) => routing.ipcPrefixes.some((p) => c.startsWith(p)))) return false
  return true
}

/**
 * The operations centre that takes an enterprise's accepted interest: one whose routing names the
 * enterprise's province (`provinceKey`, a code); failing that, one that serves every province. Among
 * several, one whose IPC prefixes cover the patent, then the one with the fewest provinces (the
 * most local), then the lowest id, so the choice is the same every time. Undefined when none covers it.
 */
export function centreForProvince(
  centres: ReadonlyArray<{ orgId: string; routing: Routing }>,
  provinceKey: string | undefined,
  patentIpc: readonly string[],
): string | undefined {
  if (provinceKey === undefined) return undefined
  const named = centres.filter((c) => c.routing.provinceCodes.includes(provinceKey))
  const pool = named.length > 0 ? named : centres.filter((c) => c.routing.provinceCodes.length === 0)
  const covers = (r: Routing) => r.ipcPrefixes.length === 0 || patentIpc.some((code) => r.ipcPrefixes.some((p) => code.startsWith(p)))
  const best = [...pool].sort(
    (a, b) =>
      Number(covers(b.routing)) - Number(covers(a.routing)) ||
      a.routing.provinceCodes.length - b.routing.provinceCodes.length ||
      a.orgId.localeCompare(b.orgId),
  )[0]
  return best?.orgId
}

/** The day in China time (UTC+8) of an instant, as YYYY-MM-DD: the unit of the daily cap. */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}
