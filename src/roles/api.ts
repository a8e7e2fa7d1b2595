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
import { toSearchDocument, type SearchIndex } from '../domain/search.js'
import type { Analyzer } from '../domain/text/analyzer.js'

/** The Meilisearch index of this installation (also what a worker sends changes to). */
export function meilisearchIndex(config: Config): SearchIndex {
  return createMeilisearchSearchIndex({
    host: config.MEILI_HOST!,
    ...(config.MEILI_API_KEY === undefined ? {} : { apiKey: config.MEILI_API_KEY }),
    indexUid: meilisearchIndexUid(config.REDIS_PREFIX),
  })
}

export function createApiRole(config: Config, analyzer: () => Analyzer, patents: Pick<PatentStore, 'getMany'>) {
  const embedded = config.SEARCH_BACKEND === 'embedded'
  // The embedded index keeps no patent text: a page's hits are read from the patent store.
  const stored = async (pns: string[]) => (await patents.getMany(pns)).map((p) => (p === undefined || p.status !== 'listed' ? undefined : toSearchDocument(p)))
  const search = embedded ? createEmbeddedSearchIndex(analyzer(), { stored }) : meilisearchIndex(config)
  return {
    search,
    /** The search index this process must keep itself, when it lives in its memory. */
    localSearch: embedded ? search : undefined,
  }
}

export type ApiRole = ReturnType<typeof createApiRole>
