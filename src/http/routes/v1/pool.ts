/** `/v1/pool`: the cultivation pool: recommendations into it, its list, and decisions on its enterprises. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { POOL_STATUSES, poolEventSchema, type PoolEvent } from '../../../domain/pool.js'
import { FORMER_LIST_LIMIT, pageQueryShape, pageSchema } from '../../../domain/paging.js'
import { orgCursor } from '../../../services/orgs.js'
import {
  candidateSchema,
  graduationInputSchema,
  poolCursor,
  poolRecordSchema,
  poolToCsv,
  progressInputSchema,
  recommendationInputSchema,
  violationInputSchema,
  poolEntrySchema,
  withdrawalInputSchema,
  type PoolService,
} from '../../../services/pool.js'
import { readerLanguage, sendCsv } from '../../downloads.js'
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
        body: recommendationInputSchema.meta({ examples: [{"enterpriseId": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "roundId": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"}] }),
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
        description: "A provincial office reads its province's pool; a bank reads every province's (this list only). Each enterprise with its profile and its state in the pool (in, graduated, withdrawn), as computed from the recorded pool events, with its pairings by state and the patents it obtained through pairings that reached agreement; `Accept: text/csv` gives one row an enterprise.",
        summary:
          'The cultivation pool: enterprises with their state, profile, pairings by state and the patents obtained through pairings that reached agreement; Accept: text/csv for CSV (UTF-8 with BOM)',
        querystring: z.strictObject({
          province: z.string().min(1).max(50).optional(),
          status: z.enum(POOL_STATUSES).optional(),
          lang: z.enum(['zh', 'en']).optional().describe('the CSV\'s language (default: from Accept-Language, else Chinese)'),
          ...pageQueryShape(poolCursor, FORMER_LIST_LIMIT),
        }),
        response: {
          200: {
            content: {
              'application/json': { schema: pageSchema(poolEntrySchema) },
              'text/csv': { schema: z.string().describe('one row an enterprise') },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { province, status, limit, cursor } = request.query
      const filter = { ...(province ? { province } : {}), ...(status ? { status } : {}) }
      if ((request.headers.accept ?? '').includes('text/csv')) {
        // the export is the whole list, not a page
        const { items } = await pool.list(request.principal, filter)
        const lang = readerLanguage(request.query.lang, request.headers['accept-language'])
        return sendCsv(reply, poolToCsv(items, lang), 'pool.csv', lang === 'zh' ? '培育库企业名单.csv' : 'cultivation-pool.csv')
      }
      return pool.list(request.principal, filter, { limit, cursor })
    },
  )

  r.get(
    '/pool/candidates',
    {
      config: { access: 'pool.candidates' },
      schema: {
        summary: "The enterprises an office may recommend: those registered in its province, by name, with their place in the pool if any",
        description: 'A provincial office: the enterprises registered in its province (the admin: all), by name, searchable by name or credit code, each with its place in the pool if it has one — the directory a recommendation is chosen from.',
        querystring: z.strictObject({
          q: z.string().trim().min(1).max(100).optional().describe('text in the name or the credit code'),
          ...pageQueryShape(orgCursor, 20),
        }),
        response: { 200: pageSchema(candidateSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { q, ...page } = request.query
      return pool.candidates(request.principal, q === undefined ? {} : { q }, page)
    },
  )

  r.get(
    '/pool/enterprises/:id',
    {
      config: { access: 'pool.read' },
      schema: {
        summary: "An enterprise's place in the pool with every decision on it, each with its evidence and actor",
        description: "The provincial office of the enterprise's province (and the admin): the enterprise's pool state and its decisions in order (recommended, progress, violation, graduation, withdrawal), each with its evidence, actor and time.",
        params: enterpriseParams,
        response: { 200: poolRecordSchema, ...errorResponses },
      },
    },
    async (request) => pool.record(request.principal, request.params.id),
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
  decision('graduation', 'Graduate an enterprise on evidence that meets an exit criterion', 'The provincial office of the enterprise\'s province records the graduation with its evidence (the criterion met and what shows it); recorded as a pool event with its actor, it counts in the figures.', graduationInputSchema.meta({ examples: [{"evidence": {"industrialisationRateBefore": 20, "industrialisationRateAfter": 45, "newPatentIntensiveProducts": 2, "description": "两项专利密集型产品投产，专利产业化率由 20% 提高到 45%", "reference": "2025 年度专利产业化情况报告"}}] }), (p, id, input) => pool.graduate(p, id, input))
  decision('violations', 'Record a serious violation: the enterprise leaves the pool at once', 'The office records the violation with its evidence; the enterprise is withdrawn at once and cannot be recommended again.', violationInputSchema.meta({ examples: [{"violation": "data-fraud", "evidence": {"description": "申报材料中的销售额与税务记录不符", "reference": "省市场监管局通报"}}] }), (p, id, input) => pool.recordViolation(p, id, input))
  decision('progress', 'Record substantive progress (a new patent-intensive product)', 'The office records the progress with its evidence; it resets the two-year no-progress clock that flags an enterprise for withdrawal.', progressInputSchema.meta({ examples: [{"kind": "new-patent-intensive-product", "evidence": {"description": "基于受让专利的检测设备通过验收并上市", "reference": "产品备案编号"}}] }), (p, id, input) => pool.recordProgress(p, id, input))
  decision('withdrawal', 'Withdraw an enterprise from the pool (e.g. after a no-progress flag)', 'The office withdraws the enterprise with its reason; its place in the quota is freed.', withdrawalInputSchema.meta({ examples: [{"reason": "no-progress", "note": "入库两年未取得实质性进展"}] }), (p, id, input) => pool.withdraw(p, id, input))
}
