/** Organisations: JSON records, all listed in one set. */
import type { Redis } from 'ioredis'
import type { Org } from '../../domain/org.js'
import type { OrgStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { jsonRecords } from './records.js'

export function createOrgStore(redis: Redis, prefix: string): OrgStore {
  const k = redisKeys(prefix).orgs
  const records = jsonRecords<Org>(redis, k.record)
  return {
    create: (org) => records.put(org.id, org, k.all),
    get: records.get,
    list: () => records.members(k.all),
  }
}
