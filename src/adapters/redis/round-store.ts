/** Recommendation rounds, and the per-province lock that keeps quota checks and writes together. */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Round, RoundStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { jsonRecords } from './records.js'

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

export function createRoundStore(redis: Redis, prefix: string): RoundStore {
  const k = redisKeys(prefix).rounds
  const records = jsonRecords<Round>(redis, k.record)
  return {
    put: (round) => records.put(round.id, round, k.all),
    get: records.get,
    async list() {
      return (await records.members(k.all)).sort((a, b) => a.deadline.localeCompare(b.deadline))
    },
    async withProvinceLock(province, fn) {
      const lock = k.poolLock(province)
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
