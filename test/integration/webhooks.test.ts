/**
 * Webhook push, end to end: a real HTTP receiver on 127.0.0.1 verifies every delivery with the
 * `standardwebhooks` package; events are appended to the event stream exactly as the pairing code
 * appends them. No request ever leaves loopback.
 */
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Webhook } from 'standardwebhooks'
import { pino } from 'pino'
import { eventFields, eventStreamKey } from '../../src/adapters/redis/event-log.js'
import { startEventConsumer } from '../../src/adapters/redis/event-consumer.js'
import { MAX_ENDPOINTS_PER_ORG } from '../../src/domain/webhooks.js'
import { ADMIN, auth, build, eventually, type Harness } from '../helper.js'

interface Received {
  webhookId: string
  timestamp: string
  signature: string
  body: string
  at: number
  /** What Webhook.verify returned, or the verification error. */
  verified: unknown
  error?: string
  /** When the answer was written (whether or not the sender was still there to read it). */
  answeredAt?: number
}
type Answer = 'destroy' | { status: number; headers?: Record<string, string>; delayMs?: number }

/** One receiver for the file: each scenario has its own path, secret and answers. */
async function startReceiver(t: Test) {
  const paths = new Map<string, { secret?: string; answer: (nth: number) => Answer; got: Received[] }>()
  const delayed = new Set<NodeJS.Timeout>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = paths.get(req.url ?? '')
      if (path === undefined) return void res.writeHead(404).end()
      const body = Buffer.concat(chunks).toString('utf8')
      const h = req.headers as Record<string, string>
      const r: Received = { webhookId: h['webhook-id'] ?? '', timestamp: h['webhook-timestamp'] ?? '', signature: h['webhook-signature'] ?? '', body, at: Date.now(), verified: undefined }
      try {
        r.verified = new Webhook(path.secret ?? 'whsec_AAAA').verify(body, h)
      } catch (err) {
        r.error = (err as Error).message
      }
      path.got.push(r)
      const answer = path.answer(path.got.length)
      if (answer === 'destroy') return void req.socket.destroy()
      const timer = setTimeout(() => {
        delayed.delete(timer)
        r.answeredAt = Date.now()
        res.writeHead(answer.status, answer.headers ?? {}).end('ok')
      }, answer.delayMs ?? 0)
      delayed.add(timer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    // Answers still delayed (the hanging receiver's minute) are dropped: the file need not wait them out.
    for (const timer of delayed) clearTimeout(timer)
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    /** A path on the receiver; `answer(n)` decides the n-th request's fate (200 by default). */
    path(name: string, answer: (nth: number) => Answer = () => ({ status: 200 })) {
      const entry = { answer, got: [] as Received[], secret: undefined as string | undefined }
      paths.set(`/${name}`, entry)
      return {
        url: `http://127.0.0.1:${port}/${name}`,
        got: entry.got,
        setSecret: (s: string) => (entry.secret = s),
        /** Waits for at least `n` requests. */
        waitFor: (n: number, ms = 15_000) => eventually(async () => (entry.got.length >= n ? entry.got.slice() : undefined), ms, `${n} requests on /${name}`),
      }
    },
  }
}

async function adminPost(h: Harness, url: string, payload: unknown) {
  const res = await h.app.inject({ method: 'POST', url, headers: auth, payload: payload as Record<string, unknown> })
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`)
  return res.json()
}

/** An operations centre with its key. */
async function centre(h: Harness, name: string) {
  const org = await adminPost(h, '/v1/orgs', { name, kind: 'operations-centre', province: '浙江' })
  const { key } = await adminPost(h, `/v1/orgs/${org.id}/keys`, { name: 'webhooks' })
  return { orgId: org.id as string, headers: { authorization: `Bearer ${key as string}` } }
}

/** Appends an event the way the pairing code does: XADD with eventFields. */
async function publish(h: Harness, recipients: string[], data: Record<string, unknown>, type = 'pairing.created') {
  const fields = eventFields({ type: type as 'pairing.created', recipients, at: new Date().toISOString(), data })
  return (await h.container.redis.xadd(eventStreamKey(h.prefix), '*', ...fields)) as string
}

const pairing = (n: number) => ({ pairingId: `p-${n}`, needId: `n-${n}`, publicationNumber: `CN${100000000 + n}A`, score: 0.5 + n / 1000 })

const FAST = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '200ms,300ms,300ms',
  WEBHOOK_TIMEOUT_MS: '1000',
  // a killed worker's deliveries are taken over within 3 s
  JOB_LOCK_MS: '2000',
}

t.test('deliveries: signed, retried, Retry-After, 410, log, redelivery', async (t) => {
  const receiver = await startReceiver(t)
  const h = await build(t, FAST)
  const register = async (c: { headers: Record<string, string> }, url: string, events?: string[]) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: events === undefined ? { url } : { url, events } })
    t.equal(res.statusCode, 201, `registered ${url} (${res.body})`)
    return res.json() as { id: string; secret: string; status: string }
  }
  const log = async (c: { headers: Record<string, string> }, id: string) => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries`, headers: c.headers })
    t.equal(res.statusCode, 200)
    return (res.json() as { items: Array<Record<string, unknown>> }).items
  }
  const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms))

  await t.test('a delivery arrives signed and verifies with the secret from the 201', async (t) => {
    const c = await centre(h, 'Centre signed')
    const ok = receiver.path('signed')
    const other = receiver.path('other-types')
    const hook = await register(c, ok.url)
    t.match(hook.secret, /^whsec_[A-Za-z0-9+/]+=*$/, 'a Standard Webhooks secret')
    ok.setSecret(hook.secret)
    const onlyUpdates = await register(c, other.url, ['pairing.updated'])
    other.setSecret(onlyUpdates.secret)
    const read = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: c.headers })
    t.equal(read.json().status, 'enabled')
    t.notMatch(read.body, /whsec_/, 'the secret is never shown again')

    // An event of another centre, and one from before registration, reach nobody here.
    const stranger = await centre(h, 'Centre stranger')
    await publish(h, [stranger.orgId], pairing(0))
    const eventId = await publish(h, [c.orgId], pairing(1))
    const [got] = await ok.waitFor(1)
    t.equal(got!.error, undefined, 'the signature verifies')
    t.match(got!.webhookId, /^msg_/)
    t.match(got!.signature, /^v1,[A-Za-z0-9+/]+=*$/)
    t.ok(Math.abs(Number(got!.timestamp) - Date.now() / 1000) < 30, 'webhook-timestamp is now, in seconds')
    const body = got!.verified as { type: string; timestamp: string; data: Record<string, unknown> }
    t.equal(body.type, 'pairing.created')
    t.match(body.data, { ...pairing(1), links: { pairing: '/v1/pairings/p-1', need: '/v1/needs/n-1', patent: '/v1/patents/CN100000001A' } })
    t.match(body, { eventId })

    // And the wrong secret does not verify: the check can fail.
    t.throws(() => new Webhook(onlyUpdates.secret).verify(got!.body, { 'webhook-id': got!.webhookId, 'webhook-timestamp': got!.timestamp, 'webhook-signature': got!.signature }))

    const attempts = await eventually(async () => {
      const items = await log(c, hook.id)
      return items.length > 0 ? items : undefined
    })
    t.match(attempts[0], { deliveryId: got!.webhookId, eventId, type: 'pairing.created', attempt: 1, statusCode: 200, outcome: 'succeeded', trigger: 'event' })
    t.type(attempts[0]!.durationMs, 'number')

    // Reading the same event again (a dispatcher that died before acknowledging it) sends nothing new.
    const event = await h.container.eventLog.get(eventId)
    t.equal(await h.container.services.webhooks.fanOut(event!), 1, 'the event fans out again to its one subscribed endpoint…')
    await quiet(600)
    t.equal(ok.got.length, 1, '…but the job ids are taken: no second delivery')

    // Manual redelivery: the same webhook-id and body, signed anew.
    const redo = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${got!.webhookId}/redeliver`, headers: c.headers })
    t.equal(redo.statusCode, 202, redo.body)
    const again = await ok.waitFor(2)
    t.equal(again[1]!.webhookId, got!.webhookId, 'redelivery keeps the webhook-id')
    t.equal(again[1]!.body, got!.body, 'and the body')
    t.equal(again[1]!.error, undefined, 'and verifies')
    const relog = await eventually(async () => {
      const items = await log(c, hook.id)
      return items.length >= 2 ? items : undefined
    })
    t.match(relog[0], { deliveryId: got!.webhookId, trigger: 'redelivery', outcome: 'succeeded' })
    const unknown = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/msg_nope/redeliver`, headers: c.headers })
    t.equal(unknown.statusCode, 404)

    await quiet(500)
    t.equal(other.got.length, 0, 'an endpoint subscribed to other types receives nothing')
    t.equal(ok.got.length, 2, 'no delivery of the other centre’s event, nor a duplicate')
  })

  await t.test('a 500 is retried with the same webhook-id', async (t) => {
    const c = await centre(h, 'Centre 500')
    const p = receiver.path('five-hundred', (n) => ({ status: n === 1 ? 500 : 200 }))
    const hook = await register(c, p.url)
    p.setSecret(hook.secret)
    await publish(h, [c.orgId], pairing(2))
    const got = await p.waitFor(2)
    t.equal(got[0]!.webhookId, got[1]!.webhookId, 'the retry carries the same webhook-id')
    t.equal(got[1]!.error, undefined, 'the retry verifies')
    t.ok(got[1]!.at - got[0]!.at >= 100, `retried after the scheduled wait (${got[1]!.at - got[0]!.at} ms)`)
    const items = await eventually(async () => {
      const i = await log(c, hook.id)
      return i.length >= 2 ? i : undefined
    })
    t.match(items[1], { attempt: 1, statusCode: 500, outcome: 'retrying' })
    t.match(items[0], { attempt: 2, statusCode: 200, outcome: 'succeeded' })
  })

  await t.test('a dropped connection is retried', async (t) => {
    const c = await centre(h, 'Centre drop')
    const p = receiver.path('drop', (n) => (n === 1 ? 'destroy' : { status: 204 }))
    const hook = await register(c, p.url)
    p.setSecret(hook.secret)
    await publish(h, [c.orgId], pairing(3))
    const got = await p.waitFor(2)
    t.equal(got[0]!.webhookId, got[1]!.webhookId)
    const items = await eventually(async () => {
      const i = await log(c, hook.id)
      return i.length >= 2 ? i : undefined
    })
    t.match(items[1], { attempt: 1, outcome: 'retrying', error: /socket hang up|ECONNRESET/ })
    t.equal(items[1]!.statusCode, undefined)
    t.match(items[0], { attempt: 2, statusCode: 204, outcome: 'succeeded' })
  })

  await t.test('Retry-After asks for a longer wait and gets it', async (t) => {
    const c = await centre(h, 'Centre retry-after')
    const p = receiver.path('retry-after', (n) => (n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 }))
    const hook = await register(c, p.url)
    p.setSecret(hook.secret)
    await publish(h, [c.orgId], pairing(4))
    const got = await p.waitFor(2)
    const gap = got[1]!.at - got[0]!.at
    t.ok(gap >= 1900, `waited ${gap} ms for Retry-After: 2 (the schedule alone says ~200 ms)`)
    t.ok(gap < 6000, 'and not much longer')
    const items = await log(c, hook.id)
    t.match(items.at(-1), { statusCode: 503, outcome: 'retrying', nextAttemptInMs: 2000 })
  })

  await t.test('the last attempt fails the delivery', async (t) => {
    const c = await centre(h, 'Centre always failing')
    const p = receiver.path('always-500', () => ({ status: 500 }))
    const hook = await register(c, p.url)
    p.setSecret(hook.secret)
    await publish(h, [c.orgId], pairing(5))
    await p.waitFor(4)
    await quiet(1000)
    t.equal(p.got.length, 4, 'one attempt more than the schedule has waits, then no more')
    t.equal(new Set(p.got.map((g) => g.webhookId)).size, 1)
    const items = await log(c, hook.id)
    t.same(
      items.map((i) => [i.attempt, i.outcome]),
      [
        [4, 'failed'],
        [3, 'retrying'],
        [2, 'retrying'],
        [1, 'retrying'],
      ],
    )
    const read = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: c.headers })
    t.match(read.json(), { status: 'enabled', failingSince: String })
  })

  await t.test('a 410 disables the endpoint, with the reason; enabling it again works', async (t) => {
    const c = await centre(h, 'Centre gone')
    let gone = true
    const p = receiver.path('gone', () => ({ status: gone ? 410 : 200 }))
    const hook = await register(c, p.url)
    p.setSecret(hook.secret)
    await publish(h, [c.orgId], pairing(6))
    await p.waitFor(1)
    const disabled = await eventually(async () => {
      const r = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: c.headers })
      const body = r.json() as { status: string; disabledReason?: string; disabledAt?: string }
      return body.status === 'disabled' ? body : undefined
    })
    t.match(disabled.disabledReason, /410 Gone/, 'the owner sees why')
    t.type(disabled.disabledAt, 'string')
    const items = await log(c, hook.id)
    t.match(items[0], { statusCode: 410, outcome: 'endpoint-disabled' })
    await publish(h, [c.orgId], pairing(7))
    await quiet(800)
    t.equal(p.got.length, 1, 'no retry after 410, and nothing sent to a disabled endpoint')
    const redo = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${p.got[0]!.webhookId}/redeliver`, headers: c.headers })
    t.equal(redo.statusCode, 409, 'no redelivery while disabled')

    gone = false
    const enabled = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/enable`, headers: c.headers })
    t.equal(enabled.statusCode, 200)
    t.equal(enabled.json().status, 'enabled')
    t.equal(enabled.json().disabledReason, undefined)
    await publish(h, [c.orgId], pairing(8))
    const got = await p.waitFor(2)
    t.match(got[1]!.verified, { data: { pairingId: 'p-8' } }, 'events after enabling are delivered; those in between are not')

    const del = await h.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: c.headers })
    t.equal(del.statusCode, 200)
    const after = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: c.headers })
    t.equal(after.statusCode, 404)
    const list = await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: c.headers })
    t.same(list.json().items, [])
  })
})

t.test('an endpoint failing for longer than WEBHOOK_DISABLE_AFTER is disabled, with the reason', async (t) => {
  const receiver = await startReceiver(t)
  const h = await build(t, { ...FAST, WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms,300ms', WEBHOOK_DISABLE_AFTER: '500ms' })
  const c = await centre(h, 'Centre flaky')
  const p = receiver.path('failing', () => ({ status: 502 }))
  const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url: p.url } })
  const hook = res.json() as { id: string; secret: string }
  await publish(h, [c.orgId], pairing(9))
  const disabled = await eventually(async () => {
    const r = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: c.headers })
    const body = r.json() as { status: string; disabledReason?: string }
    return body.status === 'disabled' ? body : undefined
  })
  t.match(disabled.disabledReason, /failed continuously since .* \(longer than 500 ms\).*HTTP 502/)
  const n = p.got.length
  t.ok(n >= 2 && n <= 4, `disabled after ${n} attempts, before the schedule ran out`)
  await new Promise((r) => setTimeout(r, 800))
  t.equal(p.got.length, n, 'no attempts after disabling')
})

t.test('registration refuses private, loopback and link-local addresses before connecting', async (t) => {
  const h = await build(t, { ROLE: 'api', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOW_LOOPBACK: 'false' })
  const c = await centre(h, 'Centre careful')
  for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/', 'http://127.0.0.1:9/x', 'http://[::1]:9/', 'http://[::ffff:10.0.0.1]/', 'http://192.168.0.10/']) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url } })
    t.equal(res.statusCode, 400, `${url} refused`)
    t.match(res.json(), { error: { code: 'validation_failed', message: /refused/, details: [{ path: 'body.url', message: /(private|loopback|link-local) address/ }] } })
  }
  for (const url of ['ftp://example.com/x', 'http://user:pw@example.com/', 'not a url']) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url } })
    t.equal(res.statusCode, 400, `${url} refused`)
  }
  const admin = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: 'https://203.0.113.7/hook' } })
  t.equal(admin.statusCode, 403, 'the admin registers no webhook in an organisation’s name')
  const list = await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: c.headers })
  t.same(list.json().items, [], 'nothing was registered')
})

t.test('a local installation (API on loopback) may reach a receiver on loopback, and nothing private', async (t) => {
  const h = await build(t, { ROLE: 'api', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', HOST: '127.0.0.1' })
  const c = await centre(h, 'Centre local')
  const local = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url: 'http://127.0.0.1:9/x' } })
  t.equal(local.statusCode, 201, 'loopback allowed while the API listens on loopback')
  for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/', 'http://192.168.0.10/']) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url } })
    t.equal(res.statusCode, 400, `${url} still refused`)
  }
  const exposed = await build(t, { ROLE: 'api', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', HOST: '0.0.0.0' })
  const c2 = await centre(exposed, 'Centre exposed')
  const refused = await exposed.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c2.headers, payload: { url: 'http://127.0.0.1:9/x' } })
  t.equal(refused.statusCode, 400, 'an API listening on all interfaces refuses loopback webhooks')
})

t.test('an organisation holds at most MAX_ENDPOINTS_PER_ORG webhooks: one more is a conflict (409), not bad input', async (t) => {
  const h = await build(t, { ROLE: 'api', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', HOST: '127.0.0.1' })
  const c = await centre(h, 'Centre full')
  const register = () => h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url: 'http://127.0.0.1:9/x' } })
  const ids: string[] = []
  for (let i = 0; i < MAX_ENDPOINTS_PER_ORG; i++) ids.push((await register()).json().id)
  const over = await register()
  t.equal(over.statusCode, 409)
  t.match(over.json(), { error: { code: 'webhook_limit_exceeded', message: /at most 20 webhooks/ } })
  await h.app.inject({ method: 'DELETE', url: `/v1/webhooks/${ids[0]}`, headers: c.headers })
  t.equal((await register()).statusCode, 201, 'a place freed by deleting one is taken again')
})

t.test('a worker killed in the middle of deliveries loses no event; the receiver dedupes by webhook-id', async (t) => {
  const N = 40
  const receiver = await startReceiver(t)
  const env = { ...FAST, WEBHOOK_CONCURRENCY: '4' }
  const h = await build(t, { ...env, ROLE: 'api' })
  const c = await centre(h, 'Centre resilient')
  // Each answer takes 300 ms, so a kill always leaves deliveries in flight, unanswered.
  const p = receiver.path('resilient', () => ({ status: 200, delayMs: 300 }))
  const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url: p.url } })
  const hook = res.json() as { id: string; secret: string }
  p.setSecret(hook.secret)

  const root = fileURLToPath(new URL('../..', import.meta.url))
  const children: ChildProcess[] = []
  const startWorker = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, ...env, ROLE: 'worker', REDIS_PREFIX: h.prefix, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn', PRETTY_LOGS: 'false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) t.comment(`worker exited with ${code}: ${stderr}`)
    })
    children.push(child)
    return child
  }
  const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())))
  t.teardown(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited(child)
    }
  })

  const first = startWorker()
  const eventIds: string[] = []
  for (let i = 0; i < N; i++) eventIds.push(await publish(h, [c.orgId], pairing(100 + i)))
  // Delivered = answered 2xx while the sender was alive to read it: a request of the first worker
  // answered after its death does not count (the second worker starts well after the kill).
  let killedAt = Infinity
  let secondStartedAt = Infinity
  const counts = (g: Received) => g.answeredAt !== undefined && (g.at >= secondStartedAt || g.answeredAt < killedAt)
  const delivered = () => new Set(p.got.filter(counts).map((g) => g.webhookId)).size
  // Kill once some deliveries are done and others are waiting for their answer (no timer can
  // answer them between this check and the kill: both run in the same turn of the event loop).
  const waiting = () => p.got.some((g) => g.answeredAt === undefined)
  await eventually(async () => (delivered() >= 6 && waiting() ? true : undefined), 30_000, 'the first deliveries')
  killedAt = Date.now()
  first.kill('SIGKILL')
  await exited(first)
  await new Promise((r) => setTimeout(r, 400))
  const atKill = delivered()
  const cut = p.got.filter((g) => !counts(g)).length
  t.ok(atKill < N, `killed after ${atKill} of ${N} deliveries`)
  t.ok(cut > 0, `${cut} deliveries were in flight when the worker died`)

  secondStartedAt = Date.now()
  const second = startWorker()
  await eventually(async () => (delivered() >= N ? true : undefined), 40_000, `all ${N} deliveries`)
  second.kill('SIGTERM')
  await exited(second)

  t.equal(p.got.filter((g) => g.error !== undefined).length, 0, 'every request verifies')
  const byId = new Map<string, Set<string>>()
  for (const g of p.got) {
    const eventId = (g.verified as { eventId: string }).eventId
    byId.set(g.webhookId, (byId.get(g.webhookId) ?? new Set()).add(eventId))
  }
  t.equal(byId.size, N, `${N} distinct webhook-ids (${p.got.length} requests, duplicates allowed)`)
  t.ok([...byId.values()].every((s) => s.size === 1), 'one webhook-id always carries the same event')
  t.same(new Set([...byId.values()].map((s) => [...s][0])), new Set(eventIds), 'every event was delivered')
})

t.test('events a dead dispatcher read but never acknowledged are taken over by another', async (t) => {
  const h = await build(t, { ROLE: 'api' })
  const log = pino({ level: 'silent' })
  const seenA: string[] = []
  const seenB: string[] = []
  let release!: () => void
  const stuck = new Promise<void>((resolve) => (release = resolve))
  const ids = [await publish(h, ['x'], pairing(1)), await publish(h, ['x'], pairing(2)), await publish(h, ['x'], pairing(3))]
  // A reads the batch and hangs on its first event, as a process that died would.
  const a = startEventConsumer({ redis: h.container.redis, prefix: h.prefix, group: 'test', claimIdleMs: 500, log, handle: async (e) => {
    seenA.push(e.id)
    await stuck
  } })
  await eventually(async () => (seenA.length > 0 ? true : undefined))
  const b = startEventConsumer({ redis: h.container.redis, prefix: h.prefix, group: 'test', claimIdleMs: 500, log, handle: async (e) => {
    seenB.push(e.id)
  } })
  await eventually(async () => (seenB.length >= 3 ? true : undefined), 10_000, 'B to take over')
  t.same(seenA, [ids[0]], 'A got stuck on the first event')
  t.same(seenB, ids, 'B handled every event A had taken, in order')
  release()
  await a.stop()
  await b.stop()
  const pending = (await h.container.redis.xpending(eventStreamKey(h.prefix), 'test')) as [number, ...unknown[]]
  t.equal(pending[0], 0, 'nothing left unacknowledged')
})

t.test('a receiver that hangs delays no other centre: deliveries are isolated per endpoint', async (t) => {
  const N = 24
  const receiver = await startReceiver(t)
  // Four delivery slots in this process, at most one of them held by any one endpoint; a request
  // that gets no answer is given up after 2 s. Before isolation every slot waited on the hanging
  // receiver, and the healthy one's lag grew by 2 s with every four events (12 s for 24).
  const h = await build(t, { ...FAST, WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_CONCURRENCY: '4', WEBHOOK_CONCURRENCY_PER_ENDPOINT: '1', WEBHOOK_RETRY_SCHEDULE: '1h' })
  const slowCentre = await centre(h, 'Centre hanging')
  const fastCentre = await centre(h, 'Centre healthy')
  const hanging = receiver.path('hanging', () => ({ status: 200, delayMs: 60_000 }))
  const healthy = receiver.path('healthy')
  const register = async (c: { headers: Record<string, string> }, url: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url } })
    t.equal(res.statusCode, 201)
    return res.json() as { id: string; secret: string }
  }
  const slowHook = await register(slowCentre, hanging.url)
  healthy.setSecret((await register(fastCentre, healthy.url)).secret)

  // Each event goes to both centres, the hanging one's deliveries queued first.
  const sentAt = new Map<string, number>()
  for (let i = 0; i < N; i++) {
    const id = await publish(h, [slowCentre.orgId, fastCentre.orgId], pairing(300 + i))
    sentAt.set(id, Date.now())
  }
  const got = await healthy.waitFor(N, 30_000)
  const lags = got.map((g) => g.at - sentAt.get((g.verified as { eventId: string }).eventId)!)
  const worst = Math.max(...lags)
  t.comment(`healthy receiver: worst lag ${worst} ms over ${N} events; hanging receiver got ${hanging.got.length} requests`)
  t.ok(worst < 4000, `the healthy receiver's lag stays under one request timeout and a bit (${worst} ms)`)
  t.ok(hanging.got.length <= 6, `the hanging receiver never held more than its slot (${hanging.got.length} requests so far)`)
  t.equal(got.filter((g) => g.error !== undefined).length, 0, 'every healthy delivery verifies')

  // The hanging endpoint's deliveries are not lost or hurried: each waits its turn, and a timed-out
  // one is retried on the schedule (first retry in an hour), its attempt counted once.
  const attempts = await eventually(async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${slowHook.id}/deliveries`, headers: slowCentre.headers })
    const items = (res.json() as { items: Array<{ attempt: number; outcome: string; nextAttemptInMs?: number }> }).items
    return items.length >= 2 ? items : undefined
  }, 20_000, 'two timed-out attempts on the hanging endpoint')
  t.ok(attempts.every((a) => a.attempt === 1 && a.outcome === 'retrying'), 'every attempt so far is a first attempt, retrying')
  t.ok(attempts.every((a) => (a.nextAttemptInMs ?? 0) > 40 * 60_000), 'and the next one is an hour away, as the schedule says')
})

t.test('WEBHOOK_ALLOW_LOOPBACK=auto in a worker-only process does not judge from the worker\'s own HOST', async (t) => {
  const receiver = await startReceiver(t)
  const local = receiver.path('worker-auto')
  const api = await build(t, { ROLE: 'api', HOST: '127.0.0.1' })
  const c = await centre(api, 'Centre worker auto')
  const res = await api.app.inject({ method: 'POST', url: '/v1/webhooks', headers: c.headers, payload: { url: local.url } })
  t.equal(res.statusCode, 201, 'registered on the loopback API')
  const hook = res.json() as { id: string }
  // The worker's HOST is its default, 127.0.0.1: it used to take that as "a local installation".
  await build(t, { ROLE: 'worker', REDIS_PREFIX: api.prefix, WEBHOOK_RETRY_SCHEDULE: '1h' })
  await publish(api, [c.orgId], pairing(900))
  const [attempt] = await eventually(async () => {
    const log = await api.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries`, headers: c.headers })
    const items = (log.json() as { items: Array<{ error?: string; outcome: string }> }).items
    return items.length > 0 ? items : undefined
  }, 15_000, 'the delivery attempt')
  t.match(attempt!.error, /loopback address/, 'the worker refused loopback: auto means false where the API\'s HOST is unknown')
  t.equal(local.got.length, 0, 'nothing reached the receiver')
})
