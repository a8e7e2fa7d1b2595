/**
 * The cache of prepared needs a worker keeps for reverse matching: a pass over every open need
 * must not put out each need just before its turn when there are more open needs than room.
 */
import t from 'tap'
import { PreparedNeeds, type PreparedNeed } from '../../src/domain/matching/index.js'

// the cache keeps what it is given; its contents are not read here
const state = (id: string) => ({ id }) as unknown as PreparedNeed

/** One pass over `ids` as reverse matching makes it: kept ones used, the others prepared and offered. */
function pass(cache: PreparedNeeds, ids: string[], evict: boolean): number {
  let prepared = 0
  for (const id of ids) {
    if (cache.get(id, 1) !== undefined) continue
    prepared++
    cache.set(id, 1, state(id), { evict })
  }
  return prepared
}

t.test('a pass over more open needs than room prepares again only those beyond it', async (t) => {
  const ids = ['a', 'b', 'c', 'd', 'e']
  const kept = new PreparedNeeds(3)
  t.equal(pass(kept, ids, false), 5, 'the first pass prepares every need')
  t.equal(pass(kept, ids, false), 2, 'later passes only the two beyond the room')
  t.equal(pass(kept, ids, false), 2)
  // what evicting on every miss would do: each need put out just before its turn
  const thrashing = new PreparedNeeds(3)
  pass(thrashing, ids, true)
  t.equal(pass(thrashing, ids, true), 5, 'least recently used out first, in a cyclic pass: every need again')
})

t.test('a need of its own job is always kept, the least recently used out; a new version replaces the old', async (t) => {
  const cache = new PreparedNeeds(2)
  cache.set('a', 1, state('a'))
  cache.set('b', 1, state('b'))
  cache.set('b', 2, state('b2'), { evict: false })
  t.equal(cache.get('b', 1), undefined, 'the old version is gone')
  t.ok(cache.get('b', 2), 'a need kept already takes its new state, room or not')
  cache.set('c', 1, state('c'))
  t.equal(cache.get('a', 1), undefined, 'a new need of its own job puts out the least recently used')
  t.ok(cache.get('c', 1))
  t.equal(cache.size, 2)
})
