/**
 * Restart to ready (issue 15 item 2), through the real service: `npm start` (ROLE=all) with a
 * snapshot directory of its own; `size` synthetic patents imported; the process stopped with
 * SIGTERM (it saves its indexes' snapshots on the way out), started again and timed until
 * `/ready` (loaded from the snapshots, then caught up from the feed); stopped, its snapshots
 * deleted, started again and timed until `/ready` (rebuilt from Redis): the comparator, in the
 * same run. Afterwards every key under its prefix and its snapshot directory are deleted.
 *
 * With `programme` (issue 15 item 6, the programme's size end to end), after the import also:
 * the time until the value profiles its index jobs queued are computed (the rate with them),
 * Redis memory per patent (used_memory before the start and after the import), the service's
 * RSS (the most seen, sampled every 250 ms, during the import and during each start), the
 * bench's searches through `GET /v1/patents/search` one at a time (p50/p95 with and without
 * filters; the service's recent results off, so every search runs), and `needs` needs posted
 * one at a time until their matches are ready.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { deletePrefix, importThrough, needsThrough, SERVICE_NODE_ARGS, valueProfilesDone } from './e2e.js'
import { benchQueries } from './search.js'
import { log, mb, rssOf, summary } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function redisUsedMemory(url: string): Promise<number> {
  const redis = new Redis(url)
  try {
    return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1])
  } finally {
    redis.disconnect()
  }
}

export async function runRestart(o: { size: number; port?: number; programme?: boolean; needs?: number }): Promise<Record<string, unknown>> {
  const port = o.port ?? 3911
  const prefix = `bench-${randomBytes(6).toString('hex')}`
  const token = `bench-${randomBytes(18).toString('hex')}`
  const redisUrl = 'redis://127.0.0.1:6379'
  const dir = await mkdtemp(join(tmpdir(), 'pb-bench-restart-'))
  const base = `http://127.0.0.1:${port}`
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true })
  const logFile = fileURLToPath(new URL(`./out/restart-${prefix}.log`, import.meta.url))
  const logStream = createWriteStream(logFile)
  const env = { ...process.env, PORT: String(port), REDIS_PREFIX: prefix, REDIS_URL: redisUrl, ADMIN_TOKEN: token, LOG_LEVEL: 'info', PRETTY_LOGS: 'false', ROLE: 'all', SNAPSHOT_DIR: dir, SHUTDOWN_GRACE_MS: '60000', SEARCH_RECENT_MS: '0' }
  let child: ChildProcess | undefined
  let exited = true
  // the most RSS seen since the last `peak()`
  let peakRss = 0
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(child?.pid) ?? 0)), 250)
  const peak = () => {
    const p = Math.max(peakRss, rssOf(child?.pid) ?? 0)
    peakRss = 0
    return mb(p)
  }
  const start = async (): Promise<number> => {
    const t0 = performance.now()
    child = spawn(process.execPath, [...SERVICE_NODE_ARGS, '--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    exited = false
    child.stdout!.pipe(logStream, { end: false })
    child.stderr!.pipe(logStream, { end: false })
    child.once('exit', () => (exited = true))
    for (;;) {
      if (exited) throw new Error(`the service exited at start; see ${logFile}`)
      if (await fetch(`${base}/ready`).then((r) => r.status === 200, () => false)) return performance.now() - t0
      await sleep(50)
    }
  }
  const stop = async (): Promise<number> => {
    const t0 = performance.now()
    child?.kill('SIGTERM')
    while (!exited) await sleep(50)
    return performance.now() - t0
  }
  const out: Record<string, unknown> = { size: o.size, role: 'all', serviceLog: logFile }
  const auth = { authorization: `Bearer ${token}` }
  try {
    const redisBefore = o.programme ? await redisUsedMemory(redisUrl) : 0
    out['firstStartMs'] = Math.round(await start())
    peak()
    out['import'] = await importThrough(base, auth, o.size, {
      failed: () => (exited ? `the service exited during the import; see ${logFile}` : undefined),
    })
    if (o.programme) {
      // the value profiles the index jobs queued, computed after `done` on their own queue
      const t0 = performance.now()
      await valueProfilesDone(redisUrl, prefix, () => (exited ? `the service exited while computing value profiles; see ${logFile}` : undefined))
      const valueSec = (performance.now() - t0) / 1000
      const imp = out['import'] as { doneSec: number }
      out['valueProfiles'] = { afterDoneSec: Math.round(valueSec * 10) / 10, patentsPerSecWithThem: Math.round(o.size / (imp.doneSec + valueSec)) }
      log(`programme: value profiles ${JSON.stringify(out['valueProfiles'])}`)
      out['rssDuringImportMB'] = peak()
      const used = (await redisUsedMemory(redisUrl)) - redisBefore
      out['redis'] = { usedMB: mb(used), bytesPerPatent: Math.round(used / o.size) }
      log(`programme: RSS during the import ${out['rssDuringImportMB']} MB, Redis ${JSON.stringify(out['redis'])}`)
      out['search'] = await searchesThrough(base, auth)
      out['needToMatchesMs'] = await needsThrough(base, auth, o.needs ?? 100)
      out['rssAfterMB'] = peak()
    }
    out['stopWithSaveMs'] = Math.round(await stop())
    const files = await readdir(dir)
    out['snapshots'] = Object.fromEntries(await Promise.all(files.map(async (f) => [f.replace(`${prefix}.`, ''), `${mb((await stat(join(dir, f))).size)} MB`])))
    log(`restart: stopped after the import, snapshots ${JSON.stringify(out['snapshots'])}`)
    peak()
    out['readyFromSnapshotsMs'] = Math.round(await start())
    out['rssLoadingMB'] = peak()
    log(`restart: ready from the snapshots in ${out['readyFromSnapshotsMs']} ms (RSS at most ${out['rssLoadingMB']} MB)`)
    await stop()
    await rm(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    peak()
    out['readyRebuiltMs'] = Math.round(await start())
    out['rssRebuildingMB'] = peak()
    log(`restart: ready rebuilt from Redis in ${out['readyRebuiltMs']} ms (RSS at most ${out['rssRebuildingMB']} MB)`)
    await stop()
    return out
  } finally {
    clearInterval(sampler)
    if (!exited) child?.kill('SIGKILL')
    out['redisKeysDeleted'] = await deletePrefix(redisUrl, prefix)
    await rm(dir, { recursive: true, force: true })
  }
}

/** The bench's searches through the API, one at a time: latency by kind of query, with and without filters. */
async function searchesThrough(base: string, auth: { authorization: string }) {
  const times: Record<'none' | 'filtered', number[]> = { none: [], filtered: [] }
  const queries = benchQueries()
  for (const q of queries) {
    const url = `${base}/v1/patents/search?${new URLSearchParams({ q: q.q, limit: '20', ...q.filters }).toString()}`
    const t0 = performance.now()
    const res = await fetch(url, { headers: auth })
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${(await res.text()).slice(0, 300)}`)
    await res.arrayBuffer()
    times[q.filter === 'none' ? 'none' : 'filtered'].push(performance.now() - t0)
  }
  const figures = { withoutFilters: summary(times.none), withFilters: summary(times.filtered), all: summary([...times.none, ...times.filtered]) }
  log(`programme: search through the API ${JSON.stringify(figures)}`)
  return figures
}
