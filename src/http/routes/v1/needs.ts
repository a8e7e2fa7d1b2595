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
        description: "An enterprise key. The need belongs to the key's enterprise and, without a `province`, takes the enterprise's (normalised to its GB/T 2260 code). Answers at once with the need in state `open`; a match job runs in the background, and `GET /v1/needs/{id}/matches` says `pending` until it is `ready`. Matches at or above a centre's `minScore` become that centre's pairings.",
        summary: 'State a technology need; matching runs in the background',
        body: needInputSchema.meta({ examples: [{ title: '产线零件表面缺陷的图像识别', description: '需要识别金属零件表面的划痕与凹坑，检出率 99% 以上', keywords: ['图像识别', '缺陷检测'], transferModes: ['license'] }] }),
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
        description: "An enterprise key: its own needs (the admin: those it stated). Paged by cursor: `limit` (default 100, the most) and `cursor` from the previous page's `nextCursor`; needs stated meanwhile do not shift the pages still to read. `state` filters open or closed needs.",
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
    { config: { access: 'needs.read' }, schema: { summary: 'A need, by its id', description: "The enterprise's own need, or a need routed to the calling operations centre (it has a pairing there); 404 for any other, as for one that does not exist.", params: idParams, response: { 200: needSchema, ...errorResponses } } },
    async (request) => needs.get(request.principal, request.params.id),
  )

  r.patch(
    '/needs/:id',
    { config: { access: 'needs.update' }, schema: { summary: 'Change a need; its matches are computed again', description: "The enterprise changes the fields it sends (a province is normalised to its code). The need gets a new version: its matches go back to `pending` until the new version's are ready, and a match job of an older version is skipped. A closed need cannot be changed (409 `need_closed`).", params: idParams, body: needPatchSchema.meta({ examples: [{"description": "需要识别金属与塑料零件表面的划痕、凹坑与毛刺", "disclosure": "identity"}] }), response: { 200: needSchema, ...errorResponses } } },
    async (request) => needs.update(request.principal, request.params.id, request.body),
  )

  r.post(
    '/needs/:id/close',
    { config: { access: 'needs.close' }, schema: { summary: 'Close a need: no more matches or pairings', description: 'The enterprise closes its need once it is met or dropped. A closed need keeps its last matches and its pairings, but newly imported patents are no longer scored against it and nothing new is pushed. Closing a closed need answers it as it is.', params: idParams, response: { 200: needSchema, ...errorResponses } } },
    async (request) => needs.close(request.principal, request.params.id),
  )

  r.get(
    '/needs/:id/matches',
    {
      config: { access: 'needs.matches' },
      schema: {
        description: "The enterprise's own need. `score` is the estimated probability that the patent is relevant, comparable across needs; `strength` says whether any match reaches `threshold` (0.5), from where pairings are pushed by default, so a need with nothing strong says so instead of showing confident noise. Each match carries its `explanation` (the need's words found in the patent, class evidence, each signal's share in percent) and the patent's facts as they are now (`holder` to approach, kind, legal status, transfer modes, term left).",
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
