/**
 * The sample-enterprise cultivation pool (培育库) and programme monitoring: recommendation rounds,
 * quota-checked recommendations, graduation, violations, withdrawal (also flagged by a scheduled
 * two-year check), the pool list, and the programme's figures computed from recorded events.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { actorOf, authorize, permits, type Principal } from '../domain/access.js'
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { orgSchema, type Org } from '../domain/org.js'
import { AGREED_STATES } from '../domain/pairing.js'
import {
  checkGraduation,
  checkRecommendation,
  dueForWithdrawal,
  enterprisePoolStateSchema,
  enterpriseState,
  graduationEvidenceSchema,
  provinceQuota,
  replayPool,
  VIOLATIONS,
  WITHDRAWAL_REASONS,
  type EnterprisePoolState,
  type PoolEvent,
  type PoolStatus,
} from '../domain/pool.js'
import type { NewEvent, OrgStore, ProgrammeLog, Round, RoundStore } from '../domain/ports.js'
import { readProvince, regionKey, type Regions } from '../domain/regions.js'
import { annualReport } from '../domain/report.js'
import { computeStats, statsToCsv, type Stats } from '../domain/stats.js'

export const roundInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Last day on which recommendations are accepted (China time). */
  deadline: z.iso.date('expected a date as YYYY-MM-DD'),
})
export type RoundInput = z.infer<typeof roundInputSchema>

export const recommendationInputSchema = z.strictObject({ enterpriseId: z.uuid('expected an organisation id'), roundId: z.uuid('expected a round id') })
export const graduationInputSchema = z.strictObject({ evidence: graduationEvidenceSchema })
const evidenceNote = z.strictObject({ description: z.string().trim().min(1).max(5000), reference: z.string().trim().max(1000).optional() })
export const violationInputSchema = z.strictObject({ violation: z.enum(VIOLATIONS), evidence: evidenceNote })
export const progressInputSchema = z.strictObject({ kind: z.literal('new-patent-intensive-product'), evidence: evidenceNote })
export const withdrawalInputSchema = z.strictObject({ reason: z.enum(WITHDRAWAL_REASONS), evidence: evidenceNote.optional(), note: z.string().trim().max(2000).optional() })

export interface PoolDeps {
  rounds: RoundStore
  log: ProgrammeLog
  orgs: OrgStore
  regions: Regions
  /** Keys (codes) of the provinces whose quota is the larger one. */
  largeProvinces: ReadonlySet<string>
  now?: () => Date
}

/** An enterprise's place in the pool, with the profile a reader of the pool needs. */
export const poolEntrySchema = enterprisePoolStateSchema.extend({
  enterprise: orgSchema.pick({ id: true, name: true, creditCode: true, city: true, cityCode: true, size: true, flags: true, industry: true }),
})
export type PoolEntry = z.infer<typeof poolEntrySchema>

export function createPoolService(deps: PoolDeps) {
  const now = () => deps.now?.() ?? new Date()

  /**
   * The province a provincial office acts for (the admin: the enterprise's): its key, what
   * comparisons and the lock use (see `regionKey`), and its name and code, what events record.
   */
  const provinceFor = (principal: Principal, enterprise: Org): { key: string; province: string; provinceCode?: string } => {
    const of = principal.role === 'admin' ? enterprise : principal
    const key = regionKey(of)
    if (key === undefined || of.province === undefined) throw new ValidationError('this organisation has no province on record', [{ path: 'province', message: 'required' }])
    return { key, province: of.province, ...(of.provinceCode !== undefined ? { provinceCode: of.provinceCode } : {}) }
  }

  /** A province asked for in a query: its key and name (400 for one the region table does not know). */
  const askedProvince = (input: string): { key: string; name: string } => {
    const r = readProvince(deps.regions, input, 'query.province')
    if (!r.ok) throw new ValidationError('the request query is not valid', [r.detail])
    return { key: r.region.code, name: r.region.name }
  }

  /** The place a pool event records: the pool's province, name and code. */
  const placeOf = (s: { province: string; provinceCode?: string | undefined }) =>
    s.provinceCode === undefined ? { province: s.province } : { province: s.province, provinceCode: s.provinceCode }

  const enterprise = async (id: string): Promise<Org> => {
    const org = await deps.orgs.get(id)
    if (org === undefined || org.kind !== 'enterprise') throw new NotFoundError(`enterprise ${id}`)
    return org
  }

  /**
   * The enterprise's pool state, when the caller's province holds it (404 otherwise) and it is
   * still in the pool (409 otherwise): what every pool decision starts from.
   */
  const inPool = async (principal: Principal, enterpriseId: string): Promise<EnterprisePoolState> => {
    const state = enterpriseState(await deps.log.pool(), enterpriseId)
    if (state === undefined) throw new NotFoundError(`enterprise ${enterpriseId} in the pool`)
    await authorize(principal, 'pool.decide', { ...state, kind: 'pool-entry' })
    if (state.status !== 'in') throw new ConflictError('not_in_pool', `enterprise ${enterpriseId} is no longer in the pool (${state.status})`)
    return state
  }

  /** The evidence as recorded: without a reference key when none was given. */
  const note = (e: { description: string; reference?: string | undefined }) =>
    e.reference === undefined ? { description: e.description } : { description: e.description, reference: e.reference }

  const append = (e: NewEvent<PoolEvent>) => deps.log.appendPool(e)

  const service = {
    async createRound(input: RoundInput): Promise<Round> {
      const round: Round = { ...input, id: randomUUID(), createdAt: now().toISOString() }
      await deps.rounds.put(round)
      return round
    },

    listRounds: () => deps.rounds.list(),

    async recommend(principal: Principal, input: { enterpriseId: string; roundId: string }): Promise<PoolEvent> {
      const org = await enterprise(input.enterpriseId)
      const round = await deps.rounds.get(input.roundId)
      if (round === undefined) throw new NotFoundError(`round ${input.roundId}`)
      const { key, ...place } = provinceFor(principal, org)
      const enterpriseKey = regionKey(org)
      return deps.rounds.withProvinceLock(key, async () => {
        const at = now()
        const decision = checkRecommendation({
          events: await deps.log.pool(),
          province: key,
          provinceName: place.province,
          enterpriseId: org.id,
          ...(enterpriseKey === undefined ? {} : { enterpriseProvince: enterpriseKey, enterpriseProvinceName: org.province ?? enterpriseKey }),
          round: { id: round.id, deadline: round.deadline, name: round.name },
          now: at,
          quota: provinceQuota(key, deps.largeProvinces),
        })
        if (!decision.ok) {
          throw new ConflictError(decision.code, decision.message, [
            { path: decision.code === 'deadline_passed' ? 'roundId' : 'enterpriseId', message: `${decision.placesLeft} places left` },
          ])
        }
        return append({
          type: 'recommended',
          at: at.toISOString(),
          actor: actorOf(principal),
          ...place,
          enterpriseId: org.id,
          roundId: round.id,
          addedByRolling: decision.addedByRolling,
        })
      })
    },

    async graduate(principal: Principal, enterpriseId: string, input: z.infer<typeof graduationInputSchema>): Promise<PoolEvent> {
      const state = await inPool(principal, enterpriseId)
      const check = checkGraduation(input.evidence)
      if (!check.eligible) {
        throw new ConflictError(
          'not_eligible',
          `the evidence meets no exit criterion: ${check.unmet.join('; ')}`,
          check.unmet.map((m) => ({ path: 'evidence', message: m })),
        )
      }
      return append({
        type: 'graduated',
        at: now().toISOString(),
        actor: actorOf(principal),
        ...placeOf(state),
        enterpriseId,
        evidence: input.evidence,
        reasons: check.reasons,
      })
    },

    async recordViolation(principal: Principal, enterpriseId: string, input: z.infer<typeof violationInputSchema>): Promise<PoolEvent> {
      const state = await inPool(principal, enterpriseId)
      return append({ type: 'violation-recorded', at: now().toISOString(), actor: actorOf(principal), ...placeOf(state), enterpriseId, violation: input.violation, evidence: note(input.evidence) })
    },

    async recordProgress(principal: Principal, enterpriseId: string, input: z.infer<typeof progressInputSchema>): Promise<PoolEvent> {
      const state = await inPool(principal, enterpriseId)
      return append({ type: 'progress-recorded', at: now().toISOString(), actor: actorOf(principal), ...placeOf(state), enterpriseId, kind: input.kind, evidence: note(input.evidence) })
    },

    async withdraw(principal: Principal, enterpriseId: string, input: z.infer<typeof withdrawalInputSchema>): Promise<PoolEvent> {
      const state = await inPool(principal, enterpriseId)
      return append({
        type: 'withdrawn',
        at: now().toISOString(),
        actor: actorOf(principal),
        ...placeOf(state),
        enterpriseId,
        reason: input.reason,
        ...(input.evidence === undefined ? {} : { evidence: note(input.evidence) }),
        ...(input.note === undefined ? {} : { note: input.note }),
      })
    },

    /** The scheduled two-year check: flags enterprises in the pool two years without substantive progress. */
    async checkWithdrawals(): Promise<PoolEvent[]> {
      const at = now()
      const [pool, activity] = await Promise.all([deps.log.pool(), deps.log.activity()])
      // When each enterprise's pairings reached a signed agreement, from the recorded pairing events.
      const agreements = new Map<string, string[]>()
      for (const e of activity) {
        if (e.type === 'pairing-state-changed' && e.enterpriseId !== undefined && AGREED_STATES.has(e.to)) {
          agreements.set(e.enterpriseId, [...(agreements.get(e.enterpriseId) ?? []), e.at])
        }
      }
      const due = dueForWithdrawal({
        events: pool,
        now: at,
        progress: ({ enterpriseId, since, until }) => ({
          agreementSignedOrLater: (agreements.get(enterpriseId) ?? []).some((t) => t >= since && t <= until),
          newProduct: false,
        }),
      })
      const flagged: PoolEvent[] = []
      for (const d of due.filter((x) => !x.flagged)) {
        flagged.push(
          await append({
            type: 'withdrawal-flagged',
            at: at.toISOString(),
            actor: { role: 'system' },
            ...placeOf(d),
            enterpriseId: d.enterpriseId,
            reason: 'no-progress',
            dueOn: d.dueOn,
          }),
        )
      }
      return flagged
    },

    /** Enterprises in the pool (and those that left it) that the caller may see, with their profiles. */
    async list(principal: Principal, filter: { province?: string; status?: PoolStatus }): Promise<PoolEntry[]> {
      const asked = filter.province === undefined ? undefined : askedProvince(filter.province).key
      const { enterprises } = replayPool(await deps.log.pool())
      const out: PoolEntry[] = []
      for (const state of enterprises.values()) {
        if (asked !== undefined && regionKey(state) !== asked) continue
        if (filter.status !== undefined && state.status !== filter.status) continue
        if (!(await permits(principal, 'pool.list', { ...state, kind: 'pool-entry' }))) continue
        const org = await deps.orgs.get(state.enterpriseId)
        // Absent profile fields stay undefined and are left out of the JSON response.
        const { creditCode, city, cityCode, size, flags, industry } = org ?? {}
        out.push({ ...state, enterprise: { id: state.enterpriseId, name: org?.name ?? '', creditCode, city, cityCode, size, flags, industry } })
      }
      return out.sort((a, b) => a.enteredAt.localeCompare(b.enteredAt) || a.enterpriseId.localeCompare(b.enterpriseId))
    },

    /** The programme's figures: of the province asked for, else of the caller's own (the admin's: the whole country). */
    async stats(principal: Principal, query: { province?: string; year?: number }): Promise<Stats> {
      const asked = query.province === undefined ? undefined : askedProvince(query.province)
      const key = asked?.key ?? regionKey(principal)
      const name = asked?.name ?? principal.province ?? key
      await authorize(principal, 'stats.read', { kind: 'figures', province: name, provinceCode: key })
      const [activity, pool] = await Promise.all([deps.log.activity(), deps.log.pool()])
      return computeStats({
        events: [...activity, ...pool],
        ...(key === undefined ? {} : { province: key, provinceName: name! }),
        ...(query.year === undefined ? {} : { year: query.year }),
        largeProvinces: deps.largeProvinces,
      })
    },

    statsToCsv,

    /** The annual evaluation report of a province: its figures for the year beside the year before. */
    async annualReport(principal: Principal, query: { province?: string; year: number }): Promise<string> {
      const current = await service.stats(principal, query)
      const previous = await service.stats(principal, { ...query, year: query.year - 1 })
      return annualReport(current, previous, now().toISOString())
    },
  }
  return service
}

export type PoolService = ReturnType<typeof createPoolService>
