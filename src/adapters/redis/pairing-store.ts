/**
 * Pairings, their audit trail and the centres' routing, in Redis. A pairing is created together
 * with its first audit event and, when it is pushed, its `pairing.created` event in the event
 * log, in one atomic script: a process dying half-way leaves either all of them or none.
 */
import type { Redis } from 'ioredis'
import type { Pairing, PairingEvent, Routing } from '../../domain/pairing.js'
import type { CreateOutcome, NewEvent, PairingStore } from '../../domain/ports.js'
import { eventFields, eventStreamKey } from './event-log.js'
import type { Optimistic } from './optimistic.js'
import { appendActivity, programmeKeys } from './programme-log.js'
import type { PairingStateChangedEvent } from '../../domain/stats.js'

/** The programme's record of a pairing's change, for the provincial figures. */
function stateChanged(p: Pairing, h: PairingEvent): NewEvent<PairingStateChangedEvent> {
  const e: NewEvent<PairingStateChangedEvent> = { type: 'pairing-state-changed', at: h.at, pairingId: p.id, from: h.from, to: h.to, needId: p.needId, publicationNumber: p.publicationNumber }
  if (p.province !== undefined) e.province = p.province
  if (p.universityOrgId !== undefined) e.universityOrgId = p.universityOrgId
  if (p.enterpriseOrgId !== undefined) e.enterpriseId = p.enterpriseOrgId
  return e
}

const parse = <T>(raw: string | null | undefined): T | undefined => (raw == null ? undefined : (JSON.parse(raw) as T))

/**
 * KEYS: pairing, history, byCentre, all, byUniversity, byEnterprise, needCentres, capCounter, stream,
 *       programme activity stream
 * ARGV: pairing json (pushed), pairing json (held), history json, score (ms), cap (0 = none),
 *       push ('1' when the centre wants it pushed now), new score, centre id, programme event json,
 *       then event fields.
 * Returns 'created-pushed', 'created-held', 'rescored' or 'unchanged'.
 */
const CREATE_OR_RESCORE = `
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
redis.call('XADD', KEYS[10], '*', 'e', ARGV[9])
if push then
  local fields = {}
  for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('XADD', KEYS[9], 'MAXLEN', '~', '1000000', '*', unpack(fields))
  return 'created-pushed'
end
return 'created-held'
`

export function createPairingStore(redis: Redis, prefix: string, optimistic: Optimistic): PairingStore {
  const k = {
    pairing: (id: string) => `${prefix}:pairing:${id}`,
    history: (id: string) => `${prefix}:pairing-history:${id}`,
    centre: (org: string) => `${prefix}:pairings:centre:${org}`,
    university: (org: string) => `${prefix}:pairings:university:${org}`,
    enterprise: (org: string) => `${prefix}:pairings:enterprise:${org}`,
    all: `${prefix}:pairings:all`,
    needCentres: (needId: string) => `${prefix}:need-centres:${needId}`,
    cap: (org: string, day: string) => `${prefix}:pushed:${org}:${day}`,
    routing: (org: string) => `${prefix}:routing:${org}`,
    routed: `${prefix}:routed-centres`,
    meta: (org: string) => `${prefix}:centre-meta:${org}`,
    stream: eventStreamKey(prefix),
  }
  const recipientsOf = (p: Pairing) => [p.centreOrgId]

  return {
    async createOrRescore({ pairing, history, push, dailyCap, day, event }) {
      const pushed = { ...pairing, pushed: true }
      const held = { ...pairing, pushed: false }
      const keys = [
        k.pairing(pairing.id),
        k.history(pairing.id),
        k.centre(pairing.centreOrgId),
        k.all,
        k.university(pairing.universityOrgId ?? '-'),
        k.enterprise(pairing.enterpriseOrgId ?? '-'),
        k.needCentres(pairing.needId),
        k.cap(pairing.centreOrgId, day),
        k.stream,
        programmeKeys(prefix).activity,
      ]
      const args = [
        JSON.stringify(pushed),
        JSON.stringify(held),
        JSON.stringify(history),
        String(Date.parse(pairing.createdAt)),
        String(dailyCap ?? 0),
        push ? '1' : '0',
        String(pairing.score),
        pairing.centreOrgId,
        JSON.stringify(stateChanged(pairing, history)),
        ...eventFields({ ...event, recipients: recipientsOf(pairing) }),
      ]
      return (await redis.eval(CREATE_OR_RESCORE, keys.length, ...keys, ...args)) as CreateOutcome
    },
    async get(id) {
      return parse<Pairing>(await redis.get(k.pairing(id)))
    },
    async getMany(ids) {
      if (ids.length === 0) return []
      return (await redis.mget(ids.map(k.pairing))).map((raw) => parse<Pairing>(raw)).filter((p): p is Pairing => p !== undefined)
    },
    ids(index) {
      const key =
        index === 'all' ? k.all : 'centre' in index ? k.centre(index.centre) : 'university' in index ? k.university(index.university) : k.enterprise(index.enterprise)
      return redis.zrevrange(key, '0', '-1')
    },
    async history(id) {
      return (await redis.lrange(k.history(id), 0, -1)).map((raw) => JSON.parse(raw) as PairingEvent)
    },
    transition(id, plan) {
      const key = k.pairing(id)
      return optimistic.update(key, (raw) => {
        const current = parse<Pairing>(raw)
        if (current === undefined) return undefined
        const { next, history, event } = plan(current)
        return {
          result: next,
          write: (multi) => {
            multi.set(key, JSON.stringify(next))
            multi.rpush(k.history(id), JSON.stringify(history))
            appendActivity(multi, prefix, stateChanged(next, history))
            multi.xadd(k.stream, 'MAXLEN', '~', '1000000', '*', ...eventFields({ ...event, recipients: recipientsOf(next) }))
          },
        }
      })
    },
    async publishDigest(centreOrgId, pairings, event) {
      const multi = redis.multi()
      for (const p of pairings) multi.set(k.pairing(p.id), JSON.stringify({ ...p, pushed: true }))
      multi.xadd(k.stream, 'MAXLEN', '~', '1000000', '*', ...eventFields({ type: 'pairing.digest', recipients: [centreOrgId], ...event }))
      await multi.exec()
    },
    centresOfNeed(needId) {
      return redis.smembers(k.needCentres(needId))
    },
    async putRouting(orgId, routing) {
      await redis.multi().set(k.routing(orgId), JSON.stringify(routing)).sadd(k.routed, orgId).exec()
    },
    async getRouting(orgId) {
      return parse<Routing>(await redis.get(k.routing(orgId)))
    },
    async routedCentres() {
      const ids = await redis.smembers(k.routed)
      if (ids.length === 0) return []
      const raws = await redis.mget(ids.map(k.routing))
      return ids.flatMap((orgId, i) => {
        const routing = parse<Routing>(raws[i])
        return routing === undefined ? [] : [{ orgId, routing }]
      })
    },
    async getMeta(orgId, field) {
      return (await redis.hget(k.meta(orgId), field)) ?? undefined
    },
    async setMeta(orgId, field, value) {
      await redis.hset(k.meta(orgId), field, value)
    },
  }
}
