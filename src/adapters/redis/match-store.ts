/**
 * A need's matches: one JSON record per need, changed under optimistic locking, and beside it in
 * one hash each set in brief (`MatchEntry`, written in the same transaction), so that a
 * reverse-matching pass reads a few bytes of every open need instead of every set.
 */
import type { ChainableCommander, Redis } from 'ioredis'
import type { MatchEntry, MatchSet, MatchStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import type { Optimistic } from './optimistic.js'
import { jsonRecords, parse } from './records.js'

/** A brief as stored: [version, state, count, last evidence or null]. */
type StoredEntry = [number, MatchSet['state'], number, number | null]

export function createMatchStore(redis: Redis, prefix: string, optimistic: Optimistic): MatchStore {
  const keys = redisKeys(prefix)
  const key = keys.matches
  const records = jsonRecords<MatchSet>(redis, key)
  const write = (multi: ChainableCommander, set: MatchSet) => {
    const entry: StoredEntry = [set.needVersion, set.state, set.matches.length, set.matches.at(-1)?.evidence ?? null]
    return records.write(multi, set.needId, set).hset(keys.matchEntries, set.needId, JSON.stringify(entry))
  }
  return {
    get: records.get,
    getMany: records.getMany,
    async put(set) {
      await write(redis.multi(), set).exec()
    },
    update(needId, change) {
      return optimistic.update(key(needId), (raw) => {
        const next = change(parse<MatchSet>(raw))
        if (next === undefined) return undefined
        return { result: next, write: (multi) => write(multi, next) }
      })
    },
    async entries(needIds) {
      if (needIds.length === 0) return []
      return (await redis.hmget(keys.matchEntries, ...needIds)).map((raw): MatchEntry | undefined => {
        const e = parse<StoredEntry>(raw)
        return e === undefined ? undefined : { needVersion: e[0], state: e[1], count: e[2], last: e[3] ?? undefined }
      })
    },
  }
}
