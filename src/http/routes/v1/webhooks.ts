/**
 * `/v1/webhooks`: webhooks of operations centres: register (the secret shown once), list, read (status and the
 * reason a disabled endpoint was disabled), delete, enable again, the delivery log, and manual
 * redelivery with the same `webhook-id`.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ForbiddenError } from '../../../domain/errors.js'
import { EVENT_TYPES } from '../../../domain/events.js'
import { LOG_CAP, webhookInputSchema } from '../../../domain/webhooks.js'
import type { WebhooksService } from '../../../services/webhooks.js'
import { errorResponses } from '../../schemas.js'

const webhookSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  status: z.enum(['enabled', 'disabled']),
  /** Why the endpoint was disabled: a 410 Gone, or failures for longer than WEBHOOK_DISABLE_AFTER. */
  disabledReason: z.string().optional(),
  disabledAt: z.string().optional(),
  /** Start of the current run of failed attempts. */
  failingSince: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  lastFailureAt: z.string().optional(),
  createdAt: z.string(),
})

const attemptSchema = z.object({
  deliveryId: z.string().describe('the delivery, also its webhook-id header'),
  eventId: z.string(),
  type: z.string(),
  attempt: z.number().int(),
  trigger: z.enum(['event', 'redelivery']),
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
  at: z.string(),
  outcome: z.enum(['succeeded', 'retrying', 'failed', 'endpoint-disabled', 'skipped']),
  nextAttemptInMs: z.number().optional(),
})

export const webhookRoutes: FastifyPluginAsync<{ webhooks: WebhooksService }> = async (app, { webhooks }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const idParams = z.object({ id: z.uuid('expected a webhook id') })

  r.post(
    '/webhooks',
    {
      config: { access: 'webhooks.create' },
      schema: {
        summary: "Register a webhook for the centre's events (all types when `events` is absent); the secret is shown only in this response",
        body: webhookInputSchema,
        response: { 201: webhookSchema.extend({ secret: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = request.principal
      // The matrix admits operations centres only; the narrowing is for the type checker.
      if (principal.orgId === undefined) throw new ForbiddenError('a webhook is registered with an operations centre key')
      return reply.code(201).send(await webhooks.register({ ...principal, orgId: principal.orgId }, request.body))
    },
  )

  r.get(
    '/webhooks',
    {
      config: { access: 'webhooks.list' },
      schema: { summary: "The centre's webhooks (admin: every one), without secrets", response: { 200: z.object({ items: z.array(webhookSchema) }) } },
    },
    async (request) => ({ items: await webhooks.list(request.principal) }),
  )

  r.get(
    '/webhooks/:id',
    {
      config: { access: 'webhooks.read' },
      schema: { summary: 'A webhook: status, and why it was disabled', params: idParams, response: { 200: webhookSchema, ...errorResponses } },
    },
    async (request) => webhooks.get(request.principal, request.params.id),
  )

  r.delete(
    '/webhooks/:id',
    {
      config: { access: 'webhooks.delete' },
      schema: { summary: 'Delete a webhook and its delivery log; pending deliveries are dropped', params: idParams, response: { 200: webhookSchema, ...errorResponses } },
    },
    async (request) => webhooks.remove(request.principal, request.params.id),
  )

  r.post(
    '/webhooks/:id/enable',
    {
      config: { access: 'webhooks.enable' },
      schema: {
        summary: 'Enable a disabled webhook again (its URL is checked anew); events of the time it was disabled are not sent',
        params: idParams,
        response: { 200: webhookSchema, ...errorResponses },
      },
    },
    async (request) => webhooks.enable(request.principal, request.params.id),
  )

  r.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: 'webhooks.deliveries' },
      schema: {
        summary: `Delivery attempts, newest first (the last ${LOG_CAP} are kept)`,
        params: idParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(LOG_CAP).default(100) }),
        response: { 200: z.object({ items: z.array(attemptSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await webhooks.deliveries(request.principal, request.params.id, request.query.limit) }),
  )

  r.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: { access: 'webhooks.redeliver' },
      schema: {
        summary: 'Send a logged delivery again, with the same webhook-id and body (409 while the webhook is disabled)',
        params: idParams.extend({ deliveryId: z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/, 'expected a delivery id') }),
        response: {
          202: z.object({ deliveryId: z.string(), eventId: z.string(), type: z.string(), queued: z.literal(true) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.redeliver(request.principal, request.params.id, request.params.deliveryId)),
  )
}
