import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Container } from '../../container.js'
import {
  graduationInputSchema,
  progressInputSchema,
  recommendationInputSchema,
  roundInputSchema,
  violationInputSchema,
  withdrawalInputSchema,
} from '../../services/pool.js'
import { errorResponses } from '../schemas.js'

const roundSchema = z.object({ id: z.string(), name: z.string(), deadline: z.string(), createdAt: z.string() })
/** Pool events and entries are returned as recorded; their shape is documented in src/domain/pool.ts. */
const recordSchema = z.record(z.string(), z.unknown())
const entrySchema = z.record(z.string(), z.unknown())

export const poolRoutes: FastifyPluginAsync<{ container: Container }> = async (app, { container }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const pool = container.services.pool
  const enterpriseParams = z.object({ id: z.uuid('expected an enterprise id') })

  r.post(
    '/rounds',
    {
      config: { access: 'rounds.create' },
      schema: { summary: 'Open a recommendation round with its deadline (admin)', body: roundInputSchema, response: { 201: roundSchema, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await pool.createRound(request.body)),
  )

  r.get(
    '/rounds',
    { config: { access: 'rounds.list' }, schema: { response: { 200: z.object({ items: z.array(roundSchema) }) } } },
    async () => ({ items: await pool.listRounds() }),
  )

  r.post(
    '/pool/recommendations',
    {
      config: { access: 'pool.recommend' },
      schema: {
        summary: "Recommend an enterprise of the office's province into the pool; 409 names the limit and the places left",
        body: recommendationInputSchema,
        response: { 201: recordSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send({ ...(await pool.recommend(request.principal, request.body)) }),
  )

  r.get(
    '/pool',
    {
      config: { access: 'pool.list' },
      schema: {
        summary: 'The cultivation pool: enterprises with their state and profile',
        querystring: z.strictObject({ province: z.string().min(1).max(50).optional(), status: z.enum(['in', 'graduated', 'withdrawn']).optional() }),
        response: { 200: z.object({ items: z.array(entrySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { province, status } = request.query
      const items = await pool.list(request.principal, { ...(province ? { province } : {}), ...(status ? { status } : {}) })
      return { items: items.map((e) => ({ ...e })) }
    },
  )

  const decision = <S extends z.ZodType>(path: string, summary: string, body: S, run: (principal: Parameters<typeof pool.graduate>[0], id: string, input: z.infer<S>) => Promise<unknown>) =>
    r.post(
      `/pool/enterprises/:id/${path}`,
      {
        config: { access: 'pool.decide' },
        schema: { summary, params: enterpriseParams, body, response: { 201: recordSchema, ...errorResponses } },
      },
      async (request, reply) => reply.code(201).send((await run(request.principal, request.params.id, request.body as z.infer<S>)) as Record<string, unknown>),
    )
  decision('graduation', 'Graduate an enterprise on evidence that meets an exit criterion', graduationInputSchema, (p, id, input) => pool.graduate(p, id, input))
  decision('violations', 'Record a serious violation: the enterprise leaves the pool at once', violationInputSchema, (p, id, input) => pool.recordViolation(p, id, input))
  decision('progress', 'Record substantive progress (a new patent-intensive product)', progressInputSchema, (p, id, input) => pool.recordProgress(p, id, input))
  decision('withdrawal', 'Withdraw an enterprise from the pool (e.g. after a no-progress flag)', withdrawalInputSchema, (p, id, input) => pool.withdraw(p, id, input))

  r.get(
    '/stats/report',
    {
      config: { access: 'stats.read' },
      schema: {
        summary: "A province's annual evaluation report (Markdown): the year's figures beside the year before, with the events behind each",
        querystring: z.strictObject({ province: z.string().min(1).max(50).optional(), year: z.coerce.number().int().min(2000).max(2100) }),
      },
    },
    async (request, reply) => {
      const { province, year } = request.query
      const report = await pool.annualReport(request.principal, { ...(province ? { province } : {}), year })
      return reply.type('text/markdown; charset=utf-8').send(report)
    },
  )

  r.get(
    '/stats',
    {
      config: { access: 'stats.read' },
      schema: {
        summary: "The programme's figures per province and year, each with the events behind it; Accept: text/csv for CSV",
        querystring: z.strictObject({
          province: z.string().min(1).max(50).optional(),
          year: z.coerce.number().int().min(2000).max(2100).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { province, year } = request.query
      const stats = await pool.stats(request.principal, { ...(province ? { province } : {}), ...(year === undefined ? {} : { year }) })
      if ((request.headers.accept ?? '').includes('text/csv')) {
        const name = `stats-${stats.scope.province ?? 'all'}-${stats.scope.year ?? 'all'}.csv`
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${encodeURIComponent(name)}"`).send(pool.statsToCsv(stats))
      }
      return stats
    },
  )
}
