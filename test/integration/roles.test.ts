import t from 'tap'
import { auth, build, eventually, importNdjson, samplePatents, waitForImport } from '../helper.js'

t.test('API and worker in separate processes share one Redis and stay in step', async (t) => {
  const worker = await build(t, { ROLE: 'worker' })
  const api = await build(t, { ROLE: 'api', REDIS_PREFIX: worker.prefix })
  t.equal(api.container.matchIndex, undefined, 'an API-only process holds no matcher')
  t.equal(worker.container.search, undefined, 'a worker-only process with the embedded search builds no search index (the API keeps its own)')

  const res = await importNdjson(api.app, samplePatents())
  t.equal(res.statusCode, 202)
  const status = await waitForImport(api.app, res.json().importId)
  t.equal(status.state, 'done', 'the worker process indexed the import')
  t.equal(worker.container.matchIndex!.size, samplePatents().length - 4, 'the matcher holds every offerable patent')

  // The API's embedded search learns of the change through the Redis change feed.
  const found = await eventually(async () => {
    const r = await api.app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q: '图像识别' } })
    const body = r.json() as { total: number; hits: unknown[] }
    return body.total > 0 ? body : undefined
  })
  t.ok(found.total > 0)

  const need = await api.app.inject({ method: 'POST', url: '/v1/needs', headers: auth, payload: { title: '分布式任务调度' } })
  const matches = await eventually(async () => {
    const r = await api.app.inject({ method: 'GET', url: `/v1/needs/${need.json().id}/matches`, headers: auth })
    const body = r.json() as { state: string; matches: Array<{ publicationNumber: string }> }
    return body.state === 'ready' ? body : undefined
  })
  t.equal(matches.matches[0]!.publicationNumber, 'CN116719631A', 'the worker process computed the matches')

  // A process started later rebuilds its indexes from Redis.
  const late = await build(t, { ROLE: 'all', REDIS_PREFIX: worker.prefix })
  t.equal(late.container.matchIndex!.size, worker.container.matchIndex!.size)
  const r = await late.app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q: '图像识别' } })
  t.equal(r.json().total, found.total, 'its search finds what the running API finds')
  t.strictSame(r.json(), found, 'in the same order, with the same highlights and facets')
})

t.test('a process whose Redis does not answer says so, naming REDIS_URL', async (t) => {
  const { createContainer, RedisUnavailableError } = await import('../../src/container.js')
  const { loadConfig } = await import('../../src/config.js')
  const { pino } = await import('pino')
  const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', ADMIN_TOKEN: 'x'.repeat(20) })
  const err = await createContainer(config, pino({ level: 'silent' })).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.ok(err instanceof RedisUnavailableError)
  t.match((err as Error).message, /^Redis does not answer at REDIS_URL=redis:\/\/127\.0\.0\.1:1 .*redis-server/)
})
