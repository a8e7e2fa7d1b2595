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
 * `seal()` rewrites the pool with the recent part appended to each term (the caller seals when
 * the recent part has grown to a fraction of the index, so the work stays linear overall).
 * Removed documents stay in the postings until `compact` renumbers the index; callers skip them.
 */

import type { SnapshotArray, StateReader } from '../../domain/snapshot.js'

export const BLOCK = 128
const BLOCK_SHIFT = 7
/** A cursor past its last posting. */
export const END = 0x7fffffff

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a
  let n = Math.max(16, a.length)
  while (n < need) n *= 2
  const b = new (a.constructor as new (n: number) => T)(n)
  b.set(a)
  return b
}

export class Postings {
  /** Term text → term id. */
  terms = new Map<string, number>()
  termCount = 0

  // ---- sealed part (per term: where its bytes start, how many bytes and postings, its last id, its first skip entry)
  pool = new Uint8Array(0)
  poolUsed = 0
  sOff = new Uint32Array(16)
  sBytes = new Uint32Array(16)
  sCount = new Uint32Array(16)
  sLast = new Int32Array(16)
  sBlock = new Uint32Array(16)
  blockLast = new Int32Array(0)
  blockOff = new Uint32Array(0)
  blockMaxTf = new Uint8Array(0)
  blockMinLenTf = new Float32Array(0)
  blocksUsed = 0

  // ---- recent part
  rHead = new Int32Array(16)
  rTail = new Int32Array(16)
  rCount = new Uint32Array(16)
  eDoc = new Int32Array(1024)
  eTf = new Uint8Array(1024)
  eNext = new Int32Array(1024)
  entries = 0

  /** The id of a term, or -1 when no document has it. */
  id(term: string): number {
    return this.terms.get(term) ?? -1
  }

  #intern(term: string): number {
    let t = this.terms.get(term)
    if (t !== undefined) return t
    t = this.termCount++
    this.terms.set(term, t)
    if (t >= this.sOff.length) {
      const n = this.sOff.length * 2
      this.sOff = grow(this.sOff, n)
      this.sBytes = grow(this.sBytes, n)
      this.sCount = grow(this.sCount, n)
      this.sLast = grow(this.sLast, n)
      this.sBlock = grow(this.sBlock, n)
      this.rHead = grow(this.rHead, n)
      this.rTail = grow(this.rTail, n)
      this.rCount = grow(this.rCount, n)
    }
    this.sLast[t] = -1
    this.rHead[t] = -1
    this.rTail[t] = -1
    return t
  }

  /** Adds one document's terms (ids must come in increasing order across calls). */
  add(doc: number, tf: Map<string, number>): void {
    const need = this.entries + tf.size
    if (need > this.eDoc.length) {
      this.eDoc = grow(this.eDoc, need)
      this.eTf = grow(this.eTf, need)
      this.eNext = grow(this.eNext, need)
    }
    for (const [term, n] of tf) {
      const t = this.#intern(term)
      const e = this.entries++
      this.eDoc[e] = doc
      this.eTf[e] = n > 255 ? 255 : n
      this.eNext[e] = -1
      if (this.rTail[t]! < 0) this.rHead[t] = e
      else this.eNext[this.rTail[t]!] = e
      this.rTail[t] = e
      this.rCount[t]!++
    }
  }

  /** Postings of a term, removed documents included (the document frequency BM25 reads, as Lucene's docFreq). */
  count(t: number): number {
    return this.sCount[t]! + this.rCount[t]!
  }

  /** Moves the recent part into the pool; `lengthOf` gives a document's length, for the blocks' impact bounds. */
  seal(lengthOf: (doc: number) => number): void {
    if (this.entries === 0) return
    const T = this.termCount
    // exact size of the new pool and skip arrays
    let bytes = this.poolUsed
    let blocks = 0
    for (let t = 0; t < T; t++) {
      let last = this.sLast[t]!
      for (let e = this.rHead[t]!; e >= 0; e = this.eNext[e]!) {
        bytes += varintLength(this.eDoc[e]! - last) + 1
        last = this.eDoc[e]!
      }
      blocks += Math.ceil(this.count(t) / BLOCK)
    }
    const pool = new Uint8Array(bytes)
    const blockLast = new Int32Array(blocks)
    const blockOff = new Uint32Array(blocks)
    const blockMaxTf = new Uint8Array(blocks)
    const blockMinLenTf = new Float32Array(blocks)
    let w = 0
    let bw = 0
    for (let t = 0; t < T; t++) {
      const start = w
      const oldCount = this.sCount[t]!
      const oldBlocks = Math.ceil(oldCount / BLOCK)
      pool.set(this.pool.subarray(this.sOff[t]!, this.sOff[t]! + this.sBytes[t]!), w)
      w += this.sBytes[t]!
      blockLast.set(this.blockLast.subarray(this.sBlock[t]!, this.sBlock[t]! + oldBlocks), bw)
      blockOff.set(this.blockOff.subarray(this.sBlock[t]!, this.sBlock[t]! + oldBlocks), bw)
      blockMaxTf.set(this.blockMaxTf.subarray(this.sBlock[t]!, this.sBlock[t]! + oldBlocks), bw)
      blockMinLenTf.set(this.blockMinLenTf.subarray(this.sBlock[t]!, this.sBlock[t]! + oldBlocks), bw)
      let i = oldCount
      let last = this.sLast[t]!
      for (let e = this.rHead[t]!; e >= 0; e = this.eNext[e]!) {
        const doc = this.eDoc[e]!
        const tf = this.eTf[e]!
        const b = bw + Math.floor(i / BLOCK)
        // rounded down to float32, so a hair below: the bound stays a bound
        const lenTf = Math.fround(lengthOf(doc) / tf) * (1 - 1e-6)
        if (i % BLOCK === 0) {
          blockOff[b] = w - start
          blockMaxTf[b] = tf
          blockMinLenTf[b] = lenTf
        } else {
          if (tf > blockMaxTf[b]!) blockMaxTf[b] = tf
          if (lenTf < blockMinLenTf[b]!) blockMinLenTf[b] = lenTf
        }
        w = writeVarint(pool, w, doc - last)
        pool[w++] = tf
        blockLast[b] = doc
        last = doc
        i++
      }
      this.sOff[t] = start
      this.sBytes[t] = w - start
      this.sCount[t] = i
      this.sLast[t] = last
      this.sBlock[t] = bw
      bw += Math.ceil(i / BLOCK)
      this.rHead[t] = -1
      this.rTail[t] = -1
      this.rCount[t] = 0
    }
    this.pool = pool
    this.poolUsed = w
    this.blockLast = blockLast
    this.blockOff = blockOff
    this.blockMaxTf = blockMaxTf
    this.blockMinLenTf = blockMinLenTf
    this.blocksUsed = bw
    this.eDoc = new Int32Array(1024)
    this.eTf = new Uint8Array(1024)
    this.eNext = new Int32Array(1024)
    this.entries = 0
  }

  /**
   * Renumbers documents (`remap[old]` is the new id, -1 for a removed one) and drops terms left
   * with no posting; `lengthOf` gives the length of a document by its new id.
   */
  compact(remap: Int32Array, lengthOf: (doc: number) => number): void {
    const old = { terms: this.terms, cursor: (t: number) => this.cursor(t) }
    const fresh = new Postings()
    // rebuild term by term into the recent part of a fresh store, then seal once
    const byTerm: Array<[string, number]> = [...old.terms]
    for (const [term, t] of byTerm) {
      const c = old.cursor(t)
      let nt = -1
      for (let d = c.next(); d !== END; d = c.next()) {
        const nd = remap[d]!
        if (nd < 0) continue
        if (nt < 0) nt = fresh.#intern(term)
        fresh.#append(nt, nd, c.tf)
      }
    }
    fresh.seal(lengthOf)
    Object.assign(this, fresh)
  }

  #append(t: number, doc: number, tf: number): void {
    if (this.entries >= this.eDoc.length) {
      this.eDoc = grow(this.eDoc, this.entries + 1)
      this.eTf = grow(this.eTf, this.entries + 1)
      this.eNext = grow(this.eNext, this.entries + 1)
    }
    const e = this.entries++
    this.eDoc[e] = doc
    this.eTf[e] = tf
    this.eNext[e] = -1
    if (this.rTail[t]! < 0) this.rHead[t] = e
    else this.eNext[this.rTail[t]!] = e
    this.rTail[t] = e
    this.rCount[t]!++
  }

  /**
   * The whole store as typed arrays and the terms in id order (for a snapshot: see the search
   * index's `exportState`). Views of the store's own arrays, cut to what is used: nothing copied.
   */
  exportState(): { arrays: Record<string, SnapshotArray>; terms: string[] } {
    const T = this.termCount
    const b = this.blocksUsed
    const e = this.entries
    const terms: string[] = new Array(T)
    for (const [term, t] of this.terms) terms[t] = term
    return {
      terms,
      arrays: {
        pool: this.pool.subarray(0, this.poolUsed),
        sOff: this.sOff.subarray(0, T),
        sBytes: this.sBytes.subarray(0, T),
        sCount: this.sCount.subarray(0, T),
        sLast: this.sLast.subarray(0, T),
        sBlock: this.sBlock.subarray(0, T),
        blockLast: this.blockLast.subarray(0, b),
        blockOff: this.blockOff.subarray(0, b),
        blockMaxTf: this.blockMaxTf.subarray(0, b),
        blockMinLenTf: this.blockMinLenTf.subarray(0, b),
        rHead: this.rHead.subarray(0, T),
        rTail: this.rTail.subarray(0, T),
        rCount: this.rCount.subarray(0, T),
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
  static fromState(r: StateReader, terms: readonly string[], docs: number): Postings {
    const T = terms.length
    const p = new Postings()
    p.pool = r.array('pool', Uint8Array)
    p.poolUsed = p.pool.length
    p.sOff = r.array('sOff', Uint32Array, T)
    p.sBytes = r.array('sBytes', Uint32Array, T)
    p.sCount = r.array('sCount', Uint32Array, T)
    p.sLast = r.array('sLast', Int32Array, T)
    p.sBlock = r.array('sBlock', Uint32Array, T)
    p.blockLast = r.array('blockLast', Int32Array)
    const B = p.blockLast.length
    p.blockOff = r.array('blockOff', Uint32Array, B)
    p.blockMaxTf = r.array('blockMaxTf', Uint8Array, B)
    p.blockMinLenTf = r.array('blockMinLenTf', Float32Array, B)
    p.blocksUsed = B
    p.rHead = r.array('rHead', Int32Array, T)
    p.rTail = r.array('rTail', Int32Array, T)
    p.rCount = r.array('rCount', Uint32Array, T)
    p.eDoc = r.array('eDoc', Int32Array)
    const E = p.eDoc.length
    p.eTf = r.array('eTf', Uint8Array, E)
    p.eNext = r.array('eNext', Int32Array, E)
    p.entries = E
    for (let t = 0; t < T; t++) {
      if (p.sOff[t]! + p.sBytes[t]! > p.poolUsed) r.fail(`term ${t}'s postings run past the pool`)
      if (p.sBlock[t]! + Math.ceil(p.sCount[t]! / BLOCK) > B) r.fail(`term ${t}'s blocks run past the skip entries`)
      if (p.sLast[t]! >= docs) r.fail(`term ${t}'s last id is past the documents`)
      if (p.rHead[t]! >= E || p.rTail[t]! >= E) r.fail(`term ${t}'s recent chain is outside the entries`)
    }
    r.inRange('eDoc', p.eDoc, Math.max(docs, 1))
    for (let i = 0; i < E; i++) if (p.eNext[i]! >= E) r.fail(`entry ${i} chains outside the entries`)
    terms.forEach((term, t) => p.terms.set(term, t))
    if (p.terms.size !== T) r.fail('a term is listed twice')
    p.termCount = T
    return p
  }

  cursor(t: number): Cursor {
    return new Cursor(this, t)
  }

  /** Bytes held by the typed arrays (for the bench). */
  get bytes(): number {
    const arrays = [this.pool, this.sOff, this.sBytes, this.sCount, this.sLast, this.sBlock, this.blockLast, this.blockOff, this.blockMaxTf, this.blockMinLenTf, this.rHead, this.rTail, this.rCount, this.eDoc, this.eTf, this.eNext]
    return arrays.reduce((s, a) => s + a.byteLength, 0)
  }
}

function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5
}

function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  buf[at++] = n
  return at
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
    this.#pos = p.sOff[t]!
    this.#end = this.#pos + p.sBytes[t]!
    this.#n = p.sCount[t]!
    this.#base = p.sBlock[t]!
    this.#blocks = Math.ceil(this.#n / BLOCK)
    this.#e = p.rHead[t]!
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
    if (this.#blocks === 0 || target > p.sLast[this.#t]!) return -1
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
    if (p.sLast[this.#t]! < target) {
      this.#i = this.#n
      this.#pos = this.#end
      return
    }
    b = this.#blockAtLeast(b + 1, target)
    this.#i = b * BLOCK
    this.#pos = p.sOff[this.#t]! + p.blockOff[base + b]!
    this.doc = p.blockLast[base + b - 1]!
    this.#blockEnd = p.blockLast[base + b]!
  }
}
