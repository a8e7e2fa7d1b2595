/** `/v1/rounds`: recommendation rounds of the cultivation pool, each with its deadline. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { roundSchema } from '../../../domain/pool.js'
import { roundInputSchema, type PoolService } from '../../../services/pool.js'
import { errorResponses } from '../../schemas.js'

export const roundRoutes: FastifyPluginAsync<{ pool: Pick<PoolService, 'createRound' | 'listRounds'> }> = async (app, { pool }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/rounds',
    {
      config: { access: 'rounds.create' },
      schema: { description: 'The admin opens a round of the cultivation pool; provincial offices recommend enterprises into it until its `deadline` (inclusive, China time), after which a recommendation answers 409 `deadline_passed`.', summary: 'Open a recommendation round with its deadline (admin)', body: roundInputSchema.meta({ examples: [{"name": "2025 年第一批", "deadline": "2025-06-30"}] }), response: { 201: roundSchema, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await pool.createRound(request.body)),
  )

  r.get(
    '/rounds',
    { config: { access: 'rounds.list' }, schema: { summary: 'The recommendation rounds', description: 'Provincial offices and the admin: every round with its deadline, to choose the one a recommendation goes into.', response: { 200: z.object({ items: z.array(roundSchema) }), ...errorResponses } } },
    async () => ({ items: await pool.listRounds() }),
  )
}
