/**
 * Reverse matching end to end (issue 15 item 4), through the real service (`npm start`,
 * ROLE=all, its own prefix, no snapshots): `inventory` patents imported first (none by default),
 * then `needs` open needs stated (each a cn-g06f-dev
 * query as its title with another as its description, so that no two are alike; `concurrency`
 * at a time, until each one's matches are ready), then `size` synthetic patents imported (the
 * NDJSON requests of the end-to-end step) while a probe states one more need every
 * `probeEveryMs` and times it until its matches are ready. Reported: the import until `done`,
 * when re-scoring the new patents against the open needs was done (the pending set empty and the
 * `rematch` queue idle) measured from the import's start and after its `done`, the probes'
 * need → ready latencies, the service's RSS at most, and what the service's steps of re-scoring
 * said they cost (with `BENCH_SERVICE_LOG_LEVEL=info`: the service logs at `warn` otherwise, and
 * at `info` every request too). Afterwards every key of the prefix is deleted.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { redisKeys } from '../src/adapters/redis/keys.js'
import { loadVocabulary } from './corpus.js'
import { benchServiceNodeArgs, deletePrefix, freePort, importThrough } from './e2e.js'
import { log, mb, rssOf, summary } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface RescoreE2eOptions {
  size: number
  needs: number
  /** Patents imported before the needs are stated (default 0: the needs are stated on an empty inventory). */
  inventory?: number
  concurrency?: number
  probeEveryMs?: number
}

export async function runRescoreE2e(o: RescoreE2eOptions): Promise<Record<string, unknown>> {
  const port = await freePort()
  const prefix = `bench-${randomBytes(6).toString('hex')}`
  const token = `bench-${randomBytes(18).toString('hex')}`
  const redisUrl = 'redis://127.0.0.1:6379'
  const base = `http://127.0.0.1:${port}`
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true })
  const logFile = fileURLToPath(new URL(`./out/rescore-e2e-${prefix}.log`, import.meta.url))
  const logStream = createWriteStream(logFile)
  const child: ChildProcess = spawn(process.execPath, [...benchServiceNodeArgs(), '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), REDIS_PREFIX: prefix, REDIS_URL: redisUrl, ADMIN_TOKEN: token, LOG_LEVEL: process.env['BENCH_SERVICE_LOG_LEVEL'] ?? 'warn', PRETTY_LOGS: 'false', SNAPSHOT_DIR: 'off', ROLE: 'all' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.pipe(logStream)
  child.stderr!.pipe(logStream)
  /** The service's steps of re-scoring as it logged them (at `info`), from the import on. */
  const steps: Record<string, number>[] = []
  let stepsFrom = Infinity
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.includes('reverse matching: patents re-scored') || performance.now() < stepsFrom) return
    try {
      steps.push(JSON.parse(line) as Record<string, number>)
    } catch {
      // not a JSON line: not one of the service's
    }
  })
  let exited = false
  child.once('exit', () => (exited = true))
  const failed = () => (exited ? `the service exited; see ${logFile}` : undefined)
  let peakRss = 0
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(child.pid) ?? 0)), 250)
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const rematch = new Queue('rematch', { connection: redis, prefix: `${prefix}:bull` })
  const out: Record<string, unknown> = { size: o.size, needs: o.needs, inventory: o.inventory ?? 0, serviceLog: logFile }

  /** States a need and polls every 5 ms until its matches are ready: milliseconds. */
  const needReady = async (title: string, description: string): Promise<number> => {
    const t0 = performance.now()
    const res = await fetch(`${base}/v1/needs`, { method: 'POST', headers, body: JSON.stringify({ title, description }) })
    const body = (await res.json()) as { id?: string }
    if (res.status !== 201 || body.id === undefined) throw new Error(`POST /v1/needs: ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
    for (;;) {
      const m = (await (await fetch(`${base}/v1/needs/${body.id}/matches?limit=20`, { headers })).json()) as { state?: string }
      if (m.state === 'ready') return performance.now() - t0
      const why = failed()
      if (why !== undefined) throw new Error(why)
      if (performance.now() - t0 > 120_000) throw new Error(`need ${body.id} not ready in 120 s`)
      await sleep(5)
    }
  }
  /** Waits until re-scoring is done (nothing pending, the `rematch` queue idle), at most an hour from `since`. */
  const untilRescored = async (since: number) => {
    for (;;) {
      const pending = await redis.scard(redisKeys(prefix).needs.rematchPending)
      const counts = await rematch.getJobCounts('waiting', 'active', 'delayed', 'prioritized')
      if (pending === 0 && Object.values(counts).every((n) => n === 0)) return
      const why = failed()
      if (why !== undefined) throw new Error(why)
      if (performance.now() - since > 3_600_000) throw new Error('re-scoring not done within an hour')
      await sleep(250)
    }
  }

  try {
    for (const t0 = performance.now(); !(await fetch(`${base}/ready`).then((r) => r.status === 200, () => false)); await sleep(100)) {
      const why = failed()
      if (why !== undefined) throw new Error(why)
      if (performance.now() - t0 > 120_000) throw new Error('the service was not ready within 120 s')
    }
    // --- the inventory the needs are first matched against, if any
    if ((o.inventory ?? 0) > 0) {
      out['inventory'] = await importThrough(base, { authorization: headers.authorization }, o.inventory!, { failed })
      log(`rescore-e2e: inventory of ${o.inventory} imported ${JSON.stringify(out['inventory'])}`)
      await untilRescored(performance.now())
    }
    // --- the open needs, stated before the import
    const q = loadVocabulary().queries
    const text = (i: number) => ({ title: q[i % q.length]!, description: `${q[(i * 7 + 3) % q.length]!} ${q[(i * 13 + 5) % q.length]!}` })
    let t = performance.now()
    let next = 0
    const stating: number[] = []
    await Promise.all(
      Array.from({ length: o.concurrency ?? 16 }, async () => {
        for (let i = next++; i < o.needs; i = next++) {
          const { title, description } = text(i)
          stating.push(await needReady(title, description))
          if (stating.length % 1000 === 0) log(`rescore-e2e: ${stating.length} of ${o.needs} needs open`)
        }
      }),
    )
    out['needsOpened'] = { sec: Math.round((performance.now() - t) / 100) / 10, readyMs: summary(stating) }
    log(`rescore-e2e: ${o.needs} needs open ${JSON.stringify(out['needsOpened'])}`)

    // --- the import, a need stated every probeEveryMs meanwhile
    peakRss = 0
    let importing = true
    const probes: number[] = []
    let probeError: unknown
    const probe = (async () => {
      for (let i = 0; importing; i++) {
        const { title, description } = text(o.needs + i)
        probes.push(await needReady(title, description))
        // logged as they come: a run stopped before re-scoring is done still shows them
        if (i % 10 === 0) log(`rescore-e2e: need ${i + 1} meanwhile ready in ${probes.at(-1)!.toFixed(0)} ms; ${await redis.scard(redisKeys(prefix).needs.rematchPending)} patents waiting to be re-scored`)
        await sleep(o.probeEveryMs ?? 2000)
      }
    })().catch((e: unknown) => void (probeError = e))
    t = performance.now()
    stepsFrom = t
    const imported = await importThrough(base, { authorization: headers.authorization }, o.size, { failed, from: o.inventory ?? 0 })
    const importSec = (performance.now() - t) / 1000
    // re-scoring: until nothing is pending; probes go on meanwhile
    await untilRescored(t)
    const rescoredSec = (performance.now() - t) / 1000
    importing = false
    await probe
    if (probeError !== undefined) throw probeError
    out['import'] = imported
    out['rescore'] = { doneSecFromImportStart: Math.round(rescoredSec * 10) / 10, afterImportDoneSec: Math.round((rescoredSec - importSec) * 10) / 10 }
    out['needsDuringImportMs'] = summary(probes)
    out['rssMB'] = mb(peakRss)
    if (steps.length > 0) {
      const sum = (k: string) => steps.reduce((a, x) => a + (x[k] ?? 0), 0)
      out['steps'] = {
        count: steps.length,
        patents: sum('patents'),
        sec: Math.round(sum('ms') / 100) / 10,
        ...Object.fromEntries(['reachMs', 'rescoreMs', 'prepareMs'].map((k) => [k.replace('Ms', 'Sec'), Math.round(sum(k) / 100) / 10])),
        ...Object.fromEntries(['needs', 'reached', 'rescored', 'preparedAgain', 'written', 'stale'].map((k) => [k, sum(k)])),
        preparedAtMost: Math.max(...steps.map((x) => x['prepared'] ?? 0)),
      }
      log(`rescore-e2e: the service's steps ${JSON.stringify(out['steps'])}`)
    }
    log(`rescore-e2e: import ${importSec.toFixed(1)} s, re-scoring done ${out['rescore'] && JSON.stringify(out['rescore'])}, needs meanwhile ${JSON.stringify(out['needsDuringImportMs'])}, RSS ${out['rssMB']} MB`)
    return out
  } finally {
    clearInterval(sampler)
    if (!exited) {
      child.kill('SIGTERM')
      for (const until = Date.now() + 20_000; !exited && Date.now() < until; ) await sleep(100)
      if (!exited) child.kill('SIGKILL')
    }
    await rematch.close()
    redis.disconnect()
    out['redisKeysDeleted'] = await deletePrefix(redisUrl, prefix)
  }
}
