/**
 * The worker role: the matcher's index (with analysis threads), the matching service, and a
 * handler for every job of `src/jobs.ts`; started, it runs one BullMQ worker per queue, the
 * event dispatcher that turns events into webhook deliveries, and the repeating jobs.
 */
import { createAnalysisPool } from '../adapters/analysis-pool/index.js'
import { startWorkers } from '../adapters/bullmq/queue.js'
import { startEventConsumer } from '../adapters/redis/index.js'
import { connect, type Core } from '../core.js'
import { MatchIndex } from '../domain/matching/index.js'
import type { Analyzer } from '../domain/text/analyzer.js'
import type { TermDictionary } from '../domain/text/term-dictionary.js'
import type { JobHandlers } from '../jobs.js'
import type { IndexingService } from '../services/indexing.js'
import { createMatchingService } from '../services/needs.js'

export function createWorkerRole(core: Core, analyzer: Analyzer, dictionary: TermDictionary) {
  const { config, log, stores, services, queue } = core
  const matchIndex = new MatchIndex(analyzer, { dictionary })
  // Index jobs analyse in worker threads (started on the first large batch), not on the event loop.
  const analysisPool = createAnalysisPool({
    local: (p) => matchIndex.analyzePatent(p),
    onError: (err) => log.warn({ err: err.message }, 'analysis thread failed; analysing on the main thread'),
  })
  const matching = createMatchingService({
    needs: stores.needs,
    matches: stores.matches,
    patents: stores.patents,
    matchIndex,
    programme: core.programme,
    log,
    // New or changed matches become pairings for the centres whose scope they fall in, and demand in the value profiles.
    onMatchesChanged: async (needId) => {
      await queue.enqueue('route-pairings', { needId })
      await queue.enqueue('value-need', { needId })
    },
  })

  let workers: { close(): Promise<void> } | undefined
  let dispatcher: { stop(): Promise<void> } | undefined
  let connection: Awaited<ReturnType<typeof connect>> | undefined

  return {
    matchIndex,
    analysisPool,
    matching,

    /** Starts taking jobs; `indexing` keeps this process's indexes (see container.ts). */
    async start(indexing: IndexingService): Promise<void> {
      const handlers: JobHandlers = {
        'index-patents': async (payload, job) => {
          try {
            await indexing.indexPatents(payload, job.id)
          } catch (err) {
            if (job.lastAttempt) await indexing.indexFailed(payload, err as Error)
            throw err
          }
          // A patent's record changed (listed, changed, withdrawn, listed again): its value profile follows.
          await queue.enqueue('value-patents', { publicationNumbers: payload.publicationNumbers })
        },
        reconcile: async () => void (await indexing.reconcile()),
        'match-need': (payload) => matching.matchNeed(payload),
        'rematch-patents': (payload) => matching.rematchPending(payload),
        'route-pairings': (payload) => services.pairings.routeNeed(payload),
        'pairing-digest': async () => void (await services.pairings.digest()),
        'pool-check': async () => {
          const flagged = await services.pool.checkWithdrawals()
          if (flagged.length > 0) log.info({ flagged: flagged.map((e) => e.enterpriseId) }, 'flagged for withdrawal after two years without progress')
        },
        'deliver-webhook': (payload, job) => services.webhooks.deliver(payload, job),
        'value-patents': (payload) => services.value.recompute(payload),
        'value-need': (payload) => services.value.refreshNeed(payload),
        'value-refresh': async () => void (await services.value.refresh()),
      }
      // Workers block on Redis for jobs: their own connection, which waits out an outage.
      connection = await connect(config.REDIS_URL, { maxRetriesPerRequest: null }, log)
      workers = startWorkers(handlers, {
        connection,
        prefix: core.bullPrefix,
        config,
        onError: (err, job) =>
          // A receiver's failure is in the webhook's delivery log; not an error of this service.
          job?.name === 'deliver-webhook' && err.name === 'RetryDelivery'
            ? log.debug({ err: err.message, jobId: job.id }, 'webhook delivery will be retried')
            : log.error({ err, jobId: job?.id, job: job?.name }, 'job failed'),
      })
      // Events → one delivery job per subscribed endpoint, in every process that runs workers.
      dispatcher = startEventConsumer({
        redis: core.redis,
        prefix: config.REDIS_PREFIX,
        group: 'webhooks',
        handle: async (event) => void (await services.webhooks.fanOut(event)),
        // An event a dead process read but never fanned out is taken over as its jobs are.
        claimIdleMs: config.JOB_LOCK_MS,
        log,
      })
      await queue.schedule()
    },

    /** Stops intake of jobs and lets active ones finish. */
    async close(): Promise<void> {
      await dispatcher?.stop()
      await workers?.close()
      await analysisPool.close()
      connection?.disconnect()
    },
  }
}

export type WorkerRole = ReturnType<typeof createWorkerRole>
