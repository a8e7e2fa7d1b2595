/** Redis-backed stores: the system of record. Every key starts with the configured prefix. */
import type { Redis } from 'ioredis'
import type { Optimistic } from './optimistic.js'
import type { Need } from '../../domain/need.js'
import type { ApiKeyRecord, Org } from '../../domain/org.js'
import type { Patent } from '../../domain/patent.js'
import type {
  ChangeFeed,
  ImportStatus,
  ImportStore,
  Interest,
  InterestStore,
  KeyStore,
  MatchSet,
  MatchStore,
  NeedStore,
  OrgStore,
  PatentChange,
  PatentStore,
  StoredTerms,
} from '../../domain/ports.js'

export function keys(prefix: string) {
  return {
    patent: (pn: string) => `${prefix}:patent:${pn}`,
    patentIds: `${prefix}:patents`,
    imp: (id: string) => `${prefix}:import:${id}`,
    impBatches: (id: string) => `${prefix}:import:${id}:batches`,
    receiving: `${prefix}:imports:receiving`,
    importsOf: (owner: string) => `${prefix}:imports:owner:${owner}`,
    indexOutbox: `${prefix}:index-outbox`,
    need: (id: string) => `${prefix}:need:${id}`,
    openNeeds: `${prefix}:needs:open`,
    needsOf: (owner: string) => `${prefix}:needs:owner:${owner}`,
    matches: (needId: string) => `${prefix}:matches:${needId}`,
    changes: `${prefix}:patent-changes`,
  }
}

const parse = <T>(raw: string | null | undefined): T | undefined => (raw == null ? undefined : (JSON.parse(raw) as T))

export function createPatentStore(redis: Redis, prefix: string): PatentStore {
  const k = keys(prefix)
  return {
    async get(pn) {
      return parse<Patent>(await redis.hget(k.patent(pn), 'record'))
    },
    async getMany(pns) {
      if (pns.length === 0) return []
      const pipe = redis.pipeline()
      for (const pn of pns) pipe.hget(k.patent(pn), 'record')
      const res = (await pipe.exec()) ?? []
      return res.map(([err, raw]) => {
        if (err) throw err
        return parse<Patent>(raw as string | null)
      })
    },
    async putMany(patents, indexing) {
      if (patents.length === 0) return
      const multi = redis.multi()
      for (const p of patents) {
        // A changed record invalidates its analysed terms until the index job stores new ones.
        multi.hset(k.patent(p.publicationNumber), 'record', JSON.stringify(p))
        multi.hdel(k.patent(p.publicationNumber), 'terms')
      }
      const pns = patents.map((p) => p.publicationNumber)
      multi.sadd(k.patentIds, ...pns)
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
      for (const e of entries) pipe.hset(k.patent(e.publicationNumber), 'terms', JSON.stringify(e.terms))
      await pipe.exec()
    },
    async getTerms(pns) {
      if (pns.length === 0) return []
      const pipe = redis.pipeline()
      for (const pn of pns) pipe.hget(k.patent(pn), 'terms')
      const res = (await pipe.exec()) ?? []
      return res.map(([err, raw]) => {
        if (err) throw err
        return parse<StoredTerms>(raw as string | null)
      })
    },
    count() {
      return redis.scard(k.patentIds)
    },
    async *scan(batchSize) {
      let cursor = '0'
      do {
        const [next, pns] = await redis.sscan(k.patentIds, cursor, 'COUNT', batchSize)
        cursor = next
        if (pns.length === 0) continue
        const pipe = redis.pipeline()
        for (const pn of pns) pipe.hmget(k.patent(pn), 'record', 'terms')
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
  const k = keys(prefix)
  const TTL = 30 * 24 * 3600
  const settle = async (id: string, args: string[]): Promise<ImportStatus> => {
    const flat = (await redis.eval(SETTLE, 3, k.imp(id), k.impBatches(id), k.receiving, ...args, String(TTL))) as string[]
    const h: Record<string, string> = {}
    for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!
    const status = toImportStatus(h)
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
      const multi = redis.multi().hset(k.imp(s.importId), fields).expire(k.imp(s.importId), TTL)
      if (s.state === 'receiving') multi.zadd(k.receiving, Date.now(), s.importId)
      const owner = k.importsOf(s.ownerOrgId ?? 'admin')
      multi.zadd(owner, Date.parse(s.createdAt), s.importId).zremrangebyscore(owner, '-inf', Date.now() - TTL * 1000)
      await multi.exec()
    },
    async listOf(owner, limit) {
      const ids = await redis.zrevrange(k.importsOf(owner), 0, limit - 1)
      const pipe = redis.pipeline()
      for (const id of ids) pipe.hgetall(k.imp(id))
      const res = (await pipe.exec()) ?? []
      return res.flatMap(([err, h]) => {
        if (err) throw err
        const s = toImportStatus(h as Record<string, string>)
        return s === undefined ? [] : [s]
      })
    },
    async progress(id, stored, rejected) {
      await redis.multi().hset(k.imp(id), 'total', String(stored), 'rejected', String(rejected)).zadd(k.receiving, 'XX', Date.now(), id).exec()
    },
    async staleReceiving(olderThanMs) {
      return redis.zrangebyscore(k.receiving, '-inf', Date.now() - olderThanMs, 'LIMIT', 0, 1000)
    },
    async get(id) {
      return toImportStatus(await redis.hgetall(k.imp(id)))
    },
    received(id, total, rejected) {
      return settle(id, ['received', String(total), String(rejected), new Date().toISOString(), id])
    },
    addIndexed(id, count, batchKey) {
      return settle(id, ['indexed', String(count), '0', new Date().toISOString(), batchKey])
    },
    async fail(id, error) {
      await redis.multi().hset(k.imp(id), { state: 'failed', error, finishedAt: new Date().toISOString() }).zrem(k.receiving, id).exec()
    },
  }
}

export function createNeedStore(redis: Redis, prefix: string): NeedStore {
  const k = keys(prefix)
  const write = (need: Need) => {
    const multi = redis.multi().set(k.need(need.id), JSON.stringify(need))
    if (need.state === 'open') multi.sadd(k.openNeeds, need.id)
    else multi.srem(k.openNeeds, need.id)
    multi.zadd(k.needsOf(need.ownerOrgId ?? 'admin'), String(Date.parse(need.createdAt)), need.id)
    return multi.exec()
  }
  return {
    async create(need) {
      await write(need)
    },
    async put(need) {
      await write(need)
    },
    async get(id) {
      return parse<Need>(await redis.get(k.need(id)))
    },
    idsOf(owner) {
      return redis.zrevrange(k.needsOf(owner), '0', '-1')
    },
    openIds() {
      return redis.smembers(k.openNeeds)
    },
    async getMany(ids) {
      if (ids.length === 0) return []
      return (await redis.mget(ids.map(k.need))).map((raw) => parse<Need>(raw))
    },
  }
}

export function createMatchStore(redis: Redis, prefix: string, optimistic: Optimistic): MatchStore {
  const k = keys(prefix)
  return {
    async get(needId) {
      return parse<MatchSet>(await redis.get(k.matches(needId)))
    },
    async put(set) {
      await redis.set(k.matches(set.needId), JSON.stringify(set))
    },
    update(needId, change) {
      const key = k.matches(needId)
      return optimistic.update(key, (raw) => {
        const next = change(parse<MatchSet>(raw))
        if (next === undefined) return undefined
        return { result: next, write: (multi) => multi.set(key, JSON.stringify(next)) }
      })
    },
  }
}

export function createChangeFeed(redis: Redis, prefix: string, origin: string): ChangeFeed & { origin: string } {
  const k = keys(prefix)
  return {
    origin,
    async publish(change) {
      const id = await redis.xadd(
        k.changes,
        'MAXLEN',
        '~',
        '200000',
        '*',
        'op',
        change.op,
        'pns',
        change.publicationNumbers.join(','),
        'origin',
        origin,
      )
      return id ?? '0-0'
    },
    async head() {
      const last = await redis.xrevrange(k.changes, '+', '-', 'COUNT', 1)
      return last[0]?.[0] ?? '0-0'
    },
    follow(fromId, handler) {
      const conn = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null })
      let stopped = false
      let lastId = fromId
      const loop = (async () => {
        while (!stopped) {
          let res: Array<[string, Array<[string, string[]]>]> | null
          try {
            res = (await conn.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', k.changes, lastId)) as typeof res
          } catch (err) {
            if (stopped) return
            await new Promise((r) => setTimeout(r, 500))
            continue
          }
          for (const [, entries] of res ?? []) {
            for (const [id, fields] of entries) {
              lastId = id
              const f: Record<string, string> = {}
              for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!
              if (f.origin === origin) continue
              const change: PatentChange = {
                op: f.op === 'remove' ? 'remove' : 'upsert',
                publicationNumbers: (f.pns ?? '').split(',').filter(Boolean),
              }
              await handler(change, id)
            }
          }
        }
      })()
      return {
        async stop() {
          stopped = true
          conn.disconnect()
          await loop.catch(() => undefined)
        },
      }
    },
  }
}

export function createOrgStore(redis: Redis, prefix: string): OrgStore {
  const key = (id: string) => `${prefix}:org:${id}`
  const all = `${prefix}:orgs`
  return {
    async create(org) {
      await redis.multi().set(key(org.id), JSON.stringify(org)).sadd(all, org.id).exec()
    },
    async get(id) {
      return parse<Org>(await redis.get(key(id)))
    },
    async list() {
      const ids = await redis.smembers(all)
      if (ids.length === 0) return []
      return (await redis.mget(ids.map(key))).map((raw) => parse<Org>(raw)).filter((o): o is Org => o !== undefined)
    },
  }
}

export function createKeyStore(redis: Redis, prefix: string): KeyStore {
  const key = (id: string) => `${prefix}:apikey:${id}`
  const ofOrg = (orgId: string) => `${prefix}:org-keys:${orgId}`
  return {
    async put(k) {
      await redis.multi().set(key(k.keyId), JSON.stringify(k)).sadd(ofOrg(k.orgId), k.keyId).exec()
    },
    async get(keyId) {
      return parse<ApiKeyRecord>(await redis.get(key(keyId)))
    },
    async listForOrg(orgId) {
      const ids = await redis.smembers(ofOrg(orgId))
      if (ids.length === 0) return []
      return (await redis.mget(ids.map(key))).map((raw) => parse<ApiKeyRecord>(raw)).filter((k): k is ApiKeyRecord => k !== undefined)
    },
  }
}

export function createInterestStore(redis: Redis, prefix: string): InterestStore {
  const key = (id: string) => `${prefix}:interest:${id}`
  const byEnterprise = (orgId: string) => `${prefix}:interests:enterprise:${orgId}`
  const byUniversity = (orgId: string) => `${prefix}:interests:university:${orgId}`
  const all = `${prefix}:interests`
  const load = async (setKey: string) => {
    const ids = await redis.zrange(setKey, '0', '-1')
    if (ids.length === 0) return []
    return (await redis.mget(ids.map(key))).map((raw) => parse<Interest>(raw)).filter((i): i is Interest => i !== undefined)
  }
  return {
    async create(i) {
      const score = Date.parse(i.createdAt)
      const multi = redis.multi().set(key(i.id), JSON.stringify(i)).zadd(all, score, i.id).zadd(byEnterprise(i.enterpriseOrgId), score, i.id)
      if (i.universityOrgId !== undefined) multi.zadd(byUniversity(i.universityOrgId), String(score), i.id)
      await multi.exec()
    },
    listByEnterprise: (orgId) => load(byEnterprise(orgId)),
    listByUniversity: (orgId) => load(byUniversity(orgId)),
    listAll: () => load(all),
  }
}
