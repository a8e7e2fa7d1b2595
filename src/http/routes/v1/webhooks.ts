/**
 * `/v1/webhooks`: webhooks of operations centres: register (the secret shown once), list, read
 * (status and the reason a disabled endpoint was disabled), delete, enable again, the delivery
 * log, and manual redelivery with the same `webhook-id`.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ForbiddenError } from '../../../domain/errors.js'
import { deliveryAttemptSchema, LOG_CAP, webhookEndpointSchema, webhookInputSchema } from '../../../domain/webhooks.js'
import { FORMER_LIST_LIMIT, pageQueryShape, pageSchema } from '../../../domain/paging.js'
import { attemptCursor, redeliverySchema, webhookViewSchema, type WebhooksService } from '../../../services/webhooks.js'
import { errorResponses } from '../../schemas.js'

export const webhookRoutes: FastifyPluginAsync<{ webhooks: WebhooksService }> = async (app, { webhooks }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const idParams = z.object({ id: z.uuid('expected a webhook id') })

  r.post(
    '/webhooks',
    {
      config: { access: 'webhooks.create' },
      schema: {
        description: "An operations centre's key. Deliveries follow the Standard Webhooks spec: headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed with the secret's part after `whsec_`, base64-decoded). The URL must be http(s) and, unless configured otherwise, not a loopback, private or link-local address. At most 20 a centre (409 `webhook_limit_exceeded`). Failed deliveries are retried on a schedule; an endpoint failing for long, or answering 410, is disabled.",
        summary: "Register a webhook for the centre's events (all types when `events` is absent); the secret is shown only in this response",
        body: webhookInputSchema.meta({ examples: [{"url": "https://ops.example.org/hooks/patent-bridge", "events": ["pairing.created", "pairing.updated"]}] }),
        response: { 201: webhookEndpointSchema.omit({ sinceEventId: true }), ...errorResponses },
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
      schema: { description: 'Secrets are never shown again; each webhook shows its status and, when disabled, why and since when.', summary: "The centre's webhooks (admin: every one), without secrets", response: { 200: z.object({ items: z.array(webhookViewSchema) }), ...errorResponses } },
    },
    async (request) => ({ items: await webhooks.list(request.principal) }),
  )

  r.get(
    '/webhooks/:id',
    {
      config: { access: 'webhooks.read' },
      schema: { description: "The centre's own webhook; 404 for another's.", summary: 'A webhook: status, and why it was disabled', params: idParams, response: { 200: webhookViewSchema, ...errorResponses } },
    },
    async (request) => webhooks.get(request.principal, request.params.id),
  )

  r.delete(
    '/webhooks/:id',
    {
      config: { access: 'webhooks.delete' },
      schema: { description: 'Deletes the endpoint with its log; deliveries still queued for it are dropped when they come up.', summary: 'Delete a webhook and its delivery log; pending deliveries are dropped', params: idParams, response: { 200: webhookViewSchema, ...errorResponses } },
    },
    async (request) => webhooks.remove(request.principal, request.params.id),
  )

  r.post(
    '/webhooks/:id/enable',
    {
      config: { access: 'webhooks.enable' },
      schema: {
        description: 'Re-enables an endpoint disabled after failures or a 410; its URL must still pass the address check. Delivery resumes with events after this moment.',
        summary: 'Enable a disabled webhook again (its URL is checked anew); events of the time it was disabled are not sent',
        params: idParams,
        response: { 200: webhookViewSchema, ...errorResponses },
      },
    },
    async (request) => webhooks.enable(request.principal, request.params.id),
  )

  r.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: 'webhooks.deliveries' },
      schema: {
        description: 'Every attempt: delivery id (= the `webhook-id` header), event, attempt number, trigger, status code or error, duration, outcome and, when retrying, the next wait. Paged by cursor (`limit` default 100, the most): attempts are numbered as they are logged, so pages hold still while deliveries go on.',
        summary: `Delivery attempts, newest first (the last ${LOG_CAP} are kept)`,
        params: idParams,
        querystring: z.strictObject(pageQueryShape(attemptCursor, FORMER_LIST_LIMIT)),
        response: { 200: pageSchema(deliveryAttemptSchema), ...errorResponses },
      },
    },
    async (request) => webhooks.deliveries(request.principal, request.params.id, request.query),
  )

  r.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: { access: 'webhooks.redeliver' },
      schema: {
        description: 'Queues the logged delivery again with the same `webhook-id` (so receivers can deduplicate) and body, signed anew; 202 with the delivery id. 404 for a delivery the log no longer holds.',
        summary: 'Send a logged delivery again, with the same webhook-id and body (409 while the webhook is disabled)',
        params: idParams.extend({ deliveryId: z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/, 'expected a delivery id') }),
        response: { 202: redeliverySchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.redeliver(request.principal, request.params.id, request.params.deliveryId)),
  )
}
