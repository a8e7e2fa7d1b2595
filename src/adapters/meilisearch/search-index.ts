/**
 * The `meilisearch` adapter of the search port, over the official JS client (meilisearch@0.62).
 *
 * Every write is a Meilisearch task: the adapter waits for it (EnqueuedTaskPromise.waitTask) and
 * throws when it did not succeed, so that upsert/remove/clear return once the change is searchable.
 * Settings come from search-config/meilisearch.ts.
 */
import {
  Meilisearch,
  MeilisearchApiError,
  type FacetDistribution,
  type Hit,
  type Index,
  type SearchParams,
  type Settings,
  type Task,
  type EnqueuedTaskPromise,
} from 'meilisearch'
import {
  MEILI_CROP_LENGTH,
  MEILI_FACETS,
  MEILI_PRIMARY_KEY,
  meilisearchSettings,
} from '../../../search-config/meilisearch.js'
import {
  ipcPrefixes,
  type SearchDocument,
  type SearchFacets,
  type SearchFilters,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
} from '../../domain/search.js'

export interface MeilisearchSearchIndexOptions {
  host: string
  apiKey?: string
  indexUid: string
  /** How long to wait for one task (index creation, settings, a document batch). Default 120 s. */
  taskTimeoutMs?: number
  /** Settings to apply; defaults to search-config/meilisearch.ts. */
  settings?: Settings
}

/** What the adapter stores: the SearchDocument plus fields derived for filtering and facets. */
export interface MeiliPatentDocument extends SearchDocument {
  ipcPrefixes: string[]
  ipcClass: string[]
}

type RetrievedFields = Pick<MeiliPatentDocument, 'publicationNumber' | 'title' | 'abstract' | 'applicants' | 'ipc'>

const ATTRIBUTES_TO_RETRIEVE: (keyof RetrievedFields)[] = ['publicationNumber', 'title', 'abstract', 'applicants', 'ipc']
const TOP_APPLICANTS = 20
/** Documents per addDocuments request; keeps payloads well under Meilisearch's 100 MB default limit. */
const UPSERT_BATCH = 2_000

export function toMeiliDocument(doc: SearchDocument): MeiliPatentDocument {
  const codes = doc.ipc.map(normalizeIpc).filter((c) => c !== '')
  const prefixes = new Set<string>()
  for (const code of codes) for (const p of ipcPrefixes(code)) prefixes.add(p)
  return {
    ...doc,
    ipc: codes,
    ipcPrefixes: [...prefixes],
    ipcClass: [...new Set(codes.filter((c) => c.length >= 4).map((c) => c.slice(0, 4)))],
  }
}

function normalizeIpc(code: string): string {
  return code.toUpperCase().replace(/\s+/g, '')
}

/**
 * A double-quoted filter value. Meilisearch's filter parser un-escapes `\"` inside double quotes,
 * then un-escapes backslash sequences (`\\` → `\`) in the value, so both are escaped here.
 */
export function quoteFilterValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** SearchFilters → filter array (the elements are ANDed). */
export function toMeiliFilter(filters: SearchFilters): string[] {
  const out: string[] = []
  if (filters.ipc !== undefined && filters.ipc.trim() !== '') {
    out.push(`ipcPrefixes = ${quoteFilterValue(normalizeIpc(filters.ipc))}`)
  }
  if (filters.applicant !== undefined) out.push(`applicants = ${quoteFilterValue(filters.applicant)}`)
  if (filters.transferMode !== undefined) out.push(`transferModes = ${quoteFilterValue(filters.transferMode)}`)
  if (filters.legalStatus !== undefined) out.push(`legalStatus = ${quoteFilterValue(filters.legalStatus)}`)
  return out
}

type ExhaustiveSearchParams = SearchParams & { hitsPerPage: number; page: number }

/**
 * offset/limit → page/hitsPerPage, the form for which Meilisearch returns an exhaustive `totalHits`
 * (offset/limit only give `estimatedTotalHits`). When offset is not a multiple of limit, the first
 * offset + limit hits are requested and the first `offset` dropped (`skip`).
 */
export function toPaging(offset: number, limit: number): { hitsPerPage: number; page: number; skip: number } {
  const off = Math.max(0, Math.floor(offset))
  const lim = Math.max(0, Math.floor(limit))
  if (lim === 0) return { hitsPerPage: 0, page: 1, skip: 0 }
  if (off % lim === 0) return { hitsPerPage: lim, page: off / lim + 1, skip: 0 }
  return { hitsPerPage: off + lim, page: 1, skip: off }
}

export function toSearchParams(query: SearchQuery): { q: string; params: ExhaustiveSearchParams; skip: number } {
  const q = query.q.trim()
  const { hitsPerPage, page, skip } = toPaging(query.offset, query.limit)
  const params: ExhaustiveSearchParams = {
    hitsPerPage,
    page,
    facets: [...MEILI_FACETS],
    attributesToRetrieve: ATTRIBUTES_TO_RETRIEVE,
    attributesToHighlight: ['title', 'abstract'],
    highlightPreTag: '<em>',
    highlightPostTag: '</em>',
    attributesToCrop: ['abstract'],
    cropLength: MEILI_CROP_LENGTH,
    cropMarker: '…',
  }
  const filter = toMeiliFilter(query.filters)
  if (filter.length > 0) params.filter = filter
  // No query text: list everything that passes the filters, newest filing first.
  if (q === '') params.sort = ['filingDate:desc']
  return { q, params, skip }
}

function toHit(hit: Hit<RetrievedFields>): SearchHit {
  const highlights: SearchHit['highlights'] = {}
  const formatted = hit._formatted
  if (typeof formatted?.title === 'string') highlights.title = formatted.title
  if (typeof formatted?.abstract === 'string') highlights.abstract = formatted.abstract
  return {
    publicationNumber: hit.publicationNumber,
    title: hit.title,
    applicants: hit.applicants ?? [],
    ipc: hit.ipc ?? [],
    highlights,
  }
}

export function toFacets(distribution: FacetDistribution | undefined): SearchFacets {
  const d = distribution ?? {}
  const applicants = Object.entries(d['applicants'] ?? {})
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, TOP_APPLICANTS)
  return {
    legalStatus: { ...(d['legalStatus'] ?? {}) },
    transferModes: { ...(d['transferModes'] ?? {}) },
    ipcClass: { ...(d['ipcClass'] ?? {}) },
    applicants: Object.fromEntries(applicants),
  }
}

function isIndexNotFound(error: unknown): boolean {
  return error instanceof MeilisearchApiError && error.cause?.code === 'index_not_found'
}

export function createMeilisearchSearchIndex(options: MeilisearchSearchIndexOptions): SearchIndex {
  const client = new Meilisearch({
    host: options.host,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    clientAgents: ['patent-bridge'],
  })
  const uid = options.indexUid
  const index: Index<MeiliPatentDocument> = client.index<MeiliPatentDocument>(uid)
  const waitOptions = { timeout: options.taskTimeoutMs ?? 120_000, interval: 50 }

  /** Waits for the task and throws unless it succeeded (a task that is not `succeeded` is returned, not thrown, by the client). */
  async function run(what: string, enqueued: EnqueuedTaskPromise, tolerate: readonly string[] = []): Promise<Task> {
    const task = await enqueued.waitTask(waitOptions)
    if (task.status === 'succeeded') return task
    if (task.status === 'failed' && task.error !== null && tolerate.includes(task.error.code)) return task
    const reason = task.error !== null ? `${task.error.code}: ${task.error.message}` : 'no error reported'
    throw new Error(`Meilisearch ${what} on index "${uid}" ${task.status} (task ${task.uid}): ${reason}`)
  }

  return {
    name: 'meilisearch',

    async init() {
      await run('index creation', client.createIndex(uid, { primaryKey: MEILI_PRIMARY_KEY }), ['index_already_exists'])
      const info = await index.getRawInfo()
      if (info.primaryKey !== undefined && info.primaryKey !== null && info.primaryKey !== MEILI_PRIMARY_KEY) {
        throw new Error(
          `Meilisearch index "${uid}" has primary key "${info.primaryKey}", expected "${MEILI_PRIMARY_KEY}"; use another index uid or delete it`,
        )
      }
      await run('settings update', index.updateSettings(options.settings ?? meilisearchSettings()))
    },

    async upsert(docs) {
      for (let i = 0; i < docs.length; i += UPSERT_BATCH) {
        const batch = docs.slice(i, i + UPSERT_BATCH).map(toMeiliDocument)
        // addDocuments = POST /documents: add or *replace* whole documents by primary key.
        await run('document upsert', index.addDocuments(batch, { primaryKey: MEILI_PRIMARY_KEY }))
      }
    },

    async remove(publicationNumbers) {
      if (publicationNumbers.length === 0) return
      await run('document deletion', index.deleteDocuments(publicationNumbers), ['index_not_found'])
    },

    async search(query) {
      const { q, params, skip } = toSearchParams(query)
      let response
      try {
        response = await index.search<RetrievedFields, ExhaustiveSearchParams>(q, params)
      } catch (error) {
        if (isIndexNotFound(error)) return { total: 0, hits: [], facets: toFacets(undefined) }
        throw error
      }
      const hits = response.hits.slice(skip, skip + Math.max(0, Math.floor(query.limit))).map(toHit)
      // page/hitsPerPage make Meilisearch (≥ 0.30) answer totalHits; estimatedTotalHits is only a fallback.
      const estimated = (response as { estimatedTotalHits?: number }).estimatedTotalHits
      const total = response.totalHits ?? estimated ?? skip + hits.length
      return { total, hits, facets: toFacets(response.facetDistribution) } satisfies SearchResult
    },

    async ping() {
      // GET /health; false on any error.
      return client.isHealthy()
    },

    async clear() {
      await run('document clearing', index.deleteAllDocuments(), ['index_not_found'])
    },

    async close() {
      // The client holds no connection of its own (fetch); nothing to release.
    },
  }
}
