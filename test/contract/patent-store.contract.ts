/**
 * The contract every PatentStore adapter must pass, on the real patent records of
 * test/fixtures/patents-sample.jsonl. `make` returns a fresh, empty store.
 */
import type { Test } from 'tap'
import type { Patent } from '../../src/domain/patent.js'
import type { PatentStore } from '../../src/domain/ports.js'
import { loadSamplePatents } from './search-index.contract.js'

export function samplePatentRecords(): Patent[] {
  return loadSamplePatents().map((d) => ({
    inventors: [],
    ...d,
    status: 'listed',
    createdAt: '2024-05-01T00:00:00.000Z',
    updatedAt: '2024-05-01T00:00:00.000Z',
  }))
}

async function collect(store: PatentStore, batchSize: number) {
  const batches: Array<Array<{ patent: Patent; terms: unknown }>> = []
  for await (const batch of store.scan(batchSize)) batches.push(batch)
  return batches
}

const byNumber = <T extends { publicationNumber: string }>(xs: T[]): T[] => [...xs].sort((a, b) => a.publicationNumber.localeCompare(b.publicationNumber))

export async function patentStoreContract(t: Test, make: () => Promise<PatentStore>): Promise<void> {
  const all = samplePatentRecords()
  const [a, b, c] = all as [Patent, Patent, Patent]

  await t.test('an empty store has nothing', async (t) => {
    const store = await make()
    t.equal(await store.count(), 0)
    t.equal(await store.get(a.publicationNumber), undefined)
    t.same(await store.getMany([]), [])
    t.same(await store.getTerms([]), [])
    t.same((await collect(store, 10)).flat(), [])
    t.same(await store.pendingIndexing(0), [])
  })

  await t.test('records are read back as written, in the order asked, missing ones as undefined', async (t) => {
    const store = await make()
    await store.putMany(all)
    t.equal(await store.count(), all.length)
    t.strictSame(await store.get(a.publicationNumber), a)
    t.strictSame(await store.getMany([c.publicationNumber, 'CN000000000A', a.publicationNumber]), [c, undefined, a])
  })

  await t.test('putting a record again replaces it, counts it once and drops its stored terms', async (t) => {
    const store = await make()
    await store.putMany([a, b])
    await store.putTerms([
      { publicationNumber: a.publicationNumber, terms: { title: ['图像', '识别'] } },
      { publicationNumber: b.publicationNumber, terms: { title: ['b'] } },
    ])
    t.strictSame(await store.getTerms([a.publicationNumber, b.publicationNumber, 'CN000000000A']), [{ title: ['图像', '识别'] }, { title: ['b'] }, undefined])
    const changed = { ...a, title: `${a.title}（修订）`, updatedAt: '2024-06-01T00:00:00.000Z' }
    await store.putMany([changed])
    t.equal(await store.count(), 2)
    t.strictSame(await store.get(a.publicationNumber), changed)
    t.strictSame(await store.getTerms([a.publicationNumber, b.publicationNumber]), [undefined, { title: ['b'] }], 'only the changed record loses its terms')
  })

  await t.test('scan yields every patent once, with its terms', async (t) => {
    const store = await make()
    await store.putMany(all)
    await store.putTerms([{ publicationNumber: b.publicationNumber, terms: ['t'] }])
    const seen = (await collect(store, 5)).flat()
    t.strictSame(byNumber(seen.map((e) => e.patent)), byNumber(all))
    t.strictSame(seen.find((e) => e.patent.publicationNumber === b.publicationNumber)?.terms, ['t'])
    t.ok(seen.filter((e) => e.patent.publicationNumber !== b.publicationNumber).every((e) => e.terms === undefined), 'others have none')
  })

  await t.test('a batch noted for indexing stays pending until its job is queued', async (t) => {
    const store = await make()
    await store.putMany([a, b], { key: 'batch-1', importId: 'import-1' })
    await store.putMany([c], { key: 'batch-2' })
    await store.putMany([], { key: 'batch-empty' })
    t.equal(await store.count(), 3, 'the records are stored with the note')
    const pending = (await store.pendingIndexing(0)).sort((x, y) => x.key.localeCompare(y.key))
    t.strictSame(pending, [
      { key: 'batch-1', importId: 'import-1', publicationNumbers: [a.publicationNumber, b.publicationNumber] },
      { key: 'batch-2', publicationNumbers: [c.publicationNumber] },
    ], 'an empty batch notes nothing')
    t.same(await store.pendingIndexing(60_000), [], 'a batch younger than the age asked for is not yet pending')
    await store.indexingQueued('batch-1')
    t.strictSame(await store.pendingIndexing(0), [{ key: 'batch-2', publicationNumbers: [c.publicationNumber] }])
    await store.indexingQueued('batch-2')
    t.same(await store.pendingIndexing(0), [])
    t.equal(await store.count(), 3, 'the records stay')
  })
}
