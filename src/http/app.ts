/**
 * The Fastify app, built by a function from a container; server.ts only listens.
 * Schemas beside the routes are the single source of validation and of the OpenAPI document.
 * Route plugins live in files that follow their URLs (`routes/v1/<first segment>.ts`) and are
 * handed the services they use, never the container: this is the one place that wires them.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import Fastify, { type FastifyPluginAsync, type FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import cors from '@fastify/cors'
import helmet from 'helmet'
import rateLimit from '@fastify/rate-limit'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { redisKeys } from '../adapters/redis/index.js'
import type { Container } from '../container.js'
import { callerOf, registerAuth } from './auth.js'
import { answerClientError, registerErrorHandling, sendError } from './errors.js'
import { TAGS, transform } from './openapi.js'
import { authorize, type Action } from '../domain/access.js'
import { DomainError } from '../domain/errors.js'
import sseModule, { type SSEPluginOptions } from '@fastify/sse'
import { consoleRoutes } from './console/index.js'
import { createEventStreams } from './live-events.js'
import { healthRoutes } from './routes/health.js'
import { importRoutes } from './routes/v1/imports.js'
import { interestRoutes } from './routes/v1/interests.js'
import { meRoutes } from './routes/v1/me.js'
import { metaRoutes } from './routes/v1/meta.js'
import { needRoutes } from './routes/v1/needs.js'
import { orgRoutes } from './routes/v1/orgs.js'
import { pairingRoutes } from './routes/v1/pairings.js'
import { patentRoutes } from './routes/v1/patents.js'
import { poolRoutes } from './routes/v1/pool.js'
import { roundRoutes } from './routes/v1/rounds.js'
import { statsRoutes } from './routes/v1/stats.js'
import { webhookRoutes } from './routes/v1/webhooks.js'

/** The plugin as the package exports it at runtime (wrapped to share its decorators); its types name the module. */
const sse = sseModule as unknown as FastifyPluginAsync<SSEPluginOptions>

export interface AppOptions {
  logger?: FastifyServerOptions['logger'] | false
  loggerInstance?: FastifyServerOptions['loggerInstance']
}

/** A route's URL (`/v1/needs/:id`) as a pattern over raw paths: each parameter one segment. */
const routePattern = (url: string) => new RegExp(`^${url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`)

export async function buildApp(container: Container, options: AppOptions) {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: container.config.BODY_MAX_BYTES,
    // Node's and Fastify's defaults let a client hold a connection without end; these bound
    // what a slow or silent client can take (issue 12, item 2)
    connectionTimeout: container.config.HTTP_IDLE_TIMEOUT_MS,
    requestTimeout: container.config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 5_000,
    // the header and request timeouts are checked this often (Node's default: every 30 s)
    http: { headersTimeout: container.config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // A path the router cannot read (bad percent-encoding) is
    // answered in the contract's shape, and for /v1 only after the key is checked, like any other.
    clientErrorHandler: answerClientError,
    // Path parameters are bounded by each route's schema (checked after the key and the role),
    // not by the router, which would refuse a long one before either: the request line's own
    // limit (the header size) bounds them here.
    routerOptions: { maxParamLength: 16_384 },
    frameworkErrors: (err, request, reply) => {
      void (async () => {
        if (request.url.startsWith('/v1/')) {
          const caller = await callerOf(container.services.orgs, request.headers.authorization).catch(() => ({ refused: 'the key cannot be checked now' }))
          if ('refused' in caller) return sendError(reply, 'unauthorized', caller.refused)
          // the role check of the route the path would have reached, as for any request
          const access = routeTable.find((r) => r.method === request.method && r.access !== undefined && routePattern(r.url).test(request.url.split('?')[0]!))?.access
          if (access !== undefined) {
            const refused = await authorize(caller, access as Action).then(() => undefined, (e: unknown) => e)
            if (refused instanceof DomainError) return sendError(reply, refused.code, refused.message, refused.details)
          }
        }
        const why = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a segment of the path is too long' : 'the path is not valid percent-encoded UTF-8'
        return sendError(reply, 'bad_request', why, [{ path: 'path', message: why }])
      })()
    },
  }).withTypeProvider<ZodTypeProvider>()
  limitConnectionsPerAddress(app.server, container.config.HTTP_MAX_CONNECTIONS_PER_ADDRESS)
  /** Every route with the action it takes: the authorization matrix test walks this list. */
  const routeTable: Array<{ method: string; url: string; access?: string }> = []
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method === 'HEAD') continue
      const access = (route.config as { access?: string } | undefined)?.access
      routeTable.push(access === undefined ? { method, url: route.url } : { method, url: route.url, access })
    }
  })
  app.decorate('routeTable', routeTable)
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)
  // Helmet's default policy, less `upgrade-insecure-requests`: the console is served over plain
  // HTTP on a LAN or behind a proxy too, where upgrading its assets to https leaves it blank.
  // Scripts still come from the process only: none inline, none foreign. Helmet itself, built
  // once: its Fastify plugin built the middleware, and parsed the policy, again for every request
  // (about 3 % of a search's CPU under load).
  const securityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } })
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)))
  if (container.config.CORS_ORIGINS.length > 0) {
    await app.register(cors, { origin: container.config.CORS_ORIGINS, credentials: false, maxAge: 600 })
  }

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'patent-bridge',
        description: "Matches enterprises' technology needs with idle university patents.",
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: TAGS.map((t) => ({ ...t })),
    },
    transform,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(sse, { heartbeatInterval: 15_000 })
  const streams = createEventStreams(container.eventLog)
  // Open streams end when the server starts to close (see endAll); the fan-out stops after.
  app.addHook('preClose', async () => streams.endAll())
  app.addHook('onClose', async () => streams.close())

  await app.register(healthRoutes, { isReady: () => container.isReady() })
  // The web console: static files at /, no key (its API calls send the signed-in key).
  await app.register(consoleRoutes)
  await app.register(
    async (v1) => {
      registerAuth(v1, container.services.orgs)
      // Per key, counted in Redis so every API process shares one budget; after authentication.
      await v1.register(rateLimit, {
        hook: 'preHandler',
        max: container.config.RATE_LIMIT_MAX,
        timeWindow: container.config.RATE_LIMIT_WINDOW_MS,
        redis: container.redis,
        nameSpace: redisKeys(container.config.REDIS_PREFIX).rateLimit,
        keyGenerator: (request) => request.principal?.keyId ?? request.principal?.role ?? request.ip,
        // The bootstrap admin key is the operator's own (bulk set-up, evaluation runs): not limited.
        allowList: (request) => request.principal?.role === 'admin',
        errorResponseBuilder: (_request, context) => {
          const window = Math.round(container.config.RATE_LIMIT_WINDOW_MS / 1000)
          const err = new Error(`too many requests: at most ${context.max} per ${window} s for one key; retry in ${context.after}`)
          return Object.assign(err, { statusCode: 429 })
        },
      })
      const { inventory, search, needs, orgs, interests, pairings, pool, webhooks, value } = container.services
      await v1.register(meRoutes, { orgs })
      await v1.register(metaRoutes)
      await v1.register(patentRoutes, { inventory, search, pairings, value, importMaxBytes: container.config.IMPORT_MAX_BYTES })
      await v1.register(importRoutes, { inventory })
      await v1.register(needRoutes, { needs })
      await v1.register(orgRoutes, { orgs, pairings })
      await v1.register(interestRoutes, { interests })
      await v1.register(pairingRoutes, { pairings, streams })
      await v1.register(roundRoutes, { pool })
      await v1.register(poolRoutes, { pool })
      await v1.register(statsRoutes, { pool })
      await v1.register(webhookRoutes, { webhooks })
    },
    { prefix: '/v1' },
  )
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: Array<{ method: string; url: string; access?: string }>
  }
}

/**
 * Closes a new connection at once when its address already holds `max` open ones, so that one
 * client cannot take every file descriptor of the process.
 */
function limitConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const n = open.get(address) ?? 0
    if (n >= max) {
      socket.destroy()
      return
    }
    open.set(address, n + 1)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left === 0) open.delete(address)
      else open.set(address, left)
    })
  })
}
