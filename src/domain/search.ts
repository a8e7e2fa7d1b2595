/**
 * The search port: patent search for enterprises and TTOs (free text, filters, paging,
 * highlights, facets). Two adapters implement it: `embedded` (in-process, the default) and
 * `meilisearch`. One contract suite (test/contract/search-index.contract.ts) runs against both.
 */
import type { Snapshottable } from './snapshot.js'
import type { TermBatch } from './text/term-batch.js'
import { z } from 'zod'
import type { LegalStatus, Patent, TransferMode } from './patent.js'
import { patentFactsSchema } from './patent-facts.js'

/** What the search index holds of a patent. Withdrawn patents are not in the index. */
export interface SearchDocument {
  publicationNumber: string
  title: string
  abstract: string
  keywords: string[]
  ipc: string[]
  applicants: string[]
  legalStatus: LegalStatus
  transferModes: TransferMode[]
  language: 'zh' | 'en' | 'mixed'
  filingDate?: string
}

export interface SearchFilters {
  /** IPC prefix at any level: `G`, `G06F`, `G06F16`, `G06F16/35`. */
  ipc?: string
  /** Exact applicant name. */
  applicant?: string
  transferMode?: TransferMode
  legalStatus?: LegalStatus
}

export interface SearchQuery {
  /** Free text, Chinese, English or both; empty lists everything (newest filing first). */
  q: string
  limit: number
  offset: number
  filters: SearchFilters
}

export const searchHitSchema = z.object({
  publicationNumber: z.string(),
  title: z.string(),
  applicants: z.array(z.string()),
  ipc: z.array(z.string()),
  /** Field → text with matched terms wrapped in `<em>…</em>`; abstract cut to a snippet. */
  highlights: z.object({ title: z.string().optional(), abstract: z.string().optional() }),
  patent: patentFactsSchema.optional().describe("the patent's facts as they are now: holder to approach, kind, legal status, transfer modes, term left"),
})
export type SearchHit = z.infer<typeof searchHitSchema>

const counts = z.record(z.string(), z.number())

/**
 * Facet → value → count, over every document matching the query and filters. The embedded index
 * counts exactly up to 100,000 matches and estimates beyond (an even sample, scaled to `total`).
 */
export const searchFacetsSchema = z.object({
  legalStatus: counts,
  transferModes: counts,
  /** IPC subclass (first four characters, e.g. G06F). */
  ipcClass: counts,
  /** The 20 most frequent applicants. */
  applicants: counts,
})
export type SearchFacets = z.infer<typeof searchFacetsSchema>

export const searchResultSchema = z.object({ total: z.number().int(), hits: z.array(searchHitSchema), facets: searchFacetsSchema })
export type SearchResult = z.infer<typeof searchResultSchema>

export interface SearchIndex {
  readonly name: 'embedded' | 'meilisearch'
  /** Prepares the index (settings applied and awaited). */
  init(): Promise<void>
  /**
   * Adds or replaces documents, returning once they are searchable. `terms`, when given, holds
   * the analysed terms of `docs[i]` as its patent i (the matcher's `analyzePatent`, as stored
   * beside the patent): a backend that analyses text in this process uses them instead of
   * running jieba again; a server that analyses text itself ignores them.
   */
  upsert(docs: SearchDocument[], terms?: TermBatch): Promise<void>
  /** Removes documents by publication number, returning once they are gone. */
  remove(publicationNumbers: string[]): Promise<void>
  search(query: SearchQuery): Promise<SearchResult>
  /** Whether the backend answers. */
  ping(): Promise<boolean>
  /** Removes every document (tests and rebuilds). */
  clear(): Promise<void>
  close(): Promise<void>
  /**
   * An index in this process's memory that can be saved and loaded: loaded at start from its
   * snapshot instead of rebuilt from the store when it can be trusted (see `services/indexing.ts`).
   */
  readonly snapshot?: Snapshottable
}

export function toSearchDocument(p: Patent): SearchDocument {
  const doc: SearchDocument = {
    publicationNumber: p.publicationNumber,
    title: p.title,
    abstract: p.abstract,
    keywords: p.keywords,
    ipc: p.ipc,
    applicants: p.applicants,
    legalStatus: p.legalStatus,
    transferModes: p.transferModes,
    language: p.language,
  }
  if (p.filingDate !== undefined) doc.filingDate = p.filingDate
  return doc
}

/** Every prefix of an IPC code at the levels a user filters by: G, G06, G06F, G06F16, G06F16/35. */
export function ipcPrefixes(code: string): string[] {
  const out = new Set<string>()
  out.add(code.slice(0, 1))
  if (code.length >= 3) out.add(code.slice(0, 3))
  if (code.length >= 4) out.add(code.slice(0, 4))
  const slash = code.indexOf('/')
  if (slash > 0) out.add(code.slice(0, slash))
  out.add(code)
  return [...out]
}
