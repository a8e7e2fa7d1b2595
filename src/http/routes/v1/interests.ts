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
        description: "An enterprise key. The interest goes to the patent's university, which sees the enterprise's name and need only as far as `disclosure` says (`none`, `identity`, `identity-and-need`); `needId` must be one of the enterprise's own needs.",
        summary:
          "An enterprise's interest in a patent, optionally for one of its needs, disclosing as much as it chooses; one per patent and need (409 already_exists naming the interest held)",
        body: interestInputSchema.meta({ examples: [{"publicationNumber": "CN117151122A", "needId": "a0b9d487-efcb-462a-a491-069cef56c75f", "message": "希望洽谈普通许可", "disclosure": "identity-and-need"}] }),
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
    { config: { access: 'interests.read' }, schema: { summary: 'One interest, with its state and answer', description: 'The enterprise that expressed it, or the university of the patent (disclosed as the enterprise chose); 404 for anyone else.', params: idParams, response: { 200: interestViewSchema, ...errorResponses } } },
    async (request) => interests.get(request.principal, request.params.id),
  )

  r.post(
    '/interests/:id/accept',
    {
      config: { access: 'interests.accept' },
      schema: {
        description:
          "The pairing starts at `recommended` with the university as the first actor in its history, is announced to the centre (stream and webhooks, within the centre's cap and digest mode) and linked from the interest's answer; a pairing matching already made for the same need, patent and centre is reused. The enterprise sees the answer on its interest.",
        summary:
          "The patent's university accepts: the interest becomes a pairing with the operations centre of the enterprise's province (409 no_centre_for_province when none serves it, interest_without_need, interest_answered)",
        params: idParams,
        body: acceptInterestSchema.meta({ examples: [{"note": "可接受普通许可，请运营中心安排对接"}] }).nullish().describe('optional: a note for the centre'),
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
        description: 'The reasons are the university\'s side (`GET /v1/meta` interestDeclineReasons: already transferred, in negotiation, not offered, transfer mode …); the enterprise sees the reason and note on its interest.',
        summary: "The patent's university declines, with a reason (a note too for \"other\"); 409 interest_answered once answered",
        params: idParams,
        body: declineInterestSchema.meta({ examples: [{"reason": "in-negotiation", "note": "该专利正与其他企业洽谈独占许可"}] }),
        response: { 200: interestViewSchema, ...errorResponses },
      },
    },
    async (request) => interests.decline(request.principal, request.params.id, request.body),
  )
}
