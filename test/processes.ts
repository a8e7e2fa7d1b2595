/**
 * The service as a real child process, for tests that kill it with real signals: started the way
 * an operator starts it (`node src/main.ts`, or `npm start`), on its own port, with the test's
 * Redis prefix. Every process a test starts is SIGKILLed at teardown if still alive.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { ADMIN, REDIS_URL, eventually } from './helper.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface ServiceProcess {
  /** The process that was spawned (npm, when started through npm). */
  child: ChildProcess
  /** The node process running the service (read from its log). */
  pid: number
  port: number
  url: string
  /** Resolves when the node process running the service is gone. */
  gone(): Promise<void>
  /** Log lines so far (JSON, one object each). */
  log: Array<Record<string, unknown>>
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function startService(
  t: Test,
  env: Record<string, string>,
  options: { viaNpm?: boolean } = {},
): Promise<ServiceProcess> {
  const port = await freePort()
  const role = env.ROLE ?? 'all'
  const args = options.viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'src/main.ts']]
  const child = spawn(args[0] as string, args[1] as string[], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info', PRETTY_LOGS: 'false', SNAPSHOT_DIR: 'off', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log: Array<Record<string, unknown>> = []
  let stderr = ''
  let pending = ''
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      try {
        log.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // not a log line
      }
    }
  })
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  let pid = 0
  t.teardown(async () => {
    if (pid !== 0 && alive(pid)) process.kill(pid, 'SIGKILL')
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await eventually(async () => (pid === 0 || !alive(pid) ? true : undefined), 10_000, `process ${pid} to end`)
  })
  const started = await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${stderr.slice(-2000)}`)
      return log.find((l) => l.msg === 'patent-bridge started')
    },
    60_000,
    `the ${role} process to start`,
  )
  pid = started.pid as number
  return {
    child,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    gone: () => eventually(async () => (alive(pid) ? undefined : true), 60_000, `process ${pid} to end`).then(() => undefined),
  }
}
