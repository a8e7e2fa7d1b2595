/**
 * Restart to ready (issue 15 item 2), through the real service: `npm start` (ROLE=all) with a
 * snapshot directory of its own; `size` synthetic patents imported; the process stopped with
 * SIGTERM (it saves its indexes' snapshots on the way out), started again and timed until
 * `/ready` (loaded from the snapshots, then caught up from the feed); stopped, its snapshots
 * deleted, started again and timed until `/ready` (rebuilt from Redis): the comparator, in the
 * same run. Afterwards every key under its prefix and its snapshot directory are deleted.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deletePrefix, importThrough, SERVICE_NODE_ARGS } from './e2e.js'
import { log, mb } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runRestart(o: { size: number; port?: number }): Promise<Record<string, unknown>> {
  const port = o.port ?? 3911
  const prefix = `bench-${randomBytes(6).toString('hex')}`
  const token = `bench-${randomBytes(18).toString('hex')}`
  const redisUrl = 'redis://127.0.0.1:6379'
  const dir = await mkdtemp(join(tmpdir(), 'pb-bench-restart-'))
  const base = `http://127.0.0.1:${port}`
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true })
  const logFile = fileURLToPath(new URL(`./out/restart-${prefix}.log`, import.meta.url))
  const logStream = createWriteStream(logFile)
  const env = { ...process.env, PORT: String(port), REDIS_PREFIX: prefix, REDIS_URL: redisUrl, ADMIN_TOKEN: token, LOG_LEVEL: 'info', PRETTY_LOGS: 'false', ROLE: 'all', SNAPSHOT_DIR: dir, SHUTDOWN_GRACE_MS: '60000' }
  let child: ChildProcess | undefined
  let exited = true
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
  try {
    out['firstStartMs'] = Math.round(await start())
    out['import'] = await importThrough(base, { authorization: `Bearer ${token}` }, o.size, {
      failed: () => (exited ? `the service exited during the import; see ${logFile}` : undefined),
    })
    out['stopWithSaveMs'] = Math.round(await stop())
    const files = await readdir(dir)
    out['snapshots'] = Object.fromEntries(await Promise.all(files.map(async (f) => [f.replace(`${prefix}.`, ''), `${mb((await stat(join(dir, f))).size)} MB`])))
    log(`restart: stopped after the import, snapshots ${JSON.stringify(out['snapshots'])}`)
    out['readyFromSnapshotsMs'] = Math.round(await start())
    log(`restart: ready from the snapshots in ${out['readyFromSnapshotsMs']} ms`)
    await stop()
    await rm(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    out['readyRebuiltMs'] = Math.round(await start())
    log(`restart: ready rebuilt from Redis in ${out['readyRebuiltMs']} ms`)
    await stop()
    return out
  } finally {
    if (!exited) child?.kill('SIGKILL')
    out['redisKeysDeleted'] = await deletePrefix(redisUrl, prefix)
    await rm(dir, { recursive: true, force: true })
  }
}
