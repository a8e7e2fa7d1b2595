/**
 * Every background job, in one table: the queue it runs on, the payload it carries (its type is
 * derived from the schema), its retry and retention options, and, for a repeating job, how
 * often it runs. Producers enqueue through `JobQueue`, typed from this table; the worker role
 * gives each job its handler (`JobHandlers` asks for one per job, so a job without a handler
 * fails the type check); the BullMQ adapter builds its queues and workers from here.
 *
 * To add a job: an entry here, its handler in `src/roles/worker.ts`, and the service that
 * enqueues it.
 */
import { z } from 'zod'
import type { Config } from './config.js'
import type { DeliveryPayload } from './domain/webhooks.js'

/** The queues, each with its own workers: a long backlog of one never delays the others. */
export const QUEUES = {
  /** Storing analysed terms and updating the indexes after patents change. */
  index: { concurrency: (c: Config) => c.WORKER_CONCURRENCY },
  /** Matching needs, routing and digests: what an enterprise or a centre waits for. */
  match: { concurrency: (c: Config) => c.WORKER_CONCURRENCY },
  /**
   * Re-scoring open needs against newly stored patents: long after a large import, so on its own
   * queue, one at a time a process, where it never holds up a new need's match.
   */
  rematch: { concurrency: () => 1 },
  /**
   * Value profiles, recomputed when what they rest on changes: on their own queue, two at a time a
   * process, where a burst of events never holds up matching or webhooks.
   */
  value: { concurrency: () => 2 },
  /** Webhook requests: many at once, each waiting on a receiver. */
  webhooks: { concurrency: (c: Config) => c.WEBHOOK_CONCURRENCY },
} as const
export type QueueName = keyof typeof QUEUES

/** How often a job is tried, how it waits between tries, and how long finished jobs are kept. */
export interface JobOptions {
  attempts: number
  /** `exponential` from `delayMs`; `custom`: the handler's error names the wait (see the worker role). */
  backoff: { type: 'exponential'; delayMs: number } | { type: 'custom' }
  keepCompleted: { seconds: number; count: number }
  keepFailedSeconds: number
}

const DEFAULTS: JobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delayMs: 500 },
  keepCompleted: { seconds: 3600, count: 1000 },
  keepFailedSeconds: 7 * 24 * 3600,
}

interface JobDefinition {
  queue: QueueName
  payload: z.ZodType
  options?: (c: Config) => Partial<JobOptions>
  /** A repeating job: run every this many milliseconds, once across all processes. */
  everyMs?: (c: Config) => number
  /** A repeating job that also runs once when a worker starts (work a dead process may have left). */
  atStart?: true
}

const publicationNumbers = z.array(z.string().min(1)).min(1).max(10_000)
const nothing = z.object({}).strict() as z.ZodType<Record<string, never>>

const deliveryPayload: z.ZodType<DeliveryPayload> = z.object({
  endpointId: z.string().min(1),
  eventId: z.string().regex(/^\d+-\d+$/),
  type: z.string().min(1),
  webhookId: z.string().min(1),
  body: z.string().min(2),
  trigger: z.enum(['event', 'redelivery']).optional(),
})

export const JOBS = {
  /** Analyses changed patents, stores their terms, updates every index, counts an import's progress. */
  'index-patents': { queue: 'index', payload: z.object({ importId: z.string().optional(), publicationNumbers }) },
  /** Queues index jobs a dead process stored but never queued, and fails uploads it was receiving. */
  reconcile: { queue: 'index', payload: nothing, everyMs: (c) => c.RECONCILE_AFTER_MS, atStart: true },
  /** Computes a need's matches (a stale version is skipped). */
  'match-need': { queue: 'match', payload: z.object({ needId: z.string().min(1), version: z.number().int().min(1) }) },
  /**
   * Rescores open needs against the patents indexed since the last pass (`NeedStore.pendingRematch`;
   * a job queued before passes were gathered still names its patents). One job id a pass (its
   * number), gone once it ends: the batches indexed before a pass starts queue it once, those
   * indexed after queue the next, so one pass serves many batches and none is left unseen;
   * `reconcile` queues one for patents a pass that died left.
   */
  'rematch-patents': {
    queue: 'rematch',
    payload: z.object({ publicationNumbers: publicationNumbers.optional() }),
    options: () => ({ keepCompleted: { seconds: 0, count: 0 }, keepFailedSeconds: 0 }),
  },
  /** Turns a need's ready matches into pairings for the operations centres whose scope they fall in. */
  'route-pairings': { queue: 'match', payload: z.object({ needId: z.string().min(1) }) },
  /** Sends the digest of held pairings to centres in digest mode whose period is over. */
  'pairing-digest': { queue: 'match', payload: nothing, everyMs: () => 15 * 60_000 },
  /** Flags enterprises two years in the pool without substantive progress. */
  'pool-check': { queue: 'match', payload: nothing, everyMs: () => 24 * 3600_000 },
  /** Recomputes the value profiles of patents whose record, interests or pairings changed. */
  'value-patents': { queue: 'value', payload: z.object({ publicationNumbers }) },
  /** Records which patents a need now strongly matches (none once closed), then recomputes the profiles that changed. */
  'value-need': { queue: 'value', payload: z.object({ needId: z.string().min(1) }) },
  /** Computes the profiles of patents that have none, and those computed more than a day ago (the term left moves on). */
  'value-refresh': { queue: 'value', payload: nothing, everyMs: () => 6 * 3600_000, atStart: true },
  /**
   * One webhook delivery (one event to one endpoint): one attempt more than the retry schedule
   * has waits, each wait chosen by the failed attempt; kept a day after completion, so a re-read
   * of the event stream finds the job id and adds nothing.
   */
  'deliver-webhook': {
    queue: 'webhooks',
    payload: deliveryPayload,
    options: (c) => ({ attempts: c.WEBHOOK_RETRY_SCHEDULE.length + 1, backoff: { type: 'custom' }, keepCompleted: { seconds: 24 * 3600, count: 100_000 } }),
  },
} as const satisfies Record<string, JobDefinition>

export type JobName = keyof typeof JOBS
export type JobPayloads = { [N in JobName]: z.infer<(typeof JOBS)[N]['payload']> }

export const JOB_NAMES = Object.keys(JOBS) as JobName[]

export function jobOptions(name: JobName, config: Config): JobOptions {
  const def: JobDefinition = JOBS[name]
  return { ...DEFAULTS, ...def.options?.(config) }
}

/** Repeating jobs and their period under this configuration. */
export function repeatingJobs(config: Config): Array<{ name: JobName; everyMs: number; atStart: boolean }> {
  return JOB_NAMES.flatMap((name) => {
    const def: JobDefinition = JOBS[name]
    return def.everyMs === undefined ? [] : [{ name, everyMs: def.everyMs(config), atStart: def.atStart === true }]
  })
}

/** What producers need of the queue. */
export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: { jobId?: string }): Promise<void>
  /** Runs a deferred job now rather than at the end of its wait (nothing when it is not waiting). */
  wake(name: JobName, jobId: string): Promise<void>
  /** Jobs waiting, delayed or active on the index, match and rematch queues, for the benchmark. */
  pending(): Promise<number>
}

/** What a handler knows of the job it runs. */
export interface JobRun {
  id: string
  /** 1 for the first attempt. */
  attempt: number
  /** Whether a failure now is final (no attempt left). */
  lastAttempt: boolean
}

export type JobHandlers = { [N in JobName]: (payload: JobPayloads[N], job: JobRun) => Promise<void> }

/**
 * Thrown by a job handler that cannot run yet: the job waits `delayMs` (or until woken with
 * `JobQueue.wake`) and runs again, without counting an attempt.
 */
export class DeferJob extends Error {
  override readonly name = 'DeferJob'
  constructor(readonly delayMs: number) {
    super(`deferred for ${delayMs} ms`)
  }
}

/** Thrown by a handler whose job should be tried again after `delayMs` (a `custom` backoff). */
export class RetryAfter extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message)
  }
}
