/**
 * Enterprise technology needs and their matches. Creating or changing a need enqueues a match
 * job for that version; workers compute matches (full for a need, incremental for new patents).
 */
import { randomUUID } from 'node:crypto'
import { authorize, type Action, type Principal } from '../domain/access.js'
import { issuesToDetails, NotFoundError, ValidationError, ConflictError } from '../domain/errors.js'
import { needInputSchema, type MatchSetView, type Need, type NeedInput, type NeedPatch } from '../domain/need.js'
import type { MatchStore, NeedStore, OrgStore, PatentStore, ProgrammeLog, StoredMatch } from '../domain/ports.js'
import { readPlace, type Regions } from '../domain/regions.js'
import { toPage, type Page, type PageRequest } from '../domain/paging.js'
import { loadPatentFacts } from './patent-facts.js'
import type { MatchIndex, MatchResult, NeedQuery } from '../domain/matching/index.js'
import { ipcTitle, type IpcTitle, type IpcTitles } from '../domain/ipc-titles.js'
import type { JobQueue } from '../jobs.js'

/** How many matches are kept per need. */
export const KEPT_MATCHES = 100
/** How many of a need's best matches are recorded for the programme's figures (one page). */
export const RECORDED_MATCHES = 20

/** The fields of a need that its matches (and their routing) depend on: a change to any other is stored without matching again. */
const MATCHED_FIELDS = ['title', 'description', 'keywords', 'ipc', 'transferModes', 'province', 'provinceCode', 'industry'] as const satisfies ReadonlyArray<keyof Need>

export interface NeedsDeps {
  needs: NeedStore
  matches: MatchStore
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
      return { ...set, matches: shown.map((m) => (facts.has(m.publicationNumber) ? { ...m, patent: facts.get(m.publicationNumber)! } : m)), scores: set.matches.map((m) => m.score) }
    },
  }
}

export type NeedsService = ReturnType<typeof createNeedsService>

export interface MatchingDeps {
  needs: NeedStore
  matches: MatchStore
  patents: PatentStore
  matchIndex: MatchIndex
  /** Titles of IPC codes, for the classes an explanation shows; none by default. */
  ipcTitles?: IpcTitles
  /** Called after a need's stored matches changed (routing to operations centres follows). */
  onMatchesChanged?: (needId: string) => Promise<void>
  /** The programme's record (match-computed events feed the provincial figures). */
  programme: Pick<ProgrammeLog, 'appendMany'>
  now?: () => Date
}

/** The matcher's order: by evidence (matches stored before it was kept fall back on their score). */
const byEvidence = (a: StoredMatch, b: StoredMatch) =>
  (b.evidence ?? b.score) - (a.evidence ?? a.score) || a.publicationNumber.localeCompare(b.publicationNumber)

/** The worker side: full matching for a need, incremental re-scoring when patents change. */
export function createMatchingService(deps: MatchingDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString()

  const classTitlesOf = (r: MatchResult): { classTitles?: Record<string, IpcTitle> } => {
    if (deps.ipcTitles === undefined) return {}
    const titles: Record<string, IpcTitle> = {}
    for (const code of [...r.explanation.sharedClasses, ...r.explanation.inferredClasses]) {
      const t = ipcTitle(deps.ipcTitles, code)
      if (t !== undefined) titles[code] = t
    }
    return Object.keys(titles).length === 0 ? {} : { classTitles: titles }
  }

  const toStored = async (results: MatchResult[], fresh: boolean): Promise<StoredMatch[]> => {
    const patents = await deps.patents.getMany(results.map((r) => r.publicationNumber))
    return results.map((r, i) => {
      const m: StoredMatch = {
        publicationNumber: r.publicationNumber,
        title: patents[i]?.title ?? '',
        score: r.score,
        evidence: r.evidence,
        explanation: { ...r.explanation, ...classTitlesOf(r) },
      }
      if (fresh) m.new = true
      return m
    })
  }

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
      const results = deps.matchIndex.match(toNeedQuery(need), { limit: KEPT_MATCHES })
      const matches = await toStored(results, false)
      const stored = await deps.matches.update(need.id, (current) => {
        if (current !== undefined && current.needVersion > need.version) return undefined
        return { needId: need.id, needVersion: need.version, state: 'ready', computedAt: now(), matches }
      })
      if (stored !== undefined) {
        await recordMatches(need, matches)
        await deps.onMatchesChanged?.(need.id)
      }
    },

    /** The `rematch-patents` job: re-scores open needs against changed patents only. */
    async rematchPatents(payload: { publicationNumbers: string[] }): Promise<void> {
      const changed = new Set(payload.publicationNumbers)
      const ids = await deps.needs.openIds()
      for (let i = 0; i < ids.length; i += 200) {
        const needs = await deps.needs.getMany(ids.slice(i, i + 200))
        for (const need of needs) {
          if (need === undefined || need.state !== 'open') continue
          // The changed patents and the current matches, scored together: a score reads the need's
          // best match, which a new patent can change, so the current ones are scored again too.
          const current0 = await deps.matches.get(need.id)
          const only = new Set([...changed, ...(current0?.matches ?? []).map((m) => m.publicationNumber)])
          const results = deps.matchIndex.match(toNeedQuery(need), { limit: KEPT_MATCHES, only })
          const rescored = await toStored(results, true)
          const stored = await deps.matches.update(need.id, (current) => {
            // Not yet computed for this version: its full job will see these patents anyway.
            if (current === undefined || current.state !== 'ready' || current.needVersion !== need.version) return undefined
            const before = new Map(current.matches.map((m) => [m.publicationNumber, m]))
            // matches stored since the read above and not scored here stay as they are
            const kept = current.matches.filter((m) => !only.has(m.publicationNumber))
            // A patent that was already a match keeps its flag; one that newly qualifies is new.
            const updated = rescored.map((m) => {
              const { new: _fresh, ...rest } = m
              const was = before.get(m.publicationNumber)
              return was === undefined ? m : was.new === true ? { ...rest, new: true as const } : rest
            })
            const merged = [...kept, ...updated]
              .sort(byEvidence)
              .slice(0, KEPT_MATCHES)
            const same =
              merged.length === current.matches.length &&
              merged.every((m, k) => m.publicationNumber === current.matches[k]!.publicationNumber && m.score === current.matches[k]!.score)
            if (same) return undefined
            return { ...current, computedAt: now(), matches: merged }
          })
          if (stored !== undefined) await deps.onMatchesChanged?.(need.id)
        }
      }
    },
  }
}

export type MatchingService = ReturnType<typeof createMatchingService>
