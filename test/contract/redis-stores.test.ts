/**
 * Runs the store contracts against the Redis adapters, on the real Redis: every `make` gets a
 * fresh key prefix, whose keys are deleted when the file ends.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { createEventLog, createImportStore, createOptimistic, createPairingStore, createPatentStore, createProgrammeLog } from '../../src/adapters/redis/index.js'
import { loadRegions } from '../../search-config/regions.js'
import { deleteKeys, REDIS_URL } from '../helper.js'
import { importStoreContract } from './import-store.contract.js'
import { pairingStoreContract } from './pairing-store.contract.js'
import { patentStoreContract } from './patent-store.contract.js'

const redis = new Redis(REDIS_URL)
const prefixes: string[] = []
const closing: Array<() => Promise<void>> = []
const freshPrefix = () => {
  const prefix = `test-contract-${randomUUID()}`
  prefixes.push(prefix)
  return prefix
}
t.teardown(async () => {
  for (const close of closing) await close()
  for (const prefix of prefixes) await deleteKeys(prefix)
  redis.disconnect()
})

t.test('PatentStore on Redis', (t) => patentStoreContract(t, async () => createPatentStore(redis, freshPrefix())))

t.test('ImportStore on Redis', (t) => importStoreContract(t, async () => createImportStore(redis, freshPrefix())))

t.test('PairingStore on Redis', (t) =>
  pairingStoreContract(t, async () => {
    const prefix = freshPrefix()
    const optimistic = createOptimistic(redis)
    const events = createEventLog(redis, prefix)
    closing.push(() => optimistic.close(), () => events.close())
    return { pairings: createPairingStore(redis, prefix, optimistic, loadRegions()), events, programme: createProgrammeLog(redis, prefix, loadRegions()) }
  }),
)
