/**
 * The one composition root: creates the Redis clients, the queue, the search backend, the
 * analyser and the matcher's index, and wires the services. The same container serves the API,
 * the workers, or both, as `ROLE` says.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { loadIpcTitles } from '../search-config/ipc-titles.js'
import type { Config } from './config.js'
import { createJobQueue, startWorkers, type JobHandlers } from './adapters/bullmq/queue.js'
import { createAnalysisPool } from './adapters/analysis-pool/index.js'
import { createEmbeddedSearchIndex } from './adapters/embedded-search/index.js'
import { createMeilisearchSearchIndex } from './adapters/meilisearch/search-index.js'
import { meilisearchIndexUid } from '../search-config/meilisearch.js'
import {
  createChangeFeed,
  createEventLog,
  createImportStore,
  createInterestStore,
  createKeyStore,
  createMatchStore,
  createNeedStore,
  createOptimistic,
  createOrgStore,
  createPairingStore,
  createPatentStore,
  createProgrammeLog,
  createRoundStore,
  createWebhookStore,
  redisKeys,
  startEventConsumer,
} from './adapters/redis/index.js'
import { createWebhookSender } from './adapters/http/webhook-sender.js'
import { MatchIndex } from './domain/matching/index.js'
import type { SearchIndex } from './domain/search.js'
import { createAnalyzer } from './domain/text/analyzer.js'
import { createIndexingService } from './services/indexing.js'
import { createInterestsService } from './services/interests.js'
import { createInventoryService } from './services/inventory.js'
import { createMatchingService, createNeedsService } from './services/needs.js'
import { createOrgsService } from './services/orgs.js'
import { createPairingsService } from './services/pairings.js'
import { createPoolService } from './services/pool.js'
import { createWebhooksService } from './services/webhooks.js'

export class RedisUnavailableError extends Error {}

/** How long a request waits for one Redis command before answering 503. */
const REQUEST_REDIS_TIMEOUT_MS = 2000

/** The promise's value, or a rejection after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

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

export interface ContainerOptions {
  /** The clock of the pool's two-year rule and deadlines; tests inject one. */
  now?: () => Date
}

export async function createContainer(config: Config, log: Logger, options: ContainerOptions = {}) {
  const runsApi = config.ROLE !== 'worker'
  const runsWorkers = config.ROLE !== 'api'
  const prefix = config.REDIS_PREFIX

  // Commands fail fast (503) while Redis is down instead of queueing without bound.
  // The request path never waits on Redis for long: no offline queue, and a command that gets
  // no answer (a stalled Redis) fails after REQUEST_REDIS_TIMEOUT_MS, answered 503.
  const redis = await connect(
    config.REDIS_URL,
    { enableOfflineQueue: false, connectTimeout: 3000, maxRetriesPerRequest: 1, commandTimeout: REQUEST_REDIS_TIMEOUT_MS },
    log,
  )
  const queueConnection = await connect(config.REDIS_URL, { enableOfflineQueue: false, connectTimeout: 3000, commandTimeout: REQUEST_REDIS_TIMEOUT_MS }, log)
  const workerConnection = runsWorkers ? await connect(config.REDIS_URL, { maxRetriesPerRequest: null }, log) : undefined
  const bullPrefix = redisKeys(prefix).bull

  const analyzer = createAnalyzer(loadAnalysisResources())
  const patents = createPatentStore(redis, prefix)
  const imports = createImportStore(redis, prefix)
  const needs = createNeedStore(redis, prefix)
  const optimistic = createOptimistic(redis)
  const matches = createMatchStore(redis, prefix, optimistic)
  const orgStore = createOrgStore(redis, prefix)
  const keyStore = createKeyStore(redis, prefix)
  const interestStore = createInterestStore(redis, prefix)
  const feed = createChangeFeed(redis, prefix, randomUUID())
  const queue = createJobQueue({
    connection: queueConnection,
    prefix: bullPrefix,
    jobOptions: {
      // One attempt more than the schedule has waits, on the webhooks worker's backoff strategy;
      // kept a day after completion, so a re-read of the event stream finds the job id and adds nothing.
      'deliver-webhook': {
        attempts: config.WEBHOOK_RETRY_SCHEDULE.length + 1,
        backoff: { type: 'webhook' },
        removeOnComplete: { age: 24 * 3600, count: 100_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    },
  })

  const search: SearchIndex =
    config.SEARCH_BACKEND === 'meilisearch'
      ? createMeilisearchSearchIndex({
          host: config.MEILI_HOST!,
          ...(config.MEILI_API_KEY === undefined ? {} : { apiKey: config.MEILI_API_KEY }),
          indexUid: meilisearchIndexUid(prefix),
        })
      : createEmbeddedSearchIndex(analyzer)
  const matchIndex = runsWorkers ? new MatchIndex(analyzer) : undefined
  // Index jobs analyse in worker threads (started on the first large batch), not on the event loop.
  const analysisPool =
    matchIndex === undefined
      ? undefined
      : createAnalysisPool({
          local: (p) => matchIndex.analyzePatent(p),
          onError: (err) => log.warn({ err: err.message }, 'analysis thread failed; analysing on the main thread'),
        })

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
    reconcileAfterMs: config.RECONCILE_AFTER_MS,
    ...(matchIndex === undefined ? {} : { matchIndex }),
    ...(analysisPool === undefined ? {} : { analysisPool }),
  })
  /** The bootstrap admin key: configured, or generated for this run (the caller logs it once). */
  const adminToken = config.ADMIN_TOKEN ?? `pb_admin_${randomBytes(24).toString('base64url')}`
  const orgs = createOrgsService({ orgs: orgStore, keys: keyStore, adminToken })
  const interests = createInterestsService({ interests: interestStore, patents, needs, orgs: orgStore })
  const programme = createProgrammeLog(redis, prefix)
  const inventory = createInventoryService({ patents, imports, queue, programme, maxRecords: config.IMPORT_MAX_RECORDS, aliveMs: config.RECONCILE_AFTER_MS })
  const pairingStore = createPairingStore(redis, prefix, optimistic)
  const eventLog = createEventLog(redis, prefix)
  const webhookStore = createWebhookStore(redis, prefix)
  const webhooks = createWebhooksService({
    store: webhookStore,
    transport: createWebhookSender({
      allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      // auto: the API's own HOST decides; a worker-only process does not know it (see config).
      allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK === 'auto' ? runsApi && /^(127\.|::1$|localhost$)/.test(config.HOST) : config.WEBHOOK_ALLOW_LOOPBACK === 'true',
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    }),
    queue,
    schedule: config.WEBHOOK_RETRY_SCHEDULE,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER,
    perEndpoint: config.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    log,
  })
  const pairings = createPairingsService({ pairings: pairingStore, needs, matches, patents, orgs: orgStore })
  const pool = createPoolService({
    rounds: createRoundStore(redis, prefix),
    log: programme,
    orgs: orgStore,
    largeProvinces: new Set(config.POOL_LARGE_PROVINCES),
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  const needsService = createNeedsService({ needs, matches, queue, programme, isRoutedTo: pairings.isRoutedTo })
  const matching =
    matchIndex === undefined
      ? undefined
      : createMatchingService({
          needs,
          matches,
          patents,
          matchIndex,
          ipcTitles: loadIpcTitles(),
          programme,
          // New or changed matches become pairings for the centres whose scope they fall in.
          onMatchesChanged: (needId) => queue.enqueue('route-pairings', { needId }),
        })

  let ready = false
  let follower: { stop(): Promise<void> } | undefined
  let workers: { close(): Promise<void> } | undefined
  let webhookDispatcher: { stop(): Promise<void> } | undefined

  return {
    config,
    analyzer,
    search,
    matchIndex,
    adminToken,
    adminTokenGenerated: config.ADMIN_TOKEN === undefined,
    services: { inventory, needs: needsService, indexing, matching, orgs, interests, pairings, webhooks, pool },
    eventLog,
    stores: { patents, imports, needs, matches, orgs: orgStore, keys: keyStore, interests: interestStore, pairings: pairingStore, webhooks: webhookStore },
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
              await indexing.indexPatents(payload, job.id)
            } catch (err) {
              if (job.attempt >= 8) await indexing.indexFailed(payload, err as Error)
              throw err
            }
          },
          'match-need': (payload) => matching.matchNeed(payload),
          'rematch-patents': (payload) => matching.rematchPatents(payload),
          'route-pairings': (payload) => pairings.routeNeed(payload),
          'pairing-digest': async () => {
            await pairings.digest()
          },
          'pool-check': async () => {
            const flagged = await pool.checkWithdrawals()
            if (flagged.length > 0) log.info({ flagged: flagged.map((e) => e.enterpriseId) }, 'flagged for withdrawal after two years without progress')
          },
          'deliver-webhook': (payload, job) => webhooks.deliver(payload, job),
          reconcile: async () => {
            await indexing.reconcile()
          },
        }
        workers = startWorkers(handlers, {
          connection: workerConnection,
          prefix: bullPrefix,
          concurrency: config.WORKER_CONCURRENCY,
          lockMs: config.JOB_LOCK_MS,
          onError: (err, job) =>
            // A receiver's failure is in the webhook's delivery log; not an error of this service.
            job?.name === 'deliver-webhook' && err.name === 'RetryDelivery'
              ? log.debug({ err: err.message, jobId: job.id }, 'webhook delivery will be retried')
              : log.error({ err, jobId: job?.id, job: job?.name }, 'job failed'),
          workerOptions: {
            webhooks: {
              concurrency: config.WEBHOOK_CONCURRENCY,
              settings: { backoffStrategy: webhooks.backoff },
            },
          },
        })
        // Events → one delivery job per subscribed endpoint, in every process that runs workers.
        webhookDispatcher = startEventConsumer({
          redis,
          prefix,
          group: 'webhooks',
          handle: async (event) => {
            await webhooks.fanOut(event)
          },
          // An event a dead process read but never fanned out is taken over as its jobs are.
          claimIdleMs: config.JOB_LOCK_MS,
          log,
        })
      }
      if (runsWorkers) {
        await queue.schedule('pairing-digest', {}, { everyMs: 15 * 60_000 })
        await queue.schedule('pool-check', {}, { everyMs: 24 * 3600_000 })
        await queue.schedule('reconcile', {}, { everyMs: config.RECONCILE_AFTER_MS })
        // and once now: a restarted service repairs what its previous run left before new work
        await queue.enqueue('reconcile', {})
      }
      ready = true
    },

    /** Whether Redis and the search index answer. */
    async isReady(): Promise<boolean> {
      if (!ready) return false
      try {
        // /ready tells within a second, even while Redis stalls
        const [pong, searchUp] = await withTimeout(Promise.all([redis.ping(), search.ping()]), 1000)
        return pong === 'PONG' && searchUp
      } catch {
        return false
      }
    },

    /** Stops intake of jobs, lets active jobs finish, closes every client. */
    async close(): Promise<void> {
      ready = false
      await webhookDispatcher?.stop()
      await workers?.close()
      await analysisPool?.close()
      await follower?.stop()
      await queue.close()
      await eventLog.close()
      await optimistic.close()
      await search.close()
      redis.disconnect()
      queueConnection.disconnect()
      workerConnection?.disconnect()
    },
  }
}

export type Container = Awaited<ReturnType<typeof createContainer>>
