/** API keys (their hashed secrets): JSON records, listed per organisation. */
import type { Redis } from 'ioredis'
import type { ApiKeyRecord } from '../../domain/org.js'
import type { KeyStore } from '../../domain/ports.js'
import { redisKeys } from './keys.js'
import { jsonRecords } from './records.js'

export function createKeyStore(redis: Redis, prefix: string): KeyStore {
  const k = redisKeys(prefix).apiKeys
  const records = jsonRecords<ApiKeyRecord>(redis, k.record)
  return {
    put: (key) => records.put(key.keyId, key, k.ofOrg(key.orgId)),
    get: records.get,
    listForOrg: (orgId) => records.members(k.ofOrg(orgId)),
  }
}
