/** The pages the matcher keeps its forward index in: runs kept whole, pages added, nothing copied. */
import t from 'tap'
import { IntPages } from '../../src/domain/matching/buffers.js'

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
  t.equal(p.length, 14)
})
