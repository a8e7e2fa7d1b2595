/**
 * Patent search for enterprises, TTOs and centres: the query as a person gives it, made into the
 * search port's query. The route holds no knowledge of the index; the index none of the API.
 *
 * A query that is a publication number (in any width, case or spacing: ＣＮ１１７…Ａ,
 * `cn 117151122 a`) finds that patent, as a person who pastes one expects; text search would
 * find nothing, since numbers are not indexed as words.
 */
import { ipcPrefixes, type SearchFilters, type SearchIndex, type SearchResult } from '../domain/search.js'
import { normalisePublicationNumber } from '../domain/office-sheet.js'
import type { Patent } from '../domain/patent.js'
import type { OrgStore, PatentStore } from '../domain/ports.js'
import type { MomentCache } from './moment-cache.js'
import { loadPatentFacts } from './patent-facts.js'

export interface SearchRequest extends SearchFilters {
  q: string
  limit: number
  offset: number
}

const PUBLICATION_NUMBER = /^[A-Z]{2}\d{5,13}[A-Z]\d?$/

/** Whether the patent passes the filters as the index applies them. */
function passes(p: Patent, f: SearchFilters): boolean {
  return (
    (f.legalStatus === undefined || p.legalStatus === f.legalStatus) &&
    (f.transferMode === undefined || p.transferModes.length === 0 || p.transferModes.includes(f.transferMode)) &&
    (f.applicant === undefined || p.applicants.includes(f.applicant)) &&
    (f.ipc === undefined || p.ipc.some((code) => ipcPrefixes(code).includes(f.ipc!)))
  )
}

/** The one patent a publication number names, as a result with its facets. */
function single(p: Patent): SearchResult {
  const one = (values: readonly string[]) => Object.fromEntries([...new Set(values)].map((v) => [v, 1]))
  return {
    total: 1,
    hits: [{ publicationNumber: p.publicationNumber, title: p.title, applicants: p.applicants, ipc: p.ipc, highlights: {} }],
    facets: { legalStatus: one([p.legalStatus]), transferModes: one(p.transferModes), ipcClass: one(p.ipc.map((c) => c.slice(0, 4))), applicants: one(p.applicants) },
  }
}

/**
 * `results`: where the same search asked again within a moment is answered from (see
 * `createApiRole`: emptied whenever the index changes); none: every search runs.
 */
export function createSearchService(
  index: Pick<SearchIndex, 'search'>,
  stores: { patents: Pick<PatentStore, 'get' | 'getMany'>; orgs: Pick<OrgStore, 'get'> },
  options: { now?: () => Date; results?: MomentCache<string, Promise<SearchResult>> } = {},
) {
  const now = options.now ?? (() => new Date())
  /** Each hit with its patent's facts as they are now: who holds it, kind, legal status, transfer modes, term left. */
  const withFacts = async (result: SearchResult): Promise<SearchResult> => {
    const facts = await loadPatentFacts(stores, result.hits.map((h) => h.publicationNumber), now())
    return { ...result, hits: result.hits.map((h) => (facts.has(h.publicationNumber) ? { ...h, patent: facts.get(h.publicationNumber)! } : h)) }
  }
  const run = async (q: string, limit: number, offset: number, filters: SearchFilters): Promise<SearchResult> => {
    const pn = String(normalisePublicationNumber(q.trim()))
    if (PUBLICATION_NUMBER.test(pn)) {
      const p = await stores.patents.get(pn)
      // found as search finds patents: any listed one (a withdrawn patent is off the market)
      if (p !== undefined && p.status === 'listed' && passes(p, filters)) {
        const found = single(p)
        return offset === 0 ? withFacts(found) : { ...found, hits: [] }
      }
    }
    return withFacts(await index.search({ q, limit, offset, filters }))
  }
  return {
    async search({ q, limit, offset, ...given }: SearchRequest): Promise<SearchResult> {
      const filters: SearchFilters = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
      // IPC codes are upper case in the index; a person may type them either way.
      if (filters.ipc !== undefined) filters.ipc = filters.ipc.toUpperCase()
      const cache = options.results
      if (cache === undefined) return run(q, limit, offset, filters)
      const key = JSON.stringify([q, limit, offset, Object.entries(filters).sort()])
      const kept = cache.get(key)
      if (kept !== undefined) return kept
      const result = run(q, limit, offset, filters)
      cache.set(key, result)
      result.catch(() => cache.dropIf(key, result))
      return result
    },
  }
}

export type SearchService = ReturnType<typeof createSearchService>
