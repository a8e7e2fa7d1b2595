/** Needs: JSON records, listed by owner (newest first) and, while open, in the set of open needs. */
import type { Redis } from 'ioredis'
import type { Need } from '../../domain/need.js'
import type { NeedStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { jsonRecords } from './records.js'

export function createNeedStore(redis: Redis, prefix: string): NeedStore {
  const k = redisKeys(prefix).needs
  const records = jsonRecords<Need>(redis, k.record)
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
    openIds() {
      return redis.smembers(k.open)
    },
    getMany: records.getMany,
  }
}
