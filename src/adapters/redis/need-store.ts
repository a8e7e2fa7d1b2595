/**
 * Needs: JSON records, listed by owner (newest first) and, while open, in the set of open needs.
 * A province written before codes gets its code on read; a need without a disclosure setting reads as `none`.
 */
import type { Redis } from 'ioredis'
import type { Need } from '../../domain/need.js'
import type { NeedStore } from '../../domain/ports.js'
import { placeOnRecord, type Regions } from '../../domain/regions.js'
import { redisKeys } from './keys.js'
import { jsonRecords, scorePage } from './records.js'

/** Takes each need (ARGV: id, mark, id, mark …) whose mark is still the one read. */
const TAKE_MARKS = `
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return 0`

export function createNeedStore(redis: Redis, prefix: string, regions: Regions): NeedStore {
  const k = redisKeys(prefix).needs
  // A need stated without a disclosure setting disclosed nothing.
  const records = jsonRecords<Need>(redis, k.record, (need) => placeOnRecord(regions, { ...need, disclosure: need.disclosure ?? 'none' }))
  const write = async (need: Need) => {
    const multi = records.write(redis.multi(), need.id, need, { key: k.ofOwner(need.ownerOrgId ?? 'admin'), score: Date.parse(need.createdAt) })
    await (need.state === 'open' ? multi.sadd(k.open, need.id) : multi.srem(k.open, need.id)).exec()
  }
  return {
    create: write,
    put: write,
    get: records.get,
    idsOf(owner) {
      return redis.zrevrange(k.ofOwner(owner), '0', '-1')
    },
    pageOf(owner, options) {
      return scorePage(redis, k.ofOwner(owner), { ...options, load: records.getMany })
    },
    openIds() {
      return redis.smembers(k.open)
    },
    async addPendingRematch(pns) {
      // one transaction: the pass number read is that of a pass yet to read the set
      const multi = redis.multi()
      if (pns.length > 0) multi.sadd(k.rematchPending, ...pns)
      const replies = (await multi.get(k.rematchPass).exec()) ?? []
      const [err, pass] = replies.at(-1)!
      if (err) throw err
      return Number(pass ?? 0)
    },
    async nextRematchPass() {
      return Number((await redis.get(k.rematchPass)) ?? 0)
    },
    async startRematchPass() {
      await redis.incr(k.rematchPass)
    },
    async pendingRematch(max) {
      return (await redis.srandmember(k.rematchPending, max)) ?? []
    },
    async rematched(pns) {
      if (pns.length > 0) await redis.srem(k.rematchPending, ...pns)
    },
    async markStale(ids) {
      if (ids.length === 0) return
      const multi = redis.multi()
      for (const id of ids) multi.zincrby(k.stale, 1, id)
      await multi.exec()
    },
    async stale(max) {
      const flat = await redis.zrange(k.stale, '0', String(max - 1), 'WITHSCORES')
      const out = []
      for (let i = 0; i < flat.length; i += 2) out.push({ needId: flat[i]!, mark: flat[i + 1]! })
      return out
    },
    async refreshed(marks) {
      if (marks.length > 0) await redis.eval(TAKE_MARKS, 1, k.stale, ...marks.flatMap((m) => [m.needId, m.mark]))
    },
    getMany: records.getMany,
  }
}
