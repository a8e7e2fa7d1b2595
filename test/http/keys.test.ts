import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { ADMIN, auth, build } from '../helper.js'

t.test('keys: shown once, stored hashed, revoked and expired keys refused', async (t) => {
  const { app, container } = await build(t)
  const org = (await app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: '某大学', kind: 'university' } })).json()
  const created = await app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth, payload: { name: 'tto' } })
  t.equal(created.statusCode, 201)
  const { key, keyId } = created.json()
  t.match(key, /^pbk_[0-9a-f]{16}_/)
  const secret = key.split('_').slice(2).join('_')
  const stored = JSON.stringify(await container.stores.keys.get(keyId))
  t.notMatch(stored, secret, 'the secret is not stored')
  const listed = await app.inject({ method: 'GET', url: `/v1/orgs/${org.id}/keys`, headers: auth })
  t.notMatch(listed.body, secret, 'nor listed')

  const use = (k: string) => app.inject({ method: 'GET', url: `/v1/orgs/${org.id}`, headers: { authorization: `Bearer ${k}` } })
  t.equal((await use(key)).statusCode, 200)
  t.equal((await use(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).statusCode, 401, 'a wrong secret is refused')

  const revoked = await app.inject({ method: 'DELETE', url: `/v1/orgs/${org.id}/keys/${keyId}`, headers: auth })
  t.equal(revoked.statusCode, 200)
  t.ok(revoked.json().revokedAt)
  const after = await use(key)
  t.equal(after.statusCode, 401, 'a revoked key is refused at once')
  t.match(after.json().error.message, /revoked or expired/)

  const soon = new Date(Date.now() + 1500).toISOString()
  const expiring = (await app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth, payload: { expiresAt: soon } })).json()
  t.equal((await use(expiring.key)).statusCode, 200, 'valid until it expires')
  await new Promise((r) => setTimeout(r, 1600))
  t.equal((await use(expiring.key)).statusCode, 401, 'refused once expired')

  const past = await app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth, payload: { expiresAt: 'tomorrow' } })
  t.equal(past.statusCode, 400)
  t.equal(past.json().error.details[0].path, 'body.expiresAt')
  t.equal((await use(ADMIN)).statusCode, 200, 'the bootstrap admin key keeps working')
})

t.test("a key's secret never appears in the logs", async (t) => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const log = pino({ level: 'trace', redact: { paths: ['req.headers.authorization'], censor: '[redacted]' } }, sink)
  const { app } = await build(t, { LOG_LEVEL: 'trace' }, { log })
  const org = (await app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: '某企业', kind: 'enterprise' } })).json()
  const { key } = (await app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth })).json()
  const k = { authorization: `Bearer ${key}` }
  await app.inject({ method: 'POST', url: '/v1/needs', headers: k, payload: { title: '需求' } })
  await app.inject({ method: 'POST', url: '/v1/needs', headers: k, payload: { title: '' } })
  await app.inject({ method: 'GET', url: '/v1/patents/CN1A', headers: { authorization: `Bearer ${key}x` } })
  t.ok(lines.length > 5, 'requests were logged')
  const all = lines.join('')
  t.notMatch(all, key.split('_').slice(2).join('_'), 'no secret in the logs')
  t.notMatch(all, ADMIN, 'no admin token in the logs')
})

t.test('bursts past the limit get 429 with retry-after, per key', async (t) => {
  const { app } = await build(t, { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' })
  const org = (await app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: '某企业', kind: 'enterprise' } })).json()
  const { key } = (await app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth })).json()
  const statuses: number[] = []
  let last
  for (let i = 0; i < 7; i++) {
    last = await app.inject({ method: 'GET', url: `/v1/orgs/${org.id}`, headers: { authorization: `Bearer ${key}` } })
    statuses.push(last.statusCode)
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429])
  t.ok(Number(last!.headers['retry-after']) > 0, 'retry-after is set')
  t.equal(last!.json().error.code, 'rate_limited')
  const org2 = (await app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: '另一企业', kind: 'enterprise' } })).json()
  const key2 = (await app.inject({ method: 'POST', url: `/v1/orgs/${org2.id}/keys`, headers: auth })).json().key
  const other = await app.inject({ method: 'GET', url: `/v1/orgs/${org2.id}`, headers: { authorization: `Bearer ${key2}` } })
  t.equal(other.statusCode, 200, 'another key has its own budget')
  for (let i = 0; i < 8; i++) await app.inject({ method: 'GET', url: '/v1/orgs', headers: auth })
  t.equal((await app.inject({ method: 'GET', url: '/v1/orgs', headers: auth })).statusCode, 200, 'the bootstrap admin key is not limited')
})

t.test('security headers are set; CORS only for configured origins', async (t) => {
  const { app } = await build(t, { CORS_ORIGINS: 'https://console.example.cn' })
  const res = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://console.example.cn' } })
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.ok(res.headers['strict-transport-security'])
  t.equal(res.headers['access-control-allow-origin'], 'https://console.example.cn')
  const other = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example.com' } })
  t.notOk(other.headers['access-control-allow-origin'])
})
