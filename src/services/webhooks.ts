/**
 * Webhooks of operations centres: registration and management (HTTP), fan-out of events to
 * delivery jobs (the event dispatcher), and the delivery job itself (the `webhooks` worker).
 *
 * A delivery is signed per the Standard Webhooks spec with the `standardwebhooks` package; it is
 * retried on the configured schedule with jitter, longer when the receiver's `Retry-After` asks;
 * a `410 Gone`, or failures lasting longer than the configured period, disable the endpoint with
 * a reason its owner reads on `GET /v1/webhooks/{id}`.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { Webhook } from 'standardwebhooks'
import { z } from 'zod'
import { authorize, listScope, type Action, type Principal } from '../domain/access.js'
import { cursorCodec, type Page } from '../domain/paging.js'
import { DomainError, ConflictError, NotFoundError, ValidationError } from '../domain/errors.js'
import { EVENT_TYPES, type EventType, type ServiceEvent } from '../domain/events.js'
import { DeferJob, RetryAfter, type JobQueue } from '../jobs.js'
import {
  MAX_ENDPOINTS_PER_ORG,
  deliveryAttemptSchema,
  deliveryBody,
  deliveryJobId,
  endpointWants,
  retryDelay,
  parseRetryAfter,
  webhookEndpointSchema,
  webhookMessageId,
  type DeliveryAttempt,
  type DeliveryPayload,
  type WebhookEndpoint,
  type WebhookInput,
  type WebhookStore,
} from '../domain/webhooks.js'

/** What the service needs of outgoing HTTP: the address check, and one request. */
export interface WebhookTransport {
  check(url: string): Promise<unknown>
  send(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ statusCode?: number; headers?: Record<string, string | string[] | undefined>; error?: string; durationMs: number }>
}

export interface WebhooksDeps {
  store: WebhookStore
  transport: WebhookTransport
  queue: JobQueue
  /** Waits between attempts; one attempt more than entries. */
  schedule: readonly number[]
  /** Failing continuously for longer than this disables an endpoint. */
  disableAfterMs: number
  /**
   * Requests in flight to one endpoint, across every process: a receiver that hangs holds at
   * most these, and every other endpoint's deliveries go on. Further deliveries to it wait in
   * its line (no attempt is used) and go as slots free up.
   */
  perEndpoint: number
  /** The longest one request may take (the transport's timeout). */
  timeoutMs: number
  log: Logger
  now?: () => Date
}

/** Thrown by a delivery that should be tried again, after the delay it carries. */
export class RetryDelivery extends RetryAfter {
  override readonly name = 'RetryDelivery'
}

/** An endpoint as its owner sees it: everything but the secret. */
export const webhookViewSchema = webhookEndpointSchema.omit({ secret: true, sinceEventId: true })
export type WebhookView = z.infer<typeof webhookViewSchema>

/** A delivery queued again by hand. */
export const redeliverySchema = deliveryAttemptSchema.pick({ deliveryId: true, eventId: true, type: true }).extend({ queued: z.literal(true) })

function view(e: WebhookEndpoint): WebhookView {
  const { secret: _secret, sinceEventId: _since, ...rest } = e
  return rest
}

/** 259200000 → "3 d"; 90000 → "1.5 min". */
export function humanDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ]
  for (const [size, name] of units) if (ms >= size) return `${Math.round((ms / size) * 10) / 10} ${name}`
  return `${ms} ms`
}

/** Where a page of the delivery log stops: the number of the last attempt read. */
export const attemptCursor = cursorCodec(z.strictObject({ before: z.number().int().min(1) }))

export function createWebhooksService(deps: WebhooksDeps) {
  const now = () => deps.now?.() ?? new Date()
  const maxAttempts = deps.schedule.length + 1

  const owned = async (principal: Principal, action: Action, id: string): Promise<WebhookEndpoint> => {
    const endpoint = await deps.store.get(id)
    if (endpoint === undefined) throw new NotFoundError(`webhook ${id}`)
    await authorize(principal, action, { ...endpoint, kind: 'webhook' })
    return endpoint
  }

  const checkUrl = async (url: string): Promise<void> => {
    try {
      await deps.transport.check(url)
    } catch (err) {
      throw new ValidationError(`this webhook URL is refused: ${(err as Error).message}`, [{ path: 'body.url', message: (err as Error).message }])
    }
  }

  const describe = (r: { statusCode?: number; error?: string }) => (r.statusCode !== undefined ? `HTTP ${r.statusCode}` : (r.error ?? 'no answer'))

  /** One attempt of a delivery; throws RetryDelivery when it should be tried again. */
  async function sendOnce(payload: DeliveryPayload, job: { attempt: number }): Promise<void> {
    const trigger = payload.trigger ?? 'event'
    const base = { deliveryId: payload.webhookId, eventId: payload.eventId, type: payload.type, attempt: job.attempt, trigger }
    const endpoint = await deps.store.get(payload.endpointId)
    if (endpoint === undefined) return // deleted: nothing to send, nowhere to log
    if (endpoint.status !== 'enabled') {
      await deps.store.logAttempt(endpoint.id, {
        ...base,
        error: 'not sent: the webhook is disabled',
        durationMs: 0,
        at: now().toISOString(),
        outcome: 'skipped',
      })
      return
    }
    const sentAt = now()
    const signature = new Webhook(endpoint.secret).sign(payload.webhookId, sentAt, payload.body)
    const result = await deps.transport.send(
      endpoint.url,
      { 'webhook-id': payload.webhookId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature },
      payload.body,
    )
    const at = sentAt.toISOString()
    const attempt: DeliveryAttempt = { ...base, durationMs: result.durationMs, at, outcome: 'succeeded' }
    if (result.statusCode !== undefined) attempt.statusCode = result.statusCode
    if (result.error !== undefined) attempt.error = result.error

    if (result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300) {
      await deps.store.succeeded(endpoint.id, at)
      await deps.store.logAttempt(endpoint.id, attempt)
      return
    }
    if (result.statusCode === 410) {
      const reason = `the endpoint answered 410 Gone at ${at} (delivery ${payload.webhookId}): it asked to receive no more deliveries`
      await deps.store.disable(endpoint.id, reason, at)
      await deps.store.logAttempt(endpoint.id, { ...attempt, outcome: 'endpoint-disabled' })
      deps.log.warn({ webhook: endpoint.id, orgId: endpoint.orgId }, 'webhook disabled: 410 Gone')
      return
    }
    const failingSince = await deps.store.failed(endpoint.id, at)
    const failingFor = sentAt.getTime() - Date.parse(failingSince)
    if (failingFor > deps.disableAfterMs) {
      const reason =
        `deliveries have failed continuously since ${failingSince} (longer than ${humanDuration(deps.disableAfterMs)}); ` +
        `last attempt at ${at}: ${describe(result)}`
      await deps.store.disable(endpoint.id, reason, at)
      await deps.store.logAttempt(endpoint.id, { ...attempt, outcome: 'endpoint-disabled' })
      deps.log.warn({ webhook: endpoint.id, orgId: endpoint.orgId }, 'webhook disabled: failing for too long')
      return
    }
    if (job.attempt >= maxAttempts) {
      await deps.store.logAttempt(endpoint.id, { ...attempt, outcome: 'failed' })
      return
    }
    const retryAfter = result.headers?.['retry-after']
    const delayMs = retryDelay(deps.schedule, job.attempt, parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter))
    await deps.store.logAttempt(endpoint.id, { ...attempt, outcome: 'retrying', nextAttemptInMs: delayMs })
    throw new RetryDelivery(`webhook delivery ${payload.webhookId} attempt ${job.attempt}: ${describe(result)}`, delayMs)
  }

  return {
    maxAttempts,

    async register(principal: Principal & { orgId: string }, input: WebhookInput): Promise<WebhookView & { secret: string }> {
      if ((await deps.store.countForOrg(principal.orgId)) >= MAX_ENDPOINTS_PER_ORG) {
        throw new ConflictError('webhook_limit_exceeded', `an organisation may register at most ${MAX_ENDPOINTS_PER_ORG} webhooks; delete one first`)
      }
      await checkUrl(input.url)
      const endpoint: WebhookEndpoint = {
        id: randomUUID(),
        orgId: principal.orgId,
        url: input.url,
        events: input.events ?? [...EVENT_TYPES],
        secret: `whsec_${randomBytes(32).toString('base64')}`,
        createdAt: now().toISOString(),
        sinceEventId: await deps.store.lastEventId(),
        status: 'enabled',
      }
      await deps.store.create(endpoint)
      return { ...view(endpoint), secret: endpoint.secret }
    },

    async list(principal: Principal): Promise<WebhookView[]> {
      const scope = listScope(principal, 'webhooks.list')
      const items = scope === 'all' ? await deps.store.listAll() : await deps.store.listForOrg(scope.orgId)
      return items.map(view)
    },

    async get(principal: Principal, id: string): Promise<WebhookView> {
      return view(await owned(principal, 'webhooks.read', id))
    },

    async remove(principal: Principal, id: string): Promise<WebhookView> {
      const endpoint = await owned(principal, 'webhooks.delete', id)
      await deps.store.remove(endpoint)
      return view(endpoint)
    },

    /** Enables a disabled endpoint again (its URL checked anew); events missed meanwhile are not sent. */
    async enable(principal: Principal, id: string): Promise<WebhookView> {
      const endpoint = await owned(principal, 'webhooks.enable', id)
      if (endpoint.status !== 'enabled') {
        await checkUrl(endpoint.url)
        await deps.store.enable(id)
      }
      return view((await deps.store.get(id)) ?? endpoint)
    },

    /** The endpoint's delivery attempts, newest first, a page at a time. */
    async deliveries(principal: Principal, id: string, page: { limit: number; cursor?: { before: number } | undefined }): Promise<Page<DeliveryAttempt>> {
      await owned(principal, 'webhooks.deliveries', id)
      const found = await deps.store.attempts(id, { limit: page.limit, ...(page.cursor === undefined ? {} : { before: page.cursor.before }) })
      return found.next === undefined ? { items: found.items } : { items: found.items, nextCursor: attemptCursor.encode({ before: found.next }) }
    },

    /** Sends a logged delivery again, with the same `webhook-id`, body and retry schedule. */
    async redeliver(principal: Principal, id: string, deliveryId: string): Promise<z.infer<typeof redeliverySchema>> {
      const endpoint = await owned(principal, 'webhooks.redeliver', id)
      const record = await deps.store.getDelivery(id, deliveryId)
      if (record === undefined) throw new NotFoundError(`delivery ${deliveryId}`)
      if (endpoint.status !== 'enabled') {
        throw new ConflictError('webhook_disabled', `this webhook is disabled (${endpoint.disabledReason ?? 'no reason recorded'}); enable it first`)
      }
      const payload: DeliveryPayload = {
        endpointId: record.endpointId,
        eventId: record.eventId,
        type: record.type,
        webhookId: record.webhookId,
        body: record.body,
        trigger: 'redelivery',
      }
      await deps.queue.enqueue('deliver-webhook', payload, {
        jobId: `${deliveryJobId(id, record.eventId)}_r${Date.now()}${randomBytes(3).toString('hex')}`,
      })
      return { deliveryId: record.webhookId, eventId: record.eventId, type: record.type, queued: true }
    },

    /**
     * One delivery job per enabled endpoint of each recipient subscribed to the event. Job ids
     * are deterministic, so reading the same event twice enqueues nothing new.
     */
    async fanOut(event: ServiceEvent): Promise<number> {
      let n = 0
      const body = deliveryBody(event)
      for (const orgId of new Set(event.recipients)) {
        for (const endpoint of await deps.store.listForOrg(orgId)) {
          if (!endpointWants(endpoint, event)) continue
          const webhookId = webhookMessageId(endpoint.id, event.id)
          const payload: DeliveryPayload = { endpointId: endpoint.id, eventId: event.id, type: event.type, webhookId, body, trigger: 'event' }
          await deps.store.putDelivery({ ...payload, createdAt: now().toISOString() })
          await deps.queue.enqueue('deliver-webhook', payload, { jobId: deliveryJobId(endpoint.id, event.id) })
          n++
        }
      }
      return n
    },

    /**
     * One attempt of a delivery, in one of the endpoint's slots; throws RetryDelivery when it
     * should be tried again, DeferJob when every slot is taken (it is woken when one frees up).
     */
    async deliver(payload: DeliveryPayload, job: { id: string; attempt: number }): Promise<void> {
      // A slot outlives the longest request; a holder that died frees it after that.
      const leaseMs = deps.timeoutMs + 5000
      if (!(await deps.store.takeSlot(payload.endpointId, job.id, deps.perEndpoint, leaseMs))) throw new DeferJob(leaseMs)
      try {
        await sendOnce(payload, job)
      } catch (err) {
        if (err instanceof RetryDelivery) throw err
        // Anything else (Redis, say) is retried on the same schedule as a failed request.
        throw new RetryDelivery((err as Error).message, retryDelay(deps.schedule, job.attempt))
      } finally {
        const next = await deps.store.releaseSlot(payload.endpointId, job.id)
        if (next !== undefined) await deps.queue.wake('deliver-webhook', next)
      }
    },
  }
}

export type WebhooksService = ReturnType<typeof createWebhooksService>
