/**
 * The "JSON record plus index" pattern that most stores share: each record is JSON under a key
 * of its own, and its id is listed in sets or sorted sets (all, by owner, by time). A record and
 * its index entries are written in one transaction; reads take many records in one MGET.
 */
import type { ChainableCommander, Redis } from 'ioredis'
import type { ScorePosition } from '../../domain/paging.js'

export const parse = <T>(raw: string | null | undefined): T | undefined => (raw == null ? undefined : (JSON.parse(raw) as T))

/** A flat reply of alternating names and values (HGETALL, stream entries, XINFO rows) as a record. */
export function pairs<V>(flat: readonly V[]): Record<string, V> {
  const out: Record<string, V> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]!
  return out
}

/** Where a record's id is listed: a set, or a sorted set with the id's score. */
export type Index = string | { key: string; score: number }

export interface JsonRecords<T> {
  get(id: string): Promise<T | undefined>
  /** In the order of `ids`; undefined where there is no record. */
  getMany(ids: string[]): Promise<Array<T | undefined>>
  /** The records that exist, in the order of `ids`. */
  existing(ids: string[]): Promise<T[]>
  /** The records whose ids the set `index` lists. */
  members(index: string): Promise<T[]>
  /** Queues the record and its index entries on `multi`, for a caller that writes more with them. */
  write(multi: ChainableCommander, id: string, record: T, ...indexes: Index[]): ChainableCommander
  /** Writes the record and its index entries in one transaction. */
  put(id: string, record: T, ...indexes: Index[]): Promise<void>
}

/** `onRead` brings a record written by an older version up to date (see `placeOnRecord`); as stored without it. */
export function jsonRecords<T>(redis: Redis, keyOf: (id: string) => string, onRead: (record: T) => T = (r) => r): JsonRecords<T> {
  const read = (raw: string | null | undefined): T | undefined => {
    const record = parse<T>(raw)
    return record === undefined ? undefined : onRead(record)
  }
  const getMany = async (ids: string[]): Promise<Array<T | undefined>> =>
    ids.length === 0 ? [] : (await redis.mget(ids.map(keyOf))).map(read)
  const existing = async (ids: string[]): Promise<T[]> => (await getMany(ids)).filter((r): r is T => r !== undefined)
  const write = (multi: ChainableCommander, id: string, record: T, ...indexes: Index[]) => {
    multi.set(keyOf(id), JSON.stringify(record))
    for (const index of indexes) {
      if (typeof index === 'string') multi.sadd(index, id)
      else multi.zadd(index.key, index.score, id)
    }
    return multi
  }
  return {
    async get(id) {
      return read(await redis.get(keyOf(id)))
    },
    getMany,
    existing,
    async members(index) {
      return existing(await redis.smembers(index))
    },
    write,
    async put(id, record, ...indexes) {
      await write(redis.multi(), id, record, ...indexes).exec()
    },
  }
}


/**
 * One page of a sorted set read from the highest score down (newest first for times), after
 * `after` when given: members with a lower score, or the same score and a lower id, as
 * ZREVRANGE orders them. Members added meanwhile above the position never shift the page. With
 * `keep`, members it refuses are skipped, reading at most `maxScan` of them before answering
 * with what it found and the place to go on from. `next` is absent once the set is read to the end
 * (or down to `min`, the lowest score read).
 */
export async function scorePage<T>(
  redis: Redis,
  key: string,
  options: { limit: number; after?: ScorePosition; load: (ids: string[]) => Promise<Array<T | undefined>>; keep?: (item: T) => boolean; maxScan?: number; min?: number },
): Promise<{ items: T[]; next?: ScorePosition }> {
  const { limit, after, load, keep = () => true, maxScan = 2000 } = options
  const min = options.min === undefined ? '-inf' : String(options.min)
  const items: T[] = []
  let max = after === undefined ? '+inf' : String(after.score)
  let offset = 0
  let scanned = 0
  let last: ScorePosition | undefined = after
  for (;;) {
    const batch = Math.min(Math.max(limit + 1, 50), 500)
    const flat = await redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', offset, batch)
    const entries: ScorePosition[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i]!, score: Number(flat[i + 1]) })
    // past the position: the same score sorts by id, highest first
    const fresh = entries.filter((e) => after === undefined || e.score < after.score || e.id < after.id)
    const loaded = await load(fresh.map((e) => e.id))
    for (const [i, e] of fresh.entries()) {
      const item = loaded[i]
      if (items.length === limit) return { items, next: last! }
      scanned++
      last = e
      if (item !== undefined && keep(item)) items.push(item)
      if (scanned >= maxScan && items.length < limit) return { items, next: e }
    }
    if (entries.length < batch) return { items }
    // go on below the last score read; ties at it are re-read and filtered by id
    const lowest = entries[entries.length - 1]!
    if (String(lowest.score) === max) offset += entries.length
    else {
      max = String(lowest.score)
      offset = entries.filter((e) => e.score === lowest.score).length
    }
  }
}
