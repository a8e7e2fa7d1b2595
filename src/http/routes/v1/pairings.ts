/** `/v1/pairings`: an operations centre's pairings through the transfer workflow, and their live stream. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { PAIRING_STATES, pairingEventSchema, transitionInputSchema } from '../../../domain/pairing.js'
import { pageSchema, scorePageQuery } from '../../../domain/paging.js'
import { pairingViewSchema, type PairingsService } from '../../../services/pairings.js'
import type { EventStreams } from '../../live-events.js'
import { errorResponses } from '../../schemas.js'

const STREAM_ID = /^\d+-\d+$/

export interface PairingRoutesOptions {
  pairings: PairingsService
  streams: Pick<EventStreams, 'follow'>
}

export const pairingRoutes: FastifyPluginAsync<PairingRoutesOptions> = async (app, { pairings, streams }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const idParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, 'expected a pairing id') })

  r.get(
    '/pairings',
    {
      config: { access: 'pairings.list' },
      schema: {
        description: "A centre's pairings, a university's (those of its patents) or an enterprise's (those of its needs); the admin sees all. Each carries the patent's facts and, where the need is disclosed to the caller, the need and the match's explanation; a university sees the enterprise and need only as far as the enterprise chose to disclose. Paged by cursor (`limit` default 100, the most); `state` filters, reading on for at most 2,000 pairings a page.",
        summary: "Pairings the caller takes part in: a centre's inbox, a university's patents, an enterprise's needs; newest first, a page at a time",
        querystring: z.strictObject({ state: z.enum(PAIRING_STATES).optional(), ...scorePageQuery }),
        response: { 200: pageSchema(pairingViewSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { state, ...page } = request.query
      return pairings.list(request.principal, state === undefined ? {} : { state }, page)
    },
  )

  // Registered before /pairings/:id so that "stream" is never read as an id.
  r.get(
    '/pairings/stream',
    {
      sse: { kind: 'only', heartbeat: true },
      config: { access: 'pairings.stream' },
      schema: {
        description: "An operations centre's key. Events `pairing.created`, `pairing.updated` and `pairing.digest` of the centre's pairings as they happen, each with its stream id as the SSE `id`; reconnect with `Last-Event-ID` (or `?after=`) to receive what was missed. A heartbeat comment every 15 s keeps proxies from closing the stream.",
        summary: 'Live pairing events (Server-Sent Events), resumable with Last-Event-ID',
        querystring: z.strictObject({ after: z.string().regex(STREAM_ID, 'expected an event id').optional() }),
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('a Server-Sent Events stream'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id']
      const after = typeof header === 'string' && STREAM_ID.test(header) ? header : request.query.after
      await streams.follow(request.principal, after, {
        open: () => {
          reply.sse.keepAlive()
          // Headers now: a stream with nothing to replay would otherwise be closed when the handler returns.
          reply.sse.sendHeaders()
          // writeHead alone holds the headers until the first event or heartbeat: send them now so a
          // client knows at once that it is connected (the console shows the stream as live).
          reply.raw.flushHeaders()
        },
        send: (e) => reply.sse.send({ id: e.id, event: e.type, data: { type: e.type, at: e.at, data: e.data } }),
        isConnected: () => reply.sse.isConnected,
        end: () => reply.sse.close(),
        onClose: (listener) => reply.sse.onClose(listener),
      })
    },
  )

  r.get(
    '/pairings/:id',
    { config: { access: 'pairings.read' }, schema: { summary: 'A pairing, by its id', description: 'One pairing the caller takes part in, with the same facts and disclosure rules as the list; 404 for any other.', params: idParams, response: { 200: pairingViewSchema, ...errorResponses } } },
    async (request) => pairings.get(request.principal, request.params.id),
  )

  r.get(
    '/pairings/:id/history',
    {
      config: { access: 'pairings.history' },
      schema: { description: "The audit trail, oldest first, never rewritten: each change with its actor (a university sees actors as roles only), the time, the states from and to, and a decline's reason and note.", summary: 'Every change of a pairing: who, when, from, to, reason, note', params: idParams, response: { 200: z.object({ items: z.array(pairingEventSchema) }), ...errorResponses } },
    },
    async (request) => ({ items: await pairings.history(request.principal, request.params.id) }),
  )

  r.post(
    '/pairings/:id/transitions',
    {
      config: { access: 'pairings.transition' },
      schema: {
        description: "The pairing's operations centre moves it: recommended → contacted → nda-signed → negotiating → agreement-signed → industrialised, or declined (with a `reason` from `GET /v1/meta`) or withdrawn. A move the workflow does not allow answers 409 `illegal_transition` naming the allowed next states. Each move is recorded in the history and announced on the stream and to webhooks.",
        summary: 'Move a pairing along the workflow; 409 names the allowed next states',
        params: idParams,
        body: transitionInputSchema.meta({ examples: [{"to": "declined", "reason": "price", "note": "许可费超出预算"}] }),
        response: { 200: pairingViewSchema, ...errorResponses },
      },
    },
    async (request) => pairings.transition(request.principal, request.params.id, request.body),
  )
}
