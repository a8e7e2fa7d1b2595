/**
 * The API role: the search index the API queries — the embedded one, kept in this process's
 * memory (rebuilt at start, following every change), or a Meilisearch server's. The HTTP app
 * itself is `buildApp` (src/http/app.ts), built on a container that has this role.
 */
import { meilisearchIndexUid } from '../../search-config/meilisearch.js'
import { createEmbeddedSearchIndex } from '../adapters/embedded-search/index.js'
import { createMeilisearchSearchIndex } from '../adapters/meilisearch/search-index.js'
import type { Config } from '../config.js'
import type { PatentStore } from '../domain/ports.js'
import { toSearchDocument, type SearchIndex, type SearchResult } from '../domain/search.js'
import { MomentCache } from '../services/moment-cache.js'
import { recentPatentReads } from '../services/recent-reads.js'
import type { Analyzer } from '../domain/text/analyzer.js'
import type { TermDictionary } from '../domain/text/term-dictionary.js'

/** The Meilisearch index of this installation (also what a worker sends changes to). */
export function meilisearchIndex(config: Config): SearchIndex {
  return createMeilisearchSearchIndex({
    host: config.MEILI_HOST!,
    ...(config.MEILI_API_KEY === undefined ? {} : { apiKey: config.MEILI_API_KEY }),
    indexUid: meilisearchIndexUid(config.REDIS_PREFIX),
  })
}

export function createApiRole(config: Config, analyzer: () => Analyzer, patents: Pick<PatentStore, 'get' | 'getMany'>, dictionary: TermDictionary) {
  const embedded = config.SEARCH_BACKEND === 'embedded'
  if (!embedded) return { search: meilisearchIndex(config), searchReads: patents, searchResults: undefined, localSearch: undefined }
  // What search reads of patents: the hits' records, read once for the index's highlights and
  // the facts beside them; the index drops the copies of the patents it changes.
  const searchReads = recentPatentReads(patents, { ttlMs: config.SEARCH_RECENT_MS })
  // The same search asked again within SEARCH_RECENT_MS is answered from its result, until the index changes.
  const searchResults = new MomentCache<string, Promise<SearchResult>>({ ttlMs: config.SEARCH_RECENT_MS, max: 1000 })
  // The embedded index keeps no patent text: a page's hits are read from the patent store.
  const stored = async (pns: string[]) => (await searchReads.getMany(pns)).map((p) => (p === undefined || p.status !== 'listed' ? undefined : toSearchDocument(p)))
  const search = createEmbeddedSearchIndex(analyzer(), {
    dictionary,
    stored,
    changed: (pns) => {
      searchReads.forget(pns)
      searchResults.clear()
    },
  })
  return {
    search,
    /** The patent reads the search service makes: copies kept a moment (embedded search) or the store itself. */
    searchReads,
    /** Recent results of the search service, emptied at every change of the index. */
    searchResults,
    /** The search index this process must keep itself, when it lives in its memory. */
    localSearch: search,
  }
}

export type ApiRole = ReturnType<typeof createApiRole>
