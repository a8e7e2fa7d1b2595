import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Container } from '../../container.js'
import type { ServiceEvent } from '../../domain/events.js'
import { DECLINE_REASONS, PAIRING_STATES, routingInputSchema, transitionInputSchema } from '../../domain/pairing.js'
import { publicationNumberSchema } from '../../domain/patent.js'
import { compareIds, LiveEvents } from '../live-events.js'
import { errorResponses } from '../schemas.js'

const pairingSchema = z.object({
  id: z.string(),
  publicationNumber: z.string(),
  score: z.number(),
  state: z.enum(PAIRING_STATES),
  reason: z.enum(DECLINE_REASONS).optional(),
  centreOrgId: z.string(),
  needId: z.string().optional(),
  enterprise: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  need: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
  pushed: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

const historySchema = z.object({
  pairingId: z.string(),
  at: z.string(),
  actor: z.object({ role: z.string(), orgId: z.string().optional() }),
  from: z.enum(PAIRING_STATES).nullable(),
  to: z.enum(PAIRING_STATES),
  reason: z.enum(DECLINE_REASONS).optional(),
  note: z.string().optional(),
})

const routingSchema = z.object({
  provinces: z.array(z.string()),
  ipcPrefixes: z.array(z.string()),
  minScore: z.number(),
  maxPerNeed: z.number(),
  dailyCap: z.number().optional(),
  delivery: z.enum(['immediate', 'digest']),
  digestHours: z.number(),
})

const STREAM_ID = /^\d+-\d+$/

export const pairingRoutes: FastifyPluginAsync<{ container: Container }> = async (app, { container }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const pairings = container.services.pairings
  const idParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, 'expected a pairing id') })
  const live = new LiveEvents(container.eventLog)
  app.addHook('onClose', async () => live.close())
  // Open streams end when the server closes: a stream never ends by itself, and the server's
  // close waits for every connection, so one open console would hold every shutdown for the
  // whole grace period. Clients reconnect with Last-Event-ID and miss nothing.
  const openStreams = new Set<() => void>()
  app.addHook('preClose', async () => {
    for (const end of openStreams) end()
  })

  r.put(
    '/orgs/:id/routing',
    {
      config: { access: 'routing.set' },
      schema: {
        summary: "An operations centre's scope: which matches become its pairings, and how they are pushed",
        params: z.object({ id: z.uuid('expected an organisation id') }),
        body: routingInputSchema,
        response: { 200: routingSchema, ...errorResponses },
      },
    },
    async (request) => pairings.setRouting(request.principal, request.params.id, request.body),
  )

  r.get(
    '/orgs/:id/routing',
    {
      config: { access: 'routing.read' },
      schema: { params: z.object({ id: z.uuid('expected an organisation id') }), response: { 200: routingSchema, ...errorResponses } },
    },
    async (request) => pairings.getRouting(request.principal, request.params.id),
  )

  r.get(
    '/pairings',
    {
      config: { access: 'pairings.list' },
      schema: {
        summary: "Pairings the caller takes part in: a centre's inbox, a university's patents, an enterprise's needs",
        querystring: z.strictObject({ state: z.enum(PAIRING_STATES).optional() }),
        response: { 200: z.object({ items: z.array(pairingSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await pairings.list(request.principal, request.query.state === undefined ? {} : { state: request.query.state }) }),
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
      const principal = request.principal
      const visible = (e: ServiceEvent) => principal.role === 'admin' || (principal.orgId !== undefined && e.recipients.includes(principal.orgId))
      const header = request.headers['last-event-id']
      const lastEventId = typeof header === 'string' && STREAM_ID.test(header) ? header : request.query.after
      let sent = lastEventId ?? (await container.eventLog.head())
      const buffered: ServiceEvent[] = []
      let replaying = true
      const send = async (e: ServiceEvent) => {
        if (compareIds(e.id, sent) <= 0 || !visible(e)) return
        sent = e.id
        await reply.sse.send({ id: e.id, event: e.type, data: { type: e.type, at: e.at, data: e.data } })
      }
      reply.sse.keepAlive()
      // Headers now: a stream with nothing to replay would otherwise be closed when the handler returns.
      reply.sse.sendHeaders()
      // writeHead alone holds the headers until the first event or heartbeat: send them now so a
      // client knows at once that it is connected (the console shows the stream as live).
      reply.raw.flushHeaders()
      const unsubscribe = live.subscribe((e) => {
        if (replaying) buffered.push(e)
        else void send(e).catch(() => undefined)
      })
      const end = () => reply.sse.close()
      openStreams.add(end)
      reply.sse.onClose(() => {
        unsubscribe()
        openStreams.delete(end)
      })
      // Replay what the client missed, page by page, then switch to live events. The page cursor
      // is the last event read, not the last sent: a page holding nothing for this caller must
      // still move it on, or the same page is read forever.
      let cursor = sent
      for (;;) {
        const page = await container.eventLog.readAfter(cursor, 500)
        if (page.length === 0) break
        for (const e of page) await send(e)
        cursor = page[page.length - 1]!.id
        if (page.length < 500) break
        if (!reply.sse.isConnected) return
      }
      replaying = false
      for (const e of buffered.splice(0)) await send(e)
    },
  )

  r.get(
    '/pairings/:id',
    { config: { access: 'pairings.read' }, schema: { params: idParams, response: { 200: pairingSchema, ...errorResponses } } },
    async (request) => pairings.get(request.principal, request.params.id),
  )

  r.get(
    '/pairings/:id/history',
    {
      config: { access: 'pairings.history' },
      schema: { summary: 'Every change of a pairing: who, when, from, to, reason, note', params: idParams, response: { 200: z.object({ items: z.array(historySchema) }), ...errorResponses } },
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
        response: { 200: pairingSchema, ...errorResponses },
      },
    },
    async (request) => pairings.transition(request.principal, request.params.id, request.body),
  )

  r.get(
    '/patents/:publicationNumber/feedback',
    {
      config: { access: 'patents.feedback' },
      schema: {
        summary: "Why enterprises passed over a patent: decline reasons of its pairings, for its university",
        params: z.object({ publicationNumber: publicationNumberSchema }),
        response: {
          200: z.object({ publicationNumber: z.string(), pairings: z.number(), declined: z.record(z.string(), z.number()), notes: z.array(z.string()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => pairings.feedback(request.principal, request.params.publicationNumber),
  )
}
