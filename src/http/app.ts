/**
 * The Fastify app, built by a function from a container; server.ts only listens.
 * Schemas beside the routes are the single source of validation and of the OpenAPI document.
 */
import Fastify, { type FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Container } from '../container.js'
import { registerAuth } from './auth.js'
import { registerErrorHandling } from './errors.js'
import { healthRoutes } from './routes/health.js'
import { needRoutes } from './routes/needs.js'
import { patentRoutes } from './routes/patents.js'

export interface AppOptions {
  adminToken: string
  logger?: FastifyServerOptions['logger'] | false
  loggerInstance?: FastifyServerOptions['loggerInstance']
}

export async function buildApp(container: Container, options: AppOptions) {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: container.config.BODY_MAX_BYTES,
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'patent-bridge',
        description: "Matches enterprises' technology needs with idle university patents.",
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  await app.register(healthRoutes, { container })
  await app.register(
    async (v1) => {
      registerAuth(v1, options.adminToken)
      await v1.register(patentRoutes, { container })
      await v1.register(needRoutes, { container })
    },
    { prefix: '/v1' },
  )
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
