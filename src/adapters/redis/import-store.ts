/**
 * Bulk imports: one hash each (kept 30 days), listed by owner and time; the uploads being
 * received, by their last sign of life; and each import's index batches already counted.
 */
import type { Redis } from 'ioredis'
import { IMPORT_COUNTS, rejectedRowSchema, type RejectedRow } from '../../domain/imports.js'
import type { ImportStatus, ImportStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { pairs } from './records.js'

function toImportStatus(h: Record<string, string>): ImportStatus | undefined {
  if (h.importId === undefined) return undefined
  const status: ImportStatus = {
    importId: h.importId,
    state: h.state as ImportStatus['state'],
    total: Number(h.total ?? 0),
    indexed: Math.min(Number(h.indexed ?? 0), Number(h.total ?? 0)),
    rejected: Number(h.rejected ?? 0),
    createdAt: h.createdAt ?? '',
  }
  for (const c of IMPORT_COUNTS) if (h[c] !== undefined) status[c] = Number(h[c])
  if (h.error) status.error = h.error
  if (h.ownerOrgId) status.ownerOrgId = h.ownerOrgId
  if (h.finishedAt) status.finishedAt = h.finishedAt
  return status
}

/**
 * Moves an import to `done` once the body has been read and every accepted record is indexed.
 * Runs atomically so that concurrent index jobs and the request that reads the body agree.
 */
const SETTLE = `
local h = KEYS[1]
if ARGV[1] == 'indexed' and redis.call('SADD', KEYS[2], ARGV[5]) == 1 then
  redis.call('EXPIRE', KEYS[2], ARGV[6])
  redis.call('HINCRBY', h, 'indexed', ARGV[2])
end
if ARGV[1] == 'received' then
  redis.call('HSET', h, 'total', ARGV[2], 'rejected', ARGV[3], 'state', 'indexing')
  redis.call('ZREM', KEYS[3], ARGV[5])
end
local state = redis.call('HGET', h, 'state')
local total = tonumber(redis.call('HGET', h, 'total') or '0')
local indexed = tonumber(redis.call('HGET', h, 'indexed') or '0')
if state == 'indexing' and indexed >= total then
  redis.call('HSET', h, 'state', 'done', 'finishedAt', ARGV[4])
end
return redis.call('HGETALL', h)
`

export function createImportStore(redis: Redis, prefix: string): ImportStore {
  const k = redisKeys(prefix).imports
  const TTL = 30 * 24 * 3600
  const settle = async (id: string, args: string[]): Promise<ImportStatus> => {
    const flat = (await redis.eval(SETTLE, 3, k.record(id), k.batches(id), k.receiving, ...args, String(TTL))) as string[]
    const status = toImportStatus(pairs(flat))
    if (status === undefined) throw new Error(`import ${id} vanished`)
    return status
  }
  return {
    async create(s) {
      const fields: Record<string, string> = {
        importId: s.importId,
        state: s.state,
        total: String(s.total),
        indexed: String(s.indexed),
        rejected: String(s.rejected),
        createdAt: s.createdAt,
      }
      if (s.ownerOrgId) fields.ownerOrgId = s.ownerOrgId
      const multi = redis.multi().hset(k.record(s.importId), fields).expire(k.record(s.importId), TTL)
      if (s.state === 'receiving') multi.zadd(k.receiving, Date.now(), s.importId)
      const owner = k.ofOwner(s.ownerOrgId ?? 'admin')
      multi.zadd(owner, Date.parse(s.createdAt), s.importId).zremrangebyscore(owner, '-inf', Date.now() - TTL * 1000)
      await multi.exec()
    },
    async listOf(owner, limit) {
      const ids = await redis.zrevrange(k.ofOwner(owner), 0, limit - 1)
      const pipe = redis.pipeline()
      for (const id of ids) pipe.hgetall(k.record(id))
      const res = (await pipe.exec()) ?? []
      return res.flatMap(([err, h]) => {
        if (err) throw err
        const s = toImportStatus(h as Record<string, string>)
        return s === undefined ? [] : [s]
      })
    },
    async progress(id, stored, rejected) {
      await redis.multi().hset(k.record(id), 'total', String(stored), 'rejected', String(rejected)).zadd(k.receiving, 'XX', Date.now(), id).exec()
    },
    async staleReceiving(olderThanMs) {
      return redis.zrangebyscore(k.receiving, '-inf', Date.now() - olderThanMs, 'LIMIT', 0, 1000)
    },
    async get(id) {
      return toImportStatus(await redis.hgetall(k.record(id)))
    },
    async received(id, total, rejected, counts) {
      if (counts !== undefined) await redis.hset(k.record(id), counts)
      return settle(id, ['received', String(total), String(rejected), new Date().toISOString(), id])
    },
    addIndexed(id, count, batchKey) {
      return settle(id, ['indexed', String(count), '0', new Date().toISOString(), batchKey])
    },
    async fail(id, error) {
      await redis.multi().hset(k.record(id), { state: 'failed', error, finishedAt: new Date().toISOString() }).zrem(k.receiving, id).exec()
    },
    async keepRejected(id, rows, header) {
      if (rows.length === 0 && header === undefined) return
      const multi = redis.multi()
      if (header !== undefined) multi.hsetnx(k.record(id), 'rejectedHeader', JSON.stringify(header))
      if (rows.length > 0) multi.rpush(k.rejected(id), ...rows.map((r) => JSON.stringify(r)))
      await multi.expire(k.rejected(id), TTL).exec()
    },
    async rejectedRows(id) {
      const [header, rows] = await Promise.all([redis.hget(k.record(id), 'rejectedHeader'), redis.lrange(k.rejected(id), 0, -1)])
      const out: { header?: string[]; rows: RejectedRow[] } = { rows: rows.map((r) => rejectedRowSchema.parse(JSON.parse(r))) }
      if (header !== null) out.header = JSON.parse(header) as string[]
      return out
    },
  }
}
