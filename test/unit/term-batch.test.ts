/**
 * Term batches: what goes in comes out, per patent and field, whether built at once, from parts
 * side by side, or picked; entries that are not terms are absent; and an index's ids are looked
 * up once per distinct term of a batch.
 */
import t from 'tap'
import { TermBatch, TermIds } from '../../src/domain/text/term-batch.js'
import type { AnalyzedPatent } from '../../src/domain/text/patent-text.js'

const a: AnalyzedPatent = { title: ['图像', '识别'], abstract: ['图像', '方法', '图像'], keywords: ['识别'], claims: ['方法'] }
const b: AnalyzedPatent = { title: ['sensor'], abstract: [], keywords: [], claims: ['sensor', '图像'] }

t.test('a batch gives back each patent\'s terms, each distinct term once in its vocabulary', async (t) => {
  const batch = TermBatch.of([a, undefined, b, { title: 'not a list' }])
  t.equal(batch.length, 4)
  t.strictSame([batch.has(0), batch.has(1), batch.has(2), batch.has(3)], [true, false, true, false], 'what is not terms is absent')
  t.strictSame(batch.terms(0), a)
  t.equal(batch.terms(1), undefined)
  t.strictSame(batch.terms(2), b)
  t.strictSame([...batch.vocab].sort(), ['sensor', '图像', '方法', '识别'].sort())
  t.strictSame(TermBatch.of([{ title: ['x'], abstract: [], keywords: [] }]).terms(0), { title: ['x'], abstract: [], keywords: [], claims: [] }, 'claims left out are none')
})

t.test('batches side by side, and patents picked from one, hold the same terms', async (t) => {
  const joined = TermBatch.concat([TermBatch.of([a]), TermBatch.of([undefined, b])])
  t.equal(joined.length, 3)
  t.strictSame([0, 1, 2].map((i) => joined.terms(i)), [a, undefined, b])
  const picked = joined.pick([2, 0, 7])
  t.strictSame([0, 1, 2].map((i) => picked.terms(i)), [b, a, undefined], 'in the order picked; an index past the end absent')
})

t.test('an index\'s ids for a batch start unknown and are kept for that batch only', async (t) => {
  const ids = new TermIds()
  const one = TermBatch.of([a])
  const first = ids.of(one)
  t.ok(first.every((x) => x === -1))
  first[0] = 42
  t.equal(ids.of(one)[0], 42, 'the same batch: the same ids')
  t.equal(ids.of(TermBatch.of([a]))[0], -1, 'another batch: looked up again')
})
