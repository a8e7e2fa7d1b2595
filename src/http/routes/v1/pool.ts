/** `/v1/pool`: the cultivation pool: recommendations into it, its list, and decisions on its enterprises. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { POOL_STATUSES, poolEventSchema, type PoolEvent } from '../../../domain/pool.js'
import {
  graduationInputSchema,
  progressInputSchema,
  recommendationInputSchema,
  violationInputSchema,
  poolEntrySchema,
  withdrawalInputSchema,
  type PoolService,
} from '../../../services/pool.js'
import { errorResponses } from '../../schemas.js'

export const poolRoutes: FastifyPluginAsync<{ pool: PoolService }> = async (app, { pool }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const enterpriseParams = z.object({ id: z.uuid('expected an enterprise id') })

  r.post(
    '/pool/recommendations',
    {
      config: { access: 'pool.recommend' },
      schema: {
        description: "A provincial office recommends an enterprise of its own province into a round, within the province's quota and before the round's deadline. Refusals are 409: `quota_exceeded` and `deadline_passed` say how many places remain, `already_in_pool`, `left_pool`, `province_mismatch` (provinces compared by code).",
        summary: "Recommend an enterprise of the office's province into the pool; 409 names the limit and the places left",
        body: recommendationInputSchema,
        response: { 201: poolEventSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await pool.recommend(request.principal, request.body)),
  )

  r.get(
    '/pool',
    {
      config: { access: 'pool.list' },
      schema: {
        description: "A provincial office reads its province's pool; a bank reads every province's (this list only). Each enterprise with its profile and its state in the pool (in, graduated, withdrawn), as computed from the recorded pool events.",
        summary: 'The cultivation pool: enterprises with their state and profile',
        querystring: z.strictObject({ province: z.string().min(1).max(50).optional(), status: z.enum(POOL_STATUSES).optional() }),
        response: { 200: z.object({ items: z.array(poolEntrySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { province, status } = request.query
      return { items: await pool.list(request.principal, { ...(province ? { province } : {}), ...(status ? { status } : {}) }) }
    },
  )

  const decision = <S extends z.ZodType>(
    path: string,
    summary: string,
    description: string,
    body: S,
    run: (principal: Parameters<typeof pool.graduate>[0], id: string, input: z.infer<S>) => Promise<PoolEvent>,
  ) =>
    r.post(
      `/pool/enterprises/:id/${path}`,
      {
        config: { access: 'pool.decide' },
        schema: { summary, description, params: enterpriseParams, body, response: { 201: poolEventSchema, ...errorResponses } },
      },
      async (request, reply) => reply.code(201).send(await run(request.principal, request.params.id, request.body as z.infer<S>)),
    )
  decision('graduation', 'Graduate an enterprise on evidence that meets an exit criterion', 'The provincial office of the enterprise\'s province records the graduation with its evidence (the criterion met and what shows it); recorded as a pool event with its actor, it counts in the figures.', graduationInputSchema, (p, id, input) => pool.graduate(p, id, input))
  decision('violations', 'Record a serious violation: the enterprise leaves the pool at once', 'The office records the violation with its evidence; the enterprise is withdrawn at once and cannot be recommended again.', violationInputSchema, (p, id, input) => pool.recordViolation(p, id, input))
  decision('progress', 'Record substantive progress (a new patent-intensive product)', 'The office records the progress with its evidence; it resets the two-year no-progress clock that flags an enterprise for withdrawal.', progressInputSchema, (p, id, input) => pool.recordProgress(p, id, input))
  decision('withdrawal', 'Withdraw an enterprise from the pool (e.g. after a no-progress flag)', 'The office withdraws the enterprise with its reason; its place in the quota is freed.', withdrawalInputSchema, (p, id, input) => pool.withdraw(p, id, input))
}
