/** The sharded map holds what a Map holds: values by key, a size counting each key once, removals, every entry iterated once. */
import t from 'tap'
import { ShardedMap } from '../../src/domain/sharded-map.js'

t.test('a sharded map reads, counts and iterates as a Map', async (t) => {
  const m = new ShardedMap<number>()
  const plain = new Map<string, number>()
  const keys = ['图像', 'image', '', 'a', 'ab', 'ba', '識別', '𠀀', ...Array.from({ length: 5000 }, (_, i) => `k${i}`)]
  keys.forEach((k, i) => (m.set(k, i), plain.set(k, i)))
  m.set('image', -1)
  plain.set('image', -1)
  t.equal(m.size, plain.size, 'a key set again is counted once')
  for (const k of keys) t.equal(m.get(k), plain.get(k))
  t.equal(m.get('missing'), undefined)
  t.equal(m.has('图像'), true)
  t.equal(m.has('missing'), false)
  t.same(new Map([...m]), plain, 'every entry, once')
  t.equal(m.delete('ab'), true)
  t.equal(m.delete('ab'), false, 'a key removed twice is removed once')
  t.equal(m.delete('missing'), false)
  plain.delete('ab')
  t.equal(m.size, plain.size)
  t.equal(m.get('ab'), undefined)
  t.same(new Map([...m]), plain, 'and without it')
})
