/** `/v1/needs`: an enterprise's technology needs and their explained matches. */
import type { FastifyPluginAsync } from 'fastify'
import { STRONG_MATCH, strengthOf } from '../../../domain/matching/index.js'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { NEED_STATES, needInputSchema, needPatchSchema } from '../../../domain/need.js'
import { pageSchema, scorePageQuery } from '../../../domain/paging.js'
import type { NeedsService } from '../../../services/needs.js'
import { errorResponses, matchesSchema, needSchema } from '../../schemas.js'

export const needRoutes: FastifyPluginAsync<{ needs: NeedsService }> = async (app, { needs }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const idParams = z.object({ id: z.uuid('expected a need id') })

  r.post(
    '/needs',
    {
      config: { access: 'needs.create' },
      schema: {
        summary: 'State a technology need; matching runs in the background',
        body: needInputSchema,
        response: { 201: needSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await needs.create(request.body, request.principal)),
  )

  r.get(
    '/needs',
    {
      config: { access: 'needs.list' },
      schema: {
        summary: "The caller's own needs, newest first, a page at a time",
        querystring: z.strictObject({ state: z.enum(NEED_STATES).optional(), ...scorePageQuery }),
        response: { 200: pageSchema(needSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { state, ...page } = request.query
      return needs.list(request.principal, state === undefined ? {} : { state }, page)
    },
  )

  r.get(
    '/needs/:id',
    { config: { access: 'needs.read' }, schema: { params: idParams, response: { 200: needSchema, ...errorResponses } } },
    async (request) => needs.get(request.principal, request.params.id),
  )

  r.patch(
    '/needs/:id',
    { config: { access: 'needs.update' }, schema: { params: idParams, body: needPatchSchema, response: { 200: needSchema, ...errorResponses } } },
    async (request) => needs.update(request.principal, request.params.id, request.body),
  )

  r.post(
    '/needs/:id/close',
    { config: { access: 'needs.close' }, schema: { params: idParams, response: { 200: needSchema, ...errorResponses } } },
    async (request) => needs.close(request.principal, request.params.id),
  )

  r.get(
    '/needs/:id/matches',
    {
      config: { access: 'needs.matches' },
      schema: {
        summary: 'Ranked, explained patent matches of a need, best first',
        params: idParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: matchesSchema, ...errorResponses },
      },
    },
    async (request) => {
      const set = await needs.matches(request.principal, request.params.id, request.query.limit)
      return {
        needId: set.needId,
        state: set.state,
        ...(set.computedAt === undefined ? {} : { computedAt: set.computedAt }),
        // over every stored match, not only this page's
        strength: set.state === 'ready' ? strengthOf(set.scores) : 'none',
        threshold: STRONG_MATCH,
        matches: set.matches.map((m, i) => ({ rank: i + 1, ...m })),
      }
    },
  )
}
