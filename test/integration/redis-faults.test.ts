/**
 * Redis stalls and outages (issue 12, items 8 and 9), against a Redis server of this test's own
 * (a real process on a free port, stopped with real signals): requests answer 503 within a
 * bounded time instead of hanging or answering 500, `/ready` says so within a second, and the
 * service recovers when Redis is back.
 */
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { auth, build } from '../helper.js'

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = createServer()
      c.once('error', () => resolve(true)) // the port is taken: redis listens
      c.listen(port, '127.0.0.1', () => c.close(() => resolve(false)))
    })
    if (up) return child
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('redis-server did not start')
}

t.test('a stalled Redis answers 503 in bounded time, and the service recovers', async (t) => {
  const port = await freePort()
  const redis = await startRedis(port)
  t.teardown(() => void redis.kill('SIGKILL'))
  const h = await build(t, { REDIS_URL: `redis://127.0.0.1:${port}`, ROLE: 'api' })
  const get = async (url: string) => {
    const t0 = performance.now()
    const res = await h.app.inject({ method: 'GET', url, headers: auth })
    return { status: res.statusCode, code: res.json().error?.code as string | undefined, ms: performance.now() - t0 }
  }
  t.equal((await get('/v1/orgs')).status, 200, 'served while Redis answers')

  redis.kill('SIGSTOP')
  const stalled = await get('/v1/orgs')
  t.equal(stalled.status, 503, 'a stalled Redis: 503')
  t.equal(stalled.code, 'dependency_unavailable', 'named as the dependency being unavailable')
  // without a command timeout the request would wait for as long as Redis stalls (the test's limit)
  t.comment(`answered after ${Math.round(stalled.ms)} ms`)
  const ready = await get('/ready')
  t.equal(ready.status, 503, '/ready tells')
  t.comment(`/ready answered after ${Math.round(ready.ms)} ms`)

  redis.kill('SIGCONT')
  let back = 0
  for (let i = 0; i < 50 && back !== 200; i++) {
    back = (await get('/v1/orgs')).status
    if (back !== 200) await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(back, 200, 'served again once Redis answers')

  redis.kill('SIGKILL')
  await new Promise((r) => redis.once('exit', r))
  const down = await get('/v1/orgs')
  t.equal(down.status, 503, 'Redis gone: 503, not 500')
  t.comment(`answered after ${Math.round(down.ms)} ms`)
})
