/**
 * The sample-enterprise cultivation pool (专利产业化样板企业培育库): its rules as pure functions over
 * the list of recorded pool events. Nothing here reads a clock or a store; callers pass `now` and events.
 *
 * Rules, where the programme's text is silent, as decided here:
 *
 * - Quota. A province's quota (300, or 500 for provinces configured as large) caps the number of
 *   enterprises it recommends into the pool over all rounds together, not counting rolling additions.
 *   A place once used stays used: graduation or withdrawal does not give it back.
 * - Rolling additions (滚动培育). Once the quota is used up, a further recommendation is a rolling
 *   addition, allowed while rolling additions < 2 × enterprises of the province that graduated.
 *   Withdrawn enterprises do not raise the allowance. Before the quota is used up every recommendation
 *   is an ordinary one, even when graduations have already raised the allowance (it keeps for later).
 * - Deadline. Every recommendation, rolling additions included, is made in a round and refused on any
 *   day after the round's deadline, the day counted in China time (UTC+8). Rolling additions therefore
 *   need a round opened for them.
 * - One stay per enterprise. An enterprise that is in the pool, graduated or was withdrawn cannot be
 *   recommended again.
 * - Violations. A `violation-recorded` event withdraws an enterprise in the pool at once; no separate
 *   `withdrawn` event is needed. Recorded for an enterprise not in the pool, it only stays on its record.
 * - Two years without progress. The scheduled check records `withdrawal-flagged`; the enterprise stays in
 *   the pool until a `withdrawn` event confirms the flag, and progress recorded after the flag clears it.
 *   Due on the same calendar day two years after entry (China time); entry on 29 February is due on
 *   28 February (the month's last day, as the Civil Code counts periods in years).
 * - Events that do not apply to the enterprise's state at that moment (graduating an enterprise not in
 *   the pool, a second recommendation) change nothing and are counted nowhere.
 */
import { z } from 'zod'
import { regionKey } from './regions.js'

export const DEFAULT_PROVINCE_QUOTA = 300
export const LARGE_PROVINCE_QUOTA = 500
/** A province may add up to this many enterprises per graduated enterprise. */
export const ROLLING_ADDITIONS_PER_GRADUATION = 2
export const WITHDRAWAL_AFTER_YEARS = 2

/** Graduation: the patent industrialisation rate rose "clearly" — by at least this many percentage points. */
export const GRADUATION_RATE_RISE_POINTS = 10
/** Graduation: at least this many new patent-intensive products. */
export const GRADUATION_MIN_NEW_PRODUCTS = 1
/** Graduation: annual sales of recognised patent-intensive products grew "substantially" — by at least this percentage. */
export const GRADUATION_SALES_GROWTH_PERCENT = 20
/** Graduation: and their annual profit grew by at least this percentage. */
export const GRADUATION_PROFIT_GROWTH_PERCENT = 20

export const VIOLATIONS = ['major-safety-accident', 'serious-dishonesty', 'tax-evasion', 'data-fraud', 'abnormal-patent-filing'] as const
export type Violation = (typeof VIOLATIONS)[number]
export const VIOLATION_LABELS: Readonly<Record<Violation, string>> = {
  'major-safety-accident': '重大安全事故',
  'serious-dishonesty': '严重失信',
  'tax-evasion': '偷漏税',
  'data-fraud': '数据造假',
  'abnormal-patent-filing': '非正常申请专利',
}

/** Substantive progress that may be recorded directly in the pool (pairings are passed in separately). */
export const PROGRESS_KINDS = ['agreement-signed', 'new-patent-intensive-product'] as const
export type ProgressKind = (typeof PROGRESS_KINDS)[number]

export const WITHDRAWAL_REASONS = ['no-progress', 'other'] as const
export type WithdrawalReason = (typeof WITHDRAWAL_REASONS)[number]

// ---------------------------------------------------------------------------------------------
// China time

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000

/** The calendar date (YYYY-MM-DD) of an instant in China time (UTC+8, no daylight saving). */
export function chinaDate(instant: Date | string): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime()
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}

/** The first instant of a calendar year in China time and the first instant of the next one. */
export function chinaYearBounds(year: number): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(year, 0, 1) - CHINA_OFFSET_MS), to: new Date(Date.UTC(year + 1, 0, 1) - CHINA_OFFSET_MS) }
}

/** The same calendar day `years` later; a day the target month lacks (29 February) becomes its last day. */
export function addCalendarYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const lastDay = new Date(Date.UTC(y + years, m, 0)).getUTCDate()
  return new Date(Date.UTC(y + years, m - 1, Math.min(d, lastDay))).toISOString().slice(0, 10)
}

export function instantMs(at: string): number {
  return Date.parse(at)
}

/** Events in time order; events at the same instant keep the order they were given in. */
export function sortByTime<E extends { at: string }>(events: readonly E[]): E[] {
  return events
    .map((e, i) => ({ e, i, t: instantMs(e.at) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e)
}

// ---------------------------------------------------------------------------------------------
// Events

export const poolActorSchema = z.object({ orgId: z.string().optional(), role: z.string() })
export type PoolActor = z.infer<typeof poolActorSchema>

/** Documentary evidence behind a decision: what was shown, and where it can be checked. */
export const evidenceNoteSchema = z.object({ description: z.string(), reference: z.string().optional() })
export type EvidenceNote = z.infer<typeof evidenceNoteSchema>

/** Figures an enterprise reports for graduation; rates and growth in percent (35 means 35 %). */
export const graduationEvidenceSchema = z.strictObject({
  industrialisationRateBefore: z.number().min(0).max(100).optional(),
  industrialisationRateAfter: z.number().min(0).max(100).optional(),
  newPatentIntensiveProducts: z.number().int().min(0).optional(),
  salesGrowth: z.number().min(-100).optional(),
  profitGrowth: z.number().min(-100).optional(),
  description: z.string().trim().max(5000).optional(),
  reference: z.string().trim().max(1000).optional(),
})
export type GraduationEvidence = z.infer<typeof graduationEvidenceSchema>

const poolEventBase = z.object({
  id: z.string(),
  /** ISO 8601 instant. */
  at: z.string(),
  actor: poolActorSchema,
  /** The province whose pool the enterprise is in (the recommending office's province): its name … */
  province: z.string(),
  /** … and its code (absent in events recorded before codes, and for a province the region table does not know). */
  provinceCode: z.string().optional(),
  enterpriseId: z.string(),
  note: z.string().optional(),
})

/** A recorded pool event: the pool's state is what these events, replayed in time order, make it. */
export const poolEventSchema = z.discriminatedUnion('type', [
  poolEventBase.extend({ type: z.literal('recommended'), roundId: z.string().optional(), addedByRolling: z.boolean() }),
  poolEventBase.extend({ type: z.literal('graduated'), evidence: graduationEvidenceSchema.strip(), reasons: z.array(z.string()) }),
  poolEventBase.extend({ type: z.literal('withdrawal-flagged'), reason: z.literal('no-progress'), dueOn: z.string() }),
  poolEventBase.extend({ type: z.literal('withdrawn'), reason: z.enum(WITHDRAWAL_REASONS), evidence: evidenceNoteSchema.optional() }),
  poolEventBase.extend({ type: z.literal('violation-recorded'), violation: z.enum(VIOLATIONS), evidence: evidenceNoteSchema }),
  poolEventBase.extend({ type: z.literal('progress-recorded'), kind: z.enum(PROGRESS_KINDS), evidence: evidenceNoteSchema }),
])
export type PoolEvent = z.infer<typeof poolEventSchema>

export type PoolEventType = PoolEvent['type']
export const POOL_EVENT_TYPES: readonly PoolEventType[] = poolEventSchema.options.map((o) => o.shape.type.value)

export function isPoolEvent(e: { type: string }): e is PoolEvent {
  return (POOL_EVENT_TYPES as readonly string[]).includes(e.type)
}

// ---------------------------------------------------------------------------------------------
// Derived state

export const POOL_STATUSES = ['in', 'graduated', 'withdrawn'] as const
export type PoolStatus = (typeof POOL_STATUSES)[number]

const eventRef = { eventId: z.string(), at: z.string() }

export const enterprisePoolStateSchema = z.object({
  enterpriseId: z.string(),
  /** The pool's province: its full name, and its code (what comparisons use, see `regionKey`). */
  province: z.string(),
  provinceCode: z.string().optional(),
  status: z.enum(POOL_STATUSES),
  enteredAt: z.string(),
  /** The entry's calendar date in China time. */
  enteredOn: z.string(),
  recommendedEventId: z.string(),
  roundId: z.string().optional(),
  addedByRolling: z.boolean(),
  /** Set while a no-progress flag stands (cleared by later progress). */
  flag: z.object({ ...eventRef, dueOn: z.string() }).optional(),
  exit: z.object({ ...eventRef, status: z.enum(['graduated', 'withdrawn']), reason: z.string() }).optional(),
  violations: z.array(z.object({ ...eventRef, violation: z.enum(VIOLATIONS) })),
  progress: z.array(z.object({ ...eventRef, kind: z.enum(PROGRESS_KINDS) })),
})
export type EnterprisePoolState = z.infer<typeof enterprisePoolStateSchema>

/**
 * Each enterprise's state after the events (optionally only those before `until`, exclusive).
 * Also returns the events that took effect, in time order.
 */
export function replayPool(
  events: readonly PoolEvent[],
  until?: Date,
): { enterprises: Map<string, EnterprisePoolState>; applied: PoolEvent[] } {
  const enterprises = new Map<string, EnterprisePoolState>()
  const applied: PoolEvent[] = []
  const limit = until?.getTime() ?? Number.POSITIVE_INFINITY
  for (const e of sortByTime(events)) {
    if (instantMs(e.at) >= limit) break
    const s = enterprises.get(e.enterpriseId)
    if (e.type === 'recommended') {
      if (s) continue
      enterprises.set(e.enterpriseId, {
        enterpriseId: e.enterpriseId,
        province: e.province,
        ...(e.provinceCode !== undefined ? { provinceCode: e.provinceCode } : {}),
        status: 'in',
        enteredAt: e.at,
        enteredOn: chinaDate(e.at),
        recommendedEventId: e.id,
        ...(e.roundId !== undefined ? { roundId: e.roundId } : {}),
        addedByRolling: e.addedByRolling,
        violations: [],
        progress: [],
      })
      applied.push(e)
      continue
    }
    if (!s) continue
    switch (e.type) {
      case 'violation-recorded':
        s.violations.push({ eventId: e.id, at: e.at, violation: e.violation })
        if (s.status === 'in') {
          s.status = 'withdrawn'
          s.exit = { eventId: e.id, at: e.at, status: 'withdrawn', reason: `violation: ${e.violation}` }
          delete s.flag
        }
        applied.push(e)
        break
      case 'graduated':
      case 'withdrawn':
        if (s.status !== 'in') break
        s.status = e.type
        s.exit = { eventId: e.id, at: e.at, status: e.type, reason: e.type === 'withdrawn' ? e.reason : e.reasons.join('; ') }
        delete s.flag
        applied.push(e)
        break
      case 'withdrawal-flagged':
        if (s.status !== 'in' || s.flag) break
        s.flag = { eventId: e.id, at: e.at, dueOn: e.dueOn }
        applied.push(e)
        break
      case 'progress-recorded':
        if (s.status !== 'in') break
        s.progress.push({ eventId: e.id, at: e.at, kind: e.kind })
        delete s.flag
        applied.push(e)
        break
    }
  }
  return { enterprises, applied }
}

export function enterpriseState(events: readonly PoolEvent[], enterpriseId: string): EnterprisePoolState | undefined {
  return replayPool(events.filter((e) => e.enterpriseId === enterpriseId)).enterprises.get(enterpriseId)
}

// ---------------------------------------------------------------------------------------------
// Quota and recommendations

/** The quota of a province (by its key, see `regionKey`); `largeProvinces` holds keys too. */
export function provinceQuota(province: string, largeProvinces: ReadonlySet<string>): number {
  return largeProvinces.has(province) ? LARGE_PROVINCE_QUOTA : DEFAULT_PROVINCE_QUOTA
}

/** Where a province stands against its two limits. */
export interface PlacesLeft {
  quota: number
  /** Ordinary (non-rolling) recommendations so far. */
  recommended: number
  quotaPlacesLeft: number
  graduated: number
  rollingAdded: number
  rollingPlacesLeft: number
  /** quotaPlacesLeft + rollingPlacesLeft: how many more enterprises the province may add now. */
  total: number
}

/** Where the province stands; `province` is its key (see `regionKey`). */
export function placesLeft(events: readonly PoolEvent[], province: string, quota: number, until?: Date): PlacesLeft {
  const { enterprises, applied } = replayPool(events, until)
  let recommended = 0
  let rollingAdded = 0
  let graduated = 0
  for (const e of applied) {
    const s = enterprises.get(e.enterpriseId)
    if (!s || regionKey(s) !== province) continue
    if (e.type === 'recommended') {
      if (e.addedByRolling) rollingAdded++
      else recommended++
    } else if (e.type === 'graduated') graduated++
  }
  const quotaPlacesLeft = Math.max(0, quota - recommended)
  const rollingPlacesLeft = Math.max(0, ROLLING_ADDITIONS_PER_GRADUATION * graduated - rollingAdded)
  return { quota, recommended, quotaPlacesLeft, graduated, rollingAdded, rollingPlacesLeft, total: quotaPlacesLeft + rollingPlacesLeft }
}

function describePlaces(province: string, p: PlacesLeft): string {
  return (
    `province ${province} has used ${p.recommended} of its quota of ${p.quota} recommendations: ${p.quotaPlacesLeft} places left; ` +
    `rolling additions allowed after graduations: ${ROLLING_ADDITIONS_PER_GRADUATION} × ${p.graduated} graduated − ${p.rollingAdded} added = ${p.rollingPlacesLeft}`
  )
}

/** A recommendation round of the cultivation pool, as opened. */
export const roundSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Last day on which recommendations are accepted, YYYY-MM-DD, China time. */
  deadline: z.string(),
  createdAt: z.string(),
})
export type Round = z.infer<typeof roundSchema>

export interface RecommendationRound {
  id: string
  /** Last day on which recommendations are accepted, YYYY-MM-DD, China time. */
  deadline: string
  name?: string
}

export interface RecommendationInput {
  events: readonly PoolEvent[]
  /** The recommending provincial office's province, by its key (see `regionKey`) … */
  province: string
  /** … and its name, for messages (the key when absent). */
  provinceName?: string
  enterpriseId: string
  /** The enterprise's registered province by its key; refused when it differs from `province`. */
  enterpriseProvince?: string
  enterpriseProvinceName?: string
  round: RecommendationRound
  now: Date
  quota: number
}

export type RecommendationRefusalCode = 'already_in_pool' | 'left_pool' | 'province_mismatch' | 'deadline_passed' | 'quota_exceeded'

export type RecommendationDecision =
  | { ok: true; addedByRolling: boolean; places: PlacesLeft }
  | { ok: false; code: RecommendationRefusalCode; message: string; placesLeft: number; places: PlacesLeft }

/** Whether a provincial office may recommend the enterprise now; `places` is the standing before it. */
export function checkRecommendation(input: RecommendationInput): RecommendationDecision {
  const { events, enterpriseId, round, now, quota } = input
  const places = placesLeft(events, input.province, quota)
  const province = input.provinceName ?? input.province
  const refuse = (code: RecommendationRefusalCode, message: string): RecommendationDecision => ({
    ok: false,
    code,
    message,
    placesLeft: places.total,
    places,
  })

  const existing = enterpriseState(events, enterpriseId)
  if (existing?.status === 'in') {
    return refuse('already_in_pool', `enterprise ${enterpriseId} is already in the pool of ${existing.province} since ${existing.enteredOn}`)
  }
  if (existing) {
    const when = existing.exit ? chinaDate(existing.exit.at) : 'an earlier date'
    return refuse('left_pool', `enterprise ${enterpriseId} left the pool (${existing.status}) on ${when} and cannot be recommended again`)
  }
  if (input.enterpriseProvince !== undefined && input.enterpriseProvince !== input.province) {
    return refuse(
      'province_mismatch',
      `enterprise ${enterpriseId} is registered in ${input.enterpriseProvinceName ?? input.enterpriseProvince}; the office of ${province} recommends only enterprises of its province`,
    )
  }
  const today = chinaDate(now)
  if (today > round.deadline) {
    const name = round.name ? `'${round.name}' (${round.id})` : round.id
    return refuse(
      'deadline_passed',
      `the deadline of round ${name} was ${round.deadline} (China time); today is ${today}. ` +
        `${places.total} places remain for province ${province} in a later round: ${describePlaces(province, places)}`,
    )
  }
  if (places.quotaPlacesLeft > 0) return { ok: true, addedByRolling: false, places }
  if (places.rollingPlacesLeft > 0) return { ok: true, addedByRolling: true, places }
  return refuse('quota_exceeded', `${describePlaces(province, places)}; 0 places remain`)
}

// ---------------------------------------------------------------------------------------------
// Graduation

export interface GraduationCheck {
  eligible: boolean
  /** The criteria met, with the figures that meet them. */
  reasons: string[]
  /** Why each criterion not met falls short, in English and Chinese. */
  unmet: Array<{ message: string; zh: string }>
}

const EPSILON = 1e-9
const pct = (n: number) => `${Number(n.toFixed(4))}%`

/**
 * Exit criteria (出库标准); any one suffices:
 * the industrialisation rate rose by ≥ GRADUATION_RATE_RISE_POINTS points; or ≥ GRADUATION_MIN_NEW_PRODUCTS
 * new patent-intensive products; or sales and profit of recognised patent-intensive products both grew by
 * ≥ GRADUATION_SALES_GROWTH_PERCENT and ≥ GRADUATION_PROFIT_GROWTH_PERCENT.
 */
export function checkGraduation(evidence: GraduationEvidence): GraduationCheck {
  const reasons: string[] = []
  const unmet: GraduationCheck['unmet'] = []
  const { industrialisationRateBefore: before, industrialisationRateAfter: after } = evidence
  if (before !== undefined && after !== undefined) {
    const rise = after - before
    const text = `patent industrialisation rate rose from ${pct(before)} to ${pct(after)} (${Number(rise.toFixed(4))} points`
    if (rise >= GRADUATION_RATE_RISE_POINTS - EPSILON) reasons.push(`${text}, at least ${GRADUATION_RATE_RISE_POINTS})`)
    else {
      unmet.push({
        message: `${text}, fewer than ${GRADUATION_RATE_RISE_POINTS})`,
        zh: `专利产业化率由 ${pct(before)} 提高到 ${pct(after)}（${Number(rise.toFixed(4))} 个百分点，不足 ${GRADUATION_RATE_RISE_POINTS} 个）`,
      })
    }
  } else {
    unmet.push({ message: 'industrialisation rate: both the rate before and after are needed', zh: '专利产业化率：需同时填写之前和之后的数值' })
  }
  const products = evidence.newPatentIntensiveProducts ?? 0
  if (products >= GRADUATION_MIN_NEW_PRODUCTS) reasons.push(`${products} new patent-intensive product${products === 1 ? '' : 's'}`)
  else {
    unmet.push({
      message: `new patent-intensive products: ${products}, at least ${GRADUATION_MIN_NEW_PRODUCTS} needed`,
      zh: `新增专利密集型产品 ${products} 件，至少需要 ${GRADUATION_MIN_NEW_PRODUCTS} 件`,
    })
  }
  const { salesGrowth: sales, profitGrowth: profit } = evidence
  if (sales !== undefined && profit !== undefined) {
    const text = `sales of recognised patent-intensive products grew ${pct(sales)} and profit ${pct(profit)}`
    if (sales >= GRADUATION_SALES_GROWTH_PERCENT - EPSILON && profit >= GRADUATION_PROFIT_GROWTH_PERCENT - EPSILON) {
      reasons.push(`${text} (at least ${GRADUATION_SALES_GROWTH_PERCENT}% and ${GRADUATION_PROFIT_GROWTH_PERCENT}%)`)
    } else {
      unmet.push({
        message: `${text}; both must reach ${GRADUATION_SALES_GROWTH_PERCENT}% and ${GRADUATION_PROFIT_GROWTH_PERCENT}%`,
        zh: `已认定专利密集型产品销售额增长 ${pct(sales)}、利润增长 ${pct(profit)}；两者须分别达到 ${GRADUATION_SALES_GROWTH_PERCENT}% 和 ${GRADUATION_PROFIT_GROWTH_PERCENT}%`,
      })
    }
  } else {
    unmet.push({ message: 'sales and profit growth: both are needed', zh: '销售额与利润增长：需同时填写' })
  }
  return { eligible: reasons.length > 0, reasons, unmet }
}

// ---------------------------------------------------------------------------------------------
// Withdrawal after two years without progress

export interface ProgressFacts {
  /** A pairing of the enterprise reached agreement-signed or a later state since it entered. */
  agreementSignedOrLater: boolean
  /** A new patent-intensive product appeared since it entered. */
  newProduct: boolean
}

export type ProgressSource =
  | ((query: { enterpriseId: string; since: string; until: string }) => ProgressFacts)
  | { agreementSignedOrLater: ReadonlySet<string>; newProduct: ReadonlySet<string> }

export interface DueForWithdrawal {
  enterpriseId: string
  province: string
  provinceCode?: string
  enteredAt: string
  recommendedEventId: string
  /** The day from which it is due, China time. */
  dueOn: string
  /** A no-progress flag already stands. */
  flagged: boolean
}

/**
 * Enterprises in the pool whose two years are up (China calendar) with no substantive progress:
 * no pairing at agreement-signed or later, no new patent-intensive product — neither from `progress`
 * nor from `progress-recorded` events.
 */
export function dueForWithdrawal(input: { events: readonly PoolEvent[]; now: Date; progress?: ProgressSource }): DueForWithdrawal[] {
  const { events, now, progress } = input
  const today = chinaDate(now)
  const { enterprises } = replayPool(events, new Date(now.getTime() + 1))
  const due: DueForWithdrawal[] = []
  for (const s of enterprises.values()) {
    if (s.status !== 'in') continue
    const dueOn = addCalendarYears(s.enteredOn, WITHDRAWAL_AFTER_YEARS)
    if (today < dueOn) continue
    if (s.progress.length > 0) continue
    let facts: ProgressFacts = { agreementSignedOrLater: false, newProduct: false }
    if (typeof progress === 'function') facts = progress({ enterpriseId: s.enterpriseId, since: s.enteredAt, until: now.toISOString() })
    else if (progress) {
      facts = {
        agreementSignedOrLater: progress.agreementSignedOrLater.has(s.enterpriseId),
        newProduct: progress.newProduct.has(s.enterpriseId),
      }
    }
    if (facts.agreementSignedOrLater || facts.newProduct) continue
    due.push({
      enterpriseId: s.enterpriseId,
      province: s.province,
      ...(s.provinceCode !== undefined ? { provinceCode: s.provinceCode } : {}),
      enteredAt: s.enteredAt,
      recommendedEventId: s.recommendedEventId,
      dueOn,
      flagged: s.flag !== undefined,
    })
  }
  return due.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.enterpriseId < b.enterpriseId ? -1 : 1))
}

// ---------------------------------------------------------------------------------------------
// Counts

/** A number and the ids of the recorded events it is computed from. */
export const figureSchema = z.object({
  value: z.number(),
  eventIds: z.array(z.string()),
  /** For figures computed by arithmetic rather than counting: the arithmetic, with its terms. */
  formula: z.string().optional(),
})
export type Figure = z.infer<typeof figureSchema>

export const poolCountsSchema = z.object({
  /** The province's full name … */
  province: z.string(),
  /** … and its GB/T 2260 code (absent for a province on record that the region table does not know). */
  provinceCode: z.string().optional(),
  year: z.number().int().nullable(),
  quota: z.number().int(),
  /** Flows within the year (all time without a year). */
  recommended: figureSchema,
  addedByRolling: figureSchema,
  graduated: figureSchema,
  withdrawn: figureSchema,
  /** Stocks at the end of the year (now without a year). */
  in: figureSchema,
  flagged: figureSchema,
  placesLeft: figureSchema,
  rollingAllowance: figureSchema,
})
export type PoolCounts = z.infer<typeof poolCountsSchema>

/**
 * A province's pool figures. Counted figures list one event per unit counted (value = eventIds.length):
 * the recommendation, graduation, withdrawal or violation, or flag event. `placesLeft` lists the
 * recommendations that used quota places; `rollingAllowance` lists the graduations and rolling additions.
 */
export function poolCounts(input: { events: readonly PoolEvent[]; province: string; provinceName?: string; quota: number; year?: number }): PoolCounts {
  const { events, province, quota, year } = input
  const bounds = year !== undefined ? chinaYearBounds(year) : undefined
  const { enterprises, applied } = replayPool(events, bounds?.to)
  const inPeriod = (at: string) => !bounds || instantMs(at) >= bounds.from.getTime()
  const fig = (ids: string[]): Figure => ({ value: ids.length, eventIds: ids })

  const recommended: string[] = []
  const addedByRolling: string[] = []
  const graduated: string[] = []
  const withdrawn: string[] = []
  const quotaUsed: string[] = []
  const allGraduations: string[] = []
  const allRolling: string[] = []
  for (const e of applied) {
    const s = enterprises.get(e.enterpriseId)
    if (!s || regionKey(s) !== province) continue
    const inYear = inPeriod(e.at)
    if (e.type === 'recommended') {
      ;(e.addedByRolling ? allRolling : quotaUsed).push(e.id)
      if (inYear) {
        recommended.push(e.id)
        if (e.addedByRolling) addedByRolling.push(e.id)
      }
    } else if (e.type === 'graduated') {
      allGraduations.push(e.id)
      if (inYear) graduated.push(e.id)
    } else if ((e.type === 'withdrawn' || e.type === 'violation-recorded') && s.exit?.eventId === e.id) {
      if (inYear) withdrawn.push(e.id)
    }
  }
  const inPool: string[] = []
  const flagged: string[] = []
  for (const s of [...enterprises.values()].sort((a, b) => instantMs(a.enteredAt) - instantMs(b.enteredAt))) {
    if (regionKey(s) !== province || s.status !== 'in') continue
    inPool.push(s.recommendedEventId)
    if (s.flag) flagged.push(s.flag.eventId)
  }
  const left = Math.max(0, quota - quotaUsed.length)
  const allowance = Math.max(0, ROLLING_ADDITIONS_PER_GRADUATION * allGraduations.length - allRolling.length)
  return {
    province: input.provinceName ?? province,
    ...(/^\d{6}$/.test(province) ? { provinceCode: province } : {}),
    year: year ?? null,
    quota,
    recommended: fig(recommended),
    addedByRolling: fig(addedByRolling),
    graduated: fig(graduated),
    withdrawn: fig(withdrawn),
    in: fig(inPool),
    flagged: fig(flagged),
    placesLeft: { value: left, eventIds: quotaUsed, formula: `${quota} quota − ${quotaUsed.length} recommended = ${left}` },
    rollingAllowance: {
      value: allowance,
      eventIds: [...allGraduations, ...allRolling],
      formula: `${ROLLING_ADDITIONS_PER_GRADUATION} × ${allGraduations.length} graduated − ${allRolling.length} added by rolling = ${allowance}`,
    },
  }
}
