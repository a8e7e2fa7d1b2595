/**
 * The pages the matcher keeps its forward index and per-term arrays in: runs kept whole, pages
 * added as ids grow, nothing copied; a loaded array's values as they were.
 */
import t from 'tap'
import { IntPages, Paged, PagedInts } from '../../src/domain/paged.js'
import { materialise } from '../../src/domain/snapshot.js'

t.test('runs in pages: each run in one page, pages added and never copied, a loaded array kept as the first', async (t) => {
  const p = IntPages.wrap(Int32Array.from([1, 2, 3]), 4)
  const first = p.pages[0]
  const put = (run: number[]) => {
    const pg = p.room(run.length)
    p.pages[pg]!.set(run, p.at)
    const at = p.at
    p.at += run.length
    return [pg, at]
  }
  t.strictSame(put([4, 5]), [1, 0], 'no room left in the loaded page: a new one')
  t.strictSame(put([6, 7, 8]), [2, 0], 'a run that does not fit what is left goes whole to the next page')
  t.strictSame(put([9, 10, 11, 12, 13, 14]), [3, 0], 'a run longer than a page gets a page of its size')
  t.equal(p.pages[0], first, 'the loaded array is kept, not copied')
  t.strictSame([0, 1, 2, 3].map((pg) => [...p.used(pg)]), [[1, 2, 3], [4, 5], [6, 7, 8], [9, 10, 11, 12, 13, 14]])
})

t.test('ints by id in pages: a loaded array kept (its last part copied to a whole page), new pages filled, streamed back as held', async (t) => {
  const n = 150_000
  const loaded = Int32Array.from({ length: n }, (_, i) => i * 3)
  const p = PagedInts.of(loaded, -1)
  t.equal(p.get(0), 0)
  t.equal(p.get(n - 1), (n - 1) * 3)
  t.equal(p.pages[0]!.buffer, loaded.buffer, 'the whole pages are views of the loaded array')
  t.ok(p.capacity >= n)
  t.equal(p.get(n), -1, 'room past the loaded values holds the fill')
  const pages = p.pages.length
  p.ensure(p.capacity + 1)
  t.equal(p.pages.length, pages + 1, 'a page added')
  t.equal(p.get(p.capacity - 1), -1)
  p.set(n + 5, 7)
  t.equal(p.get(n + 5), 7)
  t.strictSame(materialise(p.stream(n)), loaded, 'the first n values streamed as they were loaded')
})

t.test('values by id in pages: pushed across pages, read, replaced and iterated in order', async (t) => {
  const p = Paged.from(Array.from({ length: 140_000 }, (_, i) => `t${i}`))
  t.equal(p.length, 140_000)
  t.equal(p.get(70_000), 't70000')
  p.set(139_999, 'last')
  p.push('more')
  t.equal(p.get(140_000), 'more')
  const all = [...p]
  t.equal(all.length, 140_001)
  t.equal(all[139_999], 'last')
  t.equal(all[65_536], 't65536')
})
