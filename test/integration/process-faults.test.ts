/**
 * The service under real signals (issue 12): a supervisor's SIGTERM through npm with a live
 * stream open, a worker SIGKILLed in the middle of a job, and the whole service SIGKILLed in the
 * middle of an upload and of indexing. Real processes, real sockets, the real Redis.
 */
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { request } from 'node:http'
import { REDIS_URL, auth, build, deleteKeys, eventually } from '../helper.js'
import { startService } from '../processes.js'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A fresh prefix whose keys are deleted at teardown. */
function prefixFor(t: Test): string {
  const prefix = `test-${randomUUID()}`
  t.teardown(() => deleteKeys(prefix))
  return prefix
}

t.test('SIGTERM to npm start ends the service, open live streams included, well within the grace period', async (t) => {
  const grace = 30_000
  const svc = await startService(t, { REDIS_PREFIX: prefixFor(t), SHUTDOWN_GRACE_MS: String(grace) }, { viaNpm: true })
  const res = await fetch(`${svc.url}/v1/pairings/stream`, { headers: { ...auth, accept: 'text/event-stream' } })
  t.equal(res.status, 200, 'a live stream is open')
  const reader = res.body!.getReader()
  const streamEnded = (async () => {
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return Date.now()
  })()
  const signalled = Date.now()
  svc.child.kill('SIGTERM') // to npm, as a supervisor would
  await svc.gone()
  const took = Date.now() - signalled
  t.comment(`the service was gone ${took} ms after SIGTERM`)
  t.ok(took < grace / 2, `npm passed SIGTERM on and the stream did not hold the shutdown (${took} ms, grace ${grace} ms)`)
  t.ok((await streamEnded) - signalled < grace / 2, 'the stream was ended by the server, and the client can resume from its last id')
  t.ok(svc.log.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'), 'the service itself received SIGTERM')
})

t.test("a worker SIGKILLed in the middle of a job: another takes the job over within 1.5 × JOB_LOCK_MS", async (t) => {
  // A receiver that holds every request: the delivery job stays active until its worker dies.
  const got: Array<{ id: string; at: number }> = []
  const receiver = createServer((req) => got.push({ id: String(req.headers['webhook-id']), at: Date.now() }))
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    receiver.closeAllConnections()
    receiver.close()
  })
  const env = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '100000' } // JOB_LOCK_MS: its default, 10 s
  const api = await build(t, { ...env, ROLE: 'api' })
  const org = (await api.app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: 'Centre takeover', kind: 'operations-centre', province: '浙江' } })).json()
  const { key } = (await api.app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth, payload: { name: 'k' } })).json()
  const hook = await api.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { authorization: `Bearer ${key}` },
    payload: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` },
  })
  t.equal(hook.statusCode, 201)

  const first = await startService(t, { ...env, ROLE: 'worker', REDIS_PREFIX: api.prefix })
  const { eventFields, eventStreamKey } = await import('../../src/adapters/redis/event-log.js')
  const fields = eventFields({ type: 'pairing.created', recipients: [org.id], at: new Date().toISOString(), data: { pairingId: 'p-1' } })
  await api.container.redis.xadd(eventStreamKey(api.prefix), '*', ...fields)
  await eventually(async () => (got.length >= 1 ? true : undefined), 30_000, 'the first worker to send the delivery')

  process.kill(first.pid, 'SIGKILL')
  const killedAt = Date.now()
  await first.gone()
  await startService(t, { ...env, ROLE: 'worker', REDIS_PREFIX: api.prefix })
  await eventually(async () => (got.length >= 2 ? true : undefined), 60_000, 'the second worker to take the delivery over')
  const took = got[1]!.at - killedAt
  t.equal(got[1]!.id, got[0]!.id, 'the same delivery, with the same webhook-id')
  t.comment(`taken over ${took} ms after the SIGKILL (JOB_LOCK_MS 10 s: at most 15 s once the new worker runs)`)
  t.ok(took < 25_000, `taken over in ${took} ms, not after the minute it used to take`)
})

/** Patents whose words the matcher and search know: two topics, numbered. */
function patentLine(i: number): string {
  const topic = i % 2 === 0 ? ['锂电池', '正极材料', '循环寿命'] : ['图像识别', '卷积神经网络', '缺陷检测']
  return (
    JSON.stringify({
      publicationNumber: `CN${String(200000000 + i)}A`,
      title: `一种${topic[0]}${topic[1]}的制备方法${i}`,
      abstract: `本发明公开了一种${topic.join('、')}的方法，编号${i}，提高了${topic[2]}。`,
    }) + '\n'
  )
}

t.test('the service SIGKILLed mid-upload and mid-index: every stored patent ends indexed and matched, every import tells the truth', async (t) => {
  const prefix = prefixFor(t)
  // Small intervals so that the test sees takeover and repair within seconds.
  const env = { REDIS_PREFIX: prefix, JOB_LOCK_MS: '2000', RECONCILE_AFTER_MS: '2000', ROLE: 'all' }
  // A worker that stays up through the crash: it learns of patents only through index jobs.
  const survivor = await build(t, { ...env, ROLE: 'worker' })
  const first = await startService(t, env)
  const post = (path: string, body: unknown) =>
    fetch(`${first.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const need = await (await post('/v1/needs', { title: '锂电池正极材料', description: '提高循环寿命' })).json()

  // Upload B: slow, cut by the crash after more than two batches were stored.
  const cut = request({ host: '127.0.0.1', port: first.port, method: 'POST', path: '/v1/patents/import', headers: { ...auth, 'content-type': 'application/x-ndjson' } })
  cut.on('error', () => undefined)
  for (let i = 0; i < 1300; i++) cut.write(patentLine(i))
  const redis = new Redis(REDIS_URL)
  t.teardown(() => redis.disconnect())
  await eventually(async () => ((await redis.zcard(`${prefix}:patents:listing`)) >= 1000 ? true : undefined), 30_000, 'two batches of the cut upload to be stored')

  // Upload A: acknowledged (202), then the crash lands while its batches are being indexed.
  const body = Array.from({ length: 3000 }, (_, i) => patentLine(10_000 + i)).join('')
  const acked = await fetch(`${first.url}/v1/patents/import`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body })
  t.equal(acked.status, 202, 'upload A acknowledged')
  const a = (await acked.json()) as { importId: string; accepted: number }
  t.equal(a.accepted, 3000)
  // Killed at once: its index jobs are queued or running (the comment below says how far they got).
  process.kill(first.pid, 'SIGKILL')
  await first.gone()
  const stateAtCrash = (await redis.hgetall(`${prefix}:import:${a.importId}`)) as Record<string, string>
  t.comment(`at the crash: import A ${stateAtCrash.state}, ${stateAtCrash.indexed ?? 0} of 3000 indexed`)

  const second = await startService(t, env)
  const get = async (path: string) => (await fetch(`${second.url}${path}`, { headers: auth })).json()
  const imports = await eventually(
    async () => {
      const list = (await get('/v1/imports')) as { items: Array<{ importId: string; state: string; total: number; indexed: number; error?: string }> }
      return list.items.length === 2 && list.items.every((i) => i.state !== 'receiving' && i.indexed === i.total) ? list.items : undefined
    },
    60_000,
    'both imports to settle',
  )
  const [b, aAfter] = [imports.find((i) => i.importId !== a.importId)!, imports.find((i) => i.importId === a.importId)!]
  t.equal(aAfter.state, 'done', 'the acknowledged import is done')
  t.equal(aAfter.indexed, 3000, 'every record of it indexed, none counted twice')
  t.equal(b.state, 'failed', 'the cut upload says it failed')
  t.match(b.error, /the upload stopped while it was being received .*the \d+ records stored before that are kept and indexed/, 'and says what it kept')
  const stored = await redis.zcard(`${prefix}:patents:listing`)
  t.equal(b.total, stored - 3000, `it counts exactly the ${stored - 3000} records it stored`)

  // Every stored patent indexed: analysed terms stored, in the surviving worker's matcher, searchable.
  // the listing of all: positions `createdAt publicationNumber`
  const pns = (await redis.zrange(`${prefix}:patents:listing`, '0', '-1')).map((position) => position.slice(position.indexOf(' ') + 1))
  const pipe = redis.pipeline()
  for (const pn of pns) pipe.hexists(`${prefix}:patent:${pn}`, 'terms')
  const withTerms = ((await pipe.exec()) ?? []).filter(([, v]) => v === 1).length
  t.equal(withTerms, stored, 'every stored patent has its analysed terms')
  await eventually(async () => (survivor.container.matchIndex!.size === stored ? true : undefined), 30_000, 'the surviving worker to hold every patent')
  t.equal(survivor.container.matchIndex!.size, stored, `the worker that never restarted matches against all ${stored}`)
  const search = (await get(`/v1/patents/search?q=${encodeURIComponent('缺陷检测')}&limit=1`)) as { total: number }
  t.equal(search.total, pns.filter((pn) => Number(pn.slice(2, -1)) % 2 === 1).length, 'search finds every stored patent of a topic')

  // And matched: the open need's matches are computed against what was stored.
  const matches = await eventually(async () => {
    const m = (await get(`/v1/needs/${need.id}/matches`)) as { state: string; matches: Array<{ publicationNumber: string }> }
    return m.state === 'ready' && m.matches.length > 0 ? m : undefined
  }, 30_000, 'the need to be matched')
  t.ok(matches.matches.every((m) => Number(m.publicationNumber.slice(2, -1)) % 2 === 0), 'its matches are the battery patents')
})
