/**
 * Reads the event stream with a consumer group, so each event is handled by one process at a
 * time and none is lost when a process dies: entries are acknowledged (XACK) only after the
 * handler returns; entries left pending by a dead consumer are claimed (XAUTOCLAIM) once idle
 * for `claimIdleMs` and handled again. Handlers must therefore be idempotent (the webhook
 * dispatcher enqueues jobs with deterministic ids).
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ServiceEvent } from '../../domain/events.js'
import { eventStreamKey, toEvent, type Entry } from './event-log.js'
import { pairs } from './records.js'
import { blockingConnection } from './streams.js'

export interface EventConsumerOptions {
  redis: Redis
  prefix: string
  /** Consumer group: every group sees every event once. */
  group: string
  handle(event: ServiceEvent): Promise<void>
  /** How long an entry may stay unacknowledged before another consumer takes it over. */
  claimIdleMs: number
  blockMs?: number
  batch?: number
  log: Logger
}

/** Handler failures after which an event is logged and skipped rather than retried again. */
const MAX_HANDLER_FAILURES = 10
/** Consumers idle this long with nothing pending are removed from the group. */
const STALE_CONSUMER_MS = 24 * 3_600_000

export function startEventConsumer(opts: EventConsumerOptions): { stop(): Promise<void>; consumer: string } {
  const key = eventStreamKey(opts.prefix)
  const conn = blockingConnection(opts.redis)
  conn.on('error', () => undefined) // reconnects by itself; the loop reports failed commands
  const consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
  const blockMs = opts.blockMs ?? 1000
  const batch = opts.batch ?? 100
  const failures = new Map<string, number>()
  let stopped = false
  let reading = false
  let nextClaim = 0
  let nextCleanup = 0

  const ensureGroup = async () => {
    try {
      // From the start of the stream: endpoints skip events older than themselves.
      await conn.xgroup('CREATE', key, opts.group, '0', 'MKSTREAM')
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err
    }
  }

  const process1 = async (entry: [string, string[] | null]) => {
    const [id, fields] = entry
    if (fields !== null) {
      let event: ServiceEvent | undefined
      try {
        event = toEvent(entry as Entry)
      } catch (err) {
        opts.log.error({ eventId: id, err: (err as Error).message }, 'malformed event in the stream; skipped')
      }
      if (event !== undefined) {
        try {
          await opts.handle(event)
          failures.delete(id)
        } catch (err) {
          const n = (failures.get(id) ?? 0) + 1
          failures.set(id, n)
          if (stopped || n < MAX_HANDLER_FAILURES) {
            // Left pending: claimed again once idle.
            opts.log.warn({ eventId: id, group: opts.group, err: (err as Error).message }, 'event handler failed; will retry')
            return
          }
          failures.delete(id)
          opts.log.error({ eventId: id, group: opts.group, err: (err as Error).message }, 'event handler keeps failing; event skipped')
        }
      }
    }
    await conn.xack(key, opts.group, id)
  }

  const claimStale = async () => {
    let cursor = '0-0'
    do {
      const res = (await conn.xautoclaim(key, opts.group, consumer, opts.claimIdleMs, cursor, 'COUNT', batch)) as [
        string,
        Array<[string, string[] | null]>,
        string[]?,
      ]
      cursor = res[0]
      for (const entry of res[1]) {
        if (stopped) return
        await process1(entry)
      }
    } while (cursor !== '0-0' && !stopped)
  }

  const cleanupConsumers = async () => {
    const rows = (await conn.xinfo('CONSUMERS', key, opts.group)) as Array<Array<string | number>>
    for (const row of rows) {
      const info = pairs(row)
      if (info.name !== consumer && Number(info.pending) === 0 && Number(info.idle) > STALE_CONSUMER_MS) {
        await conn.xgroup('DELCONSUMER', key, opts.group, String(info.name))
      }
    }
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        if (Date.now() >= nextClaim) {
          if (nextClaim === 0) await ensureGroup()
          await claimStale()
          nextClaim = Date.now() + Math.max(100, Math.floor(opts.claimIdleMs / 2))
        }
        if (Date.now() >= nextCleanup) {
          await cleanupConsumers()
          nextCleanup = Date.now() + 3_600_000
        }
        if (stopped) break
        reading = true
        const res = (await conn.xreadgroup('GROUP', opts.group, consumer, 'COUNT', batch, 'BLOCK', blockMs, 'STREAMS', key, '>')) as Array<
          [string, Array<[string, string[] | null]>]
        > | null
        reading = false
        for (const [, entries] of res ?? []) {
          for (const entry of entries) {
            if (stopped) break
            await process1(entry)
          }
        }
      } catch (err) {
        reading = false
        if (stopped) break
        if (/NOGROUP/.test((err as Error).message)) nextClaim = 0
        opts.log.warn({ group: opts.group, err: (err as Error).message }, 'reading the event stream failed; retrying')
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
  })()

  return {
    consumer,
    async stop() {
      stopped = true
      // A blocked read is abandoned (what it took stays pending and is claimed later); a batch
      // being handled finishes its current event.
      if (reading) conn.disconnect()
      await loop.catch(() => undefined)
      conn.disconnect()
    },
  }
}
