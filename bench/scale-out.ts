/**
 * Scale-out (issue 15 item 3): one API process and 1, 2, 3 … worker processes, each on a host of
 * its own, sharing one Redis host. The hosts are network namespaces of this machine joined by a
 * bridge (root only): the Redis host is the bridge's own address, where a Redis server of the
 * bench's own listens; `pb-api` runs `npm start` with ROLE=api, `pb-w<i>` run `npm run worker`.
 * For each number of workers: the synthetic patents imported through the API host until `done`,
 * then needs posted one at a time until their matches are ready. With `kill`, the run with the
 * most workers runs once more and SIGKILLs one worker host's process once a third of the import is sent, and
 * checks that the import still ends `done` with every patent indexed (its batches finished on
 * the others). Everything it creates (namespaces, links, the Redis server, keys) is removed after.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { deletePrefix, importThrough, needsThrough, SERVICE_NODE_ARGS } from './e2e.js'
import { log } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const BRIDGE = 'pbbr0'
const NET = '10.77.0'
const REDIS_HOST = `${NET}.1`
const REDIS_PORT = 6391
const API_PORT = 3000

export interface ScaleOutOptions {
  size: number
  workers: number[]
  needs: number
  kill: boolean
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
const quietly = (f: () => unknown) => {
  try {
    f()
  } catch {
    /* already gone */
  }
}

/** The hosts: `pb-api` at .10 and `pb-w1…` at .11…, each with a veth into the bridge at .1. */
function createHosts(names: string[]): void {
  ip('link', 'add', BRIDGE, 'type', 'bridge')
  ip('addr', 'add', `${REDIS_HOST}/24`, 'dev', BRIDGE)
  ip('link', 'set', BRIDGE, 'up')
  names.forEach((name, i) => {
    ip('netns', 'add', name)
    ip('link', 'add', `v-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name)
    ip('link', 'set', `v-${name}`, 'master', BRIDGE, 'up')
    ip('-n', name, 'addr', 'add', `${NET}.${10 + i}/24`, 'dev', 'eth0')
    ip('-n', name, 'link', 'set', 'eth0', 'up')
    ip('-n', name, 'link', 'set', 'lo', 'up')
  })
}

function removeHosts(names: string[]): void {
  for (const name of names) {
    quietly(() => ip('link', 'del', `v-${name}`))
    quietly(() => ip('netns', 'del', name))
  }
  quietly(() => ip('link', 'del', BRIDGE))
}

interface Host {
  name: string
  child: ChildProcess
  exited: boolean
}

function startOn(name: string, script: 'start' | 'worker', env: Record<string, string>, logDir: string): Host {
  const entry = script === 'start' ? 'src/main.ts' : 'workers/index.ts'
  // `ip netns exec` execs the command: the child's pid is the service's own
  const child = spawn('ip', ['netns', 'exec', name, process.execPath, ...SERVICE_NODE_ARGS, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = createWriteStream(join(logDir, `${name}.log`))
  child.stdout!.pipe(out)
  child.stderr!.pipe(out)
  const host: Host = { name, child, exited: false }
  child.once('exit', () => (host.exited = true))
  return host
}

async function stop(hosts: Host[]): Promise<void> {
  for (const h of hosts) if (!h.exited) h.child.kill('SIGTERM')
  const deadline = Date.now() + 20_000
  while (hosts.some((h) => !h.exited) && Date.now() < deadline) await sleep(100)
  for (const h of hosts) if (!h.exited) h.child.kill('SIGKILL')
}

export async function runScaleOut(o: ScaleOutOptions): Promise<Record<string, unknown>> {
  const most = Math.max(...o.workers)
  const names = ['pb-api', ...Array.from({ length: most }, (_, i) => `pb-w${i + 1}`)]
  const logDir = fileURLToPath(new URL(`./out/scale-out-${Date.now()}/`, import.meta.url))
  mkdirSync(logDir, { recursive: true })
  const redisUrl = `redis://${REDIS_HOST}:${REDIS_PORT}`
  const out: Record<string, unknown> = { size: o.size, hosts: `1 API host + 1…${most} worker hosts (network namespaces) sharing one Redis host`, logs: logDir, runs: {} }
  removeHosts(names) // what an interrupted run may have left
  createHosts(names)
  const pidfile = join(tmpdir(), `pb-scale-out-redis-${process.pid}.pid`)
  execFileSync('redis-server', ['--bind', REDIS_HOST, '--port', String(REDIS_PORT), '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', pidfile])
  try {
    const probe = new Redis(redisUrl, { maxRetriesPerRequest: 50 })
    await probe.ping()
    probe.disconnect()
    // each number of workers once, and with `kill` the most once more with one killed mid-import
    const runs = [...o.workers.map((w) => ({ w, killOne: false })), ...(o.kill && most > 1 ? [{ w: most, killOne: true }] : [])]
    for (const { w, killOne } of runs) {
      const prefix = `bench-${randomBytes(6).toString('hex')}`
      const token = `bench-${randomBytes(18).toString('hex')}`
      const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ADMIN_TOKEN: token, LOG_LEVEL: 'warn', PRETTY_LOGS: 'false', SNAPSHOT_DIR: 'off' }
      const api = startOn('pb-api', 'start', { ...env, ROLE: 'api', HOST: '0.0.0.0', PORT: String(API_PORT) }, logDir)
      const workers = Array.from({ length: w }, (_, i) => startOn(`pb-w${i + 1}`, 'worker', env, logDir))
      const hosts = [api, ...workers]
      const base = `http://${NET}.10:${API_PORT}`
      const auth = { authorization: `Bearer ${token}` }
      try {
        const t0 = performance.now()
        while (!(await fetch(`${base}/ready`).then((r) => r.status === 200, () => false))) {
          if (api.exited) throw new Error(`the API host's process exited; see ${logDir}`)
          if (performance.now() - t0 > 120_000) throw new Error('the API host was not ready within 120 s')
          await sleep(100)
        }
        // the workers are ready when their matchers are built: an empty installation, at once
        await sleep(3000)
        log(`scale-out: ${w} worker host(s) up (prefix ${prefix})`)
        let killed: { host: string; atSent: number } | undefined
        const imported = await importThrough(base, auth, o.size, {
          failed: () => (api.exited ? `the API host's process exited; see ${logDir}` : undefined),
          // a third of the records sent (the workers index as the API stores: about as many indexed)
          onSent: (sent) => {
            if (!killOne || killed !== undefined || sent < o.size / 3) return
            const victim = workers[workers.length - 1]!
            victim.child.kill('SIGKILL')
            killed = { host: victim.name, atSent: sent }
            log(`scale-out: SIGKILLed the worker on ${victim.name} with ${sent} records sent`)
          },
        })
        const needs = await needsThrough(base, auth, o.needs)
        ;(out['runs'] as Record<string, unknown>)[`${w}${killOne ? ', one killed mid-import' : ''}`] = {
          workers: w,
          import: imported,
          needToMatchesMs: needs,
          ...(killed === undefined ? {} : { killed, everyPatentIndexed: imported.indexed === imported.accepted }),
        }
      } finally {
        await stop(hosts)
        await deletePrefix(redisUrl, prefix)
      }
    }
  } finally {
    quietly(() => execFileSync('redis-cli', ['-h', REDIS_HOST, '-p', String(REDIS_PORT), 'shutdown', 'nosave'], { stdio: 'ignore' }))
    removeHosts(names)
  }
  return out
}
