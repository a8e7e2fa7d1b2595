/**
 * BullMQ adapter: the job queue for producers, and the workers for consumers, both built from
 * the job table in `src/jobs.ts`. Payloads are validated with the table's schemas when a worker
 * takes a job.
 */
import { DelayedError, Job, Queue, Worker, UnrecoverableError, type ConnectionOptions, type JobsOptions, type WorkerOptions } from 'bullmq'
import type { Config } from '../../config.js'
import { DeferJob, JOBS, QUEUES, RetryAfter, jobOptions, repeatingJobs, type JobHandlers, type JobName, type JobQueue, type JobRun, type QueueName } from '../../jobs.js'

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
  config: Config
}

/** The table's options in BullMQ's terms. */
function bullOptions(name: JobName, config: Config): JobsOptions {
  const o = jobOptions(name, config)
  return {
    attempts: o.attempts,
    backoff: o.backoff.type === 'exponential' ? { type: 'exponential', delay: o.backoff.delayMs } : { type: 'custom' },
    removeOnComplete: { age: o.keepCompleted.seconds, count: o.keepCompleted.count },
    removeOnFail: { age: o.keepFailedSeconds },
  }
}

/** Queues whose backlog `pending()` counts: webhook retries may stay delayed for days. */
const COUNTED_QUEUES: QueueName[] = ['index', 'match', 'rematch']

export function createJobQueue(opts: BullmqOptions): JobQueue & { schedule(): Promise<void>; close(): Promise<void> } {
  const queues = new Map<QueueName, Queue>()
  const queueFor = (name: QueueName): Queue => {
    let q = queues.get(name)
    if (q === undefined) {
      q = new Queue(name, { connection: opts.connection, prefix: opts.prefix })
      queues.set(name, q)
    }
    return q
  }
  const queueOf = (name: JobName) => queueFor(JOBS[name].queue)
  return {
    async enqueue(name, payload, options = {}) {
      await queueOf(name).add(name, payload, { ...bullOptions(name, opts.config), ...(options.jobId === undefined ? {} : { jobId: options.jobId }) })
    },
    /** Sets up every repeating job of the table (idempotent: one schedule across all processes); those marked `atStart` also run once now. */
    async schedule() {
      for (const { name, everyMs, atStart } of repeatingJobs(opts.config)) {
        await queueOf(name).upsertJobScheduler(name, { every: everyMs }, { name, data: {}, opts: bullOptions(name, opts.config) })
        if (atStart) await queueOf(name).add(name, {}, bullOptions(name, opts.config))
      }
    },
    async wake(name, jobId) {
      const job = await Job.fromId(queueOf(name), jobId)
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

/** Starts one BullMQ worker per queue, dispatching each job to its handler after validation. */
export function startWorkers(
  handlers: JobHandlers,
  opts: BullmqOptions & { onError?: (err: Error, job?: { id?: string; name: string }) => void },
): { close(): Promise<void> } {
  const processor = async (job: Job, token?: string) => {
    const name = job.name as JobName
    const def = JOBS[name]
    if (def === undefined) throw new UnrecoverableError(`unknown job name ${job.name}`)
    const parsed = def.payload.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError(`bad payload for ${name}: ${parsed.error.message}`)
    const handler = handlers[name] as (p: unknown, j: JobRun) => Promise<void>
    const attempt = job.attemptsMade + 1
    try {
      await handler(parsed.data, { id: job.id ?? '', attempt, lastAttempt: attempt >= (job.opts.attempts ?? 1) })
    } catch (err) {
      if (!(err instanceof DeferJob)) throw err
      // Waits without using up an attempt: the retry schedule is the same as if it ran now.
      await job.moveToDelayed(Date.now() + err.delayMs, token)
      throw new DelayedError()
    }
  }
  const workers = (Object.keys(QUEUES) as QueueName[]).map((queue) => {
    const w = new Worker(queue, processor, {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: QUEUES[queue].concurrency(opts.config),
      ...takeoverOptions(opts.config.JOB_LOCK_MS),
      // A `custom` backoff waits as long as the failed attempt said (RetryAfter), or else grows as the default does.
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => (err instanceof RetryAfter ? err.delayMs : 500 * 2 ** (attemptsMade - 1)) },
    })
    w.on('failed', (job, err) => opts.onError?.(err, job === undefined ? undefined : { name: job.name, ...(job.id === undefined ? {} : { id: job.id }) }))
    w.on('error', (err) => opts.onError?.(err))
    return w
  })
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()))
    },
  }
}
