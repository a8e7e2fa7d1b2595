/**
 * Patent search for enterprises, TTOs and centres: the query as a person gives it, made into the
 * search port's query. The route holds no knowledge of the index; the index none of the API.
 */
import type { SearchFilters, SearchIndex, SearchResult } from '../domain/search.js'

export interface SearchRequest extends SearchFilters {
  q: string
  limit: number
  offset: number
}

export function createSearchService(index: Pick<SearchIndex, 'search'>) {
  return {
    async search({ q, limit, offset, ...given }: SearchRequest): Promise<SearchResult> {
      const filters: SearchFilters = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
      // IPC codes are upper case in the index; a person may type them either way.
      if (filters.ipc !== undefined) filters.ipc = filters.ipc.toUpperCase()
      return index.search({ q, limit, offset, filters })
    },
  }
}

export type SearchService = ReturnType<typeof createSearchService>
