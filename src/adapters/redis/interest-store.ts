/**
 * Interests: JSON records, listed by time in all, by enterprise and by university, and held once
 * per enterprise, patent and need (a hash per enterprise from that triple to the interest's id).
 * An acceptance writes the answer and the pairing it opens in one transaction.
 */
import type { Redis } from 'ioredis'
import type { Interest, InterestStore } from '../../domain/ports.js'
import { interestUniqueKey } from '../../domain/interest.js'
import { redisKeys } from './keys.js'
import type { Optimistic } from './optimistic.js'
import { CREATE_OR_RESCORE, createOrRescoreCall } from './pairing-store.js'
import { jsonRecords, parse, scorePage } from './records.js'

/**
 * KEYS: held hash, record, all, byEnterprise, byUniversity
 * ARGV: held field, id, record json, score (ms), '1' when listed by university
 * Returns the id of the interest already held, or nil once the new one is written.
 */
const CREATE_ONCE = `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return existing end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
if ARGV[5] == '1' then redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2]) end
return false
`

/** An interest stored before answers existed is open. */
const onRead = (i: Interest): Interest => (i.state === undefined ? { ...i, state: 'open' } : i)

export function createInterestStore(redis: Redis, prefix: string, optimistic: Optimistic): InterestStore {
  const k = redisKeys(prefix).interests
  const records = jsonRecords<Interest>(redis, k.record, onRead)
  return {
    async create(i) {
      const keys = [k.heldBy(i.enterpriseOrgId), k.record(i.id), k.all, k.ofEnterprise(i.enterpriseOrgId), k.ofUniversity(i.universityOrgId ?? '-')]
      const args = [interestUniqueKey(i), i.id, JSON.stringify(i), String(Date.parse(i.createdAt)), i.universityOrgId === undefined ? '0' : '1']
      const existing = (await redis.eval(CREATE_ONCE, keys.length, ...keys, ...args)) as string | null
      return existing === null ? { created: true } : { created: false, existingId: existing }
    },
    get: records.get,
    async everyOf(index) {
      return records.existing(await redis.zrange(index === 'all' ? k.all : k.ofUniversity(index.university), '0', '-1'))
    },
    page(index, options) {
      const key = index === 'all' ? k.all : 'enterprise' in index ? k.ofEnterprise(index.enterprise) : k.ofUniversity(index.university)
      return scorePage(redis, key, { ...options, load: records.getMany })
    },
    answer(id, plan) {
      return optimistic.update(k.record(id), (raw) => {
        const stored = parse<Interest>(raw)
        if (stored === undefined) return undefined
        const { next, pairing } = plan(onRead(stored))
        const call = pairing === undefined ? undefined : createOrRescoreCall(prefix, pairing)
        return {
          result: next,
          write: (multi) => {
            records.write(multi, id, next)
            if (call !== undefined) multi.eval(CREATE_OR_RESCORE, call.keys.length, ...call.keys, ...call.args)
          },
        }
      })
    },
  }
}
