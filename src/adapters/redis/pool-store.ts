/** Recommendation rounds, and the per-province lock that keeps quota checks and writes together. */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Round, RoundStore } from '../../domain/ports.js'

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

export function createRoundStore(redis: Redis, prefix: string): RoundStore {
  const key = (id: string) => `${prefix}:round:${id}`
  const all = `${prefix}:rounds`
  return {
    async put(round) {
      await redis.multi().set(key(round.id), JSON.stringify(round)).sadd(all, round.id).exec()
    },
    async get(id) {
      const raw = await redis.get(key(id))
      return raw === null ? undefined : (JSON.parse(raw) as Round)
    },
    async list() {
      const ids = await redis.smembers(all)
      if (ids.length === 0) return []
      return (await redis.mget(ids.map(key)))
        .flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as Round]))
        .sort((a, b) => a.deadline.localeCompare(b.deadline))
    },
    async withProvinceLock(province, fn) {
      const lock = `${prefix}:pool-lock:${province}`
      const token = randomUUID()
      for (let i = 0; ; i++) {
        if ((await redis.set(lock, token, 'PX', 10_000, 'NX')) === 'OK') break
        if (i > 200) throw new Error(`the pool of ${province} is busy; try again`)
        await new Promise((r) => setTimeout(r, 25))
      }
      try {
        return await fn()
      } finally {
        await redis.eval(RELEASE, 1, lock, token)
      }
    },
  }
}
