/**
 * Events the service publishes to organisations: pushed to operations centres by webhooks and
 * by the live stream. Payloads are thin (ids, score, links): the receiver fetches the rest with
 * its own key, so an event never carries more than its recipient may read.
 */
import type { Pairing, PairingEvent } from './pairing.js'
import type { PairingStateChangedEvent } from './stats.js'

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

/** An event before its log gives it its id. */
export type NewEvent<E extends { id: string }> = E extends unknown ? Omit<E, 'id'> : never

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

/**
 * What a pairing's change (its creation or a transition, `history`) announces: the programme's
 * record of it, from which the provincial figures are computed, and the event its centre receives.
 * The store writes both in the transaction of the change.
 */
export interface PairingAnnouncement {
  record: NewEvent<PairingStateChangedEvent>
  /** For a new pairing, published only if it is pushed (not held back by a cap or digest mode). */
  event: NewEvent<ServiceEvent>
}

export function announcePairingChange(p: Pairing, history: PairingEvent): PairingAnnouncement {
  const record: NewEvent<PairingStateChangedEvent> = {
    type: 'pairing-state-changed',
    at: history.at,
    pairingId: p.id,
    from: history.from,
    to: history.to,
    needId: p.needId,
    publicationNumber: p.publicationNumber,
  }
  if (p.province !== undefined) record.province = p.province
  if (p.provinceCode !== undefined) record.provinceCode = p.provinceCode
  if (p.universityOrgId !== undefined) record.universityOrgId = p.universityOrgId
  if (p.enterpriseOrgId !== undefined) record.enterpriseId = p.enterpriseOrgId
  const data =
    history.from === null
      ? { pairingId: p.id, needId: p.needId, publicationNumber: p.publicationNumber, score: p.score }
      : { pairingId: p.id, from: history.from, to: history.to, ...(history.reason ? { reason: history.reason } : {}) }
  return { record, event: { type: history.from === null ? 'pairing.created' : 'pairing.updated', recipients: [p.centreOrgId], at: history.at, data } }
}

/** The one event of a centre's digest: its held pairings counted, the best of them listed. */
export function announceDigest(centreOrgId: string, at: string, since: string | undefined, held: number, top: readonly Pairing[]): NewEvent<ServiceEvent> {
  return {
    type: 'pairing.digest',
    recipients: [centreOrgId],
    at,
    data: {
      since: since ?? null,
      count: held,
      pairings: top.map((p) => ({ pairingId: p.id, needId: p.needId, publicationNumber: p.publicationNumber, score: p.score })),
    },
  }
}
