/** `/v1/interests`: an enterprise's interest in a patent, as its university sees it, and the university's answer. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ForbiddenError } from '../../../domain/errors.js'
import { acceptInterestSchema, declineInterestSchema } from '../../../domain/interest.js'
import { pageSchema, scorePageQuery } from '../../../domain/paging.js'
import { interestFilterQuery, interestInputSchema, interestViewSchema, type InterestsService } from '../../../services/interests.js'
import { errorResponses } from '../../schemas.js'

export const interestRoutes: FastifyPluginAsync<{ interests: InterestsService }> = async (app, { interests }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const idParams = z.object({ id: z.uuid('expected an interest id') })

  r.post(
    '/interests',
    {
      config: { access: 'interests.create' },
      schema: {
        summary:
          "An enterprise's interest in a patent, optionally for one of its needs, disclosing as much as it chooses; one per patent and need (409 already_exists naming the interest held)",
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
        summary: 'Interests: an enterprise its own, a university those in its patents; newest first, a page at a time; filters state, needId, publicationNumber',
        querystring: z.strictObject({ ...interestFilterQuery, ...scorePageQuery }),
        response: { 200: pageSchema(interestViewSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { state, needId, publicationNumber, ...page } = request.query
      return interests.list(
        request.principal,
        { ...(state === undefined ? {} : { state }), ...(needId === undefined ? {} : { needId }), ...(publicationNumber === undefined ? {} : { publicationNumber }) },
        page,
      )
    },
  )

  r.get(
    '/interests/:id',
    { config: { access: 'interests.read' }, schema: { summary: 'One interest, with its state and answer', params: idParams, response: { 200: interestViewSchema, ...errorResponses } } },
    async (request) => interests.get(request.principal, request.params.id),
  )

  r.post(
    '/interests/:id/accept',
    {
      config: { access: 'interests.accept' },
      schema: {
        summary:
          "The patent's university accepts: the interest becomes a pairing with the operations centre of the enterprise's province (409 no_centre_for_province when none serves it, interest_without_need, interest_answered)",
        params: idParams,
        body: acceptInterestSchema.nullish().describe('optional: a note for the centre'),
        response: { 200: interestViewSchema, ...errorResponses },
      },
    },
    async (request) => interests.accept(request.principal, request.params.id, request.body ?? {}),
  )

  r.post(
    '/interests/:id/decline',
    {
      config: { access: 'interests.decline' },
      schema: {
        summary: "The patent's university declines, with a reason (a note too for \"other\"); 409 interest_answered once answered",
        params: idParams,
        body: declineInterestSchema,
        response: { 200: interestViewSchema, ...errorResponses },
      },
    },
    async (request) => interests.decline(request.principal, request.params.id, request.body),
  )
}
