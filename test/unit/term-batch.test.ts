/**
 * Term batches: what goes in comes out, per patent and field, whether built at once, from parts
 * side by side, or picked; entries that are not terms are absent; an index's ids are looked up
 * once per distinct term of a batch, in one dictionary of the process shared by its indexes.
 */
import t from 'tap'
import { TermBatch } from '../../src/domain/text/term-batch.js'
import { LocalTerms, TermDictionary } from '../../src/domain/text/term-dictionary.js'
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
  const local = new LocalTerms()
  const one = TermBatch.of([a])
  const first = local.ids(one)
  t.ok(first.every((x) => x === -1))
  first[0] = 42
  t.equal(local.ids(one)[0], 42, 'the same batch: the same ids')
  t.equal(local.ids(TermBatch.of([a]))[0], -1, 'another batch: looked up again')
})

t.test('two indexes of one dictionary: the process\'s ids shared, each index\'s own dense and in its order', async (t) => {
  const dictionary = new TermDictionary()
  const matcher = new LocalTerms(dictionary)
  const search = new LocalTerms(dictionary)
  const batch = TermBatch.of([a, b])
  const at = (term: string) => batch.vocab.indexOf(term)
  // the matcher takes every term; the search, as it reads no claims, only some, in another order
  for (let v = 0; v < batch.vocab.length; v++) t.equal(matcher.take(batch, v), v, 'new terms numbered as they come')
  t.equal(search.take(batch, at('sensor')), 0)
  t.equal(search.take(batch, at('图像')), 1)
  t.equal(search.take(batch, at('sensor')), 0, 'a term taken again keeps its id')
  t.equal(dictionary.size, batch.vocab.length, 'each term once in the process')
  t.equal(search.size, 2)
  t.strictSame([...search], ['sensor', '图像'])
  t.equal(search.find('图像'), 1)
  t.equal(search.find('方法'), undefined, 'a term of the process the index has not')
  t.equal(search.find('无此词'), undefined, 'a term nobody has')
  t.equal(matcher.find('方法'), at('方法'))
  t.equal(search.term(1), '图像')
  // a picked batch shares its vocabulary: looked up once in the dictionary for both
  const picked = batch.pick([1])
  t.equal(search.take(picked, at('方法')), 2)
  t.equal(dictionary.size, batch.vocab.length)
  // another batch's strings find the same process ids
  t.equal(dictionary.find('sensor'), dictionary.idOf(TermBatch.of([b]), 0))
})

t.test('a snapshot\'s terms load into the dictionary the process has, and a term listed twice is refused', async (t) => {
  const dictionary = new TermDictionary()
  dictionary.id('其他')
  const loaded = LocalTerms.of(dictionary, ['图像', '方法'])
  t.ok(loaded)
  t.strictSame([...loaded!], ['图像', '方法'], 'the ids the snapshot lists')
  t.equal(loaded!.find('方法'), 1)
  t.equal(loaded!.find('其他'), undefined)
  t.equal(LocalTerms.of(dictionary, ['图像', '方法', '图像']), undefined)
  t.equal(LocalTerms.of(new TermDictionary(), []) !== undefined, true, 'no terms is a store')
})
