/**
 * The inventory change feed: a stream of upserts and removals (trimmed to about the last 200,000)
 * that every process follows to keep its in-memory indexes current. A process skips its own
 * changes, which it applied before publishing them.
 */
import type { Redis } from 'ioredis'
import type { ChangeFeed, PatentChange } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { pairs } from './records.js'
import { blockingConnection, streamHead } from './streams.js'

/** A stream id as [milliseconds, sequence], or undefined for anything else. */
function parseId(id: string): [bigint, bigint] | undefined {
  const m = /^(\d+)-(\d+)$/.exec(id)
  return m === null ? undefined : [BigInt(m[1]!), BigInt(m[2]!)]
}

/** −1, 0 or 1 as stream id a is before, at or after b. */
export function compareStreamIds(a: string, b: string): number {
  const [x, y] = [parseId(a), parseId(b)]
  if (x === undefined || y === undefined) throw new Error(`not a stream id: ${x === undefined ? a : b}`)
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1
  return x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1
}

export function createChangeFeed(redis: Redis, prefix: string, origin: string): ChangeFeed & { origin: string } {
  const key = redisKeys(prefix).patentChanges
  return {
    origin,
    async publish(change) {
      const id = await redis.xadd(key, 'MAXLEN', '~', '200000', '*', 'op', change.op, 'pns', change.publicationNumbers.join(','), 'origin', origin)
      return id ?? '0-0'
    },
    head: () => streamHead(redis, key),
    compare: compareStreamIds,
    async gapAfter(position) {
      if (parseId(position) === undefined) return `${position} is not a position in the change feed`
      const [head, first] = await Promise.all([streamHead(redis, key), redis.xrange(key, '-', '+', 'COUNT', 1)])
      const oldest = first[0]?.[0]
      // the stream is trimmed from its start only: changes at or after its oldest entry are all there
      if (oldest === undefined) return position === '0-0' ? undefined : `the change feed is empty, not at ${position}: it was deleted since`
      if (compareStreamIds(position, head) > 0) return `${position} is past the change feed's newest change ${head}: another feed`
      if (compareStreamIds(position, oldest) < 0) return `the change feed no longer holds the changes after ${position} (its oldest is ${oldest})`
      return undefined
    },
    follow(fromId, handler) {
      const conn = blockingConnection(redis)
      let stopped = false
      let lastId = fromId
      let handled = fromId
      let reached: () => void = () => undefined
      let failed: (err: unknown) => void = () => undefined
      const caughtUp = new Promise<void>((resolve, reject) => ((reached = resolve), (failed = reject)))
      caughtUp.catch(() => undefined)
      const loop = (async () => {
        let target: string | undefined
        while (target === undefined && !stopped) target = await streamHead(redis, key).catch(() => new Promise<undefined>((r) => setTimeout(r, 500)))
        if (target === undefined) return
        const check = () => compareStreamIds(handled, target!) >= 0 && reached()
        check()
        while (!stopped) {
          let res: Array<[string, Array<[string, string[]]>]> | null
          try {
            res = (await conn.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', key, lastId)) as typeof res
          } catch (err) {
            if (stopped) return
            await new Promise((r) => setTimeout(r, 500))
            continue
          }
          for (const [, entries] of res ?? []) {
            for (const [id, fields] of entries) {
              lastId = id
              const f = pairs(fields)
              if (f.origin !== origin) {
                const change: PatentChange = {
                  op: f.op === 'remove' ? 'remove' : 'upsert',
                  publicationNumbers: (f.pns ?? '').split(',').filter(Boolean),
                }
                await handler(change, id)
              }
              handled = id
              check()
            }
          }
        }
      })()
      loop.catch(failed)
      return {
        position: () => handled,
        caughtUp,
        async stop() {
          stopped = true
          conn.disconnect()
          reached()
          await loop.catch(() => undefined)
        },
      }
    },
  }
}
