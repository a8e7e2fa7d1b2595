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

  // Patents of two owners and the admin, created a minute apart: the i-th at minute i.
  const dated = all.slice(0, 9).map((p, i) => ({
    ...p,
    createdAt: new Date(Date.UTC(2024, 4, 1, 8, i)).toISOString(),
    updatedAt: new Date(Date.UTC(2024, 4, 1, 8, i)).toISOString(),
    ...(i % 3 === 2 ? {} : { ownerOrgId: i % 3 === 0 ? 'org-a' : 'org-b' }),
  }))
  const numbers = (entries: Array<{ patent: Patent }>) => entries.map((e) => e.patent.publicationNumber)
  const newestFirst = (ps: Patent[]) => [...ps].reverse().map((p) => p.publicationNumber)
  async function readAll(store: PatentStore, of: Parameters<PatentStore['listing']>[0], limit: number) {
    const seen: string[] = []
    let after: string | undefined
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.listing(of, after === undefined ? { limit } : { after, limit })
      seen.push(...numbers(page.entries))
      if (!page.more) return seen
      after = page.last
    }
    throw new Error('the listing never ends')
  }

  await t.test('the listing: newest first, by owner or all, page by page from a position', async (t) => {
    const store = await make()
    t.same(await store.listing('all', { limit: 5 }), { entries: [], more: false }, 'an empty listing')
    // Stored out of order, in several writes: the order is that of creation.
    await store.putMany([dated[4]!, dated[0]!, dated[7]!])
    await store.putMany([dated[1]!, dated[8]!, dated[2]!, dated[3]!, dated[5]!, dated[6]!])
    t.equal(await store.listingSize('all'), 9)
    t.equal(await store.listingSize({ owner: 'org-a' }), 3)
    t.equal(await store.listingSize({ owner: 'nobody' }), 0)
    t.strictSame(await readAll(store, 'all', 4), newestFirst(dated))
    t.strictSame(await readAll(store, { owner: 'org-a' }, 2), newestFirst(dated.filter((p) => p.ownerOrgId === 'org-a')))
    t.strictSame(await readAll(store, { owner: 'admin' }, 10), newestFirst(dated.filter((p) => p.ownerOrgId === undefined)), "the admin's own under `admin`")
    const first = await store.listing('all', { limit: 3 })
    t.equal(first.entries.length, 3)
    t.equal(first.more, true)
    t.equal(first.last, first.entries[2]!.position, 'the page ends at its last entry')
    t.strictSame(first.entries[0]!.patent, dated[8], 'entries carry the record')
    const rest = await store.listing('all', { after: first.last!, limit: 100 })
    t.equal(rest.more, false)
    t.strictSame(numbers(rest.entries), newestFirst(dated).slice(3))
  })

  await t.test('a patent keeps its place: rewriting it neither moves it nor lists it twice', async (t) => {
    const store = await make()
    await store.putMany(dated.slice(0, 5))
    const changed = { ...dated[1]!, title: `${dated[1]!.title}（修订）`, status: 'withdrawn' as const, updatedAt: '2025-01-01T00:00:00.000Z' }
    await store.putMany([changed])
    await store.putMany([{ ...dated[2]!, createdAt: '2030-01-01T00:00:00.000Z' }])
    t.equal(await store.listingSize('all'), 5)
    const entries = (await store.listing('all', { limit: 10 })).entries
    t.strictSame(numbers(entries), newestFirst(dated.slice(0, 5)))
    t.strictSame(entries.find((e) => e.patent.publicationNumber === changed.publicationNumber)?.patent, changed, 'with the record as it is now')
    t.equal(await store.completeListing(), 0, 'nothing stored before the listing: nothing to complete')
    t.equal(await store.completeListing(), 0, 'and again')
    t.equal(await store.listingSize('all'), 5)
  })

  await t.test('pages stay stable while patents arrive between them', async (t) => {
    const store = await make()
    await store.putMany(dated.slice(0, 6))
    const first = await store.listing({ owner: 'org-a' }, { limit: 1 })
    const later = all.slice(9, 14).map((p) => ({ ...p, ownerOrgId: 'org-a', createdAt: '2024-06-01T00:00:00.000Z' }))
    await store.putMany(later)
    const rest = await store.listing({ owner: 'org-a' }, { after: first.last!, limit: 100 })
    t.strictSame([...numbers(first.entries), ...numbers(rest.entries)], newestFirst(dated.slice(0, 6).filter((p) => p.ownerOrgId === 'org-a')), 'every patent there before, once, in order')
    t.equal((await store.listing({ owner: 'org-a' }, { limit: 100 })).entries.length, 2 + later.length, 'the new ones lead a fresh first page')
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
