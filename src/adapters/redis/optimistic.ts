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
  /**
   * The same for many keys at once, read in one MGET (`current[i]` is `keys[i]`'s value): the
   * commands are committed only if none of the keys was written meanwhile (all retried otherwise).
   */
  updateMany<T>(keys: string[], plan: (current: Array<string | null>) => { result: T; write: (multi: ChainableCommander) => void } | undefined): Promise<T | undefined>
  close(): Promise<void>
}

export function createOptimistic(redis: Redis): Optimistic {
  let conn: Redis | undefined
  let queue: Promise<void> = Promise.resolve()
  /** Runs the updates one at a time on the dedicated connection. */
  const serially = <T>(run: (c: Redis) => Promise<T>): Promise<T> => {
    conn ??= redis.duplicate({ lazyConnect: false, enableOfflineQueue: true })
    const c = conn
    const result = queue.then(() => run(c))
    queue = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
  const transact = async <T, V>(
    c: Redis,
    keys: string[],
    read: () => Promise<V>,
    plan: (current: V) => { result: T; write: (multi: ChainableCommander) => void } | undefined,
  ): Promise<T | undefined> => {
    for (let attempt = 0; attempt < 50; attempt++) {
      await c.watch(...keys)
      const decided = plan(await read())
      if (decided === undefined) {
        await c.unwatch()
        return undefined
      }
      const multi = c.multi()
      decided.write(multi)
      if ((await multi.exec()) !== null) return decided.result
    }
    throw new Error(`could not update ${keys.length === 1 ? keys[0] : `${keys.length} keys (${keys[0]}…)`}: too much contention`)
  }
  return {
    update(key, plan) {
      return serially((c) => transact(c, [key], () => c.get(key), plan))
    },
    updateMany(keys, plan) {
      if (keys.length === 0) return Promise.resolve(plan([])?.result)
      return serially((c) => transact(c, keys, () => c.mget(...keys), plan))
    },
    async close() {
      await queue
      conn?.disconnect()
    },
  }
}
