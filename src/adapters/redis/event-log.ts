/**
 * The event log: one Redis stream of every published event. Events are appended in the same
 * transaction as the state change they announce (see the pairing store), so none is lost when
 * a process dies in between; webhooks and the live stream both read from here.
 */
import type { Redis } from 'ioredis'
import type { EventLog, EventType, ServiceEvent } from '../../domain/events.js'

export const eventStreamKey = (prefix: string) => `${prefix}:events`

/** Fields of a stream entry for an event; the id is assigned by Redis. */
export function eventFields(e: Omit<ServiceEvent, 'id'>): string[] {
  return ['type', e.type, 'recipients', e.recipients.join(','), 'at', e.at, 'data', JSON.stringify(e.data)]
}

export type Entry = [id: string, fields: string[]]

/** A stream entry as an event (throws on a malformed `data` field). */
export function toEvent([id, fields]: Entry): ServiceEvent {
  const f: Record<string, string> = {}
  for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!
  return {
    id,
    type: f.type as EventType,
    recipients: (f.recipients ?? '').split(',').filter(Boolean),
    at: f.at ?? '',
    data: JSON.parse(f.data ?? '{}') as Record<string, unknown>,
  }
}

export function createEventLog(redis: Redis, prefix: string): EventLog {
  const key = eventStreamKey(prefix)
  let blocking: Redis | undefined
  return {
    async readAfter(afterId, count) {
      const entries = (await redis.xrange(key, `(${afterId}`, '+', 'COUNT', count)) as Entry[]
      return entries.map(toEvent)
    },
    async get(id) {
      const entries = (await redis.xrange(key, id, id)) as Entry[]
      return entries[0] === undefined ? undefined : toEvent(entries[0])
    },
    async head() {
      const last = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as Entry[]
      return last[0]?.[0] ?? '0-0'
    },
    async waitAfter(afterId, count, blockMs) {
      blocking ??= redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null })
      const res = (await blocking.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, afterId)) as Array<[string, Entry[]]> | null
      return (res?.[0]?.[1] ?? []).map(toEvent)
    },
    async close() {
      blocking?.disconnect()
    },
  }
}
