/**
 * Runs the store contracts against the Redis adapters, on the real Redis: every `make` gets a
 * fresh key prefix, whose keys are deleted when the file ends.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { createEventLog, createImportStore, createOptimistic, createPairingStore, createPatentStore, createProgrammeLog, createValueStore, createWebhookStore } from '../../src/adapters/redis/index.js'
import { computeValueProfile, type ValueInput, type ValueProfile } from '../../src/domain/value.js'
import type { ScorePosition } from '../../src/domain/paging.js'
import { LOG_CAP } from '../../src/domain/webhooks.js'
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

t.test('the delivery log pages newest first; attempts logged meanwhile never shift a page; the cap trims the oldest', async (t) => {
  const store = createWebhookStore(redis, freshPrefix())
  await store.create({ id: 'wh-1', orgId: 'c-1', url: 'http://127.0.0.1:9/h', events: ['pairing.created'], secret: 'whsec_x', createdAt: new Date().toISOString(), sinceEventId: '0-0', status: 'enabled' })
  const attempt = (n: number) => ({ deliveryId: `msg_${n}`, eventId: `${n}-0`, type: 'pairing.created', attempt: 1, trigger: 'event' as const, durationMs: 1, at: new Date().toISOString(), outcome: 'succeeded' as const })
  for (let n = 1; n <= 7; n++) await store.logAttempt('wh-1', attempt(n))
  const first = await store.attempts('wh-1', { limit: 3 })
  t.same(first.items.map((a) => a.deliveryId), ['msg_7', 'msg_6', 'msg_5'])
  await store.logAttempt('wh-1', attempt(8))
  const second = await store.attempts('wh-1', { limit: 3, before: first.next! })
  t.same(second.items.map((a) => a.deliveryId), ['msg_4', 'msg_3', 'msg_2'], 'an attempt logged meanwhile does not shift the next page')
  const last = await store.attempts('wh-1', { limit: 3, before: second.next! })
  t.same(last.items.map((a) => a.deliveryId), ['msg_1'])
  t.equal(last.next, undefined, 'the end of the log')
  for (let n = 9; n <= LOG_CAP + 9; n++) await store.logAttempt('wh-1', attempt(n))
  const trimmed = await store.attempts('wh-1', { limit: 100, before: 10 })
  t.same(trimmed.items, [], 'attempts trimmed by the cap are gone, not read from another place')
  t.same((await store.attempts('wh-1', { limit: 2 })).items.map((a) => a.deliveryId), [`msg_${LOG_CAP + 9}`, `msg_${LOG_CAP + 8}`])
})

t.test('ValueStore: profiles stored many at once are stored and listed as one at a time, a later computation kept', async (t) => {
  const records = samplePatentRecords()
  const today = new Date('2026-06-01T00:00:00.000Z')
  const inputOf = (p: Patent, interests = 0): ValueInput => ({
    patent: p,
    needs: interests === 0 ? [] : [{ needId: 'need-1', score: 0.8 }],
    interests: Array.from({ length: interests }, (_, i) => ({ id: `i-${i}`, state: 'open' as const })),
    pairings: interests < 2 ? [] : [{ id: 'pairing-1', state: 'declined', reason: 'price', entered: ['recommended', 'contacted', 'declined'] }],
  })
  const profileOf = (p: Patent, interests = 0) => {
    const input = inputOf(p, interests)
    return { input, profile: computeValueProfile(input, today) }
  }
  const patents = records.map((p, i) => ({ ...p, ownerOrgId: i % 2 === 0 ? 'org-a' : 'org-b' }))
  const optimistic = createOptimistic(redis)
  closing.push(() => optimistic.close())
  const [one, many] = [freshPrefix(), freshPrefix()]
  // a profile is read with its patent's record
  for (const prefix of [one, many]) await createPatentStore(redis, prefix).putMany(patents)
  const byOne = createValueStore(redis, one, optimistic)
  const byMany = createValueStore(redis, many, optimistic)
  for (const p of patents) t.equal(await byOne.put(profileOf(p), 5), true)
  t.strictSame(await byMany.putMany(patents.map((p) => profileOf(p)), 5), patents.map(() => true))
  const state = async (prefix: string) => {
    const keys = (await redis.keys(`${prefix}:value:*`)).sort()
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const name = key.slice(prefix.length)
      out[name] = (await redis.type(key)) === 'zset' ? await redis.zrange(key, '0', '-1', 'WITHSCORES') : await redis.get(key)
    }
    return out
  }
  t.ok(Object.keys(await state(many)).length > patents.length, 'profiles and their listings')
  t.strictSame(await state(many), await state(one), 'the same keys, values and scores')

  // what is read is the profile computed, from what it was computed from and the record
  for (const interests of [0, 1, 2]) {
    const p = patents[interests]!
    const written = profileOf(p, interests)
    t.equal(await byMany.put(written, 5), true)
    t.strictSame(await byMany.get(p.publicationNumber), written.profile, `read back with ${interests} interests: the same profile`)
    t.ok(Buffer.byteLength((await redis.get(redisKeys(many).value.profile(p.publicationNumber)))!) < JSON.stringify(written.profile).length / 10, 'its input stored, not the profile')
  }
  t.equal(await byMany.get('CN000000000X'), undefined, 'no computation: no profile')
  t.strictSame(await byMany.computedAt([patents[0]!.publicationNumber, 'CN000000000X']), [today.getTime(), undefined])

  // a later computation (seq 7) of the first patent is kept; the others take seq 6
  const [first, ...rest] = patents as [Patent, ...Patent[]]
  t.equal(await byMany.put(profileOf(first, 3), 7), true)
  t.strictSame(await byMany.putMany([profileOf(first, 1), ...rest.map((p) => profileOf(p, 2))], 6), [false, ...rest.map(() => true)])
  t.equal((await byMany.get(first.publicationNumber))?.demand.signals, profileOf(first, 3).profile.demand.signals, 'the later computation stays')
  t.strictSame(
    (await byMany.getMany(rest.map((p) => p.publicationNumber))).map((p) => p?.demand.signals),
    rest.map((p) => profileOf(p, 2).profile.demand.signals),
  )
  t.strictSame(await byMany.putMany([profileOf(first, 1)], 6), [false], 'nothing to write: nothing written')

  // a profile stored whole by an earlier version, its fields in another order, still reads and says which computation stored it
  const [second] = rest as [Patent]
  await redis.set(redisKeys(many).value.profile(second.publicationNumber), JSON.stringify({ profile: profileOf(second, 4).profile, seq: 9 }))
  t.equal((await byMany.get(second.publicationNumber))?.demand.signals, profileOf(second, 4).profile.demand.signals, 'the hand-written record reads back')
  t.strictSame(await byMany.computedAt([second.publicationNumber]), [today.getTime()], 'and when it was computed')
  t.strictSame(await byMany.putMany([profileOf(second, 1)], 8), [false], 'a later computation (9) stays')
  t.equal(await byMany.put(profileOf(second, 1), 8), false)
  t.strictSame(await byMany.putMany([profileOf(second, 1)], 10), [true], 'an even later one (10) replaces it')
})

t.test('PatentStore on Redis: analysed terms stored compactly read back as they were; other shapes, and terms stored as JSON before, too', async (t) => {
  const prefix = freshPrefix()
  const store = createPatentStore(redis, prefix)
  const [a, b, c, d] = samplePatentRecords() as [Patent, Patent, Patent, Patent]
  await store.putMany([a, b, c, d])
  const typical = { title: ['图像', '缺陷', '检测'], abstract: ['一种', 'surface', 'defect', 'detection', 'α-β'], keywords: [], claims: ['权利要求'] }
  const spaced = { title: ['deep learning', 'model'], abstract: [], keywords: ['a\nb'], claims: [] }
  const other = { title: ['x'], extra: 1 }
  await store.putTerms([
    { publicationNumber: a.publicationNumber, terms: typical },
    { publicationNumber: b.publicationNumber, terms: spaced },
    { publicationNumber: c.publicationNumber, terms: other },
  ])
  await redis.hset(redisKeys(prefix).patents.record(d.publicationNumber), 'terms', JSON.stringify(typical))
  t.strictSame(await store.getTerms([a, b, c, d].map((p) => p.publicationNumber)), [typical, spaced, other, typical])
  const raw = await redis.hget(redisKeys(prefix).patents.record(a.publicationNumber), 'terms')
  t.ok(raw!.length < JSON.stringify(typical).length, `stored in ${raw!.length} characters, not ${JSON.stringify(typical).length}`)
  const scanned = new Map<string, unknown>()
  for await (const batch of store.scan(10)) for (const e of batch) scanned.set(e.patent.publicationNumber, e.terms)
  t.strictSame([a, b, c, d].map((p) => scanned.get(p.publicationNumber)), [typical, spaced, other, typical], 'and the scan of a rebuild reads them the same')
})

t.test('PatentStore on Redis: records stored compactly read back as they were, every field; records of other shapes and stored as JSON before, too', async (t) => {
  const prefix = freshPrefix()
  const store = createPatentStore(redis, prefix)
  const [a, b, c, d] = samplePatentRecords() as [Patent, Patent, Patent, Patent]
  const full: Patent = {
    ...a,
    applicationNumber: 'CN202310012345.6',
    claims: '1. 一种方法，其特征在于 "引号" 与 [括号]。',
    keywords: ['图像', 'null'],
    applicants: ['某大学'],
    inventors: ['张三', 'Li Si'],
    language: 'mixed',
    legalStatus: 'granted',
    filingDate: '2020-01-02',
    publicationDate: '2020-06-03',
    grantDate: '2021-07-04',
    expiryDate: '2040-01-02',
    transferModes: ['license', 'equity'],
    maturity: 6,
    officeGrade: 4,
    status: 'withdrawn',
    ownerOrgId: 'org-a',
    updatedAt: '2024-06-01T00:00:00.000Z',
  }
  const unknownField = { ...b, futureField: 'kept' } as Patent
  await store.putMany([full, unknownField, c])
  await redis.hset(redisKeys(prefix).patents.record(d.publicationNumber), 'record', JSON.stringify(d))
  t.strictSame(await store.getMany([full, unknownField, c, d].map((p) => p.publicationNumber)), [full, unknownField, c, d])
  t.strictSame(await store.get(c.publicationNumber), c, 'updatedAt equal to createdAt comes back')
  const raw = await redis.hget(redisKeys(prefix).patents.record(c.publicationNumber), 'record')
  t.ok(raw!.length < JSON.stringify(c).length - 100, `stored in ${raw!.length} characters, not ${JSON.stringify(c).length}`)
  const scanned = new Map<string, unknown>()
  for await (const batch of store.scan(10)) for (const e of batch) scanned.set(e.patent.publicationNumber, e.patent)
  // (the one written as before is not listed: the listing is not this test's)
  t.strictSame([full, unknownField, c].map((p) => scanned.get(p.publicationNumber)), [full, unknownField, c], 'and the scan of a rebuild reads them the same')
})

t.test('ValueStore: the demand order lists patents with signals first, then the rest in the transfer order, page by page', async (t) => {
  const records = samplePatentRecords()
  const today = new Date('2026-06-01T00:00:00.000Z')
  const prefix = freshPrefix()
  const optimistic = createOptimistic(redis)
  closing.push(() => optimistic.close())
  const patents = records.map((p, i) => ({ ...p, ownerOrgId: i % 3 === 0 ? 'org-a' : 'org-b' }))
  await createPatentStore(redis, prefix).putMany(patents)
  const store = createValueStore(redis, prefix, optimistic)
  // every third patent draws interests (1 or 2), the others none
  const computed = patents.map((p, i) => {
    const input: ValueInput = { patent: p, needs: [], interests: Array.from({ length: i % 3 === 1 ? 1 + (i % 2) : 0 }, (_, n) => ({ id: `i-${i}-${n}`, state: 'open' as const })), pairings: [] }
    return { input, profile: computeValueProfile(input, today) }
  })
  t.strictSame(await store.putMany(computed, 1), computed.map(() => true))
  const expected = (owner?: string) =>
    computed
      .map((c) => c.profile)
      .filter((p) => owner === undefined || p.ownerOrgId === owner)
      .map((p) => ({ pn: p.publicationNumber, score: p.demand.signals * 10_000 + p.scenarios.transfer.grade * 1000 + p.scenarios.transfer.score }))
      .sort((a, b) => b.score - a.score || (a.pn < b.pn ? 1 : -1))
      .map((e) => e.pn)
  const pages = async (which: { owner: string } | 'all', limit: number, keep?: (p: ValueProfile) => boolean) => {
    const out: string[] = []
    let after: ScorePosition | undefined
    for (let n = 0; n < 50; n++) {
      const page = await store.ranking(which, 'demand', { limit, ...(after === undefined ? {} : { after }), ...(keep === undefined ? {} : { keep }) })
      out.push(...page.items.map((p) => p.publicationNumber))
      if (page.next === undefined) return out
      after = page.next
    }
    throw new Error('no end')
  }
  t.ok(computed.some((c) => c.profile.demand.signals > 0) && computed.some((c) => c.profile.demand.signals === 0), 'both kinds')
  for (const limit of [1, 2, 3, 100]) {
    t.strictSame(await pages('all', limit), expected(), `all, ${limit} a page`)
    t.strictSame(await pages({ owner: 'org-b' }, limit), expected('org-b'), `an owner's, ${limit} a page`)
  }
  const withSignals = (p: ValueProfile) => p.demand.signals > 0
  t.strictSame(await pages('all', 2, withSignals), expected().filter((pn) => computed.find((c) => c.profile.publicationNumber === pn)!.profile.demand.signals > 0), 'filtered')
  const demandKeys = await redis.zcard(redisKeys(prefix).value.ranking('all', 'demand'))
  t.equal(demandKeys, computed.filter((c) => c.profile.demand.signals > 0).length, 'the demand set lists the patents with signals only')
  // signals gone: the patent leaves the demand set, and is listed once, in the second part
  const [first] = computed.filter((c) => c.profile.demand.signals > 0)
  const none = { ...first!.input, interests: [] }
  await store.put({ input: none, profile: computeValueProfile(none, today) }, 2)
  t.equal(await redis.zscore(redisKeys(prefix).value.ranking('all', 'demand'), first!.profile.publicationNumber), null)
  const after = await pages('all', 2)
  t.equal(after.filter((pn) => pn === first!.profile.publicationNumber).length, 1)
  t.equal(after.length, computed.length)
})
