/**
 * Read-modify-write under optimistic locking (WATCH/MULTI). WATCH belongs to a connection, so
 * one dedicated connection serves one update at a time in this process; other processes are
 * kept out by the WATCH itself.
 */
import type { ChainableCommander, Redis } from 'ioredis'

export interface Optimistic {
  /**
   * Reads `key`, lets `plan` decide, and commits the commands it queues only if nobody wrote
   * `key` meanwhile (retrying otherwise). `plan` returns undefined to write nothing.
   */
  update<T>(key: string, plan: (current: string | null) => { result: T; write: (multi: ChainableCommander) => void } | undefined): Promise<T | undefined>
  close(): Promise<void>
}

export function createOptimistic(redis: Redis): Optimistic {
  let conn: Redis | undefined
  let queue: Promise<void> = Promise.resolve()
  return {
    update(key, plan) {
      conn ??= redis.duplicate({ lazyConnect: false, enableOfflineQueue: true })
      const c = conn
      const run = async () => {
        for (let attempt = 0; attempt < 50; attempt++) {
          await c.watch(key)
          const decided = plan(await c.get(key))
          if (decided === undefined) {
            await c.unwatch()
            return undefined
          }
          const multi = c.multi()
          decided.write(multi)
          if ((await multi.exec()) !== null) return decided.result
        }
        throw new Error(`could not update ${key}: too much contention`)
      }
      const result = queue.then(run)
      queue = result.then(
        () => undefined,
        () => undefined,
      )
      return result
    },
    async close() {
      await queue
      conn?.disconnect()
    },
  }
}
