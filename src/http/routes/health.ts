/** `GET /health` and `GET /ready`, outside /v1 and without a key: for the process supervisor and the load balancer. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'

export const healthRoutes: FastifyPluginAsync<{ isReady: () => Promise<boolean> }> = async (app, { isReady }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.get('/health', { schema: { summary: 'Liveness: 200 while the process runs', description: 'For the process supervisor. Needs no key and touches nothing; it answers as long as the event loop runs.', hide: false, security: [], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }))
  r.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 once Redis and the search index answer',
        description: 'For the load balancer. Needs no key. 503 `{status: "unavailable"}` while Redis or the search backend does not answer, or while this process is still building its in-memory indexes.',
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
