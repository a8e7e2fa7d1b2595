/** `/v1/interests`: an enterprise's interest in a patent, as its university sees it. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ForbiddenError } from '../../../domain/errors.js'
import { pageSchema, scorePageQuery } from '../../../domain/paging.js'
import { interestInputSchema, interestViewSchema, type InterestsService } from '../../../services/interests.js'
import { errorResponses } from '../../schemas.js'

export const interestRoutes: FastifyPluginAsync<{ interests: InterestsService }> = async (app, { interests }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/interests',
    {
      config: { access: 'interests.create' },
      schema: {
        description: "An enterprise key. The interest goes to the patent's university, which sees the enterprise's name and need only as far as `disclosure` says (`none`, `identity`, `identity-and-need`); `needId` must be one of the enterprise's own needs.",
        summary: "An enterprise's interest in a patent, optionally for one of its needs, disclosing as much as it chooses",
        body: interestInputSchema,
        response: { 201: interestViewSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = request.principal
      // The matrix admits enterprises only; the narrowing is for the type checker.
      if (principal.orgId === undefined) throw new ForbiddenError('interest is expressed with an enterprise key')
      return reply.code(201).send(await interests.create({ ...principal, orgId: principal.orgId }, request.body))
    },
  )

  r.get(
    '/interests',
    {
      config: { access: 'interests.list' },
      schema: {
        description: 'An enterprise its own interests; a university those in its patents, disclosed as each enterprise chose; the admin all. Paged by cursor (`limit` default 100, the most).',
        summary: 'Interests: an enterprise its own, a university those in its patents; newest first, a page at a time',
        querystring: z.strictObject(scorePageQuery),
        response: { 200: pageSchema(interestViewSchema), ...errorResponses },
      },
    },
    async (request) => interests.list(request.principal, request.query),
  )
}
