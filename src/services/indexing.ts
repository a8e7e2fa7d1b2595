/**
 * Keeps every in-memory index (the matcher's, the embedded search's) and the external search
 * backend in step with the patent store.
 *
 * The worker that runs an `index-patents` job analyses the patents, stores their terms (so a
 * rebuild needs no jieba), updates the indexes of its own process and the search backend, and
 * publishes the change; other processes follow the change feed and update their own indexes.
 * At start a process loads each in-memory index from its snapshot (`index-snapshots.ts`) or,
 * when there is none it can trust, rebuilds it from the store; then it follows the feed from the
 * oldest position the indexes hold, and saves them again periodically and when it stops.
 */
import type { Logger } from 'pino'
import { isOfferable, type Patent } from '../domain/patent.js'
import type { ChangeFeed, FeedFollower, ImportStore, NeedStore, PatentStore } from '../domain/ports.js'
import { toSearchDocument, type SearchDocument, type SearchIndex } from '../domain/search.js'
import type { MatchIndex } from '../domain/matching/index.js'
import { TermBatch } from '../domain/text/term-batch.js'
import type { Snapshottable, SnapshotStore } from '../domain/snapshot.js'
import type { JobQueue } from '../jobs.js'
import { createSnapshotSaver, createWriteGate, loadSnapshot } from './index-snapshots.js'

/** The job id of reverse-matching pass number `pass` (see `JOBS['rematch-patents']`). */
export const rematchJobId = (pass: number) => `rematch-${pass}`

export interface IndexingDeps {
  patents: PatentStore
  imports: ImportStore
  needs: NeedStore
  queue: JobQueue
  feed: ChangeFeed
  /** The matcher's index, in processes that run workers. */
  matchIndex?: MatchIndex
  /** Runs `matchIndex.analyzePatent` for a batch off the event loop (worker threads); in-line when absent. */
  analysisPool?: { analyze(patents: Patent[]): Promise<TermBatch> }
  /** A search index in this process's memory (the API's embedded search): loaded or rebuilt at start, follows every change. */
  localSearch?: SearchIndex
  /** A search server (Meilisearch): the index job that analyses a change sends it there, once. */
  remoteSearch?: SearchIndex
  log: Logger
  /**
   * A batch stored but not queued for indexing after this long, or an upload silent for this
   * long, was left by a process that stopped.
   */
  reconcileAfterMs: number
  /** Where the in-memory indexes are saved and loaded, and how often a changed one is saved; none: rebuilt at every start. */
  snapshots?: { store: SnapshotStore; intervalMs: number }
}

/** An index in this process's memory: how a batch of patents is applied to it, and its snapshots if it has them. */
interface LocalIndex {
  name: string
  apply(patents: Patent[], terms: TermBatch): void | Promise<void>
  snapshot: Snapshottable | undefined
}

/** What `startIndexes` leaves running. */
export interface RunningIndexes {
  /** Saves the indexes whose snapshot is behind (every one with `force`); returns the kinds saved. */
  save(force?: boolean): Promise<string[]>
  /** Stops following the feed and saves what changed. */
  stop(): Promise<void>
}

export function createIndexingService(deps: IndexingDeps) {
  const { matchIndex } = deps

  const applyToMatcher = (patents: Patent[], terms: TermBatch) => {
    if (matchIndex === undefined) return
    patents.forEach((p, i) => {
      if (isOfferable(p)) matchIndex.upsertFrom(p, terms, i)
      else matchIndex.remove(p.publicationNumber)
    })
  }

  /** Patent i of `terms` holds the terms of `patents[i]`: an in-process search index takes them instead of analysing again. */
  const applyToSearch = async (search: SearchIndex | undefined, patents: Patent[], terms: TermBatch) => {
    if (search === undefined) return
    const docs: SearchDocument[] = []
    const withdrawn: string[] = []
    const listed: number[] = []
    patents.forEach((p, i) => {
      if (p.status !== 'listed') return void withdrawn.push(p.publicationNumber)
      docs.push(toSearchDocument(p))
      listed.push(i)
    })
    if (docs.length > 0) await search.upsert(docs, search === deps.localSearch ? (listed.length === patents.length ? terms : terms.pick(listed)) : undefined)
    if (withdrawn.length > 0) await search.remove(withdrawn)
  }

  // Every change to the in-memory indexes passes this gate, which a save holds shut.
  const gate = createWriteGate()
  const locals: LocalIndex[] = []
  if (matchIndex !== undefined) locals.push({ name: 'matcher', apply: applyToMatcher, snapshot: matchIndex })
  if (deps.localSearch !== undefined) {
    const search = deps.localSearch
    locals.push({ name: 'search', apply: (patents, terms) => applyToSearch(search, patents, terms), snapshot: search.snapshot })
  }
  const applyLocally = (patents: Patent[], terms: TermBatch, to: LocalIndex[] = locals) =>
    gate.mutate(async () => {
      for (const local of to) await local.apply(patents, terms)
    })

  return {
    /** The `index-patents` job: analyse, store terms, update indexes, publish, count progress. */
    async indexPatents(payload: { importId?: string; publicationNumbers: string[] }, jobId: string): Promise<void> {
      const found = (await deps.patents.getMany(payload.publicationNumbers)).filter((p): p is Patent => p !== undefined)
      let terms = TermBatch.of([])
      if (matchIndex !== undefined) {
        terms = deps.analysisPool ? await deps.analysisPool.analyze(found) : TermBatch.of(found.map((p) => matchIndex.analyzePatent(p)))
        await deps.patents.putTerms(found.map((p, i) => ({ publicationNumber: p.publicationNumber, terms: terms.terms(i) })))
      }
      await applyLocally(found, terms)
      await applyToSearch(deps.remoteSearch, found, terms)
      await deps.feed.publish({ op: 'upsert', publicationNumbers: found.map((p) => p.publicationNumber) })
      // Counted once per batch: a job run again after its worker died counts nothing twice.
      if (payload.importId !== undefined) await deps.imports.addIndexed(payload.importId, payload.publicationNumbers.length, jobId)
      if (found.length > 0 && (await deps.needs.openIds()).length > 0) {
        // gathered for the next pass of reverse matching, queued once whatever the batches
        const pass = await deps.needs.addPendingRematch(found.map((p) => p.publicationNumber))
        await deps.queue.enqueue('rematch-patents', {}, { jobId: rematchJobId(pass) })
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
      // patents left by a pass that died
      if ((await deps.needs.pendingRematch(1)).length > 0) await deps.queue.enqueue('rematch-patents', {}, { jobId: rematchJobId(await deps.needs.nextRematchPass()) })
      if (pending.length + stale.length > 0) {
        deps.log.warn({ requeued: pending.length, failedImports: stale.length }, 'reconciled work a stopped process left')
      }
      return { requeued: pending.length, failedImports: stale.length }
    },

    /**
     * Loads or rebuilds this process's in-memory indexes and follows later changes; returns once
     * they hold every change the feed held when following began. Each index with snapshots is
     * loaded from its snapshot unless the store refuses it (missing, damaged, another version or
     * fingerprint), the feed no longer holds every change after it (stale), or the index refuses
     * it; the others are rebuilt by one scan of the store. The feed is followed from the oldest
     * position any index holds (the head read before the scan for a rebuilt one): a change an
     * index already has is applied again, which changes nothing.
     */
    async startIndexes(): Promise<RunningIndexes> {
      const t0 = performance.now()
      const snapshots = deps.snapshots
      const loadedAt = new Map<LocalIndex, string>()
      const rebuild: LocalIndex[] = []
      for (const local of locals) {
        const outcome =
          snapshots === undefined || local.snapshot === undefined
            ? { loaded: false as const, reason: snapshots === undefined ? 'snapshots are off (SNAPSHOT_DIR=off)' : 'this index keeps no snapshots' }
            : await loadSnapshot(snapshots.store, deps.feed, local.snapshot, deps.log)
        if (outcome.loaded) {
          loadedAt.set(local, outcome.position)
        } else {
          deps.log.info({ index: local.name, reason: outcome.reason }, 'in-memory index will be rebuilt from Redis')
          rebuild.push(local)
        }
      }
      const positions = [...loadedAt.values()]
      if (rebuild.length > 0 || locals.length === 0) {
        const head = await deps.feed.head()
        let scanned = 0
        const t1 = performance.now()
        if (rebuild.length > 0) {
          for await (const batch of deps.patents.scan(1000)) {
            await applyLocally(
              batch.map((b) => b.patent),
              TermBatch.of(batch.map((b) => b.terms)),
              rebuild,
            )
            scanned += batch.length
          }
          deps.log.info({ indexes: rebuild.map((l) => l.name), loaded: scanned, ms: Math.round(performance.now() - t1) }, 'in-memory indexes rebuilt from Redis')
        }
        positions.push(head)
      }
      const from = positions.reduce((a, b) => (deps.feed.compare(a, b) <= 0 ? a : b))

      let replayed = 0
      const follower: FeedFollower = deps.feed.follow(from, async (change) => {
        const patents = (await deps.patents.getMany(change.publicationNumbers)).filter((p): p is Patent => p !== undefined)
        const terms = await deps.patents.getTerms(patents.map((p) => p.publicationNumber))
        await applyLocally(patents, TermBatch.of(terms))
        replayed++
      })
      await follower.caughtUp
      deps.log.info(
        { from, position: follower.position(), changes: replayed, rebuilt: rebuild.map((l) => l.name), ms: Math.round(performance.now() - t0) },
        'in-memory indexes caught up with the change feed',
      )

      const kept = locals.flatMap((l) => (l.snapshot === undefined ? [] : [l.snapshot]))
      if (snapshots === undefined || kept.length === 0) return { save: async () => [], stop: () => follower.stop() }
      const saver = createSnapshotSaver({ store: snapshots.store, gate, log: deps.log, indexes: kept })
      for (const [local, position] of loadedAt) saver.holds(local.snapshot!, position)
      const save = (force = false) =>
        saver.save(follower.position, force).catch((err: Error) => {
          deps.log.warn({ err: err.message }, 'in-memory indexes not saved to their snapshots')
          return []
        })
      // a rebuilt index is saved at once: a restart soon after loads it instead of rebuilding again
      if (rebuild.some((l) => l.snapshot !== undefined)) void save()
      const timer = setInterval(() => {
        if (!saver.busy) void save()
      }, snapshots.intervalMs)
      timer.unref()
      return {
        save,
        async stop() {
          clearInterval(timer)
          await follower.stop()
          await save()
        },
      }
    },
  }
}

export type IndexingService = ReturnType<typeof createIndexingService>
