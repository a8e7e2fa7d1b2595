/**
 * What every process builds, whatever its role: the Redis clients, the stores, the job queue
 * (as a producer) and the services behind the API's writes. The roles add to it: the API its
 * search index and HTTP app (`roles/api.ts`), the workers the matcher and the job handlers
 * (`roles/worker.ts`); `container.ts` composes them as `ROLE` says.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { createJobQueue } from './adapters/bullmq/queue.js'
import { createWebhookSender } from './adapters/http/webhook-sender.js'
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
  createValueStore,
  redisKeys,
} from './adapters/redis/index.js'
import { createInterestsService } from './services/interests.js'
import { createInventoryService } from './services/inventory.js'
import { createNeedsService } from './services/needs.js'
import { createOrgsService } from './services/orgs.js'
import { createPairingsService } from './services/pairings.js'
import { createPoolService } from './services/pool.js'
import { createWebhooksService } from './services/webhooks.js'
import { createValueService } from './services/value.js'
import { loadIpcTitles } from '../search-config/ipc-titles.js'
import { loadRegions } from '../search-config/regions.js'
import { largeProvinceKeys } from './domain/regions.js'

export class RedisUnavailableError extends Error {}

/** How long a request waits for one Redis command before answering 503. */
const REQUEST_REDIS_TIMEOUT_MS = 2000

/** Connects a client and fails fast, naming REDIS_URL, when Redis does not answer. */
export async function connect(url: string, options: RedisOptions, log: Logger): Promise<Redis> {
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

export interface CoreOptions {
  /** The clock of the pool's two-year rule and deadlines; tests inject one. */
  now?: () => Date
  /** Whether this process serves the API: decides what `WEBHOOK_ALLOW_LOOPBACK=auto` means. */
  servesApi: boolean
}

export async function createCore(config: Config, log: Logger, options: CoreOptions) {
  const prefix = config.REDIS_PREFIX
  // The request path never waits on Redis for long: no offline queue (503 while Redis is down),
  // and a command that gets no answer (a stalled Redis) fails after REQUEST_REDIS_TIMEOUT_MS.
  const redis = await connect(
    config.REDIS_URL,
    { enableOfflineQueue: false, connectTimeout: 3000, maxRetriesPerRequest: 1, commandTimeout: REQUEST_REDIS_TIMEOUT_MS },
    log,
  )
  const queueConnection = await connect(config.REDIS_URL, { enableOfflineQueue: false, connectTimeout: 3000, commandTimeout: REQUEST_REDIS_TIMEOUT_MS }, log)
  const bullPrefix = redisKeys(prefix).bull

  const optimistic = createOptimistic(redis)
  const regions = loadRegions()
  const stores = {
    patents: createPatentStore(redis, prefix),
    imports: createImportStore(redis, prefix),
    needs: createNeedStore(redis, prefix, regions),
    matches: createMatchStore(redis, prefix, optimistic),
    orgs: createOrgStore(redis, prefix, regions),
    keys: createKeyStore(redis, prefix),
    interests: createInterestStore(redis, prefix, optimistic),
    pairings: createPairingStore(redis, prefix, optimistic, regions),
    webhooks: createWebhookStore(redis, prefix),
    rounds: createRoundStore(redis, prefix),
    values: createValueStore(redis, prefix, optimistic),
  }
  const feed = createChangeFeed(redis, prefix, randomUUID())
  const eventLog = createEventLog(redis, prefix)
  const programme = createProgrammeLog(redis, prefix, regions)
  const queue = createJobQueue({ connection: queueConnection, prefix: bullPrefix, config })

  /** The bootstrap admin key: configured, or generated for this run (the caller logs it once). */
  const adminToken = config.ADMIN_TOKEN ?? `pb_admin_${randomBytes(24).toString('base64url')}`
  // the classes an explanation shows are stored as codes; their titles are joined on reading
  const ipcTitles = loadIpcTitles()
  const pairings = createPairingsService({ pairings: stores.pairings, needs: stores.needs, matches: stores.matches, patents: stores.patents, orgs: stores.orgs, regions, ipcTitles, queue })
  const pool = createPoolService({
    rounds: stores.rounds,
    log: programme,
    orgs: stores.orgs,
    patents: stores.patents,
    values: stores.values,
    regions,
    largeProvinces: largeProvinceKeys(regions, config.POOL_LARGE_PROVINCES),
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  const services = {
    orgs: createOrgsService({ orgs: stores.orgs, keys: stores.keys, adminToken, regions }),
    interests: createInterestsService({ interests: stores.interests, patents: stores.patents, needs: stores.needs, orgs: stores.orgs, pairings: stores.pairings, matches: stores.matches, queue }),
    inventory: createInventoryService({
      patents: stores.patents,
      imports: stores.imports,
      queue,
      programme,
      maxRecords: config.IMPORT_MAX_RECORDS,
      aliveMs: config.RECONCILE_AFTER_MS,
    }),
    pairings,
    needs: createNeedsService({ needs: stores.needs, matches: stores.matches, ipcTitles, patents: stores.patents, orgs: stores.orgs, queue, programme, isRoutedTo: pairings.isRoutedTo, regions }),
    pool,
    value: createValueService({
      values: stores.values,
      patents: stores.patents,
      needs: stores.needs,
      matches: stores.matches,
      interests: stores.interests,
      pairings: stores.pairings,
      queue,
      obtainedInPool: pool.obtainedInPool,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    webhooks: createWebhooksService({
      store: stores.webhooks,
      transport: createWebhookSender({
        allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
        // auto: the API's own HOST decides; a worker-only process does not know it (see config).
        allowLoopback:
          config.WEBHOOK_ALLOW_LOOPBACK === 'auto' ? options.servesApi && /^(127\.|::1$|localhost$)/.test(config.HOST) : config.WEBHOOK_ALLOW_LOOPBACK === 'true',
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      }),
      queue,
      schedule: config.WEBHOOK_RETRY_SCHEDULE,
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER,
      perEndpoint: config.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      log,
    }),
  }

  return {
    config,
    log,
    redis,
    bullPrefix,
    stores,
    feed,
    eventLog,
    programme,
    queue,
    adminToken,
    adminTokenGenerated: config.ADMIN_TOKEN === undefined,
    services,
    async close(): Promise<void> {
      await queue.close()
      await eventLog.close()
      await optimistic.close()
      redis.disconnect()
      queueConnection.disconnect()
    },
  }
}

export type Core = Awaited<ReturnType<typeof createCore>>
