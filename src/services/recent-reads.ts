/**
 * Patents read in the last moment, kept in memory: one search reads its hits' records twice (the
 * embedded index's text for the highlights, then the facts beside each hit), and under load the
 * same patents are asked for again and again. A record read less than `ttlMs` ago is served from
 * here unless `forget` was told it changed (the embedded search index tells it of every change
 * it applies, so hits and their records change together); a change the index does not see shows
 * at most `ttlMs` late. Reads of one publication number under way are shared. At most `max`
 * records are kept, the least recently read dropped first.
 */
import type { Patent } from '../domain/patent.js'
import type { PatentStore } from '../domain/ports.js'
import { MomentCache } from './moment-cache.js'

export interface RecentReadsOptions {
  /** How long a read record is served from memory. Default 1000 ms. */
  ttlMs?: number
  /** Records kept at most. Default 5000. */
  max?: number
  now?: () => number
}

export interface RecentReads extends Pick<PatentStore, 'get' | 'getMany'> {
  /** Drops the copies of these patents (of all, with `'all'`): they changed. */
  forget(publicationNumbers: readonly string[] | 'all'): void
}

export function recentPatentReads(store: Pick<PatentStore, 'get' | 'getMany'>, options: RecentReadsOptions = {}): RecentReads {
  const kept = new MomentCache<string, Promise<Patent | undefined>>({ ttlMs: options.ttlMs ?? 1000, max: options.max ?? 5000, ...(options.now ? { now: options.now } : {}) })

  const getMany = async (pns: string[]): Promise<Array<Patent | undefined>> => {
    const records = new Map<string, Promise<Patent | undefined>>()
    const missing: string[] = []
    for (const pn of new Set(pns)) {
      const k = kept.get(pn)
      if (k === undefined) missing.push(pn)
      else records.set(pn, k)
    }
    if (missing.length > 0) {
      const read = store.getMany(missing)
      missing.forEach((pn, i) => {
        const record = read.then((found) => found[i])
        kept.set(pn, record)
        records.set(pn, record)
        // a failed read is not kept
        record.catch(() => kept.dropIf(pn, record))
      })
    }
    return Promise.all(pns.map((pn) => records.get(pn)!))
  }

  return {
    getMany,
    get: async (pn) => (await getMany([pn]))[0],
    forget(pns) {
      if (pns === 'all') kept.clear()
      else for (const pn of pns) kept.delete(pn)
    },
  }
}
