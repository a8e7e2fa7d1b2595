/**
 * Value profiles: per patent, what its last computation read besides the patent's record (the
 * needs, interests and pairings: `ValueSignals`) and when it ran, as JSON with the computation's
 * number; a profile is computed again from that and the patent's record when it is read (about
 * 12 µs), which costs less than storing it: a stored profile took 3.7 kB of Redis a patent and
 * its serialising a tenth of an import's CPU, its input takes about 40 bytes for a patent nobody
 * has asked about yet. A record changed since reads as it is now (its own computation is queued
 * with the change). Profiles are listed in sorted sets per owner and for the whole inventory (by
 * each scenario's grade and score, and by demand); and the job keeps a demand index: per patent,
 * the open needs whose match of it is strong, and per need, the patents it was last recorded to
 * match. Both are written under optimistic locking and only by a computation later than the one
 * stored.
 */
import type { Redis } from 'ioredis'
import type { ComputedValue, ValueOrder, ValueStore } from '../../domain/ports.js'
import { computeValueProfile, fromStored, type StoredValueProfile, type ValueProfile, type ValueSignals } from '../../domain/value.js'
import { redisKeys } from './keys.js'
import { decodeRecord } from './patent-store.js'
import type { Optimistic } from './optimistic.js'
import { parse, scorePage } from './records.js'

const ORDERS: ValueOrder[] = ['transfer', 'pledge', 'demand']

/**
 * A profile's place in each order, highest first: a scenario's grade, then its score (a lapsed
 * patent held at grade 1 sorts with grade 1 whatever its points); demand by its signals, then the
 * transfer grade and score.
 */
export function rankScore(p: ValueProfile, order: ValueOrder): number {
  const place = (s: 'transfer' | 'pledge') => p.scenarios[s].grade * 1000 + p.scenarios[s].score
  return order === 'demand' ? p.demand.signals * DEMAND_STEP + place('transfer') : place(order)
}

/**
 * A signal's weight in the demand order: above any transfer place (at most 5 × 1000 + 100). A
 * patent without signals has its transfer place there, so the demand order is the patents with
 * signals, then the transfer order of those without; the demand sets list only the first (most
 * patents have no signals: 226 bytes of Redis a patent saved), and `ranking` goes on in the
 * transfer set for the rest.
 */
const DEMAND_STEP = 10_000

/** A patent's score in each order as stored: '' where it is not listed (the demand order of a patent without signals). */
const storedScore = (p: ValueProfile, order: ValueOrder): string => (order === 'demand' && p.demand.signals === 0 ? '' : String(rankScore(p, order)))

/**
 * Writes profiles as `put` does, each with its listings. KEYS: the whole inventory's set of each
 * order, then per profile its key and its owner's set of each order; ARGV: the number of orders,
 * then per profile its stored JSON, its number and its score in each order ('': not listed there).
 */
const PUT_PROFILES = `
local n = tonumber(ARGV[1])
local count = (#KEYS - n) / (1 + n)
for i = 0, count - 1 do
  local key = 1 + n + i * (1 + n)
  local arg = 2 + i * (2 + n)
  local pn = ARGV[arg + 1]
  redis.call('SET', KEYS[key], ARGV[arg])
  for o = 1, n do
    local score = ARGV[arg + 1 + o]
    if score == '' then
      redis.call('ZREM', KEYS[key + o], pn)
      redis.call('ZREM', KEYS[o], pn)
    else
      redis.call('ZADD', KEYS[key + o], score, pn)
      redis.call('ZADD', KEYS[o], score, pn)
    end
  end
end
return count
`

/** A computation as stored: its number, when it ran, what it read besides the record (an empty list left out). */
type StoredComputation = { seq: number; at: string } & Partial<ValueSignals>
/** A profile as stored before (read still). */
interface StoredProfile {
  seq: number
  profile: StoredValueProfile
}
type Stored = StoredComputation | StoredProfile

/** The stored form of a computation; `seq` and `at` first, where `storedSeq` and `storedAt` read them. */
function stored({ input, profile }: ComputedValue, seq: number): string {
  const { needs, interests, pairings } = input
  return JSON.stringify({
    seq,
    at: profile.computedAt,
    ...(needs.length === 0 ? {} : { needs }),
    ...(interests.length === 0 ? {} : { interests }),
    ...(pairings.length === 0 ? {} : { pairings }),
  } satisfies StoredComputation)
}

/**
 * The number of the computation that stored a profile: read from the head of its JSON, which
 * `put` and `putMany` write as `{"seq":N,…}`, instead of parsing it all; parsed whole when the
 * head is not that.
 */
function storedSeq(raw: string | null): number | undefined {
  if (raw === null) return undefined
  const head = /^\{"seq":(\d+),/.exec(raw)
  return head === null ? parse<Stored>(raw)?.seq : Number(head[1])
}

/** When the stored computation ran (epoch ms), from the head of its JSON where it can. */
function storedAt(raw: string | null): number | undefined {
  if (raw === null) return undefined
  const head = /^\{"seq":\d+,"at":"([^"]+)"/.exec(raw)
  if (head !== null) return Date.parse(head[1]!)
  const s = parse<Stored>(raw)
  return s === undefined ? undefined : Date.parse('at' in s ? s.at : s.profile.computedAt)
}

interface StoredNeed {
  seq: number
  patents: Record<string, number>
}

export function createValueStore(redis: Redis, prefix: string, optimistic: Optimistic): ValueStore {
  const k = redisKeys(prefix).value
  const of = (owner: string | undefined) => `owner:${owner ?? 'admin'}`
  const patentKey = redisKeys(prefix).patents.record
  /** The profile of a stored computation and the patent's record; none without either. */
  const read = (raw: string | null | undefined, record: string | null | undefined): ValueProfile | undefined => {
    const s = parse<Stored>(raw)
    if (s === undefined) return undefined
    if ('profile' in s) return fromStored(s.profile)
    const patent = decodeRecord(record)
    if (patent === undefined) return undefined
    return computeValueProfile({ patent, needs: s.needs ?? [], interests: s.interests ?? [], pairings: s.pairings ?? [] }, new Date(s.at))
  }
  const readMany = async (pns: string[]): Promise<Array<ValueProfile | undefined>> => {
    if (pns.length === 0) return []
    const pipe = redis.pipeline()
    for (const pn of pns) pipe.get(k.profile(pn)).hget(patentKey(pn), 'record')
    const replies = (await pipe.exec()) ?? []
    return pns.map((_, i) => {
      const [[e1, raw], [e2, record]] = [replies[2 * i]!, replies[2 * i + 1]!]
      if (e1 || e2) throw e1 ?? e2
      return read(raw as string | null, record as string | null)
    })
  }
  return {
    async nextSeq() {
      return redis.incr(k.seq)
    },

    async put(computed, seq) {
      const { profile } = computed
      const pn = profile.publicationNumber
      const written = await optimistic.update(k.profile(pn), (raw) => {
        const before = storedSeq(raw)
        if (before !== undefined && before > seq) return undefined
        return {
          result: true,
          write: (multi) => {
            multi.set(k.profile(pn), stored(computed, seq))
            for (const order of ORDERS) {
              const score = storedScore(profile, order)
              for (const key of [k.ranking(of(profile.ownerOrgId), order), k.ranking('all', order)]) {
                if (score === '') multi.zrem(key, pn)
                else multi.zadd(key, score, pn)
              }
            }
          },
        }
      })
      return written === true
    },

    async putMany(computed, seq) {
      const written = await optimistic.updateMany(
        computed.map((c) => k.profile(c.profile.publicationNumber)),
        (raws) => {
          const later = raws.map((raw) => {
            const before = storedSeq(raw)
            return before === undefined || before <= seq
          })
          if (!later.includes(true)) return undefined
          return {
            result: later,
            write: (multi) => {
              // one script for the batch: a command each would cost the client more than the writes cost Redis
              const keys = ORDERS.map((order) => k.ranking('all', order))
              const args = [String(ORDERS.length)]
              computed.forEach((c, i) => {
                if (!later[i]) return
                const { profile } = c
                const pn = profile.publicationNumber
                keys.push(k.profile(pn), ...ORDERS.map((order) => k.ranking(of(profile.ownerOrgId), order)))
                args.push(stored(c, seq), pn, ...ORDERS.map((order) => storedScore(profile, order)))
              })
              multi.eval(PUT_PROFILES, keys.length, ...keys, ...args)
            },
          }
        },
      )
      return written ?? computed.map(() => false)
    },

    async get(pn) {
      return (await readMany([pn]))[0]
    },
    getMany: readMany,

    async ranking(which, order, options) {
      const key = (o: ValueOrder) => k.ranking(which === 'all' ? 'all' : of(which.owner), o)
      if (order !== 'demand') return scorePage(redis, key(order), { ...options, load: readMany })
      // the patents with signals (the demand set), then those without in the transfer order; a
      // position below DEMAND_STEP is in the second part (DEMAND_STEP itself: at its start)
      const { after, limit } = options
      let items: ValueProfile[] = []
      if (after === undefined || after.score > DEMAND_STEP) {
        const first = await scorePage(redis, key('demand'), { ...options, load: readMany, min: DEMAND_STEP })
        if (first.next !== undefined) return first
        if (first.items.length === limit) return { items: first.items, next: { score: DEMAND_STEP, id: '' } }
        items = first.items
      }
      const keep = options.keep ?? (() => true)
      const rest = await scorePage(redis, key('transfer'), {
        ...options,
        limit: limit - items.length,
        ...(after === undefined || after.score >= DEMAND_STEP ? { after: undefined } : { after }),
        load: readMany,
        keep: (p) => p.demand.signals === 0 && keep(p),
      })
      return { items: [...items, ...rest.items], ...(rest.next === undefined ? {} : { next: rest.next }) }
    },
    async rankingSize(which) {
      return redis.zcard(k.ranking(which === 'all' ? 'all' : of(which.owner), 'transfer'))
    },

    async setNeedDemand(needId, seq, matches) {
      const next = Object.fromEntries(matches.map((m) => [m.publicationNumber, m.score]))
      const changed = await optimistic.update(k.need(needId), (raw) => {
        const stored = parse<StoredNeed>(raw)
        if (stored !== undefined && stored.seq > seq) return undefined
        const before = stored?.patents ?? {}
        const removed = Object.keys(before).filter((pn) => !(pn in next))
        const set = Object.keys(next).filter((pn) => before[pn] !== next[pn])
        return {
          result: [...removed, ...set],
          write: (multi) => {
            multi.set(k.need(needId), JSON.stringify({ seq, patents: next } satisfies StoredNeed))
            for (const pn of removed) multi.hdel(k.demand(pn), needId)
            for (const pn of set) multi.hset(k.demand(pn), needId, String(next[pn]))
          },
        }
      })
      return changed ?? []
    },

    async demandOf(pns) {
      if (pns.length === 0) return []
      const pipe = redis.pipeline()
      for (const pn of pns) pipe.hgetall(k.demand(pn))
      const replies = (await pipe.exec()) ?? []
      return replies.map(([err, hash]) => {
        if (err) throw err
        return Object.entries(hash as Record<string, string>)
          .map(([needId, score]) => ({ needId, score: Number(score) }))
          .sort((a, b) => b.score - a.score || a.needId.localeCompare(b.needId))
      })
    },

    async computedAt(pns) {
      if (pns.length === 0) return []
      return (await redis.mget(pns.map(k.profile))).map(storedAt)
    },
  }
}
