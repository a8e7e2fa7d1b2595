/**
 * Runs the store contracts against the Redis adapters, on the real Redis: every `make` gets a
 * fresh key prefix, whose keys are deleted when the file ends.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { createEventLog, createImportStore, createOptimistic, createPairingStore, createPatentStore, createProgrammeLog } from '../../src/adapters/redis/index.js'
import { redisKeys } from '../../src/adapters/redis/keys.js'
import type { Patent } from '../../src/domain/patent.js'
import { loadRegions } from '../../search-config/regions.js'
import { deleteKeys, REDIS_URL } from '../helper.js'
import { importStoreContract } from './import-store.contract.js'
import { pairingStoreContract } from './pairing-store.contract.js'
import { patentStoreContract, samplePatentRecords } from './patent-store.contract.js'

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

t.test('patents stored before the listing existed are listed once, at their creation time', async (t) => {
  const prefix = freshPrefix()
  const keys = redisKeys(prefix).patents
  const [a, b, c] = samplePatentRecords() as [Patent, Patent, Patent]
  const old = [
    { ...a, ownerOrgId: 'org-a', createdAt: '2023-01-01T00:00:00.000Z' },
    { ...b, ownerOrgId: 'org-a', createdAt: '2023-02-01T00:00:00.000Z' },
    { ...c, createdAt: '2023-03-01T00:00:00.000Z' },
  ]
  // As an installation before the listing stored them: a hash with the record, the set of all.
  for (const p of old) await redis.hset(keys.record(p.publicationNumber), 'record', JSON.stringify(p))
  await redis.sadd(keys.all, ...old.map((p) => p.publicationNumber))
  const store = createPatentStore(redis, prefix)
  t.equal(await store.listingSize('all'), 0, 'not listed yet')
  const fresh = { ...samplePatentRecords()[3]!, ownerOrgId: 'org-a', createdAt: '2024-01-01T00:00:00.000Z' }
  await store.putMany([fresh])
  t.equal(await store.completeListing(), 3, 'the three old ones are listed')
  t.equal(await store.completeListing(), 0, 'once')
  t.strictSame((await store.listing({ owner: 'org-a' }, { limit: 10 })).entries.map((e) => e.patent.publicationNumber), [fresh, old[1]!, old[0]!].map((p) => p.publicationNumber))
  t.strictSame((await store.listing({ owner: 'admin' }, { limit: 10 })).entries.map((e) => e.patent.publicationNumber), [c.publicationNumber])
  t.equal(await store.listingSize('all'), 4)
})

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
