/**
 * End to end at one size: the real service as a child process (`node --import tsx src/main.ts`)
 * on a free port and its own Redis prefix; the synthetic patents imported through
 * `POST /v1/patents/import` (NDJSON, streamed); then needs posted one at a time, each polled
 * every 5 ms on `GET /v1/needs/{id}/matches` until `ready`. Afterwards the child is stopped and
 * every key under the prefix deleted.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { CorpusGenerator, loadVocabulary } from './corpus.js'
import { log, mb, rssOf, summary } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The node options of `npm start` and `npm run worker` (package.json), which the bench's own spawns of the service use too. */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=64']
/**
 * The node options a bench's own spawn of the service runs with: those of `npm start`, and
 * BENCH_SERVICE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=bench/out/prof`).
 */
export const benchServiceNodeArgs = (): string[] => [...SERVICE_NODE_ARGS, ...(process.env['BENCH_SERVICE_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '')]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface E2eOptions {
  size: number
  needs: number
  redisUrl?: string
  /** `api`: start the service without workers and measure the import intake alone (no indexing, no needs). */
  role?: 'all' | 'api'
  /** After the import is done, also wait until the value profiles it queued are computed (the `value` queue empty). */
  waitValue?: boolean
  /** After the import (and the value profiles, with `waitValue`), account Redis memory by key family. */
  memory?: boolean
}

export async function runE2e(o: E2eOptions): Promise<Record<string, unknown>> {
  const port = await freePort()
  const prefix = `bench-${randomBytes(6).toString('hex')}`
  const token = `bench-${randomBytes(18).toString('hex')}`
  const redisUrl = o.redisUrl ?? 'redis://127.0.0.1:6379'
  const base = `http://127.0.0.1:${port}`
  const auth = { authorization: `Bearer ${token}` }
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true })
  const logFile = fileURLToPath(new URL(`./out/service-${prefix}.log`, import.meta.url))
  const logStream = createWriteStream(logFile)
  const child: ChildProcess = spawn(process.execPath, [...benchServiceNodeArgs(), '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), REDIS_PREFIX: prefix, REDIS_URL: redisUrl, ADMIN_TOKEN: token, LOG_LEVEL: 'warn', PRETTY_LOGS: 'false', SNAPSHOT_DIR: 'off', ROLE: o.role ?? 'all' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.pipe(logStream)
  child.stderr!.pipe(logStream)
  let exited = false
  child.once('exit', () => (exited = true))
  const out: Record<string, unknown> = { size: o.size, role: o.role ?? 'all', prefix, serviceLog: logFile }

  try {
    // --- ready
    const t0 = performance.now()
    for (;;) {
      if (exited) throw new Error(`the service exited at start; see ${logFile}`)
      const ok = await fetch(`${base}/ready`).then((r) => r.status === 200, () => false)
      if (ok) break
      if (performance.now() - t0 > 120_000) throw new Error('the service was not ready within 120 s')
      await sleep(100)
    }
    log(`e2e: service ready on :${port} (prefix ${prefix}) in ${(performance.now() - t0).toFixed(0)} ms`)

    // --- import: one streamed NDJSON request of `size` records
    const cpu = await cpuMeter(child.pid!, redisUrl)
    if (o.role === 'api') {
      const intake = await importThrough(base, auth, o.size, { waitDone: false })
      out['intakeOnly'] = { accepted: intake.accepted, sec: intake.bodyAcceptedSec, perSec: Math.round(intake.accepted / intake.bodyAcceptedSec) }
      out['cpuUsPerPatent'] = await cpu.perPatent(intake.accepted)
      cpu.close()
      log(`e2e: intake only (ROLE=api) ${JSON.stringify(out['intakeOnly'])}; CPU µs a patent ${JSON.stringify(out['cpuUsPerPatent'])}`)
      return out
    }
    out['import'] = await importThrough(base, auth, o.size, {
      failed: () => (exited ? `the service exited during the import; see ${logFile}` : undefined),
    })
    out['cpuUsPerPatent'] = await cpu.perPatent(o.size)
    log(`e2e: CPU µs a patent ${JSON.stringify(out['cpuUsPerPatent'])}`)
    if (o.waitValue) {
      const started = performance.now()
      await valueProfilesDone(redisUrl, prefix, () => (exited ? `the service exited while computing value profiles; see ${logFile}` : undefined))
      out['valueProfiles'] = { afterDoneSec: Math.round((performance.now() - started) / 100) / 10, cpuUsPerPatent: await cpu.perPatent(o.size) }
      log(`e2e: value profiles computed ${JSON.stringify(out['valueProfiles'])}`)
    }
    cpu.close()
    if (o.memory) {
      out['redisByFamily'] = await redisMemoryByFamily(redisUrl, prefix, o.size)
      log(`e2e: Redis memory by key family ${JSON.stringify(out['redisByFamily'])}`)
    }
    out['needToMatchesMs'] = await needsThrough(base, auth, o.needs)
    return out
  } finally {
    // --- stop the child, then delete every key of the prefix
    if (!exited) {
      child.kill('SIGTERM')
      const deadline = Date.now() + 20_000
      while (!exited && Date.now() < deadline) await sleep(100)
      if (!exited) child.kill('SIGKILL')
    }
    const deleted = await deletePrefix(redisUrl, prefix)
    out['redisKeysDeleted'] = deleted
    log(`e2e: service stopped, ${deleted} Redis keys under ${prefix}* deleted`)
  }
}

/**
 * Waits until the value profiles the index jobs queued are computed (their own queue, after the
 * import is `done`); `failed` may name a reason to stop waiting.
 */
export async function valueProfilesDone(redisUrl: string, prefix: string, failed: () => string | undefined): Promise<void> {
  const started = performance.now()
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const valueQueue = new Queue('value', { connection, prefix: `${prefix}:bull` })
  try {
    for (;;) {
      // not 'delayed': the repeating value-refresh job waits there for hours
      const counts = await valueQueue.getJobCounts('waiting', 'active', 'prioritized')
      if (Object.values(counts).every((n) => n === 0)) return
      const why = failed()
      if (why !== undefined) throw new Error(why)
      if (performance.now() - started > 1_800_000) throw new Error('the value profiles were not computed within 1,800 s')
      await sleep(250)
    }
  } finally {
    await valueQueue.close()
    connection.disconnect()
  }
}

type Auth = { authorization: string }

/** CPU seconds of each thread of a process (Linux: /proc/<pid>/task/<tid>/stat), by thread id; empty elsewhere. */
function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>()
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        // the fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        out.set(Number(tid), (Number(f[11]) + Number(f[12])) / 100)
      } catch {
        // a thread that ended meanwhile
      }
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out
}

/** Redis's own CPU seconds (INFO cpu), the server's whole process. */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu')
  const read = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0)
  return read('used_cpu_user') + read('used_cpu_sys')
}

/**
 * CPU spent from now until `perPatent` is asked, in µs a patent: the service's main thread, its
 * other threads (the analysis threads first: the two busiest; then the rest, V8's and libuv's),
 * the Redis server (shared with whatever else uses it) and this bench process (generating and
 * sending the NDJSON).
 */
async function cpuMeter(pid: number, redisUrl: string) {
  const redis = new Redis(redisUrl)
  const t0 = threadCpu(pid)
  const r0 = await redisCpu(redis)
  const b0 = process.cpuUsage()
  return {
    close: () => redis.disconnect(),
    async perPatent(n: number) {
      const t1 = threadCpu(pid)
      const r1 = await redisCpu(redis)
      const b1 = process.cpuUsage(b0)
      const us = (s: number) => Math.round((s * 1e6) / n)
      const others = [...t1].filter(([tid]) => tid !== pid).map(([tid, s]) => s - (t0.get(tid) ?? 0)).sort((a, b) => b - a)
      const main = (t1.get(pid) ?? 0) - (t0.get(pid) ?? 0)
      const rss = rssOf(pid)
      const figures = {
        ...(rss === undefined ? {} : { serviceRssMB: mb(rss) }),
        serviceMain: us(main),
        serviceBusiestThreads: others.slice(0, 2).map(us),
        serviceOtherThreads: us(others.slice(2).reduce((a, b) => a + b, 0)),
        redis: us(r1 - r0),
        benchClient: us((b1.user + b1.system) / 1e6),
      }
      const { serviceRssMB: _rss, ...cpu } = figures
      return { ...figures, total: cpu.serviceMain + cpu.serviceBusiestThreads.reduce((a, b) => a + b, 0) + cpu.serviceOtherThreads + cpu.redis + cpu.benchClient }
    },
  }
}

/** One JSON call to the service. */
async function call(base: string, auth: Auth, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: await res.json().catch(() => undefined) }
}

/** Records a request may carry (the service's import limit). */
const PER_REQUEST = 100_000

/**
 * Imports `size` synthetic patents through `POST /v1/patents/import`: streamed NDJSON requests of
 * at most 100,000 records, one after another, as an office would send a large inventory; then,
 * unless `waitDone` is false, polls the imports until each is `done`: the figures of the whole.
 * `from`: the first patent of the corpus sent (default 0), for an import after another.
 * `onStatus` sees each poll's statuses summed (e.g. to kill a process mid-import); `failed` may
 * name a reason to stop waiting (the service exited).
 */
export async function importThrough(
  base: string,
  auth: Auth,
  size: number,
  opts: {
    waitDone?: boolean
    onStatus?: (status: { indexed: number }) => void | Promise<void>
    /** Told the records written so far, as the bodies are sent (the statuses are read once every body is accepted). */
    onSent?: (records: number) => void
    failed?: () => string | undefined
    from?: number
  } = {},
) {
  const first = opts.from ?? 0
  const gen = new CorpusGenerator(loadVocabulary(), first + size)
  const tImport = performance.now()
  const send = (from: number, to: number) =>
    new Promise<any>((resolve, reject) => {
      const req = request(`${base}/v1/patents/import`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' } }, (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (data += c))
        res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(data)) : reject(new Error(`import: ${res.statusCode} ${data.slice(0, 500)}`))))
      })
      req.on('error', reject)
      let i = from
      const write = (): void => {
        while (i < to) {
          let chunk = ''
          for (let k = 0; k < 1000 && i < to; k++, i++) chunk += `${JSON.stringify(CorpusGenerator.toImportRecord(gen.patent(i)))}\n`
          opts.onSent?.(i - first)
          if (!req.write(chunk)) return void req.once('drain', write)
        }
        req.end()
      }
      write()
    })
  const outcomes: any[] = []
  for (let from = first; from < first + size; from += PER_REQUEST) {
    const outcome = await send(from, Math.min(first + size, from + PER_REQUEST))
    outcomes.push(outcome)
    log(`e2e: import ${outcome.importId}: ${outcome.accepted} accepted, ${outcome.rejectedTotal} rejected`)
    if (outcome.rejectedTotal > 0) log(`e2e: first rejections ${JSON.stringify(outcome.rejected.slice(0, 3))}`)
  }
  const acceptedMs = performance.now() - tImport
  const accepted = outcomes.reduce((a, o) => a + o.accepted, 0)
  const figures = {
    importIds: outcomes.map((o) => o.importId as string),
    requests: outcomes.length,
    accepted,
    rejected: outcomes.reduce((a, o) => a + o.rejectedTotal, 0),
    bodyAcceptedSec: Math.round(acceptedMs / 100) / 10,
  }
  log(`e2e: ${accepted} patents accepted in ${figures.bodyAcceptedSec} s; indexing…`)
  if (opts.waitDone === false) return { ...figures, state: 'indexing', indexed: 0, doneSec: 0, perSec: 0 }
  let statuses: any[] = []
  let lastLog = 0
  for (;;) {
    statuses = await Promise.all(figures.importIds.map(async (id) => (await call(base, auth, 'GET', `/v1/imports/${id}`)).body))
    if (statuses.every((s) => s?.state === 'done') || statuses.some((s) => s?.state === 'failed')) break
    const why = opts.failed?.()
    if (why !== undefined) throw new Error(why)
    const indexed = statuses.reduce((a, s) => a + (s?.indexed ?? 0), 0)
    await opts.onStatus?.({ indexed })
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now()
      log(`e2e: imports ${indexed} of ${accepted} indexed`)
    }
    await sleep(250)
  }
  const importMs = performance.now() - tImport
  const failed = statuses.find((s) => s?.state !== 'done')
  const done = {
    ...figures,
    state: failed === undefined ? 'done' : 'failed',
    indexed: statuses.reduce((a, s) => a + (s?.indexed ?? 0), 0) as number,
    doneSec: Math.round(importMs / 100) / 10,
    perSec: Math.round((accepted / importMs) * 1000),
  }
  log(`e2e: import ${JSON.stringify({ ...done, importIds: undefined })}`)
  if (failed !== undefined) throw new Error(`import ${failed.state}: ${JSON.stringify(failed)}`)
  return done
}

/** Needs posted one at a time, each polled every 5 ms until its matches are ready: the latencies. */
export async function needsThrough(base: string, auth: Auth, n: number) {
  const queries = loadVocabulary().queries.slice(0, n)
  const times: number[] = []
  let polls = 0
  let withMatches = 0
  for (const [k, q] of queries.entries()) {
    const t = performance.now()
    const created = await call(base, auth, 'POST', '/v1/needs', { title: q })
    if (created.status !== 201) throw new Error(`POST /v1/needs: ${created.status} ${JSON.stringify(created.body)}`)
    for (;;) {
      polls++
      const m = await call(base, auth, 'GET', `/v1/needs/${created.body.id}/matches?limit=100`)
      if (m.body?.state === 'ready') {
        if (m.body.matches.length > 0) withMatches++
        break
      }
      if (performance.now() - t > 60_000) throw new Error(`need ${created.body.id} not ready in 60 s`)
      await sleep(5)
    }
    times.push(performance.now() - t)
    if (k % 25 === 24) log(`e2e: ${k + 1}/${queries.length} needs, last ${times.at(-1)!.toFixed(0)} ms`)
  }
  const figures = { ...summary(times), withMatches, pollsPerNeed: Math.round((polls / Math.max(1, queries.length)) * 10) / 10 }
  log(`e2e: need → matches ready ${JSON.stringify(figures)}`)
  return figures
}

/**
 * Redis memory under a prefix by key family (each key's name with its ids replaced by `*`):
 * keys and bytes (`MEMORY USAGE`, sampled whole) per family, largest first, and bytes a patent.
 */
export async function redisMemoryByFamily(redisUrl: string, prefix: string, patents: number) {
  const redis = new Redis(redisUrl)
  const families = new Map<string, { keys: number; bytes: number }>()
  let cursor = '0'
  try {
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      const pipe = redis.pipeline()
      for (const key of keys) pipe.memory('USAGE', key, 'SAMPLES', 0)
      const sizes = (await pipe.exec()) ?? []
      keys.forEach((key, i) => {
        // ids: publication numbers, uuids, numbers, hex; an owner's name after `owner:`
        const family = key
          .slice(prefix.length + 1)
          .replace(/owner:[^:]+/g, 'owner:*')
          .replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '*')
          .replace(/\b[A-Z]{2}\d{6,}[A-Z]?\d?\b/g, '*')
          .replace(/\d+/g, '*')
        const f = families.get(family) ?? { keys: 0, bytes: 0 }
        f.keys++
        f.bytes += Number(sizes[i]?.[1] ?? 0)
        families.set(family, f)
      })
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  const rows = [...families].sort((a, b) => b[1].bytes - a[1].bytes)
  const total = rows.reduce((a, [, f]) => a + f.bytes, 0)
  return {
    bytesPerPatent: Math.round(total / Math.max(1, patents)),
    families: rows.slice(0, 20).map(([family, f]) => ({ family, keys: f.keys, bytesPerPatent: Math.round(f.bytes / Math.max(1, patents)) })),
  }
}

/** Deletes every key under a Redis prefix: how many. */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl)
  let deleted = 0
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await redis.del(...keys)
  } while (cursor !== '0')
  redis.disconnect()
  return deleted
}
