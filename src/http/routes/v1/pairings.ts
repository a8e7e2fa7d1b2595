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
        summary: 'Live pairing events (Server-Sent Events), resumable with Last-Event-ID',
        querystring: z.strictObject({ after: z.string().regex(STREAM_ID, 'expected an event id').optional() }),
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
    { config: { access: 'pairings.read' }, schema: { params: idParams, response: { 200: pairingViewSchema, ...errorResponses } } },
    async (request) => pairings.get(request.principal, request.params.id),
  )

  r.get(
    '/pairings/:id/history',
    {
      config: { access: 'pairings.history' },
      schema: { summary: 'Every change of a pairing: who, when, from, to, reason, note', params: idParams, response: { 200: z.object({ items: z.array(pairingEventSchema) }), ...errorResponses } },
    },
    async (request) => ({ items: await pairings.history(request.principal, request.params.id) }),
  )

  r.post(
    '/pairings/:id/transitions',
    {
      config: { access: 'pairings.transition' },
      schema: {
        summary: 'Move a pairing along the workflow; 409 names the allowed next states',
        params: idParams,
        body: transitionInputSchema,
        response: { 200: pairingViewSchema, ...errorResponses },
      },
    },
    async (request) => pairings.transition(request.principal, request.params.id, request.body),
  )
}
