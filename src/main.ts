/**
 * Entry point: configuration → container → API and/or workers, as ROLE says; graceful
 * shutdown on SIGTERM/SIGINT.
 */
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createContainer, RedisUnavailableError } from './container.js'
import { watchStalls } from './adapters/stall-watch.js'
import { buildApp } from './http/app.js'

function createLogger(config: Config) {
  const pretty = config.PRETTY_LOGS ?? process.stdout.isTTY
  return pino({
    level: config.LOG_LEVEL,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  })
}

export async function run(overrides: Record<string, string> = {}): Promise<void> {
  let config: Config
  try {
    config = loadConfig({ ...process.env, ...overrides })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`patent-bridge: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const log = createLogger(config)
  // a stall of a second or more is half the request path's Redis timeout: said when it happens
  const stalls = watchStalls(log)
  let container
  try {
    container = await createContainer(config, log)
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`patent-bridge: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  const app = container.search === undefined ? undefined : await buildApp(container, { loggerInstance: log })
  if (container.adminTokenGenerated && app !== undefined) {
    log.warn({ adminToken: container.adminToken }, 'ADMIN_TOKEN is not set: generated this admin key for this run only')
  }

  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger: log }, async ({ err, signal }) => {
    if (err) log.error({ err }, 'shutting down after an error')
    else log.info({ signal }, 'shutting down')
    await app?.close()
    await container.close()
    stalls.stop()
  })

  // Listen first: /health answers at once, /ready once the indexes are rebuilt.
  if (app !== undefined) await app.listen({ port: config.PORT, host: config.HOST })
  await container.start()
  log.info({ role: config.ROLE, search: config.SEARCH_BACKEND }, 'patent-bridge started')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run()
}
