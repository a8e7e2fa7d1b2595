/**
 * What a batch of 500 patent records costs through ioredis, client and Redis apart (CPU µs a
 * record): the commands a record (HSET and HDEL in MULTI, HGET in a pipeline) against one Lua
 * script a batch, as `src/adapters/redis/patent-store.ts` now does. On this machine's Redis:
 *
 *   node --import tsx bench/redis-batch.ts
 *
 * Its keys are under a random prefix, deleted at the end.
 */
import { Redis } from 'ioredis'
const r = new Redis('redis://127.0.0.1:6379')
const P = 'bench-redis-batch-' + Math.random().toString(36).slice(2)
const N = 500, ROUNDS = 40
const val = JSON.stringify({ title: '一种基于自然语言处理的银行客服会话问答处理方法及系统'.repeat(2), abstract: '本发明涉及人工智能技术领域，尤其是涉及一种基于自然语言处理的银行客服会话问答处理方法及系统。'.repeat(8), ipc: ['G06F16/35'] })
const keys = Array.from({ length: N }, (_, i) => `${P}:p:${i}`)
const GET = `local out = {} for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], ARGV[1]) end return out`
const PUT = `for i = 1, #KEYS do redis.call('HSET', KEYS[i], 'record', ARGV[i]) redis.call('HDEL', KEYS[i], 'terms') end return #KEYS`
const rcpu = async () => { const i = await r.info('cpu'); return Number(/used_cpu_user:([\d.]+)/.exec(i)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(i)![1]) }
async function measure(name: string, f: () => Promise<unknown>) {
  for (let k = 0; k < 3; k++) await f()
  const c0 = process.cpuUsage(); const r0 = await rcpu(); const t0 = performance.now()
  for (let k = 0; k < ROUNDS; k++) await f()
  const c = process.cpuUsage(c0); const rr = (await rcpu()) - r0
  const per = N * ROUNDS
  console.log(name.padEnd(34), 'client', (((c.user + c.system)) / per).toFixed(2), 'µs; redis', ((rr * 1e6) / per).toFixed(2), 'µs; wall', (((performance.now() - t0) * 1000) / per).toFixed(2), 'µs per record')
}
const setup = r.multi(); for (let i = 0; i < N; i++) setup.hset(keys[i]!, 'record', val); await setup.exec()
await measure('pipeline hget + parse', async () => { const p = r.pipeline(); for (const k of keys) p.hget(k, 'record'); const res = await p.exec(); res!.map(([e, v]) => JSON.parse(v as string)) })
await measure('pipeline hgetBuffer + toString + parse', async () => { const p = r.pipeline(); for (const k of keys) p.hgetBuffer(k, 'record'); const res = await p.exec(); res!.map(([e, v]) => JSON.parse((v as Buffer).toString('utf8'))) })
await measure('eval hget + parse', async () => { const res = (await r.eval(GET, N, ...keys, 'record')) as string[]; res.map((v) => JSON.parse(v)) })
await measure('evalBuffer hget + parse', async () => { const res = (await (r as any).evalBuffer(GET, N, ...keys, 'record')) as Buffer[]; res.map((v) => JSON.parse(v.toString('utf8'))) })
await measure('hmget-like: eval returns one json array', async () => { const res = (await r.eval(`local out = {} for i = 1, #KEYS do local v = redis.call('HGET', KEYS[i], ARGV[1]) out[i] = v or 'null' end return '[' .. table.concat(out, ',') .. ']'`, N, ...keys, 'record')) as string; JSON.parse(res) })
await measure('multi hset+hdel (today)', async () => { const m = r.multi(); for (let i = 0; i < N; i++) { m.hset(keys[i]!, 'record', val); m.hdel(keys[i]!, 'terms') } await m.exec() })
await measure('eval hset+hdel', async () => { await r.eval(PUT, N, ...keys, ...keys.map(() => val)) })
await measure('pipeline hget (today)', async () => { const p = r.pipeline(); for (const k of keys) p.hget(k, 'record'); const res = await p.exec(); res!.map(([e, v]) => v) })
await measure('eval hget', async () => { await r.eval(GET, N, ...keys, 'record') })
await measure('pipeline hget, buffers', async () => { const p = r.pipeline(); for (const k of keys) p.hgetBuffer(k, 'record'); await p.exec() })
let cursor = '0'; do { const [n, ks] = await r.scan(cursor, 'MATCH', `${P}*`, 'COUNT', 1000); cursor = n; if (ks.length) await r.del(...ks) } while (cursor !== '0')
r.disconnect()
