/**
 * The "JSON record plus index" pattern that most stores share: each record is JSON under a key
 * of its own, and its id is listed in sets or sorted sets (all, by owner, by time). A record and
 * its index entries are written in one transaction; reads take many records in one MGET.
 */
import type { ChainableCommander, Redis } from 'ioredis'

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
