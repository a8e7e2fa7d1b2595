/**
 * The embedded search's postings: for every term, the internal ids of the documents that have
 * it (ascending, since ids are handed out in increasing order) with a weighted term frequency.
 *
 * No object per term: a term is an integer (one Map from text to id), and its postings live in
 * two places, both flat typed arrays shared by every term:
 *
 * - the sealed part, one byte pool: per posting the gap to the previous id as a varint and the
 *   frequency as one byte (about 2.3 bytes a posting instead of 6), with a skip entry every
 *   BLOCK postings (last id, byte offset) so that a cursor jumps over blocks it does not need,
 *   and the block's impact bound (its highest frequency and lowest length per unit of frequency:
 *   BM25 rises with the one and falls with the other, so together they bound every posting's
 *   score in the block, whatever the average length is when a query runs);
 * - the recent part, the documents added since the last seal: entries in flat arrays, chained
 *   per term (head, tail, next), appended without moving anything.
 *
 * Sealing rewrites the pool with the recent part appended to each term (the caller seals when
 * the recent part has grown to a fraction of the index, so the work stays linear overall). At a
 * million documents that is a second or two of work, so it is done in slices (`startSeal`, then
 * `sealStep` until it says done; `seal()` runs them all at once): the seal takes the entries and
 * terms there are at its first step and writes a new pool and new per-term arrays beside the old
 * ones, which searches keep reading, with the whole recent chain, until the last step swaps them
 * in. Documents may be added meanwhile: their entries are after the seal's and stay recent, and
 * go both into the recent part searches read and into the one the seal will leave (renumbered
 * from 0), so that the swap only installs arrays: O(1), and it writes into no array a search or a
 * snapshot may be reading.
 * Removed documents stay in the postings until `compact` renumbers the index; callers skip them.
 */

import type { TermBatch } from '../../domain/text/term-batch.js'
import { LocalTerms, type TermDictionary } from '../../domain/text/term-dictionary.js'
import { PagedInts } from '../../domain/paged.js'
import type { SnapshotArray, SnapshotStream, StateReader } from '../../domain/snapshot.js'

export const BLOCK = 128
const BLOCK_SHIFT = 7
/** A cursor past its last posting. */
export const END = 0x7fffffff
/**
 * Work units of one `sealStep` by default: about a millisecond at a million documents (a unit is
 * one posting encoded, most of it the cache miss of following the term's chain, or 32 bytes
 * copied, or a term).
 */
export const SEAL_STEP = 10_000

/** A recent part: entries in flat arrays, chained per term (heads and tails are entry + 1, 0 for none). */
interface Chains {
  eDoc: Int32Array
  eTf: Uint8Array
  eNext: Int32Array
  entries: number
  rHead: PagedInts
  rTail: PagedInts
  rCount: PagedInts
}

/** Appends a posting of term t to the chains (growing the entries as needed); returns the term's previous last entry, -1 for none. */
function appendToChain(r: Chains, t: number, doc: number, tf: number): number {
  if (r.entries >= r.eDoc.length) {
    r.eDoc = grow(r.eDoc, r.entries + 1)
    r.eTf = grow(r.eTf, r.entries + 1)
    r.eNext = grow(r.eNext, r.entries + 1)
  }
  const e = r.entries++
  r.eDoc[e] = doc
  r.eTf[e] = tf
  r.eNext[e] = -1
  const tail = r.rTail.get(t) - 1
  if (tail < 0) r.rHead.set(t, e + 1)
  else r.eNext[tail] = e
  r.rTail.set(t, e + 1)
  r.rCount.set(t, r.rCount.get(t) + 1)
  return tail
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a
  let n = Math.max(16, a.length)
  while (n < need) n *= 2
  const b = new (a.constructor as new (n: number) => T)(n)
  b.set(a)
  return b
}

export class Postings {
  /** The store's terms: its ids of the process's (`term-dictionary.ts`). */
  terms: LocalTerms

  // ---- sealed part (per term: where its bytes start, how many bytes and postings, its last id, its first skip entry)
  pool = new Uint8Array(0)
  poolUsed = 0
  sOff = new PagedInts(0, 'Uint32Array')
  sBytes = new PagedInts(0, 'Uint32Array')
  sCount = new PagedInts(0, 'Uint32Array')
  sLast = new PagedInts()
  sBlock = new PagedInts(0, 'Uint32Array')
  blockLast = new Int32Array(0)
  blockOff = new Uint32Array(0)
  blockMaxTf = new Uint8Array(0)
  blockMinLenTf = new Float32Array(0)
  blocksUsed = 0

  // ---- recent part (a term's head and tail are entry + 1, 0 for none: a zeroed array is empty)
  rHead = new PagedInts()
  rTail = new PagedInts()
  rCount = new PagedInts(0, 'Uint32Array')
  eDoc = new Int32Array(1024)
  eTf = new Uint8Array(1024)
  eNext = new Int32Array(1024)
  entries = 0

  /** Bytes the recent entries will take in the pool once sealed (kept as they are added: a seal sizes its pool without counting). */
  pendingBytes = 0
  /** Skip entries every term will need once all of its postings are sealed. */
  blocksNeeded = 0

  /** The seal under way, if any. */
  #job: SealJob | undefined
  /** The add's scratch: weighted frequencies by term id (zero between adds), its terms. */
  readonly #tf = new PagedInts(0, 'Uint32Array')
  readonly #distinct: number[] = []

  constructor(dictionary?: TermDictionary) {
    this.terms = new LocalTerms(dictionary)
  }

  get termCount(): number {
    return this.terms.size
  }

  /** The id of a term, or -1 when no document has it. */
  id(term: string): number {
    return this.terms.find(term) ?? -1
  }

  /** Sets up a term the store has just been given (id t, the last). */
  #added(t: number): void {
    if (t >= this.sOff.capacity) {
      // a page more for each (never a copy of what they hold)
      for (const a of [this.sOff, this.sBytes, this.sCount, this.sLast, this.sBlock, this.rHead, this.rTail, this.rCount]) a.ensure(t + 1)
      const n = this.sOff.capacity
      // a seal under way writes arrays of the same length, to be swapped in
      this.#job?.widen(n)
    }
    this.sLast.set(t, -1)
    this.#job?.newTerm(t)
  }

  /**
   * Adds patent `i` of `batch` as document `doc` (ids must come in increasing order across calls),
   * each occurrence of a term in field f counting `fields` weight for f (fields in that order: a
   * new term's id is its first occurrence's); returns the document's weighted length.
   */
  add(doc: number, batch: TermBatch, i: number, fields: ReadonlyArray<readonly [field: number, weight: number]>): number {
    const ids = this.terms.ids(batch)
    const positions = batch.positions
    const distinct = this.#distinct
    distinct.length = 0
    let length = 0
    for (const [f, weight] of fields) {
      const to = batch.end(i, f)
      for (let k = batch.start(i, f); k < to; k++) {
        const v = positions[k]!
        let t = ids[v]!
        if (t < 0) {
          const before = this.terms.size
          ids[v] = t = this.terms.take(batch, v)
          if (t === before) this.#added(t)
        }
        if (t >= this.#tf.capacity) this.#tf.ensure(t + 1)
        const had = this.#tf.get(t)
        if (had === 0) distinct.push(t)
        this.#tf.set(t, had + weight)
        length += weight
      }
    }
    const need = this.entries + distinct.length
    if (need > this.eDoc.length) {
      this.eDoc = grow(this.eDoc, need)
      this.eTf = grow(this.eTf, need)
      this.eNext = grow(this.eNext, need)
    }
    for (const t of distinct) {
      const n = this.#tf.get(t)
      this.#tf.set(t, 0)
      this.#append(t, doc, n > 255 ? 255 : n)
    }
    return length
  }

  /** Postings of a term, removed documents included (the document frequency BM25 reads, as Lucene's docFreq). */
  count(t: number): number {
    return this.sCount.get(t) + this.rCount.get(t)
  }

  /** Whether a seal is under way. */
  get sealing(): boolean {
    return this.#job !== undefined
  }

  /**
   * Starts moving the recent part, as it is at the first step, into the pool (nothing when a seal
   * is already under way or nothing is recent); `sealStep` does the work. `lengthOf` gives a
   * document's length, for the blocks' impact bounds: it must not change for a document meanwhile.
   *
   * The recent part it leaves gets room for `room` entries (default twice as many as there are:
   * the entries added during this seal, until the next and during it fit without the arrays
   * doubling, a copy of tens of megabytes at a million documents; untouched room costs no memory).
   */
  startSeal(lengthOf: (doc: number) => number, room?: number): void {
    if (this.#job !== undefined || this.entries === 0) return
    this.#job = new SealJob(lengthOf, room)
  }

  /** Whether the last step allocated memory (the collector may follow: a caller pacing the steps may stop there). */
  get sealStepAllocated(): boolean {
    return this.#job?.allocatedNow ?? false
  }

  /** Does about `work` units of the seal under way; true when it is done (swapped in) or there is none. */
  sealStep(work = SEAL_STEP): boolean {
    const j = this.#job
    if (j === undefined) return true
    if (!j.step(this, work)) return false
    this.#swap(j)
    return true
  }

  /** Drops the seal under way (what it wrote is thrown away; the postings are as they were). */
  abandonSeal(): void {
    this.#job = undefined
  }

  /** Moves the whole recent part into the pool at once: the seal under way, if any, and then the rest. */
  seal(lengthOf: (doc: number) => number): void {
    while (!this.sealStep(Infinity));
    this.startSeal(lengthOf, 1024) // nothing is added meanwhile
    while (!this.sealStep(Infinity));
  }

  /**
   * The seal's last step: its arrays replace the sealed part and the recent part (the entries
   * added since it started, which it kept renumbered from 0). O(1): nothing is copied or walked.
   */
  #swap(j: SealJob): void {
    this.#job = undefined
    if (j.w !== j.bytes || j.bw !== j.blocks) throw new Error(`postings seal: wrote ${j.w} bytes and ${j.bw} blocks, sized ${j.bytes} and ${j.blocks}`)
    this.pool = j.pool
    this.poolUsed = j.w
    this.blockLast = j.blockLast
    this.blockOff = j.blockOff
    this.blockMaxTf = j.blockMaxTf
    this.blockMinLenTf = j.blockMinLenTf
    this.blocksUsed = j.bw
    this.sOff = j.sOff
    this.sBytes = j.sBytes
    this.sCount = j.sCount
    this.sLast = j.sLast
    this.sBlock = j.sBlock
    this.rHead = j.rHead
    this.rTail = j.rTail
    this.rCount = j.rCount
    this.eDoc = j.eDoc
    this.eTf = j.eTf
    this.eNext = j.eNext
    this.entries = j.entries
    this.pendingBytes -= j.bytes - j.oldBytes
  }

  /**
   * Renumbers documents (`remap[old]` is the new id, -1 for a removed one) and drops terms left
   * with no posting; `lengthOf` gives the length of a document by its new id.
   */
  compact(remap: Int32Array, lengthOf: (doc: number) => number): void {
    this.abandonSeal() // the cursors below read the postings as they are, sealed part and whole recent chain
    const fresh = new Postings(this.terms.dictionary)
    // rebuild term by term into the recent part of a fresh store, then seal once
    // in the order of the term numbers, as they were given
    let t = 0
    for (const term of this.terms) {
      const c = this.cursor(t++)
      let nt = -1
      for (let d = c.next(); d !== END; d = c.next()) {
        const nd = remap[d]!
        if (nd < 0) continue
        if (nt < 0) fresh.#added((nt = fresh.terms.add(term)))
        fresh.#append(nt, nd, c.tf)
      }
    }
    fresh.seal(lengthOf)
    Object.assign(this, fresh) // the public fields (the seal under way, private, was dropped above)
  }

  #append(t: number, doc: number, tf: number): void {
    const tail = appendToChain(this, t, doc, tf)
    // what the posting will take sealed: its gap to the term's previous posting, and a block every BLOCK postings
    this.pendingBytes += varintLength(doc - (tail < 0 ? this.sLast.get(t) : this.eDoc[tail]!)) + 1
    if ((this.sCount.get(t) + this.rCount.get(t) - 1) % BLOCK === 0) this.blocksNeeded++
    // and into the recent part the seal under way will leave
    this.#job?.append(t, doc, tf)
  }

  /**
   * The whole store as typed arrays and the terms in id order (for a snapshot: see the search
   * index's `exportState`). Views of the store's own arrays, cut to what is used, but for the
   * recent heads and tails (copied, a few milliseconds at a million terms).
   */
  exportState(): { arrays: Record<string, SnapshotArray | SnapshotStream>; terms: string[] } {
    const T = this.termCount
    const b = this.blocksUsed
    const e = this.entries
    return {
      terms: [...this.terms],
      arrays: {
        pool: this.pool.subarray(0, this.poolUsed),
        sOff: this.sOff.stream(T),
        sBytes: this.sBytes.stream(T),
        sCount: this.sCount.stream(T),
        sLast: this.sLast.stream(T),
        sBlock: this.sBlock.stream(T),
        blockLast: this.blockLast.subarray(0, b),
        blockOff: this.blockOff.subarray(0, b),
        blockMaxTf: this.blockMaxTf.subarray(0, b),
        blockMinLenTf: this.blockMinLenTf.subarray(0, b),
        // as entry indexes, -1 for none (copies: the store keeps them + 1)
        rHead: minusOne(this.rHead, T),
        rTail: minusOne(this.rTail, T),
        rCount: this.rCount.stream(T),
        eDoc: this.eDoc.subarray(0, e),
        eTf: this.eTf.subarray(0, e),
        eNext: this.eNext.subarray(0, e),
      },
    }
  }

  /**
   * A store from `exportState`'s parts, checked: every term's bytes and blocks inside the pool,
   * every chain inside the entries, every id below `docs`. Throws on anything else.
   */
  static fromState(r: StateReader, terms: readonly string[], docs: number, dictionary?: TermDictionary): Postings {
    const T = terms.length
    const p = new Postings(dictionary)
    p.pool = r.array('pool', Uint8Array)
    p.poolUsed = p.pool.length
    const sOff = r.array('sOff', Uint32Array, T)
    const sBytes = r.array('sBytes', Uint32Array, T)
    const sCount = r.array('sCount', Uint32Array, T)
    const sLast = r.array('sLast', Int32Array, T)
    const sBlock = r.array('sBlock', Uint32Array, T)
    p.blockLast = r.array('blockLast', Int32Array)
    const B = p.blockLast.length
    p.blockOff = r.array('blockOff', Uint32Array, B)
    p.blockMaxTf = r.array('blockMaxTf', Uint8Array, B)
    p.blockMinLenTf = r.array('blockMinLenTf', Float32Array, B)
    p.blocksUsed = B
    const rHead = r.array('rHead', Int32Array, T)
    const rTail = r.array('rTail', Int32Array, T)
    const rCount = r.array('rCount', Uint32Array, T)
    p.eDoc = r.array('eDoc', Int32Array)
    const E = p.eDoc.length
    p.eTf = r.array('eTf', Uint8Array, E)
    p.eNext = r.array('eNext', Int32Array, E)
    p.entries = E
    for (let t = 0; t < T; t++) {
      if (sOff[t]! + sBytes[t]! > p.poolUsed) r.fail(`term ${t}'s postings run past the pool`)
      if (sBlock[t]! + Math.ceil(sCount[t]! / BLOCK) > B) r.fail(`term ${t}'s blocks run past the skip entries`)
      if (sLast[t]! >= docs) r.fail(`term ${t}'s last id is past the documents`)
      if (rHead[t]! >= E || rTail[t]! >= E) r.fail(`term ${t}'s recent chain is outside the entries`)
    }
    r.inRange('eDoc', p.eDoc, Math.max(docs, 1))
    for (let i = 0; i < E; i++) if (p.eNext[i]! >= E) r.fail(`entry ${i} chains outside the entries`)
    p.terms = LocalTerms.of(p.terms.dictionary, terms) ?? r.fail('a term is listed twice')
    // what a seal will need (not stored: derived), walking each term's chain, which must hold its count of ascending ids
    let chained = 0
    for (let t = 0; t < T; t++) chained += rCount[t]!
    if (chained !== E) r.fail(`the terms' recent counts add up to ${chained}, not the ${E} entries`)
    for (let t = 0; t < T; t++) {
      let last = sLast[t]!
      let k = 0
      let tail = -1
      const n = rCount[t]!
      for (let e = rHead[t]!; e >= 0; e = p.eNext[e]!) {
        if (++k > n || p.eDoc[e]! <= last) r.fail(`term ${t}'s recent chain is not its ${n} ascending entries`)
        p.pendingBytes += varintLength(p.eDoc[e]! - last) + 1
        last = p.eDoc[e]!
        tail = e
      }
      if (k !== n || rTail[t] !== tail) r.fail(`term ${t}'s recent chain is not its ${n} entries`)
      p.blocksNeeded += Math.ceil((sCount[t]! + rCount[t]!) / BLOCK)
    }
    p.sOff = PagedInts.of(sOff)
    p.sBytes = PagedInts.of(sBytes)
    p.sCount = PagedInts.of(sCount)
    p.sLast = PagedInts.of(sLast)
    p.sBlock = PagedInts.of(sBlock)
    // kept + 1 (0 for none)
    p.rHead = PagedInts.of(plusOne(rHead))
    p.rTail = PagedInts.of(plusOne(rTail))
    p.rCount = PagedInts.of(rCount)
    return p
  }

  cursor(t: number): Cursor {
    return new Cursor(this, t)
  }

  /** Bytes held by the typed arrays (for the bench). */
  get bytes(): number {
    const arrays = [this.pool, this.blockLast, this.blockOff, this.blockMaxTf, this.blockMinLenTf, this.eDoc, this.eTf, this.eNext]
    const paged = [this.sOff, this.sBytes, this.sCount, this.sLast, this.sBlock, this.rHead, this.rTail, this.rCount]
    return arrays.reduce((s, a) => s + a.byteLength, 0) + paged.reduce((s, a) => s + a.bytes, 0)
  }
}

/**
 * A seal under way: writes every term below `t0` (those there were when it started) into a new
 * pool and new per-term arrays, its sealed postings copied and its recent entries below `e0`
 * encoded after them, term by term and within a term in pieces, so that a step does a bounded
 * amount of work however long a term's postings are. Reads the store's current arrays at every
 * step (adding documents may replace them) and writes only its own. The entries added meanwhile
 * (`append`) it keeps as the recent part it leaves, renumbered from 0.
 */
class SealJob {
  /** Whether its first step has fixed what it seals: the entries below e0 of the terms below t0. */
  fixed = false
  e0 = 0
  t0 = 0
  /** The pool's size before and after (exact: the pending bytes kept by `add`). */
  oldBytes = 0
  bytes = 0
  blocks = 0
  readonly lengthOf: (doc: number) => number
  /** Entries the recent part it leaves has room for (default twice e0). */
  readonly roomAsked: number | undefined
  room = 0
  /** Whether the last step allocated. */
  allocatedNow = false
  /**
   * What it writes, allocated by its first steps, a kind a step (hundreds of megabytes at a
   * million documents: allocated at once they stall the process for tens of milliseconds, the
   * collector reacting to that much new memory).
   */
  allocated = 0
  pool = new Uint8Array(0)
  blockLast = new Int32Array(0)
  blockOff = new Uint32Array(0)
  blockMaxTf = new Uint8Array(0)
  blockMinLenTf = new Float32Array(0)
  sOff = new PagedInts(0, 'Uint32Array')
  sBytes = new PagedInts(0, 'Uint32Array')
  sCount = new PagedInts(0, 'Uint32Array')
  sLast = new PagedInts()
  sBlock = new PagedInts(0, 'Uint32Array')
  /** The recent part it leaves: the entries from e0 on, renumbered from 0 (heads and tails + 1, as the store's). */
  rHead = new PagedInts()
  rTail = new PagedInts()
  rCount = new PagedInts(0, 'Uint32Array')
  eDoc = new Int32Array(1024)
  eTf = new Uint8Array(1024)
  eNext = new Int32Array(1024)
  entries = 0
  /** Bytes and blocks written so far. */
  w = 0
  bw = 0
  /** The term being written, and whether its sealed postings are copied (its recent ones being encoded). */
  t = 0
  inTerm = false
  /** Within the term: where its bytes start, its next entry to encode, how many postings so far, its last id. */
  start = 0
  e = -1
  i = 0
  last = -1

  constructor(lengthOf: (doc: number) => number, room: number | undefined) {
    this.lengthOf = lengthOf
    this.roomAsked = room
  }

  /**
   * The first step: what it seals is the recent part as it is now (the entries added from now on
   * go into the recent part it leaves, allocated here), and the sizes of what it writes.
   */
  #fix(p: Postings): void {
    this.e0 = p.entries
    this.t0 = p.termCount
    this.oldBytes = p.poolUsed
    this.bytes = p.poolUsed + p.pendingBytes
    this.blocks = p.blocksNeeded
    this.room = Math.max(1024, this.roomAsked ?? 2 * this.e0)
    const cap = p.sOff.capacity
    this.rHead.ensure(cap)
    this.rTail.ensure(cap)
    this.rCount.ensure(cap)
    this.fixed = true
  }

  /**
   * Allocates the next of the arrays it writes (per-term ones as long as the store's); false once
   * all are. Arrays of a kind share one buffer: fewer, larger allocations, which the allocator maps
   * and gives back whole instead of leaving holes in its heap.
   */
  #allocate(p: Postings): boolean {
    switch (this.allocated++) {
      case 0: {
        // the recent part's entries, with the room asked for (those added so far copied)
        const n = Math.max(this.room, 2 * this.entries)
        const buf = new ArrayBuffer(n * 9)
        const eDoc = new Int32Array(buf, 0, n)
        const eNext = new Int32Array(buf, n * 4, n)
        const eTf = new Uint8Array(buf, n * 8, n)
        eDoc.set(this.eDoc.subarray(0, this.entries))
        eNext.set(this.eNext.subarray(0, this.entries))
        eTf.set(this.eTf.subarray(0, this.entries))
        this.eDoc = eDoc
        this.eNext = eNext
        this.eTf = eTf
        return true
      }
      case 1:
        this.pool = new Uint8Array(this.bytes)
        return true
      case 2: {
        const n = this.blocks
        const buf = new ArrayBuffer(n * 13)
        this.blockLast = new Int32Array(buf, 0, n)
        this.blockOff = new Uint32Array(buf, n * 4, n)
        this.blockMinLenTf = new Float32Array(buf, n * 8, n)
        this.blockMaxTf = new Uint8Array(buf, n * 12, n)
        return true
      }
      case 3: {
        const cap = this.rHead.capacity
        for (const a of [this.sOff, this.sBytes, this.sCount, this.sBlock, this.sLast]) a.ensure(cap)
        for (let t = this.t0; t < p.termCount; t++) this.sLast.set(t, -1)
        return true
      }
    }
    this.allocated = 4
    return false
  }

  /** A term interned meanwhile: nothing sealed (once its arrays are allocated; before, they are made so). */
  newTerm(t: number): void {
    if (this.sLast.capacity > t) this.sLast.set(t, -1)
  }

  /** A posting added meanwhile, into the recent part the seal leaves. */
  append(t: number, doc: number, tf: number): void {
    if (!this.fixed) return // part of what it will seal
    appendToChain(this, t, doc, tf)
  }

  /** The per-term arrays grown with the store's (to `n` terms). */
  widen(n: number): void {
    if (!this.fixed) return // allocated at the store's length
    // when not allocated yet, they will be of the new length
    if (this.sOff.capacity > 0) for (const a of [this.sOff, this.sBytes, this.sCount, this.sBlock, this.sLast]) a.ensure(n)
    for (const a of [this.rHead, this.rTail, this.rCount]) a.ensure(n)
  }

  /** About `budget` units of work; true when every term is written. */
  step(p: Postings, budget: number): boolean {
    this.allocatedNow = true
    if (!this.fixed) {
      this.#fix(p)
      return false
    }
    if (this.#allocate(p)) return false
    this.allocatedNow = false
    const e0 = this.e0
    const pool = this.pool
    const eDoc = p.eDoc
    const eTf = p.eTf
    const eNext = p.eNext
    const lengthOf = this.lengthOf
    let work = 0
    while (work < budget) {
      const t = this.t
      if (!this.inTerm) {
        if (t === this.t0) return true
        // the term's sealed postings and their blocks, copied as they are (block offsets are from the term's start)
        const off = p.sOff.get(t)
        const nb = p.sBytes.get(t)
        const count = p.sCount.get(t)
        const ob = (count + BLOCK - 1) >>> BLOCK_SHIFT
        const w = this.w
        if (nb <= 64) for (let k = 0; k < nb; k++) pool[w + k] = p.pool[off + k]!
        else pool.set(p.pool.subarray(off, off + nb), w)
        const from = p.sBlock.get(t)
        const bw = this.bw
        if (ob <= 4) {
          for (let k = 0; k < ob; k++) {
            this.blockLast[bw + k] = p.blockLast[from + k]!
            this.blockOff[bw + k] = p.blockOff[from + k]!
            this.blockMaxTf[bw + k] = p.blockMaxTf[from + k]!
            this.blockMinLenTf[bw + k] = p.blockMinLenTf[from + k]!
          }
        } else {
          this.blockLast.set(p.blockLast.subarray(from, from + ob), bw)
          this.blockOff.set(p.blockOff.subarray(from, from + ob), bw)
          this.blockMaxTf.set(p.blockMaxTf.subarray(from, from + ob), bw)
          this.blockMinLenTf.set(p.blockMinLenTf.subarray(from, from + ob), bw)
        }
        this.start = w
        this.w = w + nb
        this.i = count
        this.last = p.sLast.get(t)
        this.e = p.rHead.get(t) - 1
        this.inTerm = true
        work += 1 + (nb >>> 5) + ob
      }
      // the term's recent entries below e0 (its chain is in id order, and so in entry order), as far as the budget goes
      let e = this.e
      let i = this.i
      let last = this.last
      let w = this.w
      const start = this.start
      const bw = this.bw
      const n = budget - work
      let k = 0
      for (; e >= 0 && e < e0 && k < n; k++) {
        const doc = eDoc[e]!
        const tf = eTf[e]!
        const b = bw + (i >>> BLOCK_SHIFT)
        // rounded down to float32, so a hair below: the bound stays a bound
        const lenTf = Math.fround(lengthOf(doc) / tf) * (1 - 1e-6)
        if ((i & (BLOCK - 1)) === 0) {
          this.blockOff[b] = w - start
          this.blockMaxTf[b] = tf
          this.blockMinLenTf[b] = lenTf
        } else {
          if (tf > this.blockMaxTf[b]!) this.blockMaxTf[b] = tf
          if (lenTf < this.blockMinLenTf[b]!) this.blockMinLenTf[b] = lenTf
        }
        let gap = doc - last
        while (gap >= 0x80) {
          pool[w++] = (gap & 0x7f) | 0x80
          gap >>>= 7
        }
        pool[w++] = gap
        pool[w++] = tf
        this.blockLast[b] = doc
        last = doc
        i++
        e = eNext[e]!
      }
      work += k
      this.e = e
      this.i = i
      this.last = last
      this.w = w
      if (e >= 0 && e < e0) return false // the budget ran out inside the term
      this.sOff.set(t, start)
      this.sBytes.set(t, w - start)
      this.sCount.set(t, i)
      this.sLast.set(t, last)
      this.sBlock.set(t, bw)
      this.bw = bw + ((i + BLOCK - 1) >>> BLOCK_SHIFT)
      this.t = t + 1
      this.inTerm = false
    }
    return this.t === this.t0 && !this.inTerm
  }
}

function minusOne(a: PagedInts, n: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = a.get(i) - 1
  return out
}

function plusOne(a: Int32Array): Int32Array<ArrayBuffer> {
  const out = new Int32Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + 1
  return out
}

function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5
}


/**
 * Walks one term's postings in id order: `next()` and `advance(target)` return the current id
 * (END when done); `tf` is its frequency. Skips whole blocks of the sealed part when advancing.
 */
export class Cursor {
  doc = -1
  tf = 0
  readonly #p: Postings
  readonly #t: number
  // sealed part
  #pos: number
  #end: number
  #i = 0
  readonly #n: number
  readonly #base: number
  readonly #blocks: number
  /** Last id of the block holding the next posting (-1: not known yet). */
  #blockEnd = -1
  // recent part
  #e: number
  /** Whether the current posting is in the recent part (which has no blocks). */
  #inRecent = false
  /** The last block `shallowBlock` found. */
  #shallow = 0
  constructor(p: Postings, t: number) {
    this.#p = p
    this.#t = t
    this.#pos = p.sOff.get(t)
    this.#end = this.#pos + p.sBytes.get(t)
    this.#n = p.sCount.get(t)
    this.#base = p.sBlock.get(t)
    this.#blocks = Math.ceil(this.#n / BLOCK)
    this.#e = p.rHead.get(t) - 1
  }

  next(): number {
    if (this.#i < this.#n) {
      const pool = this.#p.pool
      let pos = this.#pos
      let b = pool[pos++]!
      let gap = b & 0x7f
      let shift = 7
      while (b >= 0x80) {
        b = pool[pos++]!
        gap |= (b & 0x7f) << shift
        shift += 7
      }
      // the first posting's gap is from -1
      this.doc = (this.#i === 0 ? -1 : this.doc) + gap
      this.tf = pool[pos++]!
      this.#pos = pos
      if ((++this.#i & (BLOCK - 1)) === 0) this.#blockEnd = -1
      return this.doc
    }
    const e = this.#e
    this.#inRecent = true
    if (e < 0) return (this.doc = END)
    this.doc = this.#p.eDoc[e]!
    this.tf = this.#p.eTf[e]!
    this.#e = this.#p.eNext[e]!
    return this.doc
  }

  /** Moves to the first posting with id ≥ target (stays when already there). */
  advance(target: number): number {
    if (this.doc >= target) return this.doc
    if (this.#i < this.#n && target > this.#blockEnd) this.#skip(target)
    let d = this.doc
    while (d < target) d = this.next()
    return d
  }

  /** The sealed block of the current posting (an index into the blocks' arrays), or -1 in the recent part. */
  get block(): number {
    return this.#inRecent || this.#i === 0 ? -1 : this.#base + ((this.#i - 1) >>> BLOCK_SHIFT)
  }

  /**
   * The sealed block whose range holds `target` (an index into the blocks' arrays; its postings
   * may or may not include it), found from the skip entries without moving the cursor; -1 when
   * `target` lies beyond the sealed part. Targets are asked in increasing order.
   */
  shallowBlock(target: number): number {
    const p = this.#p
    if (this.#blocks === 0 || target > p.sLast.get(this.#t)) return -1
    const base = this.#base
    let b = this.#i === 0 ? 0 : (this.#i - 1) >>> BLOCK_SHIFT
    if (this.#shallow > b) b = this.#shallow
    if (p.blockLast[base + b]! < target) b = this.#blockAtLeast(b + 1, target)
    this.#shallow = b
    return base + b
  }

  /** The first of this term's blocks from `lo` on whose last id is ≥ target (one exists): gallop, then binary search. */
  #blockAtLeast(lo: number, target: number): number {
    const last = this.#p.blockLast
    const base = this.#base
    const blocks = this.#blocks
    let step = 1
    let hi = lo
    while (hi < blocks && last[base + hi]! < target) {
      lo = hi + 1
      hi += step
      step *= 2
    }
    if (hi >= blocks) hi = blocks - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (last[base + mid]! < target) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Moves past the current posting's block: to the first posting of the next (or END). */
  skipBlock(): number {
    const b = this.block
    return b < 0 ? this.next() : this.advance(this.#p.blockLast[b]! + 1)
  }

  /** Skips the sealed blocks that end before target. */
  #skip(target: number): void {
    const p = this.#p
    const base = this.#base
    let b = Math.floor(this.#i / BLOCK)
    const end = p.blockLast[base + b]!
    if (end >= target) {
      this.#blockEnd = end
      return
    }
    if (p.sLast.get(this.#t) < target) {
      this.#i = this.#n
      this.#pos = this.#end
      return
    }
    b = this.#blockAtLeast(b + 1, target)
    this.#i = b * BLOCK
    this.#pos = p.sOff.get(this.#t) + p.blockOff[base + b]!
    this.doc = p.blockLast[base + b - 1]!
    this.#blockEnd = p.blockLast[base + b]!
  }
}
