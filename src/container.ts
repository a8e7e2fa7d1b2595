/**
 * The one composition root: creates the Redis clients, the queue, the search backend, the
 * analyser and the matcher's index, and wires the services. The same container serves the API,
 * the workers, or both, as `ROLE` says.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { loadAnalysisResources } from '../search-config/analysis.js'
import type { Config } from './config.js'
import { createJobQueue, startWorkers, type JobHandlers } from './adapters/bullmq/queue.js'
import { createEmbeddedSearchIndex } from './adapters/embedded-search/index.js'
import { createMeilisearchSearchIndex } from './adapters/meilisearch/search-index.js'
import { meilisearchIndexUid } from '../search-config/meilisearch.js'
import {
  createChangeFeed,
  createImportStore,
  createInterestStore,
  createKeyStore,
  createMatchStore,
  createNeedStore,
  createOrgStore,
  createPatentStore,
} from './adapters/redis/stores.js'
import { MatchIndex } from './domain/matching/index.js'
import type { SearchIndex } from './domain/search.js'
import { createAnalyzer } from './domain/text/analyzer.js'
import { createIndexingService } from './services/indexing.js'
import { createInterestsService } from './services/interests.js'
import { createInventoryService } from './services/inventory.js'
import { createMatchingService, createNeedsService } from './services/needs.js'
import { createOrgsService } from './services/orgs.js'

export class RedisUnavailableError extends Error {}

/** Connects a client and fails fast, naming REDIS_URL, when Redis does not answer. */
async function connect(url: string, options: RedisOptions, log: Logger): Promise<Redis> {
  const client = new Redis(url, { ...options, lazyConnect: true })
  let lastError: Error | undefined
  let reported = false
  client.on('error', (err: Error) => {
    lastError = err
    // Once connected, ioredis reconnects by itself; say so once per outage, not per retry.
    if (client.status !== 'connecting' && !reported) {
      reported = true
      log.warn({ err: err.message }, 'lost the connection to Redis; reconnecting')
    }
  })
  client.on('ready', () => (reported = false))
  try {
    await client.connect()
    await client.ping()
  } catch (err) {
    client.disconnect()
    const reason = (lastError ?? (err as Error)).message
    throw new RedisUnavailableError(
      `Redis does not answer at REDIS_URL=${url} (${reason}); start one with ` +
        '"redis-server --daemonize yes --port 6379" or set REDIS_URL to a running Redis',
    )
  }
  return client
}

export async function createContainer(config: Config, log: Logger) {
  const runsApi = config.ROLE !== 'worker'
  const runsWorkers = config.ROLE !== 'api'
  const prefix = config.REDIS_PREFIX

  // Commands fail fast (503) while Redis is down instead of queueing without bound.
  const redis = await connect(config.REDIS_URL, { enableOfflineQueue: false, connectTimeout: 3000, maxRetriesPerRequest: 1 }, log)
  const queueConnection = await connect(config.REDIS_URL, { enableOfflineQueue: false, connectTimeout: 3000 }, log)
  const workerConnection = runsWorkers ? await connect(config.REDIS_URL, { maxRetriesPerRequest: null }, log) : undefined
  const bullPrefix = `${prefix}:bull`

  const analyzer = createAnalyzer(loadAnalysisResources())
  const patents = createPatentStore(redis, prefix)
  const imports = createImportStore(redis, prefix)
  const needs = createNeedStore(redis, prefix)
  const matches = createMatchStore(redis, prefix)
  const orgStore = createOrgStore(redis, prefix)
  const keyStore = createKeyStore(redis, prefix)
  const interestStore = createInterestStore(redis, prefix)
  const feed = createChangeFeed(redis, prefix, randomUUID())
  const queue = createJobQueue({ connection: queueConnection, prefix: bullPrefix })

  const search: SearchIndex =
    config.SEARCH_BACKEND === 'meilisearch'
      ? createMeilisearchSearchIndex({
          host: config.MEILI_HOST!,
          ...(config.MEILI_API_KEY === undefined ? {} : { apiKey: config.MEILI_API_KEY }),
          indexUid: meilisearchIndexUid(prefix),
        })
      : createEmbeddedSearchIndex(analyzer)
  const matchIndex = runsWorkers ? new MatchIndex(analyzer) : undefined
  const indexing = createIndexingService({
    patents,
    imports,
    needs,
    queue,
    feed,
    search,
    // The API's embedded search follows the feed; a worker-only process has no search to keep.
    searchIsLocal: search.name === 'embedded' && runsApi,
    log,
    ...(matchIndex === undefined ? {} : { matchIndex }),
  })
  /** The bootstrap admin key: configured, or generated for this run (the caller logs it once). */
  const adminToken = config.ADMIN_TOKEN ?? `pb_admin_${randomBytes(24).toString('base64url')}`
  const orgs = createOrgsService({ orgs: orgStore, keys: keyStore, adminToken })
  const interests = createInterestsService({ interests: interestStore, patents, needs, orgs: orgStore })
  const inventory = createInventoryService({ patents, imports, queue, maxRecords: config.IMPORT_MAX_RECORDS })
  const needsService = createNeedsService({ needs, matches, queue })
  const matching = matchIndex === undefined ? undefined : createMatchingService({ needs, matches, patents, matchIndex })

  let ready = false
  let follower: { stop(): Promise<void> } | undefined
  let workers: { close(): Promise<void> } | undefined

  return {
    config,
    analyzer,
    search,
    matchIndex,
    adminToken,
    adminTokenGenerated: config.ADMIN_TOKEN === undefined,
    services: { inventory, needs: needsService, indexing, matching, orgs, interests },
    stores: { patents, imports, needs, matches, orgs: orgStore, keys: keyStore, interests: interestStore },
    queue,
    redis,

    /** Prepares the search backend, rebuilds in-memory indexes, starts the workers. */
    async start(): Promise<void> {
      await search.init()
      follower = await indexing.rebuildAndFollow()
      if (runsWorkers && matching !== undefined && workerConnection !== undefined) {
        const handlers: JobHandlers = {
          'index-patents': async (payload, job) => {
            try {
              await indexing.indexPatents(payload)
            } catch (err) {
              if (job.attempt >= 8) await indexing.indexFailed(payload, err as Error)
              throw err
            }
          },
          'match-need': (payload) => matching.matchNeed(payload),
          'rematch-patents': (payload) => matching.rematchPatents(payload),
        }
        workers = startWorkers(handlers, {
          connection: workerConnection,
          prefix: bullPrefix,
          concurrency: config.WORKER_CONCURRENCY,
          onError: (err, job) => log.error({ err, jobId: job?.id, job: job?.name }, 'job failed'),
        })
      }
      ready = true
    },

    /** Whether Redis and the search index answer. */
    async isReady(): Promise<boolean> {
      if (!ready) return false
      try {
        const [pong, searchUp] = await Promise.all([redis.ping(), search.ping()])
        return pong === 'PONG' && searchUp
      } catch {
        return false
      }
    },

    /** Stops intake of jobs, lets active jobs finish, closes every client. */
    async close(): Promise<void> {
      ready = false
      await workers?.close()
      await follower?.stop()
      await queue.close()
      await matches.close()
      await search.close()
      redis.disconnect()
      queueConnection.disconnect()
      workerConnection?.disconnect()
    },
  }
}

export type Container = Awaited<ReturnType<typeof createContainer>>
