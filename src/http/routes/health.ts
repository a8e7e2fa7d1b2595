/** `GET /health` and `GET /ready`, outside /v1 and without a key: for the process supervisor and the load balancer. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'

export const healthRoutes: FastifyPluginAsync<{ isReady: () => Promise<boolean> }> = async (app, { isReady }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.get('/health', { schema: { hide: false, security: [], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }))
  r.get(
    '/ready',
    {
      schema: {
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable') }) },
      },
    },
    async (_req, reply) => {
      if (await isReady()) return { status: 'ready' as const }
      return reply.code(503).send({ status: 'unavailable' as const })
    },
  )
}
