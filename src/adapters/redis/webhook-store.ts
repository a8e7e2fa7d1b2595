/**
 * Webhook endpoints, their delivery records and attempt logs, in Redis under the prefix.
 *
 * An endpoint is a hash: `record` (what never changes: id, owner, URL, events, secret) and one
 * field per changing fact (status, reason, the start of a run of failures), so concurrent workers
 * update facts without read-modify-write. Each endpoint keeps its last LOG_CAP attempts (a list)
 * and deliveries (a hash of records plus a sorted set by time, for trimming and redelivery).
 */
import type { Redis } from 'ioredis'
import {
  LOG_CAP,
  type DeliveryAttempt,
  type DeliveryRecord,
  type WebhookEndpoint,
  type WebhookStore,
} from '../../domain/webhooks.js'
import { redisKeys } from './keys.js'
import { parse } from './records.js'
import { streamHead } from './streams.js'

/** Slots are leases (a sorted set by expiry, on Redis's clock): a dead holder's slot frees itself. */
const TAKE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local free = redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) or redis.call('ZSCORE', KEYS[1], ARGV[1])
if free then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
redis.call('ZADD', KEYS[2], 'NX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], 7 * 24 * 3600 * 1000)
return 0
`
const RELEASE_SLOT = `
redis.call('ZREM', KEYS[1], ARGV[1])
local next = redis.call('ZPOPMIN', KEYS[2])
return next[1]
`

type Fixed = Pick<WebhookEndpoint, 'id' | 'orgId' | 'url' | 'events' | 'secret' | 'createdAt' | 'sinceEventId'>

function toEndpoint(h: Record<string, string>): WebhookEndpoint | undefined {
  if (h.record === undefined) return undefined
  const fixed = JSON.parse(h.record) as Fixed
  const e: WebhookEndpoint = { ...fixed, status: h.status === 'disabled' ? 'disabled' : 'enabled' }
  if (h.disabledReason !== undefined) e.disabledReason = h.disabledReason
  if (h.disabledAt !== undefined) e.disabledAt = h.disabledAt
  if (h.failingSince !== undefined) e.failingSince = h.failingSince
  if (h.lastSuccessAt !== undefined) e.lastSuccessAt = h.lastSuccessAt
  if (h.lastFailureAt !== undefined) e.lastFailureAt = h.lastFailureAt
  return e
}

export function createWebhookStore(redis: Redis, prefix: string): WebhookStore {
  const keys = redisKeys(prefix)
  const k = keys.webhooks
  const getMany = async (ids: string[]): Promise<WebhookEndpoint[]> => {
    if (ids.length === 0) return []
    const pipe = redis.pipeline()
    for (const id of ids) pipe.hgetall(k.endpoint(id))
    const res = (await pipe.exec()) ?? []
    const out: WebhookEndpoint[] = []
    for (const [err, h] of res) {
      if (err) throw err
      const e = toEndpoint(h as Record<string, string>)
      if (e !== undefined) out.push(e)
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
  }

  return {
    async takeSlot(endpointId, holder, limit, leaseMs) {
      return (await redis.eval(TAKE_SLOT, 2, k.slots(endpointId), k.line(endpointId), holder, String(limit), String(leaseMs))) === 1
    },
    async releaseSlot(endpointId, holder) {
      const next = (await redis.eval(RELEASE_SLOT, 2, k.slots(endpointId), k.line(endpointId), holder)) as string | null
      return next ?? undefined
    },
    async create(e) {
      const fixed: Fixed = { id: e.id, orgId: e.orgId, url: e.url, events: e.events, secret: e.secret, createdAt: e.createdAt, sinceEventId: e.sinceEventId }
      await redis
        .multi()
        .hset(k.endpoint(e.id), 'record', JSON.stringify(fixed), 'status', e.status)
        .sadd(k.ofOrg(e.orgId), e.id)
        .sadd(k.all, e.id)
        .exec()
    },
    async get(id) {
      return toEndpoint(await redis.hgetall(k.endpoint(id)))
    },
    async listForOrg(orgId) {
      return getMany(await redis.smembers(k.ofOrg(orgId)))
    },
    async listAll() {
      return getMany(await redis.smembers(k.all))
    },
    countForOrg(orgId) {
      return redis.scard(k.ofOrg(orgId))
    },
    async remove(e) {
      await redis
        .multi()
        .del(k.endpoint(e.id), k.attempts(e.id), k.deliveries(e.id), k.deliveryOrder(e.id))
        .srem(k.ofOrg(e.orgId), e.id)
        .srem(k.all, e.id)
        .exec()
    },
    async enable(id) {
      await redis.multi().hset(k.endpoint(id), 'status', 'enabled').hdel(k.endpoint(id), 'disabledReason', 'disabledAt', 'failingSince').exec()
    },
    async disable(id, reason, at) {
      // Only an endpoint that still exists: a delivery finishing after a DELETE must not resurrect it.
      await redis.eval(
        "if redis.call('HEXISTS', KEYS[1], 'record') == 1 then redis.call('HSET', KEYS[1], 'status', 'disabled', 'disabledReason', ARGV[1], 'disabledAt', ARGV[2]) end return 0",
        1,
        k.endpoint(id),
        reason,
        at,
      )
    },
    async succeeded(id, at) {
      await redis.eval(
        "if redis.call('HEXISTS', KEYS[1], 'record') == 1 then redis.call('HSET', KEYS[1], 'lastSuccessAt', ARGV[1]) redis.call('HDEL', KEYS[1], 'failingSince') end return 0",
        1,
        k.endpoint(id),
        at,
      )
    },
    async failed(id, at) {
      const since = await redis.eval(
        "if redis.call('HEXISTS', KEYS[1], 'record') == 0 then return ARGV[1] end redis.call('HSET', KEYS[1], 'lastFailureAt', ARGV[1]) redis.call('HSETNX', KEYS[1], 'failingSince', ARGV[1]) return redis.call('HGET', KEYS[1], 'failingSince')",
        1,
        k.endpoint(id),
        at,
      )
      return String(since)
    },
    lastEventId: () => streamHead(redis, keys.events),
    async putDelivery(record) {
      const added = await redis
        .multi()
        .hset(k.deliveries(record.endpointId), record.webhookId, JSON.stringify(record))
        .zadd(k.deliveryOrder(record.endpointId), 'NX', String(Date.parse(record.createdAt)), record.webhookId)
        .zcard(k.deliveryOrder(record.endpointId))
        .exec()
      const count = Number(added?.[2]?.[1] ?? 0)
      if (count > LOG_CAP) {
        const oldest = await redis.zrange(k.deliveryOrder(record.endpointId), '0', String(count - LOG_CAP - 1))
        if (oldest.length > 0) {
          await redis
            .multi()
            .hdel(k.deliveries(record.endpointId), ...oldest)
            .zrem(k.deliveryOrder(record.endpointId), ...oldest)
            .exec()
        }
      }
    },
    async getDelivery(endpointId, deliveryId) {
      return parse<DeliveryRecord>(await redis.hget(k.deliveries(endpointId), deliveryId))
    },
    async logAttempt(endpointId, attempt) {
      // Not for a deleted endpoint: its log went with it.
      await redis.eval(
        // numbered as logged (the count in the endpoint's hash), so a page can say where it stopped
        "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end redis.call('LPUSH', KEYS[2], ARGV[1]) redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1) redis.call('HINCRBY', KEYS[1], 'attemptsLogged', 1) return 1",
        2,
        k.endpoint(endpointId),
        k.attempts(endpointId),
        JSON.stringify(attempt),
        String(LOG_CAP),
      )
    },
    async attempts(endpointId, { limit, before }) {
      // The list holds the newest LOG_CAP attempts, newest at index 0: attempt number n sits at
      // index logged - n. Count and list are read in one transaction, so they agree.
      const res = (await redis.multi().hget(k.endpoint(endpointId), 'attemptsLogged').llen(k.attempts(endpointId)).exec()) ?? []
      const length = Number(res[1]?.[1] ?? 0)
      // an endpoint logged before attempts were counted: its list is all there is
      const logged = Math.max(Number(res[0]?.[1] ?? 0), length)
      const from = before === undefined ? 0 : Math.max(0, logged - before + 1)
      if (from >= length) return { items: [] }
      const raw = await redis.lrange(k.attempts(endpointId), from, from + limit - 1)
      const items = raw.map((r) => JSON.parse(r) as DeliveryAttempt)
      const lastNumber = logged - (from + items.length - 1)
      return from + items.length < length && lastNumber > 1 ? { items, next: lastNumber } : { items }
    },
  }
}
