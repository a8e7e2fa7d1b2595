/**
 * Search throughput (issue 15): the real service (`npm start`, ROLE=all, its own Redis prefix, no
 * snapshots) with `size` synthetic patents imported through the API, loaded by autocannon with
 * `connections` concurrent connections for `seconds` on `GET /v1/patents/search` (the bench's
 * queries in turn: one to four words, Chinese and English, with and without filters); beside it,
 * in the same run and the same way, a bare Fastify hello world in a process of its own: the
 * ceiling of this machine for one Node process answering HTTP. The service is called with the
 * operator's key, which the rate limit lets through (an enterprise's key would be limited to
 * RATE_LIMIT_MAX a minute, far below the load). Two loads: the bench's typical queries in turn
 * (each asked again within a second: what the service's recent results serve), and queries that
 * are all different (two words of the needs' vocabulary each, none asked twice: every request
 * runs the whole search). Afterwards every key under the prefix is deleted.
 * With BENCH_CPU_PROF=<dir> the service writes a CPU profile there (node --cpu-prof) when it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { deletePrefix, freePort, importThrough, SERVICE_NODE_ARGS } from './e2e.js'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { createAnalyzer } from '../src/domain/text/analyzer.js'
import { loadVocabulary, prng } from './corpus.js'
import { benchQueries } from './search.js'
import { log } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A bare Fastify app answering `{hello: 'world'}`, as a child process: the comparator. */
const HELLO = `
import Fastify from 'fastify'
const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.stdout.write('listening\\n')
`

/** `n` different queries of two words each, from the words of the needs' texts. */
function distinctQueries(n: number): string[] {
  const analyzer = createAnalyzer(loadAnalysisResources())
  const words = [...new Set(loadVocabulary().queries.flatMap((q) => analyzer.analyze(q)))].filter((w) => w.length >= 2)
  const r = prng(11)
  const out = new Set<string>()
  for (let tries = 0; out.size < n && tries < n * 10; tries++) out.add(`${words[Math.floor(r() * words.length)]} ${words[Math.floor(r() * words.length)]}`)
  return [...out]
}

export interface ThroughputOptions {
  size: number
  connections: number
  seconds: number
}

interface Load {
  requestsPerSec: number
  latencyP50Ms: number
  latencyP99Ms: number
  requests: number
  non2xx: number
  errors: number
}

async function load(url: string, o: ThroughputOptions, paths?: string[], headers?: Record<string, string>): Promise<Load> {
  let next = 0
  const result = await autocannon({
    url,
    connections: o.connections,
    duration: o.seconds,
    ...(headers === undefined ? {} : { headers }),
    ...(paths === undefined
      ? {}
      : {
          requests: [
            {
              method: 'GET',
              setupRequest: (req: autocannon.Request) => ({ ...req, path: paths[next++ % paths.length]! }),
            },
          ],
        }),
  })
  return {
    requestsPerSec: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, exited: () => boolean, ms = 120_000): Promise<void> {
  const t0 = performance.now()
  while (!(await check())) {
    if (exited()) throw new Error(`${what} exited`)
    if (performance.now() - t0 > ms) throw new Error(`${what} not up within ${ms} ms`)
    await sleep(100)
  }
}

export async function runThroughput(o: ThroughputOptions): Promise<Record<string, unknown>> {
  const prefix = `bench-${randomBytes(6).toString('hex')}`
  const token = `bench-${randomBytes(18).toString('hex')}`
  const redisUrl = 'redis://127.0.0.1:6379'
  const [port, helloPort] = [await freePort(), await freePort()]
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true })
  const logFile = fileURLToPath(new URL(`./out/throughput-${prefix}.log`, import.meta.url))
  const logStream = createWriteStream(logFile)
  const children: ChildProcess[] = []
  const start = (args: string[], env: Record<string, string>): { child: ChildProcess; exited: () => boolean } => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let gone = false
    child.once('exit', () => (gone = true))
    child.stdout!.pipe(logStream, { end: false })
    child.stderr!.pipe(logStream, { end: false })
    children.push(child)
    return { child, exited: () => gone }
  }
  const out: Record<string, unknown> = { size: o.size, connections: o.connections, seconds: o.seconds, serviceLog: logFile }
  try {
    const base = `http://127.0.0.1:${port}`
    const prof = process.env['BENCH_CPU_PROF']
    const service = start([...SERVICE_NODE_ARGS, ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), '--import', 'tsx', 'src/main.ts'], {
      PORT: String(port),
      REDIS_PREFIX: prefix,
      REDIS_URL: redisUrl,
      ADMIN_TOKEN: token,
      LOG_LEVEL: 'warn',
      PRETTY_LOGS: 'false',
      SNAPSHOT_DIR: 'off',
      ROLE: 'all',
    })
    await waitFor(() => fetch(`${base}/ready`).then((r) => r.status === 200, () => false), 'the service', service.exited)
    const auth = { authorization: `Bearer ${token}` }
    out['import'] = await importThrough(base, auth, o.size, { failed: () => (service.exited() ? `the service exited; see ${logFile}` : undefined) })

    const queries = benchQueries().filter((q) => q.q !== '')
    const paths = queries.map((q) => `/v1/patents/search?${new URLSearchParams({ q: q.q, limit: '20', ...q.filters }).toString()}`)
    // every query once before the load (first-use costs: jieba's dictionary pages, the bit-set cache)
    for (const p of paths) {
      const r = await fetch(`${base}${p}`, { headers: auth })
      if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${(await r.text()).slice(0, 300)}`)
    }
    log(`throughput: search, ${o.connections} connections, ${o.seconds} s, ${paths.length} queries in turn`)
    out['search'] = await load(base, o, paths, auth)
    log(`throughput: search ${JSON.stringify(out['search'])}`)
    const distinct = distinctQueries(o.seconds * 8000).map((q) => `/v1/patents/search?${new URLSearchParams({ q, limit: '20' }).toString()}`)
    log(`throughput: search, ${o.connections} connections, ${o.seconds} s, every query different`)
    out['searchDistinct'] = await load(base, o, distinct, auth)
    log(`throughput: search, every query different ${JSON.stringify(out['searchDistinct'])}`)
    if ((out['searchDistinct'] as Load).requests >= distinct.length) log('throughput: more requests than distinct queries: some were asked twice')
    service.child.kill('SIGTERM')
    await waitFor(async () => service.exited(), 'the service stop', () => false, 60_000).catch(() => service.child.kill('SIGKILL'))

    // the comparator, with the machine as quiet as the service left it
    const hello = start(['--input-type=module', '-e', HELLO], { PORT: String(helloPort) })
    const helloUrl = `http://127.0.0.1:${helloPort}/`
    await waitFor(() => fetch(helloUrl).then((r) => r.status === 200, () => false), 'the hello world', hello.exited)
    log(`throughput: bare Fastify hello world, ${o.connections} connections, ${o.seconds} s`)
    out['hello'] = await load(helloUrl, o)
    log(`throughput: hello ${JSON.stringify(out['hello'])}`)
    const share = (l: unknown) => Math.round(((l as Load).requestsPerSec / (out['hello'] as Load).requestsPerSec) * 1000) / 10
    out['shareOfHello'] = share(out['search'])
    out['shareOfHelloDistinct'] = share(out['searchDistinct'])
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await sleep(200)
    logStream.end()
    await deletePrefix(redisUrl, prefix)
  }
  return out
}
