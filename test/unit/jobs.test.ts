/**
 * The job table: every job has a queue, a payload schema and options; repeating jobs have a
 * period; a handler table without one of the jobs does not type-check.
 */
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { JOB_NAMES, JOBS, QUEUES, jobOptions, repeatingJobs, type JobHandlers } from '../../src/jobs.js'

const config = loadConfig({ ADMIN_TOKEN: 'x'.repeat(20), WEBHOOK_RETRY_SCHEDULE: '1s,2s,3s', RECONCILE_AFTER_MS: '5000' })

t.test('each job names a queue that exists and validates its payload', async (t) => {
  for (const name of JOB_NAMES) {
    t.ok(JOBS[name].queue in QUEUES, `${name} runs on ${JOBS[name].queue}`)
    t.notOk(JOBS[name].payload.safeParse({ unexpected: 1, publicationNumbers: [] }).success, `${name} refuses a bad payload`)
  }
  t.ok(JOBS['index-patents'].payload.safeParse({ publicationNumbers: ['CN1A'] }).success)
})

t.test('options come from the table, defaults filled in, webhook attempts from the retry schedule', async (t) => {
  t.equal(jobOptions('index-patents', config).attempts, 8, 'the default retry limit, written once')
  t.same(jobOptions('index-patents', config).backoff, { type: 'exponential', delayMs: 500 })
  t.equal(jobOptions('deliver-webhook', config).attempts, 4, 'one attempt more than the schedule has waits')
  t.same(jobOptions('deliver-webhook', config).backoff, { type: 'custom' })
})

t.test('repeating jobs and their periods', async (t) => {
  t.same(
    Object.fromEntries(repeatingJobs(config).map((j) => [j.name, j.everyMs])),
    { reconcile: 5000, 'pairing-digest': 15 * 60_000, 'pool-check': 24 * 3600_000, 'value-refresh': 6 * 3600_000 },
  )
})

t.test('re-scoring after an import never queues ahead of a new need; reconcile and the value refresh run at a worker’s start', async (t) => {
  t.not(JOBS['rematch-patents'].queue, JOBS['match-need'].queue, 'a new need is matched on a queue re-scoring does not hold')
  t.equal(JOBS['route-pairings'].queue, JOBS['match-need'].queue)
  t.same(
    repeatingJobs(config).filter((j) => j.atStart).map((j) => j.name),
    ['reconcile', 'value-refresh'],
  )
  for (const name of ['value-patents', 'value-need', 'value-refresh'] as const) t.equal(JOBS[name].queue, 'value', `${name}: a burst of events never holds up matching or webhooks`)
})

t.test('a handler table must cover every job (checked by tsc, which npm test runs first)', async (t) => {
  // @ts-expect-error a job without a handler fails the type check
  const incomplete: JobHandlers = { 'index-patents': async () => undefined }
  t.ok(incomplete)
})
