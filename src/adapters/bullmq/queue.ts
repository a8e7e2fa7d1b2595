/**
 * BullMQ adapter: the job queue port for producers, and the worker runner for consumers.
 * Queue and job names are fixed here; payloads are validated with zod when a worker takes a job.
 */
import { DelayedError, Job, Queue, Worker, UnrecoverableError, type ConnectionOptions, type JobsOptions, type WorkerOptions } from 'bullmq'
import { z } from 'zod'
import { DeferJob, type JobName, type JobPayloads, type JobQueue } from '../../domain/ports.js'

export const QUEUES = { index: 'index', match: 'match', webhooks: 'webhooks' } as const
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]

const QUEUE_OF: Record<JobName, QueueName> = {
  'index-patents': QUEUES.index,
  'match-need': QUEUES.match,
  'rematch-patents': QUEUES.match,
  'route-pairings': QUEUES.match,
  'pairing-digest': QUEUES.match,
  'pool-check': QUEUES.match,
  reconcile: QUEUES.index,
  'deliver-webhook': QUEUES.webhooks,
}

const pns = z.array(z.string().min(1)).min(1).max(10_000)
export const jobPayloadSchemas: { [N in JobName]: z.ZodType<JobPayloads[N]> } = {
  'index-patents': z.object({ importId: z.string().optional(), publicationNumbers: pns }),
  'match-need': z.object({ needId: z.string().min(1), version: z.number().int().min(1) }),
  'rematch-patents': z.object({ publicationNumbers: pns }),
  'route-pairings': z.object({ needId: z.string().min(1) }),
  'pairing-digest': z.object({}).strict() as z.ZodType<Record<string, never>>,
  'pool-check': z.object({}).strict() as z.ZodType<Record<string, never>>,
  reconcile: z.object({}).strict() as z.ZodType<Record<string, never>>,
  'deliver-webhook': z.object({
    endpointId: z.string().min(1),
    eventId: z.string().regex(/^\d+-\d+$/),
    type: z.string().min(1),
    webhookId: z.string().min(1),
    body: z.string().min(2),
    trigger: z.enum(['event', 'redelivery']).optional(),
  }),
}

const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const

/**
 * How jobs of a dead worker are taken over. A running job's lock is renewed every half
 * `lockMs`; a worker that dies stops renewing, and the next stalled check after the lock
 * expires (checks run every half `lockMs`) moves the job back to waiting: within 1.5 × `lockMs`.
 * A job found stalled twice (its worker died twice on it) fails instead of looping.
 */
export function takeoverOptions(lockMs: number): Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> {
  return { lockDuration: lockMs, stalledInterval: Math.floor(lockMs / 2), maxStalledCount: 2 }
}

export interface BullmqOptions {
  connection: ConnectionOptions
  prefix: string
}

/** Queues whose backlog `pending()` counts: webhook retries may stay delayed for days. */
const COUNTED_QUEUES: QueueName[] = [QUEUES.index, QUEUES.match]

export function createJobQueue(
  opts: BullmqOptions & { jobOptions?: Partial<Record<JobName, JobsOptions>> },
): JobQueue & { close(): Promise<void> } {
  const queues = new Map<QueueName, Queue>()
  const queueFor = (name: QueueName): Queue => {
    let q = queues.get(name)
    if (q === undefined) {
      q = new Queue(name, { connection: opts.connection, prefix: opts.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })
      queues.set(name, q)
    }
    return q
  }
  return {
    async enqueue(name, payload, options = {}) {
      const jobOpts = { ...opts.jobOptions?.[name], ...(options.jobId === undefined ? {} : { jobId: options.jobId }) }
      await queueFor(QUEUE_OF[name]).add(name, payload, jobOpts)
    },
    async schedule(name, payload, { everyMs }) {
      await queueFor(QUEUE_OF[name]).upsertJobScheduler(name, { every: everyMs }, { name, data: payload })
    },
    async wake(name, jobId) {
      const job = await Job.fromId(queueFor(QUEUE_OF[name]), jobId)
      // Only a job still waiting out its deferral; one that moved on meanwhile is left alone.
      if (job !== undefined && (await job.isDelayed())) await job.promote().catch(() => undefined)
    },
    async pending() {
      let n = 0
      for (const name of COUNTED_QUEUES) {
        const counts = await queueFor(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized')
        n += Object.values(counts).reduce((a, b) => a + b, 0)
      }
      return n
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()))
    },
  }
}

export type JobHandlers = { [N in JobName]: (payload: JobPayloads[N], job: { id: string; attempt: number }) => Promise<void> }

/** Starts one BullMQ worker per queue, dispatching each job to its handler after validation. */
export function startWorkers(
  handlers: JobHandlers,
  opts: BullmqOptions & {
    concurrency: number
    /** See `takeoverOptions`. */
    lockMs: number
    onError?: (err: Error, job?: Job) => void
    /** Options of one queue's worker (backoff strategy, lock duration, concurrency). */
    workerOptions?: Partial<Record<QueueName, Partial<WorkerOptions>>>
  },
): { close(): Promise<void> } {
  const processor = async (job: Job, token?: string) => {
    const name = job.name as JobName
    const schema = jobPayloadSchemas[name]
    if (schema === undefined) throw new UnrecoverableError(`unknown job name ${job.name}`)
    const parsed = schema.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError(`bad payload for ${name}: ${parsed.error.message}`)
    const handler = handlers[name] as (p: unknown, j: { id: string; attempt: number }) => Promise<void>
    try {
      await handler(parsed.data, { id: job.id ?? '', attempt: job.attemptsMade + 1 })
    } catch (err) {
      if (!(err instanceof DeferJob)) throw err
      // Waits without using up an attempt: the retry schedule is the same as if it ran now.
      await job.moveToDelayed(Date.now() + err.delayMs, token)
      throw new DelayedError()
    }
  }
  const workers = Object.values(QUEUES).map((name) => {
    const w = new Worker(name, processor, {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      ...takeoverOptions(opts.lockMs),
      ...opts.workerOptions?.[name],
    })
    w.on('failed', (job, err) => opts.onError?.(err, job))
    w.on('error', (err) => opts.onError?.(err))
    return w
  })
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()))
    },
  }
}
