/**
 * Value profiles: each patent's profile as JSON with the number of the computation that wrote it,
 * listed in sorted sets per owner and for the whole inventory (by each scenario's grade and
 * score, and by demand); and the demand index the job keeps: per patent, the open needs whose
 * match of it is strong, and per need, the patents it was last recorded to match. Both are
 * written under optimistic locking and only by a computation later than the one stored.
 */
import type { Redis } from 'ioredis'
import type { ValueOrder, ValueStore } from '../../domain/ports.js'
import { fromStored, toStored, type StoredValueProfile, type ValueProfile } from '../../domain/value.js'
import { redisKeys } from './keys.js'
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
  return order === 'demand' ? p.demand.signals * 10_000 + place('transfer') : place(order)
}

/**
 * Writes profiles as `put` does, each with its listings. KEYS: the computed-at set, the whole
 * inventory's set of each order, then per profile its key and its owner's set of each order;
 * ARGV: the number of orders, then per profile its stored JSON, its number, its computed-at
 * score and its score in each order.
 */
const PUT_PROFILES = `
local n = tonumber(ARGV[1])
local count = (#KEYS - 1 - n) / (1 + n)
for i = 0, count - 1 do
  local key = 2 + n + i * (1 + n)
  local arg = 2 + i * (3 + n)
  local pn = ARGV[arg + 1]
  redis.call('SET', KEYS[key], ARGV[arg])
  for o = 1, n do
    redis.call('ZADD', KEYS[key + o], ARGV[arg + 2 + o], pn)
    redis.call('ZADD', KEYS[1 + o], ARGV[arg + 2 + o], pn)
  end
  redis.call('ZADD', KEYS[1], ARGV[arg + 2], pn)
end
return count
`

interface StoredProfile {
  seq: number
  /** Without the texts that follow from the ids (`toStored`). */
  profile: StoredValueProfile
}

/**
 * The number of the computation that stored a profile: read from the head of its JSON, which
 * `put` and `putMany` write as `{"seq":N,"profile":…}`, instead of parsing it all; parsed
 * whole when the head is not that.
 */
function storedSeq(raw: string | null): number | undefined {
  if (raw === null) return undefined
  const head = /^\{"seq":(\d+),/.exec(raw)
  return head === null ? parse<StoredProfile>(raw)?.seq : Number(head[1])
}
interface StoredNeed {
  seq: number
  patents: Record<string, number>
}

export function createValueStore(redis: Redis, prefix: string, optimistic: Optimistic): ValueStore {
  const k = redisKeys(prefix).value
  const of = (owner: string | undefined) => `owner:${owner ?? 'admin'}`
  const read = (raw: string | null | undefined): ValueProfile | undefined => {
    const stored = parse<StoredProfile>(raw)?.profile
    return stored === undefined ? undefined : fromStored(stored)
  }
  const readMany = async (pns: string[]) => (pns.length === 0 ? [] : (await redis.mget(pns.map(k.profile))).map(read))
  return {
    async nextSeq() {
      return redis.incr(k.seq)
    },

    async put(profile, seq) {
      const pn = profile.publicationNumber
      const written = await optimistic.update(k.profile(pn), (raw) => {
        const stored = storedSeq(raw)
        if (stored !== undefined && stored > seq) return undefined
        return {
          result: true,
          write: (multi) => {
            multi.set(k.profile(pn), JSON.stringify({ seq, profile: toStored(profile) } satisfies StoredProfile))
            for (const order of ORDERS) {
              const score = rankScore(profile, order)
              multi.zadd(k.ranking(of(profile.ownerOrgId), order), score, pn)
              multi.zadd(k.ranking('all', order), score, pn)
            }
            multi.zadd(k.computed, Date.parse(profile.computedAt), pn)
          },
        }
      })
      return written === true
    },

    async putMany(profiles, seq) {
      const written = await optimistic.updateMany(
        profiles.map((p) => k.profile(p.publicationNumber)),
        (raws) => {
          const later = raws.map((raw) => {
            const stored = storedSeq(raw)
            return stored === undefined || stored <= seq
          })
          if (!later.includes(true)) return undefined
          return {
            result: later,
            write: (multi) => {
              // one script for the batch: a command each would cost the client more than the writes cost Redis
              const keys = [k.computed, ...ORDERS.map((order) => k.ranking('all', order))]
              const args = [String(ORDERS.length)]
              profiles.forEach((profile, i) => {
                if (!later[i]) return
                const pn = profile.publicationNumber
                keys.push(k.profile(pn), ...ORDERS.map((order) => k.ranking(of(profile.ownerOrgId), order)))
                args.push(JSON.stringify({ seq, profile: toStored(profile) } satisfies StoredProfile), pn, String(Date.parse(profile.computedAt)), ...ORDERS.map((order) => String(rankScore(profile, order))))
              })
              multi.eval(PUT_PROFILES, keys.length, ...keys, ...args)
            },
          }
        },
      )
      return written ?? profiles.map(() => false)
    },

    async get(pn) {
      return read(await redis.get(k.profile(pn)))
    },
    getMany: readMany,

    ranking(which, order, options) {
      const key = k.ranking(which === 'all' ? 'all' : of(which.owner), order)
      return scorePage(redis, key, { ...options, load: readMany })
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
      return (await redis.zmscore(k.computed, ...pns)).map((s) => (s === null ? undefined : Number(s)))
    },
  }
}
