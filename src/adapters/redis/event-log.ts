/**
 * The event log: one Redis stream of every published event, and the one place that knows its
 * entries' format. Events are appended in the same transaction as the state change they announce
 * (see `eventAppend` and the pairing store), so none is lost when a process dies in between;
 * webhooks and the live stream both read from here.
 */
import type { Redis } from 'ioredis'
import type { EventLog, EventType, ServiceEvent } from '../../domain/events.js'
import type { NewEvent } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { pairs } from './records.js'
import { blockingConnection, streamHead, type StreamAppend } from './streams.js'

export const eventStreamKey = (prefix: string) => redisKeys(prefix).events

/** Fields of a stream entry for an event; the id is assigned by Redis. */
export function eventFields(e: NewEvent<ServiceEvent>): string[] {
  return ['type', e.type, 'recipients', e.recipients.join(','), 'at', e.at, 'data', JSON.stringify(e.data)]
}

/** The append of an event, for the transaction of the change it announces; the log keeps about the last million. */
export function eventAppend(prefix: string, e: NewEvent<ServiceEvent>): StreamAppend {
  return { key: eventStreamKey(prefix), args: ['MAXLEN', '~', '1000000', '*', ...eventFields(e)] }
}

export type Entry = [id: string, fields: string[]]

/** A stream entry as an event (throws on a malformed `data` field). */
export function toEvent([id, fields]: Entry): ServiceEvent {
  const f = pairs(fields)
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
    head: () => streamHead(redis, key),
    async waitAfter(afterId, count, blockMs) {
      blocking ??= blockingConnection(redis)
      const res = (await blocking.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, afterId)) as Array<[string, Entry[]]> | null
      return (res?.[0]?.[1] ?? []).map(toEvent)
    },
    async close() {
      blocking?.disconnect()
    },
  }
}
