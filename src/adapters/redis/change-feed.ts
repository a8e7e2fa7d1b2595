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

export function createChangeFeed(redis: Redis, prefix: string, origin: string): ChangeFeed & { origin: string } {
  const key = redisKeys(prefix).patentChanges
  return {
    origin,
    async publish(change) {
      const id = await redis.xadd(key, 'MAXLEN', '~', '200000', '*', 'op', change.op, 'pns', change.publicationNumbers.join(','), 'origin', origin)
      return id ?? '0-0'
    },
    head: () => streamHead(redis, key),
    follow(fromId, handler) {
      const conn = blockingConnection(redis)
      let stopped = false
      let lastId = fromId
      const loop = (async () => {
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
              if (f.origin === origin) continue
              const change: PatentChange = {
                op: f.op === 'remove' ? 'remove' : 'upsert',
                publicationNumbers: (f.pns ?? '').split(',').filter(Boolean),
              }
              await handler(change, id)
            }
          }
        }
      })()
      return {
        async stop() {
          stopped = true
          conn.disconnect()
          await loop.catch(() => undefined)
        },
      }
    },
  }
}
