/**
 * Patents: one hash each, `record` (the patent's JSON) and `terms` (its analysed terms, dropped
 * whenever the record changes), listed in one set; and the outbox of batches awaiting an index job.
 */
import type { Redis } from 'ioredis'
import type { Patent } from '../../domain/patent.js'
import type { PatentStore, StoredTerms } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { parse } from './records.js'

type Field = 'record' | 'terms'

export function createPatentStore(redis: Redis, prefix: string): PatentStore {
  const k = redisKeys(prefix).patents
  const fieldOfMany = async <T>(pns: string[], field: Field): Promise<Array<T | undefined>> => {
    if (pns.length === 0) return []
    const pipe = redis.pipeline()
    for (const pn of pns) pipe.hget(k.record(pn), field)
    const res = (await pipe.exec()) ?? []
    return res.map(([err, raw]) => {
      if (err) throw err
      return parse<T>(raw as string | null)
    })
  }
  return {
    async get(pn) {
      return parse<Patent>(await redis.hget(k.record(pn), 'record'))
    },
    getMany: (pns) => fieldOfMany<Patent>(pns, 'record'),
    async putMany(patents, indexing) {
      if (patents.length === 0) return
      const multi = redis.multi()
      for (const p of patents) {
        // A changed record invalidates its analysed terms until the index job stores new ones.
        multi.hset(k.record(p.publicationNumber), 'record', JSON.stringify(p))
        multi.hdel(k.record(p.publicationNumber), 'terms')
      }
      const pns = patents.map((p) => p.publicationNumber)
      multi.sadd(k.all, ...pns)
      if (indexing !== undefined) {
        const note = { ...(indexing.importId === undefined ? {} : { importId: indexing.importId }), publicationNumbers: pns, at: Date.now() }
        multi.hset(k.indexOutbox, indexing.key, JSON.stringify(note))
      }
      await multi.exec()
    },
    async indexingQueued(key) {
      await redis.hdel(k.indexOutbox, key)
    },
    async pendingIndexing(olderThanMs) {
      const before = Date.now() - olderThanMs
      const out: Array<{ key: string; importId?: string; publicationNumbers: string[] }> = []
      let cursor = '0'
      do {
        const [next, flat] = await redis.hscan(k.indexOutbox, cursor, 'COUNT', 500)
        cursor = next
        for (let i = 0; i < flat.length; i += 2) {
          const note = JSON.parse(flat[i + 1]!) as { importId?: string; publicationNumbers: string[]; at: number }
          if (note.at > before) continue
          out.push({ key: flat[i]!, ...(note.importId === undefined ? {} : { importId: note.importId }), publicationNumbers: note.publicationNumbers })
        }
      } while (cursor !== '0')
      return out
    },
    async putTerms(entries) {
      if (entries.length === 0) return
      const pipe = redis.pipeline()
      for (const e of entries) pipe.hset(k.record(e.publicationNumber), 'terms', JSON.stringify(e.terms))
      await pipe.exec()
    },
    getTerms: (pns) => fieldOfMany<StoredTerms>(pns, 'terms'),
    count() {
      return redis.scard(k.all)
    },
    async *scan(batchSize) {
      let cursor = '0'
      do {
        const [next, pns] = await redis.sscan(k.all, cursor, 'COUNT', batchSize)
        cursor = next
        if (pns.length === 0) continue
        const pipe = redis.pipeline()
        for (const pn of pns) pipe.hmget(k.record(pn), 'record', 'terms')
        const res = (await pipe.exec()) ?? []
        const batch: Array<{ patent: Patent; terms: StoredTerms | undefined }> = []
        for (const [err, value] of res) {
          if (err) throw err
          const [record, terms] = value as [string | null, string | null]
          const patent = parse<Patent>(record)
          if (patent !== undefined) batch.push({ patent, terms: parse<StoredTerms>(terms) })
        }
        yield batch
      } while (cursor !== '0')
    },
  }
}
