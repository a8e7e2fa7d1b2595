/** Interests: JSON records, listed oldest first in all, by enterprise and by university. */
import type { Redis } from 'ioredis'
import type { Interest, InterestStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { jsonRecords } from './records.js'

export function createInterestStore(redis: Redis, prefix: string): InterestStore {
  const k = redisKeys(prefix).interests
  const records = jsonRecords<Interest>(redis, k.record)
  const load = async (index: string) => records.existing(await redis.zrange(index, '0', '-1'))
  return {
    async create(i) {
      const score = Date.parse(i.createdAt)
      const lists = [k.all, k.ofEnterprise(i.enterpriseOrgId)]
      if (i.universityOrgId !== undefined) lists.push(k.ofUniversity(i.universityOrgId))
      await records.put(i.id, i, ...lists.map((key) => ({ key, score })))
    },
    listByEnterprise: (orgId) => load(k.ofEnterprise(orgId)),
    listByUniversity: (orgId) => load(k.ofUniversity(orgId)),
    listAll: () => load(k.all),
  }
}
