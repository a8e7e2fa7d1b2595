/**
 * The embedded search's postings sealed in slices (`startSeal`, `sealStep`): at every step the
 * cursors give every term's postings as they were added, the counts stay, and once the seal is
 * swapped in the store is exactly the one a synchronous seal at the seal's start gives; the
 * blocks' impact bounds stay exact; a state exported mid-seal is consistent and stays so while
 * the seal goes on; a compaction mid-seal drops it; a dictionary shared with another index changes
 * nothing of the store. Real code on generated documents.
 */
import t, { type Test } from 'tap'
import { BLOCK, END, Postings } from '../../src/adapters/embedded-search/postings.js'
import type { SnapshotArray, SnapshotStream } from '../../src/domain/snapshot.js'
import { materialise, StateReader } from '../../src/domain/snapshot.js'
import { TermBatch } from '../../src/domain/text/term-batch.js'
import { TermDictionary } from '../../src/domain/text/term-dictionary.js'

/** Adds a document of these term frequencies: each term that many times in the first field, weight 1. */
const batches = new WeakMap<Map<string, number>, TermBatch>()
function addTf(p: Postings, doc: number, tf: Map<string, number>): void {
  let b = batches.get(tf)
  if (b === undefined) batches.set(tf, (b = TermBatch.of([{ title: [...tf].flatMap(([w, n]) => new Array<string>(n).fill(w)), abstract: [], keywords: [] }])))
  p.add(doc, b, 0, [[0, 1]])
}

/** Documents over a Zipf-like vocabulary: t0 in nearly every one (thousands of postings, many blocks), most words rare. */
function corpus(n: number, seed = 7): Array<Map<string, number>> {
  let s = seed
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)
  return Array.from({ length: n }, () => {
    const tf = new Map<string, number>()
    const k = 3 + Math.floor(rand() * 20)
    for (let j = 0; j < k; j++) {
      const w = `t${Math.floor(Math.exp(rand() * Math.log(3000))) - 1}`
      tf.set(w, (tf.get(w) ?? 0) + 1 + Math.floor(rand() * 3) * (rand() < 0.01 ? 200 : 1))
    }
    if (rand() < 0.9) tf.set('t0', 1 + Math.floor(rand() * 4))
    return tf
  })
}
const lengthOf = (docs: Array<Map<string, number>>) => (d: number) => [...docs[d]!.values()].reduce((a, b) => a + b, 0)

/** What the postings must hold: per term, its (id, tf) in id order. */
function expected(docs: Array<Map<string, number>>, upto: number): Map<string, Array<[number, number]>> {
  const m = new Map<string, Array<[number, number]>>()
  for (let d = 0; d < upto; d++) {
    for (const [w, tf] of docs[d]!) {
      let l = m.get(w)
      if (l === undefined) m.set(w, (l = []))
      l.push([d, Math.min(255, tf)])
    }
  }
  return m
}

/** Every term's cursor walk, its count, a few advances, and the blocks' bounds: exact as the documents give them. */
function check(t: Test, p: Postings, docs: Array<Map<string, number>>, upto: number, what: string): void {
  const want = expected(docs, upto)
  const len = lengthOf(docs)
  let bad = 0
  const fail = (msg: string) => {
    if (bad++ < 5) t.fail(`${what}: ${msg}`)
  }
  if (p.terms.size !== want.size) fail(`${p.terms.size} terms, expected ${want.size}`)
  for (const [w, list] of want) {
    const id = p.id(w)
    if (id < 0) {
      fail(`${w} is missing`)
      continue
    }
    if (p.count(id) !== list.length) fail(`${w}: count ${p.count(id)}, expected ${list.length}`)
    const c = p.cursor(id)
    const got: Array<[number, number]> = []
    for (let d = c.next(); d !== END; d = c.next()) {
      got.push([d, c.tf])
      // the block of a sealed posting bounds it exactly: its highest tf is the block's, its lowest length per tf too
      const b = c.block
      if (b >= 0 && (p.blockMaxTf[b]! < c.tf || p.blockMinLenTf[b]! > len(d) / c.tf)) fail(`${w}: posting ${d} outside its block's bounds`)
    }
    if (JSON.stringify(got) !== JSON.stringify(list)) fail(`${w}: postings differ`)
    // advancing to every 37th id and past the last
    const a = p.cursor(id)
    for (let target = 0, k = 0; target <= upto; target += 37) {
      while (k < list.length && list[k]![0] < target) k++
      const d = a.advance(target)
      if (d !== (k < list.length ? list[k]![0] : END)) fail(`${w}: advance(${target}) gave ${d}`)
    }
  }
  // the sealed blocks are tight: each holds the highest tf of its postings, and the lowest length per tf rounded down a hair
  for (const [w, list] of want) {
    const id = p.id(w)
    const sealed = p.sCount.get(id)
    for (let b = 0; b * BLOCK < sealed; b++) {
      const part = list.slice(b * BLOCK, Math.min(sealed, (b + 1) * BLOCK))
      const maxTf = Math.max(...part.map(([, tf]) => tf))
      const minLenTf = Math.min(...part.map(([d, tf]) => Math.fround(len(d) / tf) * (1 - 1e-6)))
      const at = p.sBlock.get(id) + b
      if (p.blockMaxTf[at] !== maxTf || p.blockMinLenTf[at] !== Math.fround(minLenTf)) fail(`${w}: block ${b}'s bounds are not its postings' own`)
      if (p.blockLast[at] !== part.at(-1)![0]) fail(`${w}: block ${b}'s last id`)
    }
  }
  if (bad === 0) t.pass(what)
}

const copyArrays = (arrays: Record<string, SnapshotArray | SnapshotStream>) => Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, materialise(a).slice()]))

t.test('a seal in small steps, documents added between them: the postings are whole at every step, and the swap gives a synchronous seal\'s store', async (t) => {
  const docs = corpus(6000)
  const len = lengthOf(docs)
  const p = new Postings()
  let d = 0
  const addUpto = (n: number) => {
    for (; d < n; d++) addTf(p, d, docs[d]!)
  }
  addUpto(2500)
  p.seal(len) // a sealed part to copy
  addUpto(4000)
  p.startSeal(len)
  t.ok(p.sealing, 'a seal under way')
  const e0 = p.entries
  const sealedAt = d
  let steps = 0
  let done = false
  while (!done) {
    done = p.sealStep(150)
    steps++
    if (!done && steps % 15 === 1) check(t, p, docs, d, `mid-seal, step ${steps}, ${d} documents`)
    addUpto(Math.min(docs.length, d + 7)) // documents keep arriving, new terms among them
  }
  t.ok(steps > 50, `the seal took ${steps} steps`)
  t.notOk(p.sealing, 'done')
  t.ok(p.entries < e0, 'the sealed entries left the recent part')
  check(t, p, docs, d, 'after the swap')

  // the same documents, sealed synchronously where the seal started, then the rest added
  const q = new Postings()
  for (let i = 0; i < 2500; i++) addTf(q, i, docs[i]!)
  q.seal(len)
  for (let i = 2500; i < sealedAt; i++) addTf(q, i, docs[i]!)
  q.seal(len)
  for (let i = sealedAt; i < d; i++) addTf(q, i, docs[i]!)
  const a = p.exportState()
  const b = q.exportState()
  t.strictSame(a.terms, b.terms, 'the same terms')
  for (const k of Object.keys(b.arrays)) t.strictSame(materialise(a.arrays[k]!), materialise(b.arrays[k]!), `the same ${k}`)
  t.equal(p.pendingBytes, q.pendingBytes, 'the same pending bytes')
  t.equal(p.blocksNeeded, q.blocksNeeded, 'the same blocks needed')
})

t.test('the pending bytes and blocks are what a seal writes, so the pool is sized without counting', async (t) => {
  const docs = corpus(3000, 11)
  const p = new Postings()
  for (let d = 0; d < docs.length; d++) {
    addTf(p, d, docs[d]!)
    if (d % 700 === 699) {
      const bytes = p.poolUsed + p.pendingBytes
      const blocks = p.blocksNeeded
      p.seal(lengthOf(docs))
      t.equal(p.poolUsed, bytes, `pool at ${d + 1}`)
      t.equal(p.blocksUsed, blocks, `blocks at ${d + 1}`)
      t.equal(p.pendingBytes, 0)
    }
  }
})

t.test('a state exported mid-seal is consistent, stays so while the seal goes on and is swapped in, and loads', async (t) => {
  const docs = corpus(5000, 3)
  const len = lengthOf(docs)
  const p = new Postings()
  for (let d = 0; d < 3000; d++) addTf(p, d, docs[d]!)
  p.seal(len)
  for (let d = 3000; d < 4500; d++) addTf(p, d, docs[d]!)
  p.startSeal(len)
  for (let k = 0; k < 30; k++) p.sealStep(500)
  t.ok(p.sealing, 'half done')
  const state = p.exportState()
  const copy = copyArrays(state.arrays)
  // the seal goes on to its swap (as it does between the turns of a snapshot's writing)
  while (!p.sealStep(500));
  for (const [k, a] of Object.entries(state.arrays)) t.strictSame(materialise(a), copy[k], `the exported ${k} is untouched by the swap`)
  const loaded = Postings.fromState(new StateReader({ meta: {}, arrays: copy, strings: {} }, 'test'), state.terms, 4500)
  check(t, loaded, docs, 4500, 'the state exported mid-seal, loaded')
  t.equal(loaded.pendingBytes + loaded.poolUsed, p.pendingBytes + p.poolUsed, 'its pending bytes derived on load')
  t.equal(loaded.blocksNeeded, p.blocksNeeded, 'its blocks needed derived on load')
  // both take the rest and seal: the same store
  for (let d = 4500; d < 5000; d++) {
    addTf(p, d, docs[d]!)
    addTf(loaded, d, docs[d]!)
  }
  loaded.seal(len)
  p.seal(len)
  const a = p.exportState()
  const b = loaded.exportState()
  for (const k of Object.keys(b.arrays)) t.strictSame(materialise(a.arrays[k]!), materialise(b.arrays[k]!), `then sealed: the same ${k}`)
  check(t, loaded, docs, 5000, 'the loaded one, sealed')

  // a recent chain that does not hold its count is refused
  const bad = copyArrays(state.arrays)
  ;(bad['rCount'] as Uint32Array)[p.id('t0')]! += 1
  ;(bad['rCount'] as Uint32Array)[p.id('t1')]! -= 1
  t.throws(() => Postings.fromState(new StateReader({ meta: {}, arrays: bad, strings: {} }, 'test'), state.terms, 4500), 'a chain of another length is refused')
})

t.test('a compaction mid-seal drops the seal and renumbers what the postings hold', async (t) => {
  const docs = corpus(4000, 5)
  const p = new Postings()
  for (let d = 0; d < 2000; d++) addTf(p, d, docs[d]!)
  p.seal(lengthOf(docs))
  for (let d = 2000; d < 3500; d++) addTf(p, d, docs[d]!)
  p.startSeal(lengthOf(docs))
  for (let k = 0; k < 20; k++) p.sealStep(400)
  t.ok(p.sealing, 'half done')
  // every third document removed
  const remap = new Int32Array(3500).fill(-1)
  const kept: Array<Map<string, number>> = []
  for (let d = 0; d < 3500; d++) if (d % 3 !== 1) remap[d] = kept.push(docs[d]!) - 1
  p.compact(remap, lengthOf(kept))
  t.notOk(p.sealing, 'the seal is dropped')
  t.equal(p.entries, 0, 'everything sealed')
  check(t, p, kept, kept.length, 'after the compaction')
  t.ok(p.sealStep(), 'a step with no seal under way is done at once')
})

t.test('a store sharing its process\'s dictionary (other terms in it first) is the store of its own, compacted and loaded too', async (t) => {
  const docs = corpus(3000, 13)
  const len = lengthOf(docs)
  const dictionary = new TermDictionary()
  // the matcher of the process met terms first, in another order, and some the search never sees
  for (let w = 2999; w >= 0; w -= 3) dictionary.id(`t${w}`)
  dictionary.id('claims-only')
  const own = new Postings()
  const shared = new Postings(dictionary)
  for (const p of [own, shared]) {
    for (let d = 0; d < 2000; d++) addTf(p, d, docs[d]!)
    p.seal(len)
    for (let d = 2000; d < 3000; d++) addTf(p, d, docs[d]!)
  }
  const same = (what: string) => {
    const a = own.exportState()
    const b = shared.exportState()
    t.strictSame(b.terms, a.terms, `${what}: the same terms in the same order`)
    for (const k of Object.keys(a.arrays)) t.strictSame(materialise(b.arrays[k]!), materialise(a.arrays[k]!), `${what}: the same ${k}`)
  }
  same('built')
  check(t, shared, docs, 3000, 'the shared store')
  // every fourth document removed
  const remap = new Int32Array(3000).fill(-1)
  const kept: Array<Map<string, number>> = []
  for (let d = 0; d < 3000; d++) if (d % 4 !== 2) remap[d] = kept.push(docs[d]!) - 1
  own.compact(remap, lengthOf(kept))
  shared.compact(remap, lengthOf(kept))
  same('compacted')
  check(t, shared, kept, kept.length, 'the shared store, compacted')
  const state = own.exportState()
  const loaded = Postings.fromState(new StateReader({ meta: {}, arrays: copyArrays(state.arrays), strings: {} }, 'test'), state.terms, kept.length, dictionary)
  check(t, loaded, kept, kept.length, 'loaded into the shared dictionary')
  t.equal(loaded.id('claims-only'), -1, 'a term of the process the store has not')
  t.throws(() => Postings.fromState(new StateReader({ meta: {}, arrays: copyArrays(state.arrays), strings: {} }, 'test'), [...state.terms.slice(0, -1), state.terms[0]!], kept.length, dictionary), 'a term listed twice is refused')
})
