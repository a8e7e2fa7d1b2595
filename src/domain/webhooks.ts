/**
 * Webhook push for operations centres: endpoints, deliveries, the retry schedule and the address
 * rules that keep outgoing requests off private networks. Pure: no I/O here.
 *
 * Deliveries follow the Standard Webhooks spec (headers `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`); the `webhook-id` of a delivery is derived from its endpoint and event, so
 * retries, re-reads of the event stream and manual redeliveries all carry the same id and the
 * receiver can deduplicate on it.
 */
import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import { z } from 'zod'
import { compareStreamIds, EVENT_TYPES, type ServiceEvent } from './events.js'

export const webhookEndpointSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  /** `whsec_` + base64 of the signing key; shown to the owner once, at registration. */
  secret: z.string(),
  createdAt: z.string(),
  /** Events up to and including this stream id happened before registration and are not sent. */
  sinceEventId: z.string(),
  status: z.enum(['enabled', 'disabled']),
  /** Why the endpoint was disabled: a 410 Gone, or failures for longer than WEBHOOK_DISABLE_AFTER. */
  disabledReason: z.string().optional(),
  disabledAt: z.string().optional(),
  /** Start of the current run of failed attempts; cleared by a success. */
  failingSince: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  lastFailureAt: z.string().optional(),
})
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>

/** What a delivery job carries; `body` is the exact JSON that is signed and sent. */
export interface DeliveryPayload {
  endpointId: string
  eventId: string
  type: string
  /** The `webhook-id`: the same for every attempt and redelivery of this event to this endpoint. */
  webhookId: string
  body: string
  trigger?: 'event' | 'redelivery'
}

/** A delivery as kept for the log and for manual redelivery. */
export interface DeliveryRecord extends DeliveryPayload {
  createdAt: string
}

export const ATTEMPT_OUTCOMES = ['succeeded', 'retrying', 'failed', 'endpoint-disabled', 'skipped'] as const
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]

/** One attempt, as the endpoint's owner sees it in the delivery log. */
export const deliveryAttemptSchema = z.object({
  deliveryId: z.string().describe('the delivery, also its webhook-id header'),
  eventId: z.string(),
  type: z.string(),
  attempt: z.number().int(),
  trigger: z.enum(['event', 'redelivery']),
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
  at: z.string(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  /** When the next attempt is due, for `retrying`. */
  nextAttemptInMs: z.number().optional(),
})
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>

export interface WebhookStore {
  create(endpoint: WebhookEndpoint): Promise<void>
  get(id: string): Promise<WebhookEndpoint | undefined>
  listForOrg(orgId: string): Promise<WebhookEndpoint[]>
  listAll(): Promise<WebhookEndpoint[]>
  countForOrg(orgId: string): Promise<number>
  remove(endpoint: WebhookEndpoint): Promise<void>
  enable(id: string): Promise<void>
  disable(id: string, reason: string, at: string): Promise<void>
  /** Records a successful attempt: ends a run of failures. */
  succeeded(id: string, at: string): Promise<void>
  /** Records a failed attempt; returns when the current run of failures began. */
  failed(id: string, at: string): Promise<string>
  /** The id of the newest event in the stream, or `0-0`. */
  lastEventId(): Promise<string>
  putDelivery(record: DeliveryRecord): Promise<void>
  getDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRecord | undefined>
  logAttempt(endpointId: string, attempt: DeliveryAttempt): Promise<void>
  /**
   * One page of the endpoint's attempts, newest first: `limit` of them, older than the attempt
   * numbered `before` when given (attempts are numbered 1, 2, … as they are logged). `next` is the
   * number to go on from, absent once the log is read to its end.
   */
  attempts(endpointId: string, options: { limit: number; before?: number }): Promise<{ items: DeliveryAttempt[]; next?: number }>
  /**
   * Takes one of an endpoint's `limit` delivery slots for `holder` (across every process) for at
   * most `leaseMs`; when none is free, parks `holder` in the endpoint's line and answers false.
   */
  takeSlot(endpointId: string, holder: string, limit: number, leaseMs: number): Promise<boolean>
  /** Gives the slot back; answers the first holder parked in line (taken out of it), if any. */
  releaseSlot(endpointId: string, holder: string): Promise<string | undefined>
}

/** Most endpoints one organisation may register. */
export const MAX_ENDPOINTS_PER_ORG = 20
/** Attempts kept in each endpoint's log; deliveries kept for redelivery. */
export const LOG_CAP = 1000

export const webhookInputSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
    .max(2048)
    .refine((u) => {
      if (!URL.canParse(u)) return true // reported by the URL check
      const parsed = new URL(u)
      return parsed.username === '' && parsed.password === ''
    }, 'must not carry a user name or password'),
  events: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .max(EVENT_TYPES.length)
    .transform((e) => [...new Set(e)])
    .optional(),
})
export type WebhookInput = z.infer<typeof webhookInputSchema>

/** The `webhook-id` of an event's delivery to an endpoint: stable across retries and redeliveries. */
export function webhookMessageId(endpointId: string, eventId: string): string {
  return `msg_${createHash('sha256').update(`${endpointId}/${eventId}`).digest('base64url').slice(0, 27)}`
}

/** BullMQ job id of an event's delivery to an endpoint (BullMQ forbids ':' in custom ids). */
export function deliveryJobId(endpointId: string, eventId: string): string {
  return `${endpointId}_${eventId}`
}

/** Whether the endpoint receives the event: enabled, subscribed, and registered before it happened. */
export function endpointWants(endpoint: WebhookEndpoint, event: ServiceEvent): boolean {
  return endpoint.status === 'enabled' && endpoint.events.includes(event.type) && compareStreamIds(event.id, endpoint.sinceEventId) > 0
}

/**
 * The thin body of a delivery: the event's ids and score, and links the receiver follows with
 * its own key. Deterministic for an event, so a redelivery sends the same bytes.
 */
export function deliveryBody(event: ServiceEvent): string {
  const data: Record<string, unknown> = { ...event.data }
  const links: Record<string, string> = {}
  if (typeof data.pairingId === 'string') links.pairing = `/v1/pairings/${encodeURIComponent(data.pairingId)}`
  if (typeof data.needId === 'string') links.need = `/v1/needs/${encodeURIComponent(data.needId)}`
  if (typeof data.publicationNumber === 'string') links.patent = `/v1/patents/${encodeURIComponent(data.publicationNumber)}`
  data.links = { ...(typeof data.links === 'object' && data.links !== null ? data.links : {}), ...links }
  return JSON.stringify({ type: event.type, timestamp: event.at, eventId: event.id, data })
}

// ---------------------------------------------------------------------------------------------
// Durations and the retry schedule

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/** `500ms`, `5s`, `5m`, `2h`, `3d` → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (m === null) return undefined
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS])
}

/** `5s,5m,30m` → [5000, 300000, 1800000]; undefined when any part is not a duration. */
export function parseSchedule(text: string): number[] | undefined {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '')
  const out = parts.map(parseDuration)
  return out.length === 0 || out.some((d) => d === undefined) ? undefined : (out as number[])
}

/** Longest wait a `Retry-After` may impose on one retry. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000

/**
 * Delay before the next attempt after `attemptsMade` failed ones: the schedule's entry with
 * ±20 % jitter, or longer when the receiver's `Retry-After` asked for it (up to 24 h).
 */
export function retryDelay(schedule: readonly number[], attemptsMade: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = schedule[Math.min(Math.max(attemptsMade, 1), schedule.length) - 1] ?? 0
  const jittered = Math.round(base * (0.8 + 0.4 * random()))
  if (retryAfterMs !== undefined && retryAfterMs > jittered) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
  return jittered
}

/** `Retry-After` in seconds or as an HTTP date → milliseconds from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

// ---------------------------------------------------------------------------------------------
// Addresses outgoing requests may not reach (SSRF)

export type AddressClass = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared' | 'multicast' | 'reserved'

/** ipaddr.js's range names → the classes refused here; `unicast` (public) is absent. */
const RANGE_CLASS: Record<string, AddressClass> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'shared',
  multicast: 'multicast',
}

function classifyParsed(addr: ipaddr.IPv4 | ipaddr.IPv6): AddressClass | undefined {
  const range = addr.range()
  if (range === 'unicast') return undefined
  // every other special range (documentation, benchmarking, reserved, AS112, Teredo …) is refused
  return RANGE_CLASS[range] ?? 'reserved'
}

/**
 * The class of an address outgoing requests must not reach, or undefined for a public one.
 * IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
 * NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address.
 */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (!ipaddr.isValid(bare) || isIP(bare) === 0) return 'reserved'
  const addr = ipaddr.parse(bare)
  if (addr instanceof ipaddr.IPv4) return classifyParsed(addr)
  const g = addr.parts
  const embedded = (hi: number, lo: number) => classifyParsed(ipaddr.fromByteArray([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]) as ipaddr.IPv4)
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 8)) return 'unspecified'
  if (zeros(0, 7) && g[7] === 1) return 'loopback'
  if (addr.isIPv4MappedAddress()) return embedded(g[6]!, g[7]!)
  if (zeros(0, 6)) return embedded(g[6]!, g[7]!) ?? 'reserved' // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(g[6]!, g[7]!) // NAT64
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!) // 6to4
  return classifyParsed(addr)
}
