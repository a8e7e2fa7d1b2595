/**
 * Keeps every in-memory index (the matcher's, the embedded search's) and the external search
 * backend in step with the patent store.
 *
 * The worker that runs an `index-patents` job analyses the patents, stores their terms (so a
 * rebuild needs no jieba), updates the indexes of its own process and the search backend, and
 * publishes the change; other processes follow the change feed and update their own indexes.
 * At start a process rebuilds its in-memory indexes from the store, then follows the feed.
 */
import type { Logger } from 'pino'
import { isOfferable, type Patent } from '../domain/patent.js'
import type { ChangeFeed, ImportStore, NeedStore, PatentStore, StoredTerms } from '../domain/ports.js'
import { toSearchDocument, type SearchDocument, type SearchIndex, type SearchTerms } from '../domain/search.js'
import type { AnalyzedPatent, MatchIndex } from '../domain/matching/index.js'
import type { JobQueue } from '../jobs.js'

export interface IndexingDeps {
  patents: PatentStore
  imports: ImportStore
  needs: NeedStore
  queue: JobQueue
  feed: ChangeFeed
  /** The matcher's index, in processes that run workers. */
  matchIndex?: MatchIndex
  /** Runs `matchIndex.analyzePatent` for a batch off the event loop (worker threads); in-line when absent. */
  analysisPool?: { analyze(patents: Patent[]): Promise<AnalyzedPatent[]> }
  /** A search index in this process's memory (the API's embedded search): rebuilt at start, follows every change. */
  localSearch?: SearchIndex
  /** A search server (Meilisearch): the index job that analyses a change sends it there, once. */
  remoteSearch?: SearchIndex
  log: Logger
  /**
   * A batch stored but not queued for indexing after this long, or an upload silent for this
   * long, was left by a process that stopped.
   */
  reconcileAfterMs: number
}

export function createIndexingService(deps: IndexingDeps) {
  const { matchIndex } = deps

  const applyToMatcher = (patents: Patent[], terms: Array<StoredTerms | undefined>) => {
    if (matchIndex === undefined) return
    patents.forEach((p, i) => {
      if (isOfferable(p)) matchIndex.upsert(p, terms[i] as AnalyzedPatent | undefined)
      else matchIndex.remove(p.publicationNumber)
    })
  }

  /** `terms[i]` are the stored terms of `patents[i]`: an in-process search index takes them instead of analysing again. */
  const applyToSearch = async (search: SearchIndex | undefined, patents: Patent[], terms: Array<StoredTerms | undefined>) => {
    if (search === undefined) return
    const docs: SearchDocument[] = []
    const docTerms: Array<SearchTerms | undefined> = []
    const withdrawn: string[] = []
    patents.forEach((p, i) => {
      if (p.status !== 'listed') return void withdrawn.push(p.publicationNumber)
      docs.push(toSearchDocument(p))
      docTerms.push(terms[i] as SearchTerms | undefined)
    })
    if (docs.length > 0) await search.upsert(docs, search === deps.localSearch ? docTerms : undefined)
    if (withdrawn.length > 0) await search.remove(withdrawn)
  }

  return {
    /** The `index-patents` job: analyse, store terms, update indexes, publish, count progress. */
    async indexPatents(payload: { importId?: string; publicationNumbers: string[] }, jobId: string): Promise<void> {
      const found = (await deps.patents.getMany(payload.publicationNumbers)).filter((p): p is Patent => p !== undefined)
      let terms: Array<StoredTerms | undefined> = []
      if (matchIndex !== undefined) {
        const analyzed = deps.analysisPool ? await deps.analysisPool.analyze(found) : found.map((p) => matchIndex.analyzePatent(p))
        await deps.patents.putTerms(found.map((p, i) => ({ publicationNumber: p.publicationNumber, terms: analyzed[i] })))
        terms = analyzed
      }
      applyToMatcher(found, terms)
      await applyToSearch(deps.localSearch, found, terms)
      await applyToSearch(deps.remoteSearch, found, terms)
      await deps.feed.publish({ op: 'upsert', publicationNumbers: found.map((p) => p.publicationNumber) })
      // Counted once per batch: a job run again after its worker died counts nothing twice.
      if (payload.importId !== undefined) await deps.imports.addIndexed(payload.importId, payload.publicationNumbers.length, jobId)
      if (found.length > 0 && (await deps.needs.openIds()).length > 0) {
        await deps.queue.enqueue('rematch-patents', { publicationNumbers: found.map((p) => p.publicationNumber) })
      }
    },

    /** Marks an import failed once its index job has used up its retries. */
    async indexFailed(payload: { importId?: string }, error: Error): Promise<void> {
      if (payload.importId !== undefined) await deps.imports.fail(payload.importId, `indexing failed: ${error.message}`)
    },

    /**
     * Repairs what a dead process left: batches stored but never queued for indexing are queued
     * (under the key their write noted, so a batch queued meanwhile is not queued twice), and
     * uploads whose process stopped while receiving are marked failed with what they stored.
     * Runs at every worker's start and then periodically.
     */
    async reconcile(): Promise<{ requeued: number; failedImports: number }> {
      const pending = await deps.patents.pendingIndexing(deps.reconcileAfterMs)
      for (const note of pending) {
        const { key, ...payload } = note
        await deps.queue.enqueue('index-patents', payload, { jobId: key })
        await deps.patents.indexingQueued(key)
      }
      const stale = await deps.imports.staleReceiving(deps.reconcileAfterMs)
      for (const id of stale) {
        const s = await deps.imports.get(id)
        if (s === undefined || s.state !== 'receiving') continue
        await deps.imports.fail(
          id,
          `the upload stopped while it was being received (the process receiving it stopped): the ${s.total} records stored before that ` +
            'are kept and indexed; send the file again to import the rest (records already stored are updated, not duplicated)',
        )
      }
      if (pending.length + stale.length > 0) {
        deps.log.warn({ requeued: pending.length, failedImports: stale.length }, 'reconciled work a stopped process left')
      }
      return { requeued: pending.length, failedImports: stale.length }
    },

    /** Builds this process's in-memory indexes from the store and follows later changes. */
    async rebuildAndFollow(): Promise<{ stop(): Promise<void>; loaded: number }> {
      const head = await deps.feed.head()
      let loaded = 0
      for await (const batch of deps.patents.scan(1000)) {
        const patents = batch.map((b) => b.patent)
        const terms = batch.map((b) => b.terms)
        applyToMatcher(patents, terms)
        await applyToSearch(deps.localSearch, patents, terms)
        loaded += batch.length
      }
      deps.log.info({ loaded }, 'in-memory indexes rebuilt from Redis')
      const follower = deps.feed.follow(head, async (change) => {
        const patents = (await deps.patents.getMany(change.publicationNumbers)).filter((p): p is Patent => p !== undefined)
        const terms = await deps.patents.getTerms(patents.map((p) => p.publicationNumber))
        applyToMatcher(patents, terms)
        await applyToSearch(deps.localSearch, patents, terms)
      })
      return { stop: () => follower.stop(), loaded }
    },
  }
}

export type IndexingService = ReturnType<typeof createIndexingService>
