/** Organisations: JSON records, all listed in one set; places written before codes get them on read. */
import type { Redis } from 'ioredis'
import type { Org } from '../../domain/org.js'
import type { OrgStore } from '../../domain/ports.js'
import { placeOnRecord, type Regions } from '../../domain/regions.js'
import { redisKeys } from './keys.js'
import { jsonRecords } from './records.js'

export function createOrgStore(redis: Redis, prefix: string, regions: Regions): OrgStore {
  const k = redisKeys(prefix).orgs
  const records = jsonRecords<Org>(redis, k.record, (org) => placeOnRecord(regions, org))
  return {
    create: (org) => records.put(org.id, org, k.all),
    put: (org) => records.put(org.id, org, k.all),
    get: records.get,
    list: () => records.members(k.all),
  }
}
