/**
 * Pairings, their audit trail and the centres' routing, in Redis. Each change is written in one
 * transaction with what it announces (its programme record, its event), which the service builds
 * and the event log and programme log word as stream entries: a process dying half-way leaves
 * all of them or none, and this store knows neither stream's format.
 */
import type { Redis } from 'ioredis'
import type { Pairing, PairingEvent, Routing } from '../../domain/pairing.js'
import type { CreateOutcome, CreatePairing, PairingIndex, PairingStore } from '../../domain/ports.js'
import { eventAppend } from './event-log.js'
import { redisKeys } from './keys.js'
import type { Optimistic } from './optimistic.js'
import { activityAppend } from './programme-log.js'
import { jsonRecords, parse, scorePage } from './records.js'
import { placeOnRecord, provincesOnRecord, type Regions } from '../../domain/regions.js'

/**
 * KEYS: pairing, history, byCentre, all, byUniversity, byEnterprise, needCentres, capCounter,
 *       programme record stream, event stream
 * ARGV: pairing json (pushed), pairing json (held), history json, score (ms), cap (0 = none),
 *       push ('1' when the centre wants it pushed now), new score, centre id, n, then the n
 *       XADD arguments of the programme record, then those of the event.
 * Returns 'created-pushed', 'created-held', 'rescored' or 'unchanged'.
 */
export const CREATE_OR_RESCORE = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local current = cjson.decode(redis.call('GET', KEYS[1]))
  local score = tonumber(ARGV[7])
  if current.score == score then return 'unchanged' end
  current.score = score
  redis.call('SET', KEYS[1], cjson.encode(current))
  return 'rescored'
end
local push = ARGV[6] == '1'
local cap = tonumber(ARGV[5])
if push and cap > 0 then
  local n = redis.call('INCR', KEYS[8])
  if n == 1 then redis.call('EXPIRE', KEYS[8], 172800) end
  if n > cap then push = false end
end
if push then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
redis.call('RPUSH', KEYS[2], ARGV[3])
local id = cjson.decode(ARGV[1]).id
redis.call('ZADD', KEYS[3], ARGV[4], id)
redis.call('ZADD', KEYS[4], ARGV[4], id)
redis.call('ZADD', KEYS[5], ARGV[4], id)
redis.call('ZADD', KEYS[6], ARGV[4], id)
redis.call('SADD', KEYS[7], ARGV[8])
local n = tonumber(ARGV[9])
redis.call('XADD', KEYS[9], unpack(ARGV, 10, 9 + n))
if push then
  redis.call('XADD', KEYS[10], unpack(ARGV, 10 + n))
  return 'created-pushed'
end
return 'created-held'
`

/**
 * The keys and arguments of CREATE_OR_RESCORE for one pairing: run by this store, and queued by
 * the interest store in the transaction of an accepted interest.
 */
export function createOrRescoreCall(prefix: string, { pairing, history, push, dailyCap, day, announce }: CreatePairing): { keys: string[]; args: string[] } {
  const k = redisKeys(prefix).pairings
  const record = activityAppend(prefix, announce.record)
  const event = eventAppend(prefix, announce.event)
  const keys = [
    k.record(pairing.id),
    k.history(pairing.id),
    k.ofCentre(pairing.centreOrgId),
    k.all,
    k.ofUniversity(pairing.universityOrgId ?? '-'),
    k.ofEnterprise(pairing.enterpriseOrgId ?? '-'),
    k.centresOfNeed(pairing.needId),
    k.pushedOn(pairing.centreOrgId, day),
    record.key,
    event.key,
  ]
  const args = [
    JSON.stringify({ ...pairing, pushed: true }),
    JSON.stringify({ ...pairing, pushed: false }),
    JSON.stringify(history),
    String(Date.parse(pairing.createdAt)),
    String(dailyCap ?? 0),
    push ? '1' : '0',
    String(pairing.score),
    pairing.centreOrgId,
    String(record.args.length),
    ...record.args,
    ...event.args,
  ]
  return { keys, args }
}

/**
 * Pairings and routings written before codes get them on read: a pairing its province's code, a
 * routing the codes of its provinces (see `placeOnRecord`).
 */
export function createPairingStore(redis: Redis, prefix: string, optimistic: Optimistic, regions: Regions): PairingStore {
  const k = redisKeys(prefix).pairings
  const onRead = (p: Pairing) => placeOnRecord(regions, p)
  const pairings = jsonRecords<Pairing>(redis, k.record, onRead)
  const routings = jsonRecords<Routing>(redis, k.routing, (r) => ({ ...r, ...provincesOnRecord(regions, r.provinces, r.provinceCodes) }))

  const indexKey = (index: PairingIndex) =>
    index === 'all' ? k.all : 'centre' in index ? k.ofCentre(index.centre) : 'university' in index ? k.ofUniversity(index.university) : k.ofEnterprise(index.enterprise)

  return {
    async createOrRescore(create) {
      const { keys, args } = createOrRescoreCall(prefix, create)
      return (await redis.eval(CREATE_OR_RESCORE, keys.length, ...keys, ...args)) as CreateOutcome
    },
    get: pairings.get,
    getMany: pairings.existing,
    ids(index) {
      return redis.zrevrange(indexKey(index), '0', '-1')
    },
    page(index, options) {
      return scorePage(redis, indexKey(index), { ...options, load: pairings.getMany })
    },
    async history(id) {
      return (await redis.lrange(k.history(id), 0, -1)).map((raw) => JSON.parse(raw) as PairingEvent)
    },
    transition(id, plan) {
      return optimistic.update(k.record(id), (raw) => {
        const stored = parse<Pairing>(raw)
        if (stored === undefined) return undefined
        const current = onRead(stored)
        const { next, history, announce } = plan(current)
        const record = activityAppend(prefix, announce.record)
        const event = eventAppend(prefix, announce.event)
        return {
          result: next,
          write: (multi) => {
            pairings.write(multi, id, next)
            multi.rpush(k.history(id), JSON.stringify(history))
            multi.xadd(record.key, ...record.args)
            multi.xadd(event.key, ...event.args)
          },
        }
      })
    },
    async publishDigest(held, event) {
      const multi = redis.multi()
      for (const p of held) pairings.write(multi, p.id, { ...p, pushed: true })
      const append = eventAppend(prefix, event)
      await multi.xadd(append.key, ...append.args).exec()
    },
    centresOfNeed(needId) {
      return redis.smembers(k.centresOfNeed(needId))
    },
    putRouting: (orgId, routing) => routings.put(orgId, routing, k.routedCentres),
    getRouting: routings.get,
    async routedCentres() {
      const ids = await redis.smembers(k.routedCentres)
      const loaded = await routings.getMany(ids)
      return ids.flatMap((orgId, i) => {
        const routing = loaded[i]
        return routing === undefined ? [] : [{ orgId, routing }]
      })
    },
    async getMeta(orgId, field) {
      return (await redis.hget(k.centreMeta(orgId), field)) ?? undefined
    },
    async setMeta(orgId, field, value) {
      await redis.hset(k.centreMeta(orgId), field, value)
    },
  }
}
