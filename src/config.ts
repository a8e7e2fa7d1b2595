/**
 * The service's configuration: one zod schema over the environment, parsed once at start
 * and frozen. Nothing else reads process.env.
 */
import { z } from 'zod'
import { parseDuration, parseSchedule } from './domain/webhooks.js'

const port = z.coerce.number().int().min(0).max(65535)
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

/** A comma-separated list; empty entries dropped; none when unset. */
const commaList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o !== ''))

/** A text setting read by `parse` (undefined: not readable, reported with `expected`). */
function parsed<T>(fallback: string, parse: (s: string) => T | undefined, expected: string) {
  return z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const value = parse(s)
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: expected })
        return z.NEVER
      }
      return value
    })
}

export const configSchema = z.object({
  PORT: port.default(3000).describe('TCP port the API listens on'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the API listens on'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379')
    .describe('Redis, the system of record and the job queue'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('pb')
    .describe('Prefix of every key and queue, so several instances can share one Redis'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all').describe('all (API and workers in one process), api or worker'),
  SEARCH_BACKEND: z.enum(['embedded', 'meilisearch']).default('embedded').describe('Search backend for GET /v1/patents/search'),
  MEILI_HOST: z.url().optional().describe('Meilisearch URL, required when SEARCH_BACKEND=meilisearch'),
  MEILI_API_KEY: z.string().optional().describe('Meilisearch API key'),
  ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('Bootstrap key with the admin role; when unset one is generated and logged once at start'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).describe('Jobs each worker queue runs at once'),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024 * 1024)
    .describe('Largest bulk-import body in bytes (413 above it)'),
  IMPORT_MAX_RECORDS: z.coerce.number().int().min(1).default(100_000).describe('Most records one import request may carry'),
  BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe('Largest JSON body for every other route (413 above it)'),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(600).describe('Requests one API key may make per rate-limit window (429 above it)'),
  SEARCH_RECENT_MS: z.coerce.number().int().min(0).default(1000).describe('How long the embedded search answers a search asked again from its recent result (dropped at every change of the index); 0: every search runs'),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000).describe('The rate-limit window in milliseconds'),
  CORS_ORIGINS: commaList.describe('Comma-separated origins allowed to call the API from a browser; none when empty'),
  POOL_LARGE_PROVINCES: commaList.describe('Comma-separated provinces, each written any way (广东, 广东省, Guangdong, 440000), whose cultivation-pool quota is 500 instead of 300'),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000).describe('How long a client may take to send the request headers'),
  HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000).describe('A connection with no traffic for this long is closed (live streams send a heartbeat)'),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(600_000).describe('How long a client may take to send a whole request, body included'),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(256).describe('Open connections one client address may hold; further ones are closed at once'),
  JOB_LOCK_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(300_000)
    .default(10_000)
    .describe("How long a worker's hold on a job lasts unrenewed; a dead worker's jobs and events are taken over within 1.5 times this"),
  RECONCILE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(30_000)
    .describe('Work a stopped process left (patents stored but not queued for indexing, an upload it was receiving) is repaired after this long; the repair runs this often'),
  SNAPSHOT_DIR: z
    .string()
    .min(1)
    .default('./data/snapshots')
    .describe(
      'Directory where each in-memory index (the matcher\'s) is saved, so a restart loads it and catches up from the change feed instead of rebuilding it from Redis; off: none, rebuilt at every start',
    ),
  SNAPSHOT_INTERVAL_S: z.coerce.number().int().min(1).default(600).describe('How often an in-memory index that changed is saved to its snapshot (also at shutdown), in seconds'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000).describe('How long SIGTERM waits for active work before exiting'),
  PRETTY_LOGS: boolean.optional().describe('Human-readable logs (default: only when stdout is a TTY)'),
  WEBHOOK_ALLOW_LOOPBACK: z
    .enum(['auto', 'true', 'false'])
    .default('auto')
    .describe(
      'Let webhooks reach loopback addresses; auto: only in a process whose API listens on loopback (a local installation). ' +
        'A worker-only process cannot know where the API listens, so there auto means false: set true on a local installation\'s workers',
    ),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean
    .default(false)
    .describe('Let webhooks reach loopback, private, link-local and other non-public addresses (refused by default)'),
  WEBHOOK_RETRY_SCHEDULE: parsed('5s,5m,30m,2h,5h,10h,24h', parseSchedule, 'expected a comma-separated list of durations such as 5s,5m,2h,1d').describe('Waits between webhook delivery attempts (comma-separated durations, each with ±20 % jitter); one attempt more than entries'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000).describe('How long one webhook request may take'),
  WEBHOOK_DISABLE_AFTER: parsed('3d', parseDuration, 'expected a duration such as 3d, 12h or 30s').describe('An endpoint whose deliveries have failed continuously for longer than this is disabled'),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16).describe('Webhook requests each worker process sends at once'),
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(2)
    .describe("Requests in flight to one endpoint across all workers: a receiver that hangs holds no more, others' deliveries go on"),
})

export type Config = Readonly<z.infer<typeof configSchema>>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Parses the environment; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = configSchema.safeParse(cleaned)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const config = parsed.data
  if (config.SEARCH_BACKEND === 'meilisearch' && config.MEILI_HOST === undefined) {
    throw new ConfigError('invalid configuration: MEILI_HOST: required when SEARCH_BACKEND=meilisearch')
  }
  return Object.freeze(config)
}
