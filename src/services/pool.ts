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
import { AGREED_STATES, PAIRING_STATES, type PairingState } from '../domain/pairing.js'
import { byName, orgCursor, orgPosition, type OrgPosition } from './orgs.js'
import { cursorCodec, sortedPage, type Page } from '../domain/paging.js'
import {
  checkGraduation,
  checkRecommendation,
  dueForWithdrawal,
  enterprisePoolStateSchema,
  enterpriseState,
  graduationEvidenceSchema,
  poolEventSchema,
  provinceQuota,
  replayPool,
  VIOLATIONS,
  WITHDRAWAL_REASONS,
  type EnterprisePoolState,
  type PoolEvent,
  type PoolStatus,
} from '../domain/pool.js'
import type { NewEvent, OrgStore, PatentStore, ProgrammeLog, Round, RoundStore, ValueStore } from '../domain/ports.js'
import { readProvince, regionKey, type Regions } from '../domain/regions.js'
import { reportModel, type Report } from '../domain/report.js'
import { computeStats, csvCell, statsToCsv, type Stats } from '../domain/stats.js'
import { ENTERPRISE_FLAG_LABELS, ENTERPRISE_SIZE_LABELS, PAIRING_STATE_LABELS, POOL_STATUS_LABELS, type Label } from '../domain/labels.js'

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
  /** For the titles and holders of the patents pool enterprises obtained through pairings. */
  patents: Pick<PatentStore, 'getMany'>
  /** For each obtained patent's grade in the pledge-financing scenario (what a lender reads first). */
  values?: Pick<ValueStore, 'getMany'>
  regions: Regions
  /** Keys (codes) of the provinces whose quota is the larger one. */
  largeProvinces: ReadonlySet<string>
  now?: () => Date
}

/**
 * A patent a pool enterprise obtained through the programme: one of a pairing that reached a signed
 * agreement (or later: recorded, industrialised), with the pairing's state now and when the
 * agreement was signed. Interests are left out: an interest is a wish, not a transfer.
 */
export const poolPatentSchema = z.object({
  publicationNumber: z.string(),
  title: z.string().optional(),
  /** Who listed it: the university's name, else the first applicant on record. */
  holder: z.string().optional(),
  pairingId: z.string(),
  state: z.enum(PAIRING_STATES),
  agreedAt: z.string(),
  value: z
    .object({ grade: z.number().int(), score: z.number(), coverage: z.number() })
    .optional()
    .describe('its value profile in the pledge-financing scenario (GET /v1/patents/{publicationNumber}/value for the whole profile); absent until computed'),
})
export type PoolPatent = z.infer<typeof poolPatentSchema>

/** An enterprise's pairings, from the programme's record: how many, and how many are in each state now. */
export const pairingProgressSchema = z.object({
  total: z.number().int(),
  byState: z.partialRecord(z.enum(PAIRING_STATES), z.number().int()),
  /** When a pairing of the enterprise last changed. */
  lastChangeAt: z.string().optional(),
})

/** An enterprise's place in the pool, with the profile a reader of the pool needs, its pairings and the patents it obtained. */
export const poolEntrySchema = enterprisePoolStateSchema.extend({
  enterprise: orgSchema.pick({ id: true, name: true, creditCode: true, city: true, cityCode: true, size: true, flags: true, industry: true, patentsHeld: true }),
  pairings: pairingProgressSchema,
  patents: z.array(poolPatentSchema),
})

/** An enterprise of the office's province, as its directory shows it: the registration and its place in the pool, if any. */
export type PoolEntry = z.infer<typeof poolEntrySchema>

export const candidateSchema = orgSchema.pick({ id: true, name: true, province: true, provinceCode: true, city: true, cityCode: true, creditCode: true, size: true, flags: true, industry: true }).extend({
  pool: z.object({ status: z.enum(['in', 'graduated', 'withdrawn']), enteredAt: z.string() }).optional(),
})
export type Candidate = z.infer<typeof candidateSchema>

/** One enterprise's place in the pool with every decision on it, each with its evidence and actor, oldest first. */
export const poolRecordSchema = z.object({ entry: poolEntrySchema, decisions: z.array(poolEventSchema) })
export type PoolRecord = z.infer<typeof poolRecordSchema>

/** Where a page of the pool stops: when the last enterprise read entered, and its id. */
export const poolCursor = cursorCodec(z.strictObject({ enteredAt: z.string().max(40), id: z.string().min(1).max(100) }))
export type PoolPosition = { enteredAt: string; id: string }

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

  /**
   * Pool states with what a reader of the pool needs beside them: the enterprise's profile, its
   * pairings' progress and the patents it obtained, all from the programme's record (pairing
   * events carry the enterprise), the patents' titles and holders from the inventory.
   */
  const entriesOf = async (states: readonly EnterprisePoolState[]): Promise<PoolEntry[]> => {
    const wanted = new Set(states.map((s) => s.enterpriseId))
    const pairings = new Map<string, Map<string, { publicationNumber?: string; state: PairingState; at: string; agreedAt?: string }>>()
    for (const e of await deps.log.activity()) {
      if (e.type !== 'pairing-state-changed' || e.enterpriseId === undefined || !wanted.has(e.enterpriseId)) continue
      const mine = pairings.get(e.enterpriseId) ?? new Map()
      pairings.set(e.enterpriseId, mine)
      const p = mine.get(e.pairingId) ?? { state: e.to, at: e.at }
      p.state = e.to
      p.at = e.at
      if (e.publicationNumber !== undefined) p.publicationNumber ??= e.publicationNumber
      if (AGREED_STATES.has(e.to)) p.agreedAt ??= e.at
      mine.set(e.pairingId, p)
    }
    const agreedPns = [...new Set([...pairings.values()].flatMap((m) => [...m.values()].filter((p) => p.agreedAt !== undefined && p.publicationNumber !== undefined).map((p) => p.publicationNumber!)))]
    const patents = new Map((await deps.patents.getMany(agreedPns)).flatMap((p) => (p === undefined ? [] : [[p.publicationNumber, p] as const])))
    const values = new Map((deps.values === undefined ? [] : await deps.values.getMany(agreedPns)).flatMap((v) => (v === undefined ? [] : [[v.publicationNumber, v.scenarios.pledge] as const])))
    const holders = new Map<string, string>()
    for (const p of patents.values()) {
      if (p.ownerOrgId !== undefined && !holders.has(p.ownerOrgId)) {
        const org = await deps.orgs.get(p.ownerOrgId)
        if (org !== undefined) holders.set(p.ownerOrgId, org.name)
      }
    }
    const out: PoolEntry[] = []
    for (const state of states) {
      const org = await deps.orgs.get(state.enterpriseId)
      // Absent profile fields stay undefined and are left out of the JSON response.
      const { creditCode, city, cityCode, size, flags, industry, patentsHeld } = org ?? {}
      const mine = [...(pairings.get(state.enterpriseId)?.entries() ?? [])]
      const byState: Partial<Record<PairingState, number>> = {}
      for (const [, p] of mine) byState[p.state] = (byState[p.state] ?? 0) + 1
      const lastChangeAt = mine.map(([, p]) => p.at).sort().at(-1)
      const obtained: PoolPatent[] = []
      for (const [pairingId, p] of mine) {
        if (p.agreedAt === undefined || p.publicationNumber === undefined) continue
        const patent = patents.get(p.publicationNumber)
        const holder = (patent?.ownerOrgId === undefined ? undefined : holders.get(patent.ownerOrgId)) ?? patent?.applicants?.[0]
        const value = values.get(p.publicationNumber)
        obtained.push({
          publicationNumber: p.publicationNumber,
          ...(patent?.title ? { title: patent.title } : {}),
          ...(holder ? { holder } : {}),
          pairingId,
          state: p.state,
          agreedAt: p.agreedAt,
          ...(value === undefined ? {} : { value: { grade: value.grade, score: value.score, coverage: value.coverage } }),
        })
      }
      obtained.sort((a, b) => a.agreedAt.localeCompare(b.agreedAt) || a.publicationNumber.localeCompare(b.publicationNumber))
      out.push({
        ...state,
        enterprise: { id: state.enterpriseId, name: org?.name ?? '', creditCode, city, cityCode, size, flags, industry, patentsHeld },
        pairings: { total: mine.length, byState, ...(lastChangeAt === undefined ? {} : { lastChangeAt }) },
        patents: obtained,
      })
    }
    return out
  }

  const service = {
    /** Whether an enterprise in the pool (or one that left it) obtained the patent through a pairing that reached a signed agreement. */
    async obtainedInPool(publicationNumber: string): Promise<boolean> {
      const { enterprises } = replayPool(await deps.log.pool())
      return (await deps.log.activity()).some(
        (e) => e.type === 'pairing-state-changed' && e.publicationNumber === publicationNumber && AGREED_STATES.has(e.to) && e.enterpriseId !== undefined && enterprises.has(e.enterpriseId),
      )
    },

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
            { path: decision.code === 'deadline_passed' ? 'roundId' : 'enterpriseId', message: `${decision.placesLeft} places left`, zh: `剩余名额 ${decision.placesLeft} 个` },
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
          `the evidence meets no exit criterion: ${check.unmet.map((m) => m.message).join('; ')}`,
          check.unmet.map((m) => ({ path: 'evidence', ...m })),
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

    /** Enterprises in the pool (and those that left it) that the caller may see, with their profiles, pairings and the patents they obtained. */
    /**
     * The pool the caller may read, oldest entry first; with `page`, one page of it after the
     * cursor's (enteredAt, enterprise id), so enterprises entering meanwhile join the end and
     * shift nothing. The pool is replayed from its events either way; a page only bounds what is
     * looked up and sent.
     */
    async list(principal: Principal, filter: { province?: string; status?: PoolStatus }, page?: { limit: number; cursor?: PoolPosition | undefined }): Promise<Page<PoolEntry>> {
      const asked = filter.province === undefined ? undefined : askedProvince(filter.province).key
      const { enterprises } = replayPool(await deps.log.pool())
      const states: EnterprisePoolState[] = []
      for (const state of enterprises.values()) {
        if (asked !== undefined && regionKey(state) !== asked) continue
        if (filter.status !== undefined && state.status !== filter.status) continue
        if (!(await permits(principal, 'pool.list', { ...state, kind: 'pool-entry' }))) continue
        states.push(state)
      }
      const positionOf = (s: EnterprisePoolState): PoolPosition => ({ enteredAt: s.enteredAt, id: s.enterpriseId })
      const byEntry = (a: PoolPosition, b: PoolPosition) => a.enteredAt.localeCompare(b.enteredAt) || a.id.localeCompare(b.id)
      states.sort((a, b) => byEntry(positionOf(a), positionOf(b)))
      if (page === undefined) return { items: await entriesOf(states) }
      const cut = sortedPage(states, page, positionOf, byEntry, poolCursor)
      return { ...cut, items: await entriesOf(cut.items) }
    },

    /** One enterprise's place in the pool and every decision on it, with its evidence (404 outside the office's province). */
    async record(principal: Principal, enterpriseId: string): Promise<PoolRecord> {
      const events = await deps.log.pool()
      const state = enterpriseState(events, enterpriseId)
      if (state === undefined) throw new NotFoundError(`enterprise ${enterpriseId} in the pool`)
      await authorize(principal, 'pool.read', { ...state, kind: 'pool-entry' })
      const [entry] = await entriesOf([state])
      return { entry: entry!, decisions: events.filter((e) => e.enterpriseId === enterpriseId) }
    },

    /**
     * The enterprises an office may recommend: those registered in its province (the admin: all),
     * by name, matching `q` in the name or credit code, a page at a time, each with its place in
     * the pool if it has one.
     */
    async candidates(principal: Principal, query: { q?: string }, page: { limit: number; cursor?: OrgPosition | undefined }): Promise<Page<Candidate>> {
      await authorize(principal, 'pool.candidates')
      const q = query.q?.normalize('NFKC').toLowerCase()
      const mine: Org[] = []
      for (const o of await deps.orgs.list()) {
        if (o.kind !== 'enterprise') continue
        if (q !== undefined && !o.name.normalize('NFKC').toLowerCase().includes(q) && !(o.creditCode ?? '').toLowerCase().includes(q)) continue
        if (await permits(principal, 'pool.candidates', { kind: 'enterprise', id: o.id, province: o.province, provinceCode: o.provinceCode })) mine.push(o)
      }
      mine.sort(byName)
      const cut = sortedPage(mine, page, orgPosition, byName, orgCursor)
      const { enterprises } = replayPool(await deps.log.pool())
      const items = cut.items.map((o): Candidate => {
        const { id, name, province, provinceCode, city, cityCode, creditCode, size, flags, industry } = o
        const state = enterprises.get(id)
        return { id, name, province, provinceCode, city, cityCode, creditCode, size, flags, industry, ...(state === undefined ? {} : { pool: { status: state.status, enteredAt: state.enteredAt } }) }
      })
      return { ...cut, items }
    },

    /** The programme's figures: of the province asked for, else of the caller's own (the admin's: the whole country). */
    async stats(principal: Principal, query: { province?: string; year?: number }): Promise<Stats> {
      const asked = query.province === undefined ? undefined : askedProvince(query.province)
      const key = asked?.key ?? regionKey(principal)
      const name = asked?.name ?? principal.province ?? key
      await authorize(principal, 'stats.read', { kind: 'figures', province: name, provinceCode: key })
      const [activity, pool] = await Promise.all([deps.log.activity(), deps.log.pool()])
      const stats = computeStats({
        events: [...activity, ...pool],
        ...(key === undefined ? {} : { province: key, provinceName: name! }),
        ...(query.year === undefined ? {} : { year: query.year }),
        largeProvinces: deps.largeProvinces,
      })
      // Universities by the names they are registered with: what a reader of the figures knows them by.
      for (const u of stats.universities) {
        const org = await deps.orgs.get(u.universityOrgId)
        if (org !== undefined) u.name = org.name
      }
      return stats
    },

    statsToCsv,

    /** The annual evaluation report of a province: its figures for the year beside the year before, to render as Markdown, HTML or Word. */
    async annualReport(principal: Principal, query: { province?: string; year: number }): Promise<Report> {
      const current = await service.stats(principal, query)
      const previous = await service.stats(principal, { ...query, year: query.year - 1 })
      return reportModel(current, previous, now().toISOString())
    },
  }
  return service
}

export type PoolService = ReturnType<typeof createPoolService>

/**
 * The pool list as CSV (RFC 4180, CRLF) for a bank's or an office's spreadsheet: one row an
 * enterprise with its profile, place in the pool, pairings by state and the patents it obtained
 * (`publication number title (holder, state)` joined by `; `), names in Chinese or English.
 */
export function poolToCsv(entries: readonly PoolEntry[], lang: 'zh' | 'en'): string {
  const L = (label: Label) => label[lang]
  const head =
    lang === 'zh'
      ? ['企业名称', '统一社会信用代码', '省份', '城市', '规模', '企业标识', '行业', '自报持有专利数', '培育库状态', '入库时间', '对接总数', ...PAIRING_STATES.map((s) => `对接·${PAIRING_STATE_LABELS[s].zh}`), '获得的专利数', '获得的专利']
      : ['enterprise', 'credit code', 'province', 'city', 'size', 'flags', 'industry', 'patents held (declared)', 'pool status', 'entered', 'pairings', ...PAIRING_STATES.map((s) => `pairings ${PAIRING_STATE_LABELS[s].en}`), 'patents obtained', 'patents']
  const rows = entries.map((e) => [
    e.enterprise.name,
    e.enterprise.creditCode ?? '',
    e.province,
    e.enterprise.city ?? '',
    e.enterprise.size === undefined ? '' : L(ENTERPRISE_SIZE_LABELS[e.enterprise.size]),
    (e.enterprise.flags ?? []).map((f) => L(ENTERPRISE_FLAG_LABELS[f])).join('; '),
    e.enterprise.industry ?? '',
    e.enterprise.patentsHeld === undefined ? '' : String(e.enterprise.patentsHeld),
    L(POOL_STATUS_LABELS[e.status]),
    e.enteredOn,
    String(e.pairings.total),
    ...PAIRING_STATES.map((s) => String(e.pairings.byState[s] ?? 0)),
    String(e.patents.length),
    e.patents.map((p) => `${p.publicationNumber} ${p.title ?? ''} (${[p.holder, L(PAIRING_STATE_LABELS[p.state])].filter(Boolean).join(', ')})`).join('; '),
  ])
  const numeric = new Set([7, 10, ...PAIRING_STATES.map((_, i) => 11 + i), 11 + PAIRING_STATES.length])
  return [head, ...rows].map((r, n) => r.map((c, i) => csvCell(c, n === 0 || !numeric.has(i))).join(',')).join('\r\n') + '\r\n'
}
