/** Interests: JSON records, listed by time in all, by enterprise and by university. */
import type { Redis } from 'ioredis'
import type { Interest, InterestStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { jsonRecords, scorePage } from './records.js'

export function createInterestStore(redis: Redis, prefix: string): InterestStore {
  const k = redisKeys(prefix).interests
  const records = jsonRecords<Interest>(redis, k.record)
  return {
    async create(i) {
      const score = Date.parse(i.createdAt)
      const lists = [k.all, k.ofEnterprise(i.enterpriseOrgId)]
      if (i.universityOrgId !== undefined) lists.push(k.ofUniversity(i.universityOrgId))
      await records.put(i.id, i, ...lists.map((key) => ({ key, score })))
    },
    page(index, options) {
      const key = index === 'all' ? k.all : 'enterprise' in index ? k.ofEnterprise(index.enterprise) : k.ofUniversity(index.university)
      return scorePage(redis, key, { ...options, load: records.getMany })
    },
  }
}
