/**
 * A patent's value profile after the national standard *Patent Evaluation Guidelines*
 * (GB/T 42748-2023, 《专利评估指引》): its three first-level dimensions — legal, technical,
 * economic — each with indicators computed from the patent's record and from what this service
 * records (the open needs it matches, the interests it draws, how far its pairings go and why
 * enterprises decline it), and an overall grade per scenario (transfer or licence; pledge
 * financing) whose weights are data beside this file (`value-weights.json`).
 *
 * Every indicator says its value, the data it rests on (the record's fields, or the ids of the
 * needs, interests and pairings behind it) and its contribution in points to each scenario's
 * score. What the standard weighs but the service cannot know (litigation, family, citations …)
 * is listed as not assessed, never given a value. Pure: the caller loads the data.
 */
import { z } from 'zod'
import type { Label } from './labels.js'
import { INTEREST_STATES, type InterestState } from './interest.js'
import { DECLINE_REASONS, MAIN_PATH, type DeclineReason, type PairingState } from './pairing.js'
import { DEAD_STATUSES, LEGAL_STATUSES, type Patent } from './patent.js'
import { PATENT_KINDS, patentFacts } from './patent-facts.js'
import weightsFile from './value-weights.json' with { type: 'json' }
import indicatorsFile from './value-indicators.json' with { type: 'json' }

export const DIMENSIONS = ['legal', 'technical', 'economic'] as const
export type Dimension = (typeof DIMENSIONS)[number]
export const SCENARIOS = ['transfer', 'pledge'] as const
export type Scenario = (typeof SCENARIOS)[number]

export const INDICATOR_IDS = [
  'legal-status',
  'remaining-term',
  'patent-type',
  'claims',
  'classification-breadth',
  'maturity',
  'office-grade',
  'matching-needs',
  'interests',
  'pairing-progress',
  'declines',
] as const
export type IndicatorId = (typeof INDICATOR_IDS)[number]

const label = z.object({ zh: z.string().min(1), en: z.string().min(1) })
const describedSchema = z.object({
  dimensions: z.record(z.enum(DIMENSIONS), label),
  scenarios: z.record(z.enum(SCENARIOS), label),
  indicators: z.record(z.enum(INDICATOR_IDS), z.object({ dimension: z.enum(DIMENSIONS), name: label, standard: label, source: label })),
  notAssessed: z.array(z.object({ id: z.string(), dimension: z.enum(DIMENSIONS), name: label, reason: label })),
})
const described = describedSchema.parse(indicatorsFile)

export const DIMENSION_LABELS: Record<Dimension, Label> = described.dimensions
export const SCENARIO_LABELS: Record<Scenario, Label> = described.scenarios

/**
 * Each indicator (`value-indicators.json`): its dimension, its name, what of the standard it
 * measures, and where its data comes from. The standard's own names of its 14 second-level
 * indicators are not reproduced (see the README: its indicator table was not available to us);
 * `standard` says which of its considerations each one measures, in our words.
 */
export const INDICATORS: Record<IndicatorId, { dimension: Dimension; name: Label; standard: Label; source: Label }> = described.indicators

/** What the standard weighs that this service has no data for: listed in every profile, never given a value. */
export const NOT_ASSESSED: Array<{ id: string; dimension: Dimension; name: Label; reason: Label }> = described.notAssessed

const perScenario = z.object({ transfer: z.number().min(0), pledge: z.number().min(0) })
const weightsSchema = z.object({
  grades: z.object({ thresholds: z.tuple([z.number(), z.number(), z.number(), z.number()]) }),
  indicators: z.object({
    'legal-status': z.object({ weights: perScenario, scores: z.record(z.enum(LEGAL_STATUSES), z.number().min(0).max(1)) }),
    'remaining-term': z.object({ weights: perScenario, fullAtYears: z.number().positive() }),
    'patent-type': z.object({ weights: perScenario, scores: z.partialRecord(z.enum(PATENT_KINDS), z.number().min(0).max(1)) }),
    claims: z.object({ weights: perScenario, fullAtClaims: z.number().positive(), fullAtIndependent: z.number().positive(), countShare: z.number().min(0).max(1) }),
    'classification-breadth': z.object({ weights: perScenario, fullAtUnits: z.number().positive(), extraGroupUnit: z.number().min(0) }),
    maturity: z.object({ weights: perScenario, levels: z.number().int().positive() }),
    'office-grade': z.object({ weights: perScenario, grades: z.number().int().min(2) }),
    'matching-needs': z.object({ weights: perScenario, fullAt: z.number().positive() }),
    interests: z.object({ weights: perScenario, fullAt: z.number().positive() }),
    'pairing-progress': z.object({ weights: perScenario, stageScores: z.record(z.enum(MAIN_PATH as [PairingState, ...PairingState[]]), z.number().min(0).max(1)) }),
    declines: z.object({ weights: perScenario, aboutThePatent: z.array(z.enum(DECLINE_REASONS)) }),
  }),
})
export type ValueWeights = z.infer<typeof weightsSchema>

/** The weights as `value-weights.json` has them, checked once at load. */
export const VALUE_WEIGHTS: ValueWeights = weightsSchema.parse(weightsFile)

export const indicatorSchema = z.object({
  id: z.enum(INDICATOR_IDS),
  dimension: z.enum(DIMENSIONS),
  name: label,
  standard: label.describe("what of the standard's dimension it measures"),
  source: label.describe('where its data comes from'),
  assessed: z.boolean().describe('false when the patent lacks the data (then it takes no part in the score)'),
  value: z.union([z.number(), z.string()]).nullable().describe('its value: a status, a number of years, claims, needs …'),
  details: z.record(z.string(), z.number()).optional().describe('the counts behind the value (claims and independent claims, pairings per stage, declines per reason …)'),
  score: z.number().min(0).max(1).nullable().describe('0–1 on its scale (value-weights.json); null when not assessed'),
  weights: z.object({ transfer: z.number(), pledge: z.number() }),
  points: z.object({ transfer: z.number(), pledge: z.number() }).describe("its contribution to each scenario's score (out of 100)"),
  basis: z
    .object({
      fields: z.record(z.string(), z.unknown()).optional().describe("the record's fields it read, as they were"),
      needs: z.array(z.object({ id: z.string().optional(), score: z.number() })).optional().describe('open needs matching it, with the match score (ids for the admin only: needs are confidential)'),
      interests: z.array(z.object({ id: z.string(), state: z.enum(INTEREST_STATES) })).optional(),
      pairings: z.array(z.object({ id: z.string(), state: z.string(), stage: z.string().optional(), reason: z.enum(DECLINE_REASONS).optional() })).optional(),
      withheld: z.boolean().optional().describe("true when the ids of other organisations' records are not shown to this caller (the counts are)"),
    })
    .describe('the data it rests on'),
  note: label.optional(),
})
export type Indicator = z.infer<typeof indicatorSchema>

export const scenarioResultSchema = z.object({
  score: z.number().describe('points out of 100 over the indicators with data'),
  grade: z.number().int().min(1).max(5),
  coverage: z.number().min(0).max(1).describe("share of the scenario's weight whose indicators had data"),
  byDimension: z.record(z.enum(DIMENSIONS), z.number()).describe('points per dimension'),
  cappedBy: z.enum(INDICATOR_IDS).optional().describe('the indicator that held the grade at 1 (a right no longer in force)'),
})
export type ScenarioResult = z.infer<typeof scenarioResultSchema>

export const demandSummarySchema = z.object({
  matchingNeeds: z.number().int(),
  interests: z.number().int(),
  pairings: z.number().int(),
  furthestStage: z.enum(MAIN_PATH as [PairingState, ...PairingState[]]).optional(),
  /** Needs, interests and pairings together: what the inventory's "demand" order sorts by. */
  signals: z.number().int(),
})

export const valueProfileSchema = z.object({
  publicationNumber: z.string(),
  title: z.string(),
  ownerOrgId: z.string().optional(),
  computedAt: z.string(),
  /** The day the remaining term is counted from. */
  asOf: z.string(),
  standard: z.string(),
  scenarios: z.object({ transfer: scenarioResultSchema, pledge: scenarioResultSchema }),
  dimensions: z.array(z.object({ id: z.enum(DIMENSIONS), name: label, indicators: z.array(indicatorSchema) })),
  notAssessed: z.array(z.object({ id: z.string(), dimension: z.enum(DIMENSIONS), name: label, reason: label })),
  demand: demandSummarySchema,
})
export type ValueProfile = z.infer<typeof valueProfileSchema>

/**
 * A profile as stores kept it before they kept a computation's input instead (see the value
 * store): without the texts that follow from the ids (each dimension's and indicator's name, the
 * standard's clause, the source, the list of what is not assessed), or, earlier still, whole.
 * `fromStored` reads either, the texts as they are now.
 */
export type StoredValueProfile = Omit<ValueProfile, 'dimensions' | 'notAssessed'> & {
  dimensions: Array<{ id: Dimension; indicators: Array<Omit<Indicator, 'dimension' | 'name' | 'standard' | 'source'>> }>
  notAssessed?: ValueProfile['notAssessed']
}

export function fromStored(s: StoredValueProfile): ValueProfile {
  if (s.notAssessed !== undefined) return s as ValueProfile
  return {
    ...s,
    dimensions: s.dimensions.map((d) => ({
      id: d.id,
      name: DIMENSION_LABELS[d.id],
      indicators: d.indicators.map(({ id, ...own }) => ({ id, dimension: INDICATORS[id].dimension, name: INDICATORS[id].name, standard: INDICATORS[id].standard, source: INDICATORS[id].source, ...own })),
    })),
    notAssessed: NOT_ASSESSED,
  }
}

/** What the service records about a patent, loaded by the caller. */
export interface ValueInput extends ValueSignals {
  patent: Patent
}

/** A computation's input but the patent's record: what a store keeps to compute the profile again. */
export interface ValueSignals {
  /** Open needs whose stored match of the patent reaches the routing threshold. */
  needs: ReadonlyArray<{ needId: string; score: number }>
  interests: ReadonlyArray<{ id: string; state: InterestState }>
  /** The patent's pairings: state now, decline reason, and every state their audit trail entered. */
  pairings: ReadonlyArray<{ id: string; state: PairingState; reason?: DeclineReason | undefined; entered: readonly PairingState[] }>
}

/**
 * Claims as a claims text numbers them: `1. … 2. 根据权利要求1所述的 …`. Numbers count only in
 * sequence (a "3." inside a claim's text does not start claim 3 unless claim 2 came before);
 * a claim that refers to no other claim (权利要求N, claim N) is independent. A text without
 * numbers is read as one claim (offices often keep only the main claim, 主权项).
 */
export function readClaims(text: string): { count: number; independent: number[]; numbered: boolean } {
  const s = text.normalize('NFKC')
  const starts: number[] = []
  const re = /(^|[\s。;；.])(\d{1,3})\s*[.、](?!\d)/g
  let expected = 1
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (Number(m[2]) === expected) {
      starts.push(m.index + m[1]!.length)
      expected++
    }
  }
  if (starts.length === 0) return { count: 1, independent: [1], numbered: false }
  const refersToAnother = /权利要求\s*\d|\bclaims?\s+\d/i
  const independent = starts
    .map((start, i) => ({ n: i + 1, text: s.slice(start, starts[i + 1] ?? s.length).replace(/^\d{1,3}\s*[.、]/, '') }))
    .filter((c) => !refersToAnother.test(c.text))
    .map((c) => c.n)
  return { count: starts.length, independent, numbered: true }
}

/** IPC breadth: distinct subclasses (G06F), and the main groups (G06F16) beyond the first within each. */
export function classificationBreadth(codes: readonly string[]): { subclasses: string[]; mainGroups: string[]; extraGroups: number } {
  const groups = new Map<string, Set<string>>()
  for (const code of codes) {
    const sub = code.slice(0, 4)
    const set = groups.get(sub) ?? new Set<string>()
    const group = /^[A-H]\d{2}[A-Z]\d+/.exec(code)?.[0]
    if (group !== undefined) set.add(group)
    groups.set(sub, set)
  }
  const mainGroups = [...groups.values()].flatMap((s) => [...s]).sort()
  const extraGroups = [...groups.values()].reduce((n, s) => n + Math.max(0, s.size - 1), 0)
  return { subclasses: [...groups.keys()].sort(), mainGroups, extraGroups }
}

type Computed = Pick<Indicator, 'value' | 'basis'> & { score: number | null; details?: Record<string, number>; note?: Label }

const capped = (x: number) => Math.min(1, Math.max(0, x))
const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places
const NO_DATA = (fields: Record<string, unknown>, note: Label): Computed => ({ value: null, score: null, basis: { fields }, note })

/** Each indicator from the input, on the weights' scales. */
function computeIndicators(input: ValueInput, today: Date, w: ValueWeights['indicators']): Record<IndicatorId, Computed> {
  const p = input.patent
  const facts = patentFacts(p, undefined, today)
  const dead = DEAD_STATUSES.has(p.legalStatus)

  const term = (): Computed => {
    const fields = { legalStatus: p.legalStatus, filingDate: p.filingDate ?? null, expiryDate: p.expiryDate ?? null }
    if (dead) return { value: 0, score: 0, basis: { fields }, note: { zh: '权利已终止，无剩余保护期', en: 'the right has ended: no term left' } }
    if (facts.yearsLeft === undefined) return NO_DATA(fields, { zh: '没有申请日或届满日', en: 'no filing or expiry date on record' })
    const note: Label | undefined =
      facts.expirySource === 'filing-date' ? { zh: `按法定期限推算至 ${facts.expiryDate}`, en: `statutory term from the filing date: to ${facts.expiryDate}` } : undefined
    return { value: facts.yearsLeft, score: capped(facts.yearsLeft / w['remaining-term'].fullAtYears), basis: { fields: { ...fields, expiresOn: facts.expiryDate } }, ...(note ? { note } : {}) }
  }

  const type = (): Computed => {
    const score = w['patent-type'].scores[facts.kind]
    const fields = { publicationNumber: p.publicationNumber }
    if (score === undefined) return NO_DATA(fields, { zh: '公开号没有可识别的中国专利种类代码', en: 'the publication number has no Chinese kind code to read' })
    const note: Label | undefined = facts.kind === 'design' ? { zh: '外观设计不在标准适用范围内', en: 'designs are outside the standard' } : undefined
    return { value: facts.kind, score, basis: { fields }, ...(note ? { note } : {}) }
  }

  const claims = (): Computed => {
    if (p.claims === undefined || p.claims.trim() === '') return NO_DATA({ claims: null }, { zh: '记录中没有权利要求书', en: 'no claims on record' })
    const c = readClaims(p.claims)
    const cw = w.claims
    const score = cw.countShare * capped(c.count / cw.fullAtClaims) + (1 - cw.countShare) * capped(c.independent.length / cw.fullAtIndependent)
    const fields = { claims: `${p.claims.slice(0, 60)}${p.claims.length > 60 ? '…' : ''}`, independentClaims: c.independent }
    const note: Label | undefined = c.numbered ? undefined : { zh: '权利要求未编号：按一项（主权项）计', en: 'the claims are not numbered: read as one (the main claim)' }
    return { value: c.count, details: { count: c.count, independent: c.independent.length }, score, basis: { fields }, ...(note ? { note } : {}) }
  }

  const breadth = (): Computed => {
    if (p.ipc.length === 0) return NO_DATA({ ipc: [] }, { zh: '记录中没有 IPC 分类号', en: 'no IPC codes on record' })
    const b = classificationBreadth(p.ipc)
    const cw = w['classification-breadth']
    const units = b.subclasses.length + cw.extraGroupUnit * b.extraGroups
    return {
      value: b.subclasses.length,
      details: { subclasses: b.subclasses.length, mainGroups: b.mainGroups.length, units },
      score: capped(units / cw.fullAtUnits),
      basis: { fields: { ipc: p.ipc, subclasses: b.subclasses, mainGroups: b.mainGroups } },
    }
  }

  const declined = input.pairings.filter((x) => x.state === 'declined')
  const byReason = Object.fromEntries(DECLINE_REASONS.map((r) => [r, declined.filter((x) => x.reason === r).length]))
  const aboutPatent = declined.filter((x) => x.reason !== undefined && w.declines.aboutThePatent.includes(x.reason)).length
  const stageOf = (x: ValueInput['pairings'][number]) => MAIN_PATH.filter((s) => x.entered.includes(s) || x.state === s).at(-1)
  const reached = Object.fromEntries(MAIN_PATH.map((s) => [s, input.pairings.filter((x) => x.entered.includes(s) || x.state === s).length]))
  const furthest = MAIN_PATH.filter((s) => reached[s]! > 0).at(-1)
  const interestStates = Object.fromEntries(INTEREST_STATES.map((s) => [s, input.interests.filter((i) => i.state === s).length]))

  return {
    'legal-status': { value: p.legalStatus, score: w['legal-status'].scores[p.legalStatus], basis: { fields: { legalStatus: p.legalStatus } } },
    'remaining-term': term(),
    'patent-type': type(),
    claims: claims(),
    'classification-breadth': breadth(),
    maturity:
      p.maturity === undefined
        ? NO_DATA({ maturity: null }, { zh: '高校尚未填写技术成熟度', en: 'the office has not given a readiness level' })
        : { value: p.maturity, score: capped(p.maturity / w.maturity.levels), basis: { fields: { maturity: p.maturity } } },
    'office-grade':
      p.officeGrade === undefined
        ? NO_DATA({ officeGrade: null }, { zh: '高校尚未分级', en: 'the office has not graded it' })
        : { value: p.officeGrade, score: capped((p.officeGrade - 1) / (w['office-grade'].grades - 1)), basis: { fields: { officeGrade: p.officeGrade } } },
    'matching-needs': {
      value: input.needs.length,
      score: capped(input.needs.length / w['matching-needs'].fullAt),
      basis: { needs: input.needs.map((n) => ({ id: n.needId, score: n.score })) },
    },
    interests: {
      value: input.interests.length,
      details: interestStates,
      score: capped(input.interests.length / w.interests.fullAt),
      basis: { interests: input.interests.map((i) => ({ id: i.id, state: i.state })) },
    },
    'pairing-progress': {
      value: furthest ?? 'none',
      details: reached,
      score: furthest === undefined ? 0 : w['pairing-progress'].stageScores[furthest]!,
      basis: { pairings: input.pairings.map((x) => ({ id: x.id, state: x.state, ...(stageOf(x) ? { stage: stageOf(x)! } : {}) })) },
    },
    declines:
      input.pairings.length === 0
        ? { value: null, score: null, details: byReason, basis: { pairings: [] }, note: { zh: '尚无对接，无从判断', en: 'no pairings yet: nothing to judge by' } }
        : {
            value: aboutPatent,
            details: { ...byReason, pairings: input.pairings.length, aboutThePatent: aboutPatent },
            score: 1 - aboutPatent / input.pairings.length,
            basis: { pairings: declined.map((x) => ({ id: x.id, state: x.state, ...(x.reason ? { reason: x.reason } : {}) })) },
          },
  }
}

/** The patent's profile on `today`, from its record and what the service recorded about it. */
export function computeValueProfile(input: ValueInput, today: Date, weights: ValueWeights = VALUE_WEIGHTS): ValueProfile {
  const computed = computeIndicators(input, today, weights.indicators)
  const weightOf = (id: IndicatorId, s: Scenario) => weights.indicators[id].weights[s]
  const scenarios = {} as Record<Scenario, ScenarioResult>
  const points = {} as Record<IndicatorId, Record<Scenario, number>>
  for (const id of INDICATOR_IDS) points[id] = { transfer: 0, pledge: 0 }
  for (const s of SCENARIOS) {
    const all = INDICATOR_IDS.reduce((n, id) => n + weightOf(id, s), 0)
    const withData = INDICATOR_IDS.filter((id) => computed[id].score !== null)
    const had = withData.reduce((n, id) => n + weightOf(id, s), 0)
    const byDimension = { legal: 0, technical: 0, economic: 0 }
    let total = 0
    for (const id of withData) {
      const pts = had === 0 ? 0 : (weightOf(id, s) * computed[id].score!) / had * 100
      points[id][s] = round(pts)
      byDimension[INDICATORS[id].dimension] += pts
      total += pts
    }
    const grade = 1 + weights.grades.thresholds.filter((t) => round(total) >= t).length
    const dead = computed['legal-status'].score === 0
    scenarios[s] = {
      score: round(total),
      grade: dead ? 1 : grade,
      coverage: all === 0 ? 0 : round(had / all, 3),
      byDimension: { legal: round(byDimension.legal), technical: round(byDimension.technical), economic: round(byDimension.economic) },
      ...(dead && grade > 1 ? { cappedBy: 'legal-status' as const } : {}),
    }
  }
  const indicators: Indicator[] = INDICATOR_IDS.map((id) => {
    const c = computed[id]
    const { dimension, name, standard, source } = INDICATORS[id]
    const out: Indicator = {
      id,
      dimension,
      name,
      standard,
      source,
      assessed: c.score !== null,
      value: c.value,
      score: c.score === null ? null : round(c.score, 3),
      weights: weights.indicators[id].weights,
      points: points[id],
      basis: c.basis,
    }
    if (c.details !== undefined) out.details = c.details
    if (c.note !== undefined) out.note = c.note
    return out
  })
  const furthest = computed['pairing-progress'].value
  const profile: ValueProfile = {
    publicationNumber: input.patent.publicationNumber,
    title: input.patent.title,
    computedAt: today.toISOString(),
    asOf: today.toISOString().slice(0, 10),
    standard: 'GB/T 42748-2023 专利评估指引 (Patent Evaluation Guidelines)',
    scenarios,
    dimensions: DIMENSIONS.map((d) => ({ id: d, name: DIMENSION_LABELS[d], indicators: indicators.filter((i) => i.dimension === d) })),
    notAssessed: NOT_ASSESSED,
    demand: {
      matchingNeeds: input.needs.length,
      interests: input.interests.length,
      pairings: input.pairings.length,
      ...(typeof furthest === 'string' && furthest !== 'none' ? { furthestStage: furthest as PairingState } : {}),
      signals: input.needs.length + input.interests.length + input.pairings.length,
    },
  }
  if (input.patent.ownerOrgId !== undefined) profile.ownerOrgId = input.patent.ownerOrgId
  return profile
}

/**
 * How much of the records behind a profile a caller sees (decided in `access.ts`): `all` (the
 * admin), `holder` (the patent's university: its interests' and pairings' ids, the needs' scores
 * but not their ids, since needs are confidential), `counts` (everyone else: the values and
 * counts, no ids of other organisations' records).
 */
export type ValueEvidence = 'all' | 'holder' | 'counts'

export function profileFor(profile: ValueProfile, evidence: ValueEvidence): ValueProfile {
  if (evidence === 'all') return profile
  const { ownerOrgId: _owner, ...rest } = profile
  return {
    ...rest,
    dimensions: profile.dimensions.map((d) => ({
      ...d,
      indicators: d.indicators.map((i) => {
        const { needs, interests, pairings, ...basis } = i.basis
        if (needs === undefined && interests === undefined && pairings === undefined) return i
        const shown: Indicator['basis'] = { ...basis }
        if (needs !== undefined) shown.needs = needs.map((n) => ({ score: n.score }))
        if (evidence === 'holder') {
          if (interests !== undefined) shown.interests = interests
          if (pairings !== undefined) shown.pairings = pairings
        }
        if (needs !== undefined || evidence === 'counts') shown.withheld = true
        return { ...i, basis: shown }
      }),
    })),
  }
}

/** A profile in a list: the patent, the scenario's grade and score, and its demand. */
export const valueSummarySchema = z.object({
  publicationNumber: z.string(),
  title: z.string(),
  scenario: z.enum(SCENARIOS),
  grade: z.number().int(),
  score: z.number(),
  coverage: z.number(),
  demand: demandSummarySchema,
  computedAt: z.string(),
})
export type ValueSummary = z.infer<typeof valueSummarySchema>

export function summaryOf(profile: ValueProfile, scenario: Scenario): ValueSummary {
  const s = profile.scenarios[scenario]
  return {
    publicationNumber: profile.publicationNumber,
    title: profile.title,
    scenario,
    grade: s.grade,
    score: s.score,
    coverage: s.coverage,
    demand: profile.demand,
    computedAt: profile.computedAt,
  }
}
