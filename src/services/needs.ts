/**
 * Enterprise technology needs and their matches. Creating or changing a need enqueues a match
 * job for that version; workers compute matches (full for a need, incremental for new patents).
 */
import { randomUUID } from 'node:crypto'
import { authorize, type Action, type Principal } from '../domain/access.js'
import { issuesToDetails, NotFoundError, ValidationError, ConflictError } from '../domain/errors.js'
import { needInputSchema, type MatchSetView, type Need, type NeedInput, type NeedPatch } from '../domain/need.js'
import type { MatchSet, MatchStore, NeedStore, OrgStore, PatentStore, ProgrammeLog, StoredMatch } from '../domain/ports.js'
import { readPlace, type Regions } from '../domain/regions.js'
import { toPage, type Page, type PageRequest } from '../domain/paging.js'
import { loadPatentFacts } from './patent-facts.js'
import { PreparedNeeds, type MatchIndex, type MatchResult, type NeedQuery, type ScoringSet } from '../domain/matching/index.js'
import { withClassTitles, type IpcTitles } from '../domain/ipc-titles.js'
import type { JobQueue } from '../jobs.js'
import type { Logger } from 'pino'

/** How many matches are kept per need. */
export const KEPT_MATCHES = 100
/**
 * Prepared needs a worker process keeps for reverse matching (`rematchPatents`): about 45 KB
 * each; a need beyond it is prepared again (one full match) when patents arrive.
 */
export const PREPARED_NEEDS = 10_000
/**
 * Patents one step of a reverse-matching pass scores against every open need: all that have
 * gathered, up to this many. What a need costs whatever the patents (its watched documents, its
 * related terms, its neighbours; a full match once the patents are more than a small share of the
 * inventory) is then paid once for many batches, so a pass costs at most a full match per need
 * however many patents it covers, and passes follow one another while an import goes on.
 */
export const REMATCH_STEP = 20_000
/**
 * Stale needs (`Rescored.stale`) matched again in full between two looks at the pending
 * patents: new patents are scored first, and each of these is a full match.
 */
export const REFRESH_STEP = 20
/** Needs re-scored between two turns of the event loop in `rematchPatents` (each a few ms at most). */
const NEEDS_BETWEEN_YIELDS = 20
/** How many of a need's best matches are recorded for the programme's figures (one page). */
export const RECORDED_MATCHES = 20

/** The fields of a need that its matches (and their routing) depend on: a change to any other is stored without matching again. */
const MATCHED_FIELDS = ['title', 'description', 'keywords', 'ipc', 'transferModes', 'province', 'provinceCode', 'industry'] as const satisfies ReadonlyArray<keyof Need>

export interface NeedsDeps {
  needs: NeedStore
  matches: MatchStore
  /** Titles of IPC codes, joined on reading to the classes an explanation shows; none by default. */
  ipcTitles?: IpcTitles
  /** For the facts shown beside each match: the patent and its holder; and the enterprise's registration (a need without a province takes its enterprise's). */
  patents: PatentStore
  orgs: OrgStore
  regions: Regions
  queue: JobQueue
  /** Whether a need is routed to an operations centre (it has a pairing there). */
  isRoutedTo: (needId: string, centreOrgId: string) => Promise<boolean>
  /** The programme's record (need-created events feed the provincial figures). */
  programme: Pick<ProgrammeLog, 'append'>
  now?: () => Date
}

const matchJobId = (need: Need) => `match-${need.id}-v${need.version}`

export function toNeedQuery(need: Need): NeedQuery {
  const q: NeedQuery = { title: need.title, keywords: need.keywords, ipc: need.ipc, transferModes: need.transferModes }
  if (need.description !== undefined) q.description = need.description
  return q
}

export function createNeedsService(deps: NeedsDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString()
  /** The need, when the caller may take `action` on it; 404 otherwise, as for a missing one. */
  const mustGet = async (principal: Principal, action: Action, id: string): Promise<Need> => {
    const need = await deps.needs.get(id)
    if (need === undefined) throw new NotFoundError(`need ${id}`)
    await authorize(principal, action, { ...need, kind: 'need', routedTo: (centreOrgId) => deps.isRoutedTo(id, centreOrgId) })
    return need
  }
  /** A province named in a request: its full name and code (400 for one the region table does not know). */
  const provinceOf = (input: string, message: string) => {
    const place = readPlace(deps.regions, { province: input }, 'body')
    if (!place.ok) throw new ValidationError(message, place.details)
    return place.place as { province: string; provinceCode: string }
  }
  const enqueueMatch = (need: Need) =>
    deps.queue.enqueue('match-need', { needId: need.id, version: need.version }, { jobId: matchJobId(need) })

  return {
    get: (principal: Principal, id: string) => mustGet(principal, 'needs.read', id),

    /** The caller's own needs, newest first (the admin's: those it stated itself), a page at a time. */
    async list(principal: Principal, filter: { state?: 'open' | 'closed' }, page: PageRequest): Promise<Page<Need>> {
      return toPage(
        await deps.needs.pageOf(principal.orgId ?? 'admin', {
          limit: page.limit,
          ...(page.cursor === undefined ? {} : { after: page.cursor }),
          keep: (n) => filter.state === undefined || n.state === filter.state,
        }),
      )
    },

    /** States a need; without a province of its own it takes its enterprise's, as registered now. */
    async create(input: NeedInput, actor: Principal): Promise<Need> {
      const place =
        input.province !== undefined
          ? provinceOf(input.province, 'the need is not valid')
          : actor.orgId !== undefined
            ? await deps.orgs.get(actor.orgId)
            : undefined
      const stamp = now()
      const need: Need = {
        id: randomUUID(),
        title: input.title,
        keywords: input.keywords ?? [],
        ipc: [...new Set(input.ipc ?? [])],
        transferModes: [...new Set(input.transferModes ?? [])],
        state: 'open',
        version: 1,
        createdAt: stamp,
        updatedAt: stamp,
      }
      if (input.description !== undefined) need.description = input.description
      if (place?.province !== undefined) need.province = place.province
      if (place?.provinceCode !== undefined) need.provinceCode = place.provinceCode
      if (input.industry !== undefined) need.industry = input.industry
      need.disclosure = input.disclosure ?? 'none'
      if (actor.orgId !== undefined) need.ownerOrgId = actor.orgId
      await deps.needs.create(need)
      await deps.programme.append({
        type: 'need-created',
        at: stamp,
        needId: need.id,
        orgId: need.ownerOrgId ?? 'admin',
        ...(need.province === undefined ? {} : { province: need.province }),
        ...(need.provinceCode === undefined ? {} : { provinceCode: need.provinceCode }),
      })
      await deps.matches.put({ needId: need.id, needVersion: need.version, state: 'pending', matches: [] })
      await enqueueMatch(need)
      return need
    },

    async update(principal: Principal, id: string, patch: NeedPatch): Promise<Need> {
      const existing = await mustGet(principal, 'needs.update', id)
      if (existing.state === 'closed') throw new ConflictError('need_closed', `need ${id} is closed and can no longer change`)
      const { id: _i, state: _s, version: _v, ownerOrgId: _o, createdAt: _c, updatedAt: _u, province: _p, provinceCode: _pc, ...current } = existing
      const { province, ...rest } = patch
      const parsed = needInputSchema.safeParse({ ...current, ...rest })
      if (!parsed.success) throw new ValidationError('the changed need is not valid', issuesToDetails(parsed.error.issues, 'body'))
      const changed: Need = {
        ...existing,
        ...parsed.data,
        ...(province === undefined ? {} : provinceOf(province, 'the changed need is not valid')),
      }
      // What a university may see changes nothing of what matches: no new version, no re-matching.
      if (MATCHED_FIELDS.every((f) => JSON.stringify(changed[f]) === JSON.stringify(existing[f]))) {
        const need: Need = { ...changed, updatedAt: now() }
        await deps.needs.put(need)
        return need
      }
      const need: Need = { ...changed, version: existing.version + 1, updatedAt: now() }
      await deps.needs.put(need)
      // The figures count a need, its matches and pairings in the province it is in (see `domain/stats.ts`).
      if (province !== undefined && need.provinceCode !== existing.provinceCode) {
        await deps.programme.append({
          type: 'need-moved',
          at: need.updatedAt,
          needId: id,
          ...(need.province === undefined ? {} : { province: need.province }),
          ...(need.provinceCode === undefined ? {} : { provinceCode: need.provinceCode }),
        })
      }
      await deps.matches.update(id, (set) => ({ needId: id, needVersion: need.version, state: 'pending', matches: set?.matches ?? [] }))
      await enqueueMatch(need)
      return need
    },

    async close(principal: Principal, id: string): Promise<Need> {
      const existing = await mustGet(principal, 'needs.close', id)
      if (existing.state === 'closed') return existing
      const need: Need = { ...existing, state: 'closed', updatedAt: now() }
      await deps.needs.put(need)
      // A closed need is no longer demand: the profiles of the patents it matched follow.
      await deps.queue.enqueue('value-need', { needId: id })
      return need
    },

    /** The first `limit` matches, each with the facts of its patent as they are now (holder, status, term), and the scores of all stored ones (the need's strength reads them). */
    async matches(principal: Principal, id: string, limit: number): Promise<MatchSetView & { scores: number[] }> {
      await mustGet(principal, 'needs.matches', id)
      const set = (await deps.matches.get(id)) ?? { needId: id, needVersion: 0, state: 'pending' as const, matches: [] }
      const shown = set.matches.slice(0, limit)
      const facts = await loadPatentFacts(deps, shown.map((m) => m.publicationNumber), new Date(now()))
      const view = (m: StoredMatch) => {
        const titled = { ...m, explanation: withClassTitles(m.explanation, deps.ipcTitles) }
        return facts.has(m.publicationNumber) ? { ...titled, patent: facts.get(m.publicationNumber)! } : titled
      }
      return { ...set, matches: shown.map(view), scores: set.matches.map((m) => m.score) }
    },
  }
}

export type NeedsService = ReturnType<typeof createNeedsService>

export interface MatchingDeps {
  needs: NeedStore
  matches: MatchStore
  patents: PatentStore
  matchIndex: MatchIndex
  /** Called after a need's stored matches changed (routing to operations centres follows). */
  onMatchesChanged?: (needId: string) => Promise<void>
  /** The programme's record (match-computed events feed the provincial figures). */
  programme: Pick<ProgrammeLog, 'appendMany'>
  /** Prepared needs kept for reverse matching, at most (least recently used out first). Default PREPARED_NEEDS. */
  preparedNeeds?: number
  /** Where each step of a reverse-matching pass says what it cost (info); none by default. */
  log?: Pick<Logger, 'info'>
  now?: () => Date
}

/** The matcher's order: by evidence (matches stored before it was kept fall back on their score). */
const byEvidence = (a: StoredMatch, b: StoredMatch) =>
  (b.evidence ?? b.score) - (a.evidence ?? a.score) || a.publicationNumber.localeCompare(b.publicationNumber)

/** The worker side: full matching for a need, incremental re-scoring when patents change. */
export function createMatchingService(deps: MatchingDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString()

  const toStoredMatch = (r: MatchResult, title: string): StoredMatch => ({
    publicationNumber: r.publicationNumber,
    title,
    score: r.score,
    evidence: r.evidence,
    explanation: r.explanation,
  })

  const toStored = async (results: MatchResult[]): Promise<StoredMatch[]> => {
    const patents = await deps.patents.getMany(results.map((r) => r.publicationNumber))
    return results.map((r, i) => toStoredMatch(r, patents[i]?.title ?? ''))
  }

  /** Prepared needs of this process, for reverse matching (`rematchPatents`). */
  const prepared = new PreparedNeeds(deps.preparedNeeds ?? PREPARED_NEEDS)

  /** The matches an enterprise is shown first (one page) go on the programme's record. */
  const recordMatches = async (need: Need, matches: StoredMatch[]) => {
    const at = now()
    const patents = await deps.patents.getMany(matches.slice(0, RECORDED_MATCHES).map((m) => m.publicationNumber))
    await deps.programme.appendMany(
      matches.slice(0, RECORDED_MATCHES).map((m, i) => ({
        type: 'match-computed' as const,
        at,
        needId: need.id,
        publicationNumber: m.publicationNumber,
        ...(patents[i]?.ownerOrgId === undefined ? {} : { universityOrgId: patents[i]!.ownerOrgId! }),
        ...(need.province === undefined ? {} : { province: need.province }),
        ...(need.provinceCode === undefined ? {} : { provinceCode: need.provinceCode }),
      })),
    )
  }

  return {
    /** The `match-need` job: computes every match of one version of a need. */
    async matchNeed(payload: { needId: string; version: number }): Promise<void> {
      const need = await deps.needs.get(payload.needId)
      // A newer version has its own job; a closed need keeps its last matches.
      if (need === undefined || need.version !== payload.version || need.state !== 'open') return
      // prepared for reverse matching at no extra cost
      const { prepared: kept, results } = deps.matchIndex.prepare(toNeedQuery(need), { limit: KEPT_MATCHES })
      prepared.set(need.id, need.version, kept)
      const matches = await toStored(results)
      const stored = await deps.matches.update(need.id, (current) => {
        if (current !== undefined && current.needVersion > need.version) return undefined
        return { needId: need.id, needVersion: need.version, state: 'ready', computedAt: now(), matches }
      })
      if (stored !== undefined) {
        await recordMatches(need, matches)
        await deps.onMatchesChanged?.(need.id)
      }
    },

    /**
     * The `rematch-patents` job: a pass over the patents indexed since the last one (and those
     * the job names, from before passes were gathered), `REMATCH_STEP` at a time until none is
     * left, each step by `rematchPatents`. A step's patents are taken once it is done: a pass that
     * dies leaves them to the next, which scores them again (no harm: the same scores). Then the
     * needs those steps found stale (scored beyond the tolerance, `Rescored.stale`) are matched
     * again in full, `REFRESH_STEP` at a time, looking for new patents between two (they come
     * first); a mark is taken once its need is matched again.
     */
    async rematchPending(payload: { publicationNumbers?: string[] }): Promise<void> {
      if (payload.publicationNumbers !== undefined) await deps.needs.addPendingRematch(payload.publicationNumbers)
      // what is added from now on queues the next pass (this one may have read its last by then)
      await deps.needs.startRematchPass()
      for (;;) {
        const step = await deps.needs.pendingRematch(REMATCH_STEP)
        if (step.length > 0) {
          await this.rematchPatents({ publicationNumbers: step })
          await deps.needs.rematched(step)
          continue
        }
        const due = await deps.needs.stale(REFRESH_STEP)
        if (due.length === 0) return
        for (const { needId } of due) {
          await refreshNeed(needId)
          await new Promise((resolve) => setImmediate(resolve))
        }
        await deps.needs.refreshed(due)
      }
    },

    /**
     * Re-scores open needs against changed patents only. Each need is
     * scored from its prepared state (kept in this process, `prepared.ts`): the changed patents
     * alone, touching their postings of the need's terms; the current matches keep their evidence
     * and are recalibrated when the need's best moved. A need whose prepared state no longer holds
     * (or that has none here) is prepared again, and then its current matches are scored too.
     * Needs and matches are read a page at a time; only a set that changed is written.
     */
    async rematchPatents(payload: { publicationNumbers: string[] }): Promise<void> {
      const t0 = performance.now()
      const step = { needs: 0, reached: 0, rescored: 0, preparedAgain: 0, written: 0, stale: 0, reachMs: 0, rescoreMs: 0, prepareMs: 0 }
      const changed = new Set(payload.publicationNumbers)
      const batch = deps.matchIndex.scoringSet(changed)
      const titles = new Map((await deps.patents.getMany([...changed])).flatMap((p) => (p === undefined ? [] : [[p.publicationNumber, p.title] as const])))
      const ids = await deps.needs.openIds()
      for (let i = 0; i < ids.length; i += 200) {
        const page = ids.slice(i, i + 200)
        const [all, entries] = await Promise.all([deps.needs.getMany(page), deps.matches.entries(page)])
        // a need none of these patents can enter, from its prepared state and its set in brief, is not read further
        const due: Need[] = []
        for (const [k, need] of all.entries()) {
          if (k % NEEDS_BETWEEN_YIELDS === NEEDS_BETWEEN_YIELDS - 1) await new Promise((resolve) => setImmediate(resolve))
          if (need === undefined || need.state !== 'open') continue
          const entry = entries[k]
          // Not yet computed for this version: its full job will see these patents anyway.
          if (entry !== undefined && (entry.state !== 'ready' || entry.needVersion !== need.version)) continue
          step.needs++
          const kept = prepared.get(need.id, need.version)
          const above = entry === undefined ? -Infinity : entryEvidence(entry.count, entry.last)
          const t1 = performance.now()
          const reached = entry === undefined || kept === undefined || deps.matchIndex.reaches(kept, batch, above)
          step.reachMs += performance.now() - t1
          if (reached) due.push(need)
        }
        step.reached += due.length
        const sets = await deps.matches.getMany(due.map((need) => need.id))
        const stale: string[] = []
        for (const [k, need] of due.entries()) {
          // a match-need job of this process waits for the event loop no longer than a few needs take
          if (k % NEEDS_BETWEEN_YIELDS === NEEDS_BETWEEN_YIELDS - 1) await new Promise((resolve) => setImmediate(resolve))
          const read = sets[k]
          if (read === undefined || read.state !== 'ready' || read.needVersion !== need.version) continue
          const scored = rescoreNeed(need, read, changed, batch, titles, step)
          if (scored.stale) stale.push(need.id)
          if (merge(read, scored) === undefined) continue
          const stored = await deps.matches.update(need.id, (current) => {
            if (current === undefined || current.state !== 'ready' || current.needVersion !== need.version) return undefined
            return merge(current, scored)
          })
          if (stored === undefined) continue
          step.written++
          await deps.onMatchesChanged?.(need.id)
        }
        step.stale += stale.length
        await deps.needs.markStale(stale)
      }
      deps.log?.info(
        {
          patents: changed.size,
          ...step,
          reachMs: Math.round(step.reachMs),
          rescoreMs: Math.round(step.rescoreMs),
          prepareMs: Math.round(step.prepareMs),
          prepared: prepared.size,
          ms: Math.round(performance.now() - t0),
        },
        'reverse matching: patents re-scored against the open needs',
      )
    },
  }

  /**
   * A stale need matched again in full, as its `match-need` job would: the
   * matches that were there keep their flags, the others are new. Nothing for a need closed or
   * changed since (a newer version has its own job).
   */
  async function refreshNeed(needId: string): Promise<void> {
    const [need, current] = await Promise.all([deps.needs.get(needId), deps.matches.get(needId)])
    if (need === undefined || need.state !== 'open' || current === undefined || current.state !== 'ready' || current.needVersion !== need.version) return
    const again = deps.matchIndex.prepare(toNeedQuery(need), { limit: KEPT_MATCHES })
    prepared.set(need.id, need.version, again.prepared, { evict: false })
    const results = await toStored(again.results)
    const stored = await deps.matches.update(need.id, (now) => {
      if (now === undefined || now.state !== 'ready' || now.needVersion !== need.version) return undefined
      // every match there replaced by the full match's
      const only = new Set([...now.matches, ...results].map((m) => m.publicationNumber))
      return merge(now, { results, best: 0, only, all: true, stale: false })
    })
    if (stored !== undefined) await deps.onMatchesChanged?.(need.id)
  }

  /**
   * A need's changed patents scored from its prepared state, or with its current matches when it
   * is prepared again: the results, the patents they were scored over, the need's best evidence.
   */
  function rescoreNeed(
    need: Need,
    current: MatchSet,
    changed: ReadonlySet<string>,
    batch: ScoringSet,
    titles: ReadonlyMap<string, string>,
    step: { rescored: number; preparedAgain: number; rescoreMs: number; prepareMs: number },
  ): Scored {
    const index = deps.matchIndex
    const kept = prepared.get(need.id, need.version)
    // matches stored before their evidence was kept cannot be recalibrated: scored again
    const recalibrable = current.matches.every((m) => m.evidence !== undefined && m.explanation.titleCoverage !== undefined)
    const currentPubs = current.matches.map((m) => m.publicationNumber)
    // the changed patents and, when the need's neighbours (and so every lift) moved, its current matches
    // a full list takes no patent below its last: those are not worth an explanation
    const above = entryEvidence(current.matches.length, current.matches.at(-1)?.evidence)
    // tolerant: an import moves the statistics of every need; those it leaves stale are matched again in full after the pass
    const t0 = performance.now()
    const r = kept !== undefined && recalibrable ? index.rescore(kept, batch, { limit: KEPT_MATCHES, also: currentPubs, above, tolerant: true }) : undefined
    step.rescoreMs += performance.now() - t0
    const stored = (results: MatchResult[]) => {
      const before = new Map(current.matches.map((m) => [m.publicationNumber, m.title]))
      return results.map((x) => toStoredMatch(x, titles.get(x.publicationNumber) ?? before.get(x.publicationNumber) ?? ''))
    }
    // what was scored: the step, and the current matches with it when all were (a view: the step is up to REMATCH_STEP patents)
    const currentSet = new Set(currentPubs)
    const withCurrent = { has: (pub: string) => changed.has(pub) || currentSet.has(pub) }
    if (r !== undefined) {
      step.rescored++
      return { results: stored(r.results), best: r.best, only: r.all ? withCurrent : changed, all: r.all, stale: r.stale }
    }
    // Prepared again: the changed patents and the current matches scored together, as a full match would.
    const t1 = performance.now()
    const only = new Set([...changed, ...currentPubs])
    const again = index.prepare(toNeedQuery(need), { limit: KEPT_MATCHES, only })
    // a pass over every open need keeps the ones it prepares only while there is room (`PreparedNeeds.set`)
    prepared.set(need.id, need.version, again.prepared, { evict: false })
    step.preparedAgain++
    step.prepareMs += performance.now() - t1
    return { results: stored(again.results), best: 0, only, all: true, stale: false }
  }

  /** The set with the scored patents in place of those they were scored over, or undefined when nothing changed. */
  function merge(current: MatchSet, scored: Scored): MatchSet | undefined {
    const before = new Map(current.matches.map((m) => [m.publicationNumber, m]))
    // the others keep their evidence; their probability follows the need's best
    const kept = current.matches
      .filter((m) => !scored.only.has(m.publicationNumber))
      .map((m) =>
        scored.all || m.evidence === undefined || m.explanation.titleCoverage === undefined
          ? m
          : { ...m, score: deps.matchIndex.calibrated(m.evidence, m.explanation.titleCoverage, scored.best) },
      )
    // A patent that was already a match keeps its flag; one that newly qualifies is new.
    const updated = scored.results.map((m) => {
      const was = before.get(m.publicationNumber)
      return was === undefined || was.new === true ? { ...m, new: true as const } : m
    })
    const merged = [...kept, ...updated].sort(byEvidence).slice(0, KEPT_MATCHES)
    const same =
      merged.length === current.matches.length &&
      merged.every((m, k) => m.publicationNumber === current.matches[k]!.publicationNumber && m.score === current.matches[k]!.score)
    return same ? undefined : { ...current, computedAt: now(), matches: merged }
  }
}

/** The evidence a patent needs to enter a need's set of `count` matches whose last has `last`: a full list takes none below its last. */
function entryEvidence(count: number, last: number | undefined): number {
  return count === KEPT_MATCHES ? (last ?? -Infinity) : -Infinity
}

/**
 * Patents scored for a need: the matches among them, what they were scored over, the need's best
 * evidence; `all` when the current matches were scored too; `stale` when scored beyond the tolerance.
 */
interface Scored {
  results: StoredMatch[]
  best: number
  only: { has(publicationNumber: string): boolean }
  all: boolean
  stale: boolean
}

export type MatchingService = ReturnType<typeof createMatchingService>
