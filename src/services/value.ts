/**
 * Patent value profiles (`domain/value.ts`): computed by jobs when what they rest on changes —
 * a patent's record, the open needs that strongly match it, the interests it draws, its pairings'
 * progress and decline reasons — and stored (as their input: see the value store); the API reads
 * what the jobs stored and computes nothing but the profile of a stored input. A daily refresh
 * computes the profiles of patents that have none and moves the others' remaining term on.
 */
import { z } from 'zod'
import { authorize, listScope, valueEvidenceTo, type Principal } from '../domain/access.js'
import { NotFoundError } from '../domain/errors.js'
import { STRONG_MATCH } from '../domain/matching/strength.js'
import { toPage, type Page, type PageRequest } from '../domain/paging.js'
import type { Pairing, PairingState } from '../domain/pairing.js'
import type { Patent } from '../domain/patent.js'
import type { InterestStore, MatchStore, NeedStore, PairingStore, PatentStore, ValueOrder, ValueStore } from '../domain/ports.js'
import { computeValueProfile, profileFor, summaryOf, valueProfileSchema, valueSummarySchema, type Scenario, type ValueProfile } from '../domain/value.js'
import type { JobQueue } from '../jobs.js'

export interface ValueDeps {
  values: ValueStore
  patents: PatentStore
  needs: NeedStore
  matches: MatchStore
  interests: Pick<InterestStore, 'everyOf'>
  pairings: Pick<PairingStore, 'ids' | 'getMany' | 'history'>
  queue: Pick<JobQueue, 'enqueue'>
  /** Whether an enterprise of the cultivation pool obtained the patent (a financial institution then reads its profile). */
  obtainedInPool: (publicationNumber: string) => Promise<boolean>
  now?: () => Date
}

/** A profile as the API answers it: `pending` until its first computation, then the profile. */
export const valueAnswerSchema = z.union([
  z.object({ publicationNumber: z.string(), state: z.literal('pending').describe('not computed yet: the job runs after the patent is indexed, and daily') }),
  valueProfileSchema.extend({ state: z.literal('ready') }),
])
export type ValueAnswer = z.infer<typeof valueAnswerSchema>

export const valueListItemSchema = valueSummarySchema.extend({
  legalStatus: z.string(),
  status: z.string(),
})
export type ValueListItem = z.infer<typeof valueListItemSchema>

export interface ValueListQuery {
  owner?: string | undefined
  order: 'grade' | 'demand'
  scenario: Scenario
  minGrade?: number | undefined
  demand?: 'with' | 'without' | undefined
}

/** How many patents one recomputation job carries. */
export const VALUE_BATCH = 200
/** Profiles stored in one transaction at most. */
const PUT_BATCH = 500
/** A profile older than this is computed again by the refresh. */
const REFRESH_AFTER_MS = 24 * 3600_000

export function createValueService(deps: ValueDeps) {
  const now = () => deps.now?.() ?? new Date()

  /** The patent's pairings with every state their audit trail entered. */
  const pairingsOf = async (owner: string | undefined, pns: ReadonlySet<string>): Promise<Map<string, Array<Pairing & { entered: PairingState[] }>>> => {
    const ids = await deps.pairings.ids(owner === undefined ? 'all' : { university: owner })
    const out = new Map<string, Array<Pairing & { entered: PairingState[] }>>()
    for (const p of await deps.pairings.getMany(ids)) {
      if (!pns.has(p.publicationNumber)) continue
      const entered = (await deps.pairings.history(p.id)).map((e) => e.to)
      out.set(p.publicationNumber, [...(out.get(p.publicationNumber) ?? []), { ...p, entered }])
    }
    return out
  }

  /** Computes and stores the profiles of one owner's patents, reading what they rest on once. */
  const computeOwned = async (owner: string | undefined, patents: Patent[], seq: number, today: Date) => {
    const pns = new Set(patents.map((p) => p.publicationNumber))
    const interests = (await deps.interests.everyOf(owner === undefined ? 'all' : { university: owner })).filter((i) => pns.has(i.publicationNumber))
    const pairings = await pairingsOf(owner, pns)
    const demand = await deps.values.demandOf(patents.map((p) => p.publicationNumber))
    const computed = patents.map((patent, i) => {
      const pn = patent.publicationNumber
      const input = {
        patent,
        needs: demand[i] ?? [],
        interests: interests.filter((x) => x.publicationNumber === pn).map((x) => ({ id: x.id, state: x.state })),
        pairings: (pairings.get(pn) ?? []).map((p) => ({ id: p.id, state: p.state, ...(p.reason === undefined ? {} : { reason: p.reason }), entered: p.entered })),
      }
      return { input, profile: computeValueProfile(input, today) }
    })
    // stored in transactions of PUT_BATCH: three round trips a batch instead of three a patent
    for (let i = 0; i < computed.length; i += PUT_BATCH) await deps.values.putMany(computed.slice(i, i + PUT_BATCH), seq)
  }

  const enqueueBatches = async (pns: string[]) => {
    for (let i = 0; i < pns.length; i += VALUE_BATCH) await deps.queue.enqueue('value-patents', { publicationNumbers: pns.slice(i, i + VALUE_BATCH) })
  }

  const readable = async (principal: Principal, pn: string): Promise<Patent> => {
    const patent = await deps.patents.get(pn)
    if (patent === undefined) throw new NotFoundError(`patent ${pn}`)
    await authorize(principal, 'patents.value', { ...patent, kind: 'patent', routedTo: () => deps.obtainedInPool(pn) })
    return patent
  }

  return {
    /** The `value-patents` job. */
    async recompute(payload: { publicationNumbers: string[] }): Promise<void> {
      // The number is taken before anything is read: a computation that read earlier never overwrites this one.
      const seq = await deps.values.nextSeq()
      const today = now()
      const patents = (await deps.patents.getMany([...new Set(payload.publicationNumbers)])).filter((p): p is Patent => p !== undefined)
      const byOwner = new Map<string | undefined, Patent[]>()
      for (const p of patents) byOwner.set(p.ownerOrgId, [...(byOwner.get(p.ownerOrgId) ?? []), p])
      for (const [owner, owned] of byOwner) await computeOwned(owner, owned, seq, today)
    },

    /** The `value-need` job: the patents a need strongly matches now, and the profiles whose demand that changes. */
    async refreshNeed(payload: { needId: string }): Promise<void> {
      const seq = await deps.values.nextSeq()
      const need = await deps.needs.get(payload.needId)
      const set = need?.state === 'open' ? await deps.matches.get(payload.needId) : undefined
      const strong = (set?.matches ?? []).filter((m) => m.score >= STRONG_MATCH).map((m) => ({ publicationNumber: m.publicationNumber, score: m.score }))
      const changed = await deps.values.setNeedDemand(payload.needId, seq, strong)
      await enqueueBatches(changed)
    },

    /** The `value-refresh` job: queues the patents without a profile and those whose profile is over a day old. */
    async refresh(): Promise<number> {
      const cutoff = now().getTime() - REFRESH_AFTER_MS
      let after: string | undefined
      let queued = 0
      for (;;) {
        const page = await deps.patents.listing('all', { limit: 500, ...(after === undefined ? {} : { after }) })
        const pns = page.entries.map((e) => e.patent.publicationNumber)
        const at = await deps.values.computedAt(pns)
        const due = pns.filter((_, i) => at[i] === undefined || at[i]! < cutoff)
        await enqueueBatches(due)
        queued += due.length
        if (!page.more || page.last === undefined) return queued
        after = page.last
      }
    },

    /** A patent's profile, as far as the caller sees the records behind it; `pending` before its first computation. */
    async get(principal: Principal, pn: string): Promise<ValueAnswer> {
      const patent = await readable(principal, pn)
      const profile = await deps.values.get(pn)
      if (profile === undefined) return { publicationNumber: pn, state: 'pending' }
      return { ...profileFor(profile, valueEvidenceTo(principal, patent)), state: 'ready' }
    },

    /** An inventory's profiles best first, by a scenario's grade or by demand: which patents to promote first. */
    async list(principal: Principal, query: ValueListQuery, page: PageRequest): Promise<Page<ValueListItem>> {
      const scope = listScope(principal, 'patents.values')
      const of = scope === 'all' ? (query.owner === undefined ? ('all' as const) : { owner: query.owner }) : { owner: scope.orgId }
      const keep = (p: ValueProfile) =>
        (query.minGrade === undefined || p.scenarios[query.scenario].grade >= query.minGrade) &&
        (query.demand === undefined || (query.demand === 'with') === p.demand.signals > 0)
      const filtered = query.minGrade !== undefined || query.demand !== undefined
      const found = await deps.values.ranking(of, query.order === 'demand' ? 'demand' : query.scenario, {
        limit: page.limit,
        ...(page.cursor === undefined ? {} : { after: page.cursor }),
        keep,
      })
      const patents = await deps.patents.getMany(found.items.map((p) => p.publicationNumber))
      const items = found.items.map((p, i) => ({ ...summaryOf(p, query.scenario), legalStatus: patents[i]?.legalStatus ?? 'pending', status: patents[i]?.status ?? 'listed' }))
      const out = toPage({ ...found, items })
      return filtered || page.cursor !== undefined ? out : { ...out, total: await deps.values.rankingSize(of) }
    },
  }
}

export type ValueService = ReturnType<typeof createValueService>
