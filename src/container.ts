/**
 * The one composition root: the core every process builds (`core.ts`), and on it the roles that
 * `ROLE` names — the API (`roles/api.ts`: its search index; the HTTP app is `buildApp`) and the
 * workers (`roles/worker.ts`: the matcher and the job handlers). `all` runs both on one core.
 */
import type { Logger } from 'pino'
import { analysisResourcesHash, loadAnalysisResources } from '../search-config/analysis.js'
import { createSnapshotFiles } from './adapters/snapshot-file.js'
import type { Config } from './config.js'
import { createCore } from './core.js'
import type { SearchIndex } from './domain/search.js'
import { createAnalyzer, type Analyzer } from './domain/text/analyzer.js'
import { TermDictionary } from './domain/text/term-dictionary.js'
import { createApiRole, meilisearchIndex } from './roles/api.js'
import { createWorkerRole } from './roles/worker.js'
import { createIndexingService, type RunningIndexes } from './services/indexing.js'
import { createSearchService } from './services/search.js'
import { UnavailableError } from './domain/errors.js'

export { RedisUnavailableError } from './core.js'

/** The promise's value, or a rejection after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export interface ContainerOptions {
  /** The clock of the pool's two-year rule and deadlines; tests inject one. */
  now?: () => Date
}

export async function createContainer(config: Config, log: Logger, options: ContainerOptions = {}) {
  const servesApi = config.ROLE !== 'worker'
  const core = await createCore(config, log, { servesApi, ...(options.now === undefined ? {} : { now: options.now }) })
  // Loaded once, and only by a process that analyses text (the embedded search, the matcher).
  let analyzer: Analyzer | undefined
  const analyzerOnce = () => (analyzer ??= createAnalyzer(loadAnalysisResources()))
  // The terms of the process, one dictionary for both in-memory indexes (`term-dictionary.ts`).
  const dictionary = new TermDictionary()

  const api = servesApi ? createApiRole(config, analyzerOnce, core.stores.patents, dictionary) : undefined
  const worker = config.ROLE !== 'api' ? createWorkerRole(core, analyzerOnce(), dictionary) : undefined
  // A worker sends what it analyses to a search server; an embedded search is kept by the API's
  // own process (from the change feed), so a worker-only process builds none.
  let remoteSearch: SearchIndex | undefined
  if (worker !== undefined && config.SEARCH_BACKEND === 'meilisearch') remoteSearch = api?.search ?? meilisearchIndex(config)

  // Where the in-memory indexes are saved and loaded (their fingerprint: the analysis resources and the prefix).
  const snapshots =
    config.SNAPSHOT_DIR === 'off'
      ? undefined
      : {
          store: createSnapshotFiles({ dir: config.SNAPSHOT_DIR, prefix: config.REDIS_PREFIX, analysis: analysisResourcesHash() }),
          intervalMs: config.SNAPSHOT_INTERVAL_S * 1000,
        }

  const indexing = createIndexingService({
    patents: core.stores.patents,
    imports: core.stores.imports,
    needs: core.stores.needs,
    queue: core.queue,
    feed: core.feed,
    log,
    reconcileAfterMs: config.RECONCILE_AFTER_MS,
    ...(snapshots === undefined ? {} : { snapshots }),
    ...(api?.localSearch === undefined ? {} : { localSearch: api.localSearch }),
    ...(remoteSearch === undefined ? {} : { remoteSearch }),
    ...(worker === undefined ? {} : { matchIndex: worker.matchIndex, analysisPool: worker.analysisPool }),
  })

  let ready = false
  let indexes: RunningIndexes | undefined
  const searches = [...new Set([api?.search, remoteSearch].filter((s): s is SearchIndex => s !== undefined))]

  return {
    config,
    /** The search index the API queries; none in a worker-only process. */
    search: api?.search,
    matchIndex: worker?.matchIndex,
    adminToken: core.adminToken,
    adminTokenGenerated: core.adminTokenGenerated,
    services: {
      ...core.services,
      // A worker-only process serves no API (main.ts builds none): its container has no search.
      search: createSearchService(
        api?.search ?? { search: () => Promise.reject(new UnavailableError('this process holds no search index (ROLE=worker)')) },
        { ...core.stores, patents: api?.searchReads ?? core.stores.patents },
        api?.searchResults === undefined ? {} : { results: api.searchResults },
      ),
      indexing,
      matching: worker?.matching,
    },
    eventLog: core.eventLog,
    stores: core.stores,
    queue: core.queue,
    redis: core.redis,

    /**
     * Lists patents stored before the inventory listing existed (once), prepares the search
     * backend, loads or rebuilds the in-memory indexes and catches them up, starts the workers.
     */
    async start(): Promise<void> {
      const listed = await core.stores.patents.completeListing()
      if (listed > 0) log.info({ listed }, 'listed the patents stored before the inventory listing existed')
      for (const s of searches) await s.init()
      indexes = await indexing.startIndexes()
      await worker?.start(indexing)
      ready = true
    },

    /** Whether Redis and the search index answer. */
    async isReady(): Promise<boolean> {
      if (!ready) return false
      try {
        // /ready tells within a second, even while Redis stalls
        const [pong, ...up] = await withTimeout(Promise.all([core.redis.ping(), ...searches.map((s) => s.ping())]), 1000)
        return pong === 'PONG' && up.every(Boolean)
      } catch {
        return false
      }
    },

    /** Stops intake of jobs, lets active jobs finish, saves the in-memory indexes, closes every client. */
    async close(): Promise<void> {
      ready = false
      await worker?.close()
      await indexes?.stop()
      for (const s of searches) await s.close()
      await core.close()
    },
  }
}

export type Container = Awaited<ReturnType<typeof createContainer>>
