/** A need's matches: one JSON record per need, changed under optimistic locking. */
import type { Redis } from 'ioredis'
import type { MatchSet, MatchStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import type { Optimistic } from './optimistic.js'
import { jsonRecords, parse } from './records.js'

export function createMatchStore(redis: Redis, prefix: string, optimistic: Optimistic): MatchStore {
  const key = redisKeys(prefix).matches
  const records = jsonRecords<MatchSet>(redis, key)
  return {
    get: records.get,
    getMany: records.getMany,
    async put(set) {
      await records.put(set.needId, set)
    },
    update(needId, change) {
      return optimistic.update(key(needId), (raw) => {
        const next = change(parse<MatchSet>(raw))
        if (next === undefined) return undefined
        return { result: next, write: (multi) => records.write(multi, needId, next) }
      })
    },
  }
}
