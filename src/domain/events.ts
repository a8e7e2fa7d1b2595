/**
 * Events the service publishes to organisations: pushed to operations centres by webhooks and
 * by the live stream. Payloads are thin (ids, score, links): the receiver fetches the rest with
 * its own key, so an event never carries more than its recipient may read.
 */
export const EVENT_TYPES = ['pairing.created', 'pairing.updated', 'pairing.digest'] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface ServiceEvent {
  /** The Redis stream id: ordered, and the SSE `id` that `Last-Event-ID` resumes after. */
  id: string
  type: EventType
  /** Organisations that receive the event (operations centres, for pairings). */
  recipients: string[]
  /** ISO time of publication. */
  at: string
  data: Record<string, unknown>
}

/** Orders event ids (Redis stream ids, `ms-seq`): the order events happened in. */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-')
  const [bm = '0', bs = '0'] = b.split('-')
  const ms = BigInt(am) - BigInt(bm)
  if (ms !== 0n) return ms < 0n ? -1 : 1
  const seq = BigInt(as) - BigInt(bs)
  return seq === 0n ? 0 : seq < 0n ? -1 : 1
}

export interface EventLog {
  /** Events after `afterId` (exclusive), oldest first; `0-0` reads from the start. */
  readAfter(afterId: string, count: number): Promise<ServiceEvent[]>
  get(id: string): Promise<ServiceEvent | undefined>
  /** The id of the newest event, or `0-0`. */
  head(): Promise<string>
  /** Waits up to `blockMs` for events after `afterId`, on a connection of its own. */
  waitAfter(afterId: string, count: number, blockMs: number): Promise<ServiceEvent[]>
  close(): Promise<void>
}
