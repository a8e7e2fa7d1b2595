/**
 * The contract every ImportStore adapter must pass: an import's life from receiving to done or
 * failed, counted once per index batch however often its job runs. `make` returns a fresh store.
 */
import type { Test } from 'tap'
import type { ImportStatus, ImportStore } from '../../src/domain/ports.js'

const receiving = (importId: string, createdAt: string, ownerOrgId?: string): ImportStatus => ({
  importId,
  state: 'receiving',
  total: 0,
  indexed: 0,
  rejected: 0,
  createdAt,
  ...(ownerOrgId === undefined ? {} : { ownerOrgId }),
})

export async function importStoreContract(t: Test, make: () => Promise<ImportStore>): Promise<void> {
  await t.test('an import is read back as created; an unknown one is undefined', async (t) => {
    const store = await make()
    const s = receiving('imp-1', new Date().toISOString(), 'uni-1')
    await store.create(s)
    t.strictSame(await store.get('imp-1'), s)
    t.equal(await store.get('imp-unknown'), undefined)
  })

  await t.test('while receiving, progress is kept and the upload counts as alive', async (t) => {
    const store = await make()
    await store.create(receiving('imp-1', new Date().toISOString()))
    await store.progress('imp-1', 500, 3)
    t.match(await store.get('imp-1'), { state: 'receiving', total: 500, rejected: 3, indexed: 0 })
    t.same(await store.staleReceiving(60_000), [], 'not stale while it gives signs of life')
    t.same(await store.staleReceiving(0), ['imp-1'])
  })

  await t.test('received, then indexed batch by batch, each counted once, until done', async (t) => {
    const store = await make()
    await store.create(receiving('imp-1', new Date().toISOString()))
    t.match(await store.addIndexed('imp-1', 2, 'batch-a'), { state: 'receiving' }, 'a batch may be indexed before the body ends')
    const received = await store.received('imp-1', 5, 1)
    t.match(received, { state: 'indexing', total: 5, rejected: 1, indexed: 2 }, 'and is counted')
    t.same(await store.staleReceiving(0), [], 'no longer receiving')
    t.match(await store.addIndexed('imp-1', 2, 'batch-a'), { state: 'indexing', indexed: 2 }, 'a batch run again counts once')
    const done = await store.addIndexed('imp-1', 3, 'batch-b')
    t.match(done, { state: 'done', total: 5, indexed: 5 })
    t.type(done.finishedAt, 'string')
    t.strictSame(await store.get('imp-1'), done)
  })

  await t.test('an import with nothing to index is done once received', async (t) => {
    const store = await make()
    await store.create(receiving('imp-1', new Date().toISOString()))
    t.match(await store.received('imp-1', 0, 4), { state: 'done', total: 0, rejected: 4 })
  })

  await t.test("the answer's counts are kept with the import from when it is received", async (t) => {
    const store = await make()
    await store.create(receiving('imp-1', new Date().toISOString(), 'uni-1'))
    const before = await store.get('imp-1')
    t.notOk(before && 'accepted' in before, 'none while receiving')
    const counts = { accepted: 7, created: 3, updated: 2, unchanged: 2 }
    t.match(await store.received('imp-1', 5, 1, counts), { state: 'indexing', total: 5, rejected: 1, ...counts })
    t.match(await store.addIndexed('imp-1', 5, 'b'), { state: 'done', ...counts })
    t.match((await store.listOf('uni-1', 10))[0], counts, 'and listed with them')
  })

  await t.test('a failed import says why and is no longer receiving', async (t) => {
    const store = await make()
    await store.create(receiving('imp-1', new Date().toISOString()))
    await store.fail('imp-1', 'the upload was cut off after line 1000')
    const s = await store.get('imp-1')
    t.match(s, { state: 'failed', error: 'the upload was cut off after line 1000' })
    t.type(s?.finishedAt, 'string')
    t.same(await store.staleReceiving(0), [])
  })

  await t.test("an owner's imports are listed newest first, the admin's apart", async (t) => {
    const store = await make()
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString()
    await store.create(receiving('imp-old', day(3), 'uni-1'))
    await store.create(receiving('imp-new', day(1), 'uni-1'))
    await store.create(receiving('imp-mid', day(2), 'uni-1'))
    await store.create(receiving('imp-admin', day(1)))
    t.same((await store.listOf('uni-1', 10)).map((s) => s.importId), ['imp-new', 'imp-mid', 'imp-old'])
    t.same((await store.listOf('uni-1', 2)).map((s) => s.importId), ['imp-new', 'imp-mid'], 'at most the limit')
    t.same((await store.listOf('admin', 10)).map((s) => s.importId), ['imp-admin'])
    t.same(await store.listOf('uni-2', 10), [])
  })

  await t.test('rejected rows are kept in order with the first header given; none for an unknown import', async (t) => {
    const store = await make()
    await store.create(receiving('imp-1', new Date().toISOString(), 'uni-1'))
    const row = (line: number) => ({ line, cells: ['CN1A', `第${line}行`], errors: [{ path: 'abstract', message: 'required', zh: '缺少「摘要」' }] })
    await store.keepRejected('imp-1', [row(2), row(5)], ['公开号', '专利名称'])
    await store.keepRejected('imp-1', [row(9)], ['ignored'])
    await store.keepRejected('imp-1', [])
    t.strictSame(await store.rejectedRows('imp-1'), { header: ['公开号', '专利名称'], rows: [row(2), row(5), row(9)] })
    t.strictSame(await store.rejectedRows('imp-unknown'), { rows: [] })
  })
}
