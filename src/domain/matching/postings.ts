/**
 * The matcher's text store: the term dictionary, the postings, the forward index, the field
 * lengths and the BM25F accumulation over them.
 *
 * Layout, for speed and memory at a million patents: the dictionary maps terms to integer ids
 * and each term's postings are (doc id, packed per-field term frequencies) pairs in an Int32Array,
 * grown by doubling (rare terms in slots of shared pages); the per-term stores are in pages, so
 * that none is copied whole as terms are added; field lengths live in typed arrays indexed by doc
 * id; a forward index (terms per doc, in pages) serves deletions,
 * compaction, related terms and explanations. The BM25F length normalisation is read from a
 * per-field table by length, rebuilt only when the collection statistics change; the postings
 * of common terms carry cached impacts (their BM25F saturation, valid until the statistics
 * change), and the most common ones are also kept dense by doc id.
 */
import type { SnapshotState, SnapshotStream, StateReader } from '../snapshot.js'
import { grow } from './buffers.js'
import { IntPages, Paged, PagedInts } from '../paged.js'
import type { TermBatch } from '../text/term-batch.js'
import { LocalTerms, type TermDictionary } from '../text/term-dictionary.js'
import { FIELDS } from './types.js'

export interface FieldParams {
  /** Weight of a term occurrence in this field relative to the abstract. */
  weight: number
  /** BM25 length normalisation, 0..1. */
  b: number
}

export interface PostingsOptions {
  /** BM25 term-frequency saturation. */
  k1: number
  fields: Record<(typeof FIELDS)[number], FieldParams>
  /** See `MatchIndexOptions.impactMinDf`. */
  impactMinDf: number
  /** See `MatchIndexOptions.denseBudgetBytes`. */
  denseBudgetBytes: number
  /** See `MatchIndexOptions.forwardPageInts`. */
  forwardPageInts: number
  /** The process's terms (see `MatchIndexOptions.dictionary`). */
  dictionary: TermDictionary
}

const MAX_TF = 255
/** Ints in a small posting slot (4 postings), and slots per page. */
const SLOT = 8
const SLOTS_PER_PAGE = 1 << 15
/** Field lengths below this have their BM25 normalisation in a per-match table; longer ones compute it. */
const NORM_TABLE = 1 << 16
/** A term's impacts are cached when it is in this share of the patents (and `impactMinDf`). */
const IMPACT_MIN_SHARE = 0.01
/**
 * A cached term in this share of the patents is added from a dense array by doc id: one
 * sequential pass over all docs costs less than an indexed pass over a quarter of them.
 */
export const DENSE_SHARE = 0.25

const EMPTY = new Int32Array(0)

export class Postings {
  readonly #k1: number
  readonly #fw: Float64Array
  readonly #fb: Float64Array
  readonly #impactMinDf: number
  readonly #denseBudget: number

  // terms: every per-term store is in pages (`PagedInts`, `Paged`), added as terms are; none is copied as it grows
  #terms: LocalTerms
  /**
   * Postings: pairs (doc id, packed tf: title | abstract << 8 | keywords << 16 | claims << 24)
   * at `#postOff[t]` in `#post[t]`, with room for `#postCap[t]` ints. Most terms are rare (model
   * numbers, names: millions at a million patents), so a term starts in a slot of a shared page
   * and gets an array of its own only when it outgrows the slot: no typed array per rare term
   * for the allocator and the garbage collector to handle.
   */
  #post = new Paged<Int32Array>()
  #postOff = new PagedInts()
  #postCap = new PagedInts()
  #postLen = new PagedInts()
  /** Pages of small slots, and the slots freed by terms that outgrew them (as page * SLOTS_PER_PAGE + slot). */
  readonly #pages: Int32Array[] = []
  #pageUsed = SLOTS_PER_PAGE
  readonly #freeSlots: number[] = []
  /** Live documents containing the term. */
  #df = new PagedInts()
  /**
   * Impacts of common terms: per posting, the BM25F saturation x / (x + k1) as float32, valid
   * while the collection statistics are those of `#impVersion[t]`. A common term's postings are
   * most of a query's work (方法, 数据 and 系统 are in most patents); with its impacts cached, a
   * match adds them up without reading the field lengths. Filled by the first match that needs
   * them after a change, and computed the same way with or without the cache.
   */
  #imp = new Map<number, Float32Array>()
  #impVersion = new PagedInts(-1)
  /** Impacts of the terms not cached, for the match at hand. */
  #impScratch = new Float32Array(1024)
  /** The most common terms' impacts by doc id (see `#denseImpacts`), within the dense budget; least recently used first. */
  readonly #dense = new Map<number, { imp: Float32Array; version: number }>()

  // documents
  /** Doc ids in use (live or tombstoned), and live docs. */
  #nDocs = 0
  #live = 0
  #len: Int32Array[] = FIELDS.map(() => new Int32Array(1024))
  #lenSum = new Float64Array(FIELDS.length)
  /** Longest field seen (an upper bound: not lowered on removal), for the normalisation tables. */
  #maxLen = new Int32Array(FIELDS.length)
  /** Bumped whenever the collection statistics (live count, length sums) change. */
  #statsVersion = 0
  /** Bumped whenever docs are renumbered (`compact`): a doc id read before names another doc after. */
  #layout = 0
  /** Per field, weight / BM25 length normalisation for each length below NORM_TABLE, valid for `#normVersion`. */
  #norm: Float64Array[] = FIELDS.map(() => new Float64Array(0))
  #normInv = new Float64Array(FIELDS.length)
  #normVersion = -1
  /** The forward index: each doc's distinct term ids, a run at `#fwdStart[d]` in page `#fwdPage[d]`. */
  #fwdPage = new Int32Array(1024)
  #fwdStart = new Int32Array(1024)
  #fwdCount = new Int32Array(1024)
  #fwd: IntPages
  /** Add scratch: a doc's packed term frequencies by term id (zero between adds), and its terms. */
  #packed = new PagedInts()
  readonly #distinct: number[] = []

  constructor(options: PostingsOptions) {
    this.#k1 = options.k1
    this.#fw = new Float64Array(FIELDS.map((f) => options.fields[f].weight))
    this.#fb = new Float64Array(FIELDS.map((f) => options.fields[f].b))
    this.#impactMinDf = options.impactMinDf
    this.#denseBudget = options.denseBudgetBytes
    this.#fwd = new IntPages(options.forwardPageInts)
    this.#terms = new LocalTerms(options.dictionary)
  }

  /**
   * The whole state (see `MatchIndex.exportState`). Each term's postings are given as one
   * array, each with its room (`cap`; the room beyond its postings zero), so that a loaded index
   * keeps them there without a copy and appends in place as the exported one did. The caches
   * (impacts, dense arrays, normalisation tables) are not exported: they are filled again by the
   * first matches, with the same values.
   */
  exportState(): SnapshotState {
    const nTerms = this.#terms.size
    let total = 0
    for (let t = 0; t < nTerms; t++) total += this.#postCap.get(t)
    // given in parts, term by term, each followed by its room: a store writes them as they come
    const post = this.#post
    const off = this.#postOff
    const len = this.#postLen
    const cap = this.#postCap
    const lists: SnapshotStream = {
      type: 'Int32Array',
      length: total,
      *parts() {
        for (let t = 0; t < nTerms; t++) {
          const o = off.get(t)
          const l = len.get(t)
          yield post.get(t).subarray(o, o + l)
          if (cap.get(t) > l) yield cap.get(t) - l
        }
      },
    }
    const n = this.#nDocs
    // the forward index as one array, its pages' used parts one after the other, and the docs' starts in it
    const fwd = this.#fwd
    const base = new Float64Array(fwd.pages.length + 1)
    for (let pg = 0; pg < fwd.pages.length; pg++) base[pg + 1] = base[pg]! + fwd.used(pg).length
    const fwdStart = new Int32Array(n)
    for (let d = 0; d < n; d++) fwdStart[d] = base[this.#fwdPage[d]!]! + this.#fwdStart[d]!
    const forward: SnapshotStream = {
      type: 'Int32Array',
      length: base[fwd.pages.length]!,
      *parts() {
        for (let pg = 0; pg < fwd.pages.length; pg++) yield fwd.used(pg)
      },
    }
    const arrays: SnapshotState['arrays'] = {
      'postings.cap': this.#postCap.stream(nTerms),
      'postings.len': this.#postLen.stream(nTerms),
      'postings.lists': lists,
      'postings.df': this.#df.stream(nTerms),
      'postings.lenSum': this.#lenSum,
      'postings.maxLen': this.#maxLen,
      'postings.fwdStart': fwdStart,
      'postings.fwdCount': this.#fwdCount.subarray(0, n),
      'postings.forward': forward,
    }
    FIELDS.forEach((f, i) => (arrays[`postings.length.${f}`] = this.#len[i]!.subarray(0, n)))
    return { meta: { 'postings.docs': n, 'postings.live': this.#live }, arrays, strings: { 'postings.terms': [...this.#terms] } }
  }

  /** A store holding an exported state; throws when the state is inconsistent. */
  static fromState(options: PostingsOptions, r: StateReader): Postings {
    const p = new Postings(options)
    const terms = r.strings('postings.terms')
    const nTerms = terms.length
    const n = r.count('postings.docs')
    const live = r.count('postings.live')
    if (live > n) r.fail(`${live} live documents of ${n}`)
    const cap = r.array('postings.cap', Int32Array, nTerms)
    const len = r.array('postings.len', Int32Array, nTerms)
    const lists = r.array('postings.lists', Int32Array)
    const df = r.array('postings.df', Int32Array, nTerms)
    const fwdStart = r.array('postings.fwdStart', Int32Array, n)
    const fwdCount = r.array('postings.fwdCount', Int32Array, n)
    const forward = r.array('postings.forward', Int32Array)
    p.#len = FIELDS.map((f) => r.array(`postings.length.${f}`, Int32Array, n))
    p.#lenSum = r.array('postings.lenSum', Float64Array, FIELDS.length).slice()
    p.#maxLen = r.array('postings.maxLen', Int32Array, FIELDS.length).slice()

    p.#terms = LocalTerms.of(options.dictionary, terms) ?? r.fail('a term is listed twice')
    p.#post = Paged.from(new Array<Int32Array>(nTerms).fill(lists))
    p.#postOff.ensure(nTerms)
    p.#postCap = PagedInts.of(cap)
    let at = 0
    for (let t = 0; t < nTerms; t++) {
      const c = cap[t]!
      const l = len[t]!
      if (c < SLOT || l < 0 || l > c || l % 2 !== 0 || df[t]! < 0 || df[t]! > l / 2) r.fail(`term ${t}: ${l} ints of postings in room for ${c}, df ${df[t]}`)
      p.#postOff.set(t, at)
      at += c
    }
    if (at !== lists.length) r.fail(`postings fill ${lists.length} ints, the terms' room ${at}`)
    p.#postLen = PagedInts.of(len)
    p.#df = PagedInts.of(df)
    p.#impVersion.ensure(nTerms)
    p.#packed.ensure(nTerms)

    let fwdTotal = 0
    for (let d = 0; d < n; d++) {
      if (fwdStart[d]! < 0 || fwdCount[d]! < 0 || fwdStart[d]! + fwdCount[d]! > forward.length) r.fail(`doc ${d}'s terms lie outside the forward index`)
      fwdTotal += fwdCount[d]!
    }
    if (fwdTotal > forward.length) r.fail('the forward index is shorter than the documents\' terms')
    r.inRange('postings.forward', forward, nTerms)
    p.#fwdPage = new Int32Array(fwdStart.length)
    p.#fwdStart = fwdStart
    p.#fwdCount = fwdCount
    p.#fwd = IntPages.wrap(forward, options.forwardPageInts)
    p.#nDocs = n
    p.#live = live
    return p
  }

  /** Live documents. */
  get live(): number {
    return this.#live
  }

  /** The term's id, if a patent ever had it. */
  termId(term: string): number | undefined {
    return this.#terms.find(term)
  }

  /** Live documents containing term t. */
  df(t: number): number {
    return this.#df.get(t)
  }

  idf(t: number, N: number): number {
    const df = this.#df.get(t)
    return Math.log(1 + (N - df + 0.5) / (df + 0.5))
  }

  /** The page of the forward index holding doc d's distinct term ids, where they start in it, and how many there are. */
  fwdPage(d: number): Int32Array {
    return this.#fwd.pages[this.#fwdPage[d]!]!
  }
  fwdStart(d: number): number {
    return this.#fwdStart[d]!
  }
  fwdCount(d: number): number {
    return this.#fwdCount[d]!
  }

  ensureDocs(n: number): void {
    if (this.#fwdStart.length >= n) return
    this.#len = this.#len.map((a) => grow(a, n))
    this.#fwdPage = grow(this.#fwdPage, n)
    this.#fwdStart = grow(this.#fwdStart, n)
    this.#fwdCount = grow(this.#fwdCount, n)
  }

  /** The id of the term at position v of the batch's vocabulary, added to the index's terms if new. */
  #intern(batch: TermBatch, v: number): number {
    const before = this.#terms.size
    const t = this.#terms.take(batch, v)
    if (t < before) return t
    this.#post.push(EMPTY)
    if (t >= this.#postOff.capacity) for (const a of [this.#postOff, this.#postCap, this.#postLen, this.#df, this.#impVersion, this.#packed]) a.ensure(t + 1)
    this.#takeSlot(t)
    return t
  }

  /** Adds patent `i` of `batch` as doc d (the batch must hold its terms). */
  add(d: number, batch: TermBatch, i: number): void {
    this.#nDocs = d + 1
    this.ensureDocs(this.#nDocs)
    this.#live++
    this.#statsVersion++

    // per-term packed frequencies in a scratch array by term id, terms in first-seen order
    const distinct = this.#distinct
    distinct.length = 0
    const ids = this.#terms.ids(batch)
    const positions = batch.positions
    for (let f = 0; f < FIELDS.length; f++) {
      const from = batch.start(i, f)
      const to = batch.end(i, f)
      const len = to - from
      this.#len[f]![d] = len
      this.#lenSum[f] = this.#lenSum[f]! + len
      if (len > this.#maxLen[f]!) this.#maxLen[f] = len
      const shift = f * 8
      for (let k = from; k < to; k++) {
        const v = positions[k]!
        let t = ids[v]!
        if (t < 0) ids[v] = t = this.#intern(batch, v)
        const cur = this.#packed.get(t)
        if (cur === 0) distinct.push(t)
        if (((cur >>> shift) & 0xff) < MAX_TF) this.#packed.set(t, cur + (1 << shift))
      }
    }
    const pg = this.#fwd.room(distinct.length)
    const page = this.#fwd.pages[pg]!
    let w = this.#fwd.at
    this.#fwdPage[d] = pg
    this.#fwdStart[d] = w
    this.#fwdCount[d] = distinct.length
    this.#fwd.at = w + distinct.length
    for (const t of distinct) {
      const tf = this.#packed.get(t)
      this.#packed.set(t, 0)
      page[w++] = t
      const n = this.#postLen.get(t)
      if (n + 2 > this.#postCap.get(t)) this.#growPostings(t, n + 2)
      const list = this.#post.get(t)
      const at = this.#postOff.get(t) + n
      list[at] = d
      list[at + 1] = tf
      this.#postLen.set(t, n + 2)
      this.#df.set(t, this.#df.get(t) + 1)
    }
  }

  /** Gives term t an empty small slot. */
  #takeSlot(t: number): void {
    let slot = this.#freeSlots.pop()
    if (slot === undefined) {
      if (this.#pageUsed === SLOTS_PER_PAGE) {
        this.#pages.push(new Int32Array(SLOTS_PER_PAGE * SLOT))
        this.#pageUsed = 0
      }
      slot = (this.#pages.length - 1) * SLOTS_PER_PAGE + this.#pageUsed++
    }
    this.#post.set(t, this.#pages[Math.floor(slot / SLOTS_PER_PAGE)]!)
    this.#postOff.set(t, (slot % SLOTS_PER_PAGE) * SLOT)
    this.#postCap.set(t, SLOT)
  }

  /** Moves term t's postings to an array of its own with room for at least `need` ints. */
  #growPostings(t: number, need: number): void {
    const list = this.#post.get(t)
    const off = this.#postOff.get(t)
    const cap = this.#postCap.get(t)
    let size = cap * 2
    while (size < need) size *= 2
    const bigger = new Int32Array(size)
    bigger.set(list.subarray(off, off + this.#postLen.get(t)))
    // a slot of a loaded snapshot's postings (not one of the pages) is left unused until the next restart
    const page = cap === SLOT ? this.#pages.indexOf(list) : -1
    if (page >= 0) this.#freeSlots.push(page * SLOTS_PER_PAGE + off / SLOT)
    this.#post.set(t, bigger)
    this.#postOff.set(t, 0)
    this.#postCap.set(t, size)
  }

  /** Doc d is gone: out of the statistics (its postings stay until `compact`). */
  tombstone(d: number): void {
    this.#live--
    this.#statsVersion++
    for (let f = 0; f < FIELDS.length; f++) this.#lenSum[f] = this.#lenSum[f]! - this.#len[f]![d]!
    const page = this.fwdPage(d)
    const start = this.#fwdStart[d]!
    const end = start + this.#fwdCount[d]!
    for (let i = start; i < end; i++) {
      const t = page[i]!
      this.#df.set(t, this.#df.get(t) - 1)
    }
  }

  /** Renumbers docs by `remap` (−1: dropped; order kept), `next` docs remaining. */
  compact(remap: Int32Array, next: number): void {
    const n = this.#nDocs
    this.#layout++
    for (let t = 0; t < this.#post.length; t++) {
      const list = this.#post.get(t)
      const off = this.#postOff.get(t)
      const end = off + this.#postLen.get(t)
      let w = off
      for (let i = off; i < end; i += 2) {
        const nd = remap[list[i]!]!
        if (nd < 0) continue
        list[w] = nd
        list[w + 1] = list[i + 1]!
        w += 2
      }
      this.#postLen.set(t, w - off)
      if (w === off && this.#postCap.get(t) > SLOT) this.#takeSlot(t)
      this.#impVersion.set(t, -1)
    }
    this.#imp.clear()
    this.#dense.clear()
    const fwd = new IntPages(this.#fwd.pageSize)
    for (let d = 0; d < n; d++) {
      const nd = remap[d]!
      if (nd < 0) continue
      for (const len of this.#len) len[nd] = len[d]!
      const from = this.fwdPage(d)
      const fs = this.#fwdStart[d]!
      const fc = this.#fwdCount[d]!
      const pg = fwd.room(fc)
      this.#fwdPage[nd] = pg
      this.#fwdStart[nd] = fwd.at
      this.#fwdCount[nd] = fc
      fwd.pages[pg]!.set(from.subarray(fs, fs + fc), fwd.at)
      fwd.at += fc
    }
    this.#fwd = fwd
    this.#nDocs = next
  }

  /**
   * Per field, a table of weight / (1 − b + b · length / average length) by length: the BM25F
   * normalisation of a doc's field without a division per posting. Rebuilt when the collection
   * statistics have changed since the last match. Lengths from NORM_TABLE up are computed
   * (`#normOf`, the same expression).
   */
  #normTables(): Float64Array[] {
    if (this.#normVersion === this.#statsVersion) return this.#norm
    const N = Math.max(this.#live, 1)
    for (let f = 0; f < FIELDS.length; f++) {
      const sum = this.#lenSum[f]!
      const inv = sum > 0 ? N / sum : 0
      this.#normInv[f] = inv
      const w = this.#fw[f]!
      const b = this.#fb[f]!
      const size = Math.min(this.#maxLen[f]! + 1, NORM_TABLE)
      const tab = this.#norm[f]!.length >= size ? this.#norm[f]! : (this.#norm[f] = new Float64Array(Math.min(NORM_TABLE, size + (size >> 2))))
      for (let len = 0; len < size; len++) tab[len] = w / (1 - b + b * len * inv)
    }
    this.#normVersion = this.#statsVersion
    return this.#norm
  }

  /** The normalisation table's entry for a length beyond it. */
  #normOf(f: number, len: number): number {
    const b = this.#fb[f]!
    return this.#fw[f]! / (1 - b + b * len * this.#normInv[f]!)
  }

  /** Bumped whenever the collection statistics change: one per document added or removed. */
  get statsVersion(): number {
    return this.#statsVersion
  }

  /** Changes whenever docs are renumbered: a doc id, and what was read of it, holds while this is the same. */
  get layout(): number {
    return this.#layout
  }

  /** BM25 term-frequency saturation. */
  get k1(): number {
    return this.#k1
  }

  /**
   * The BM25F saturation of term t in each of `docs` (ascending doc ids, each containing t) into
   * `out[i]`, rounded to float32: the values `accumulate` adds for them, found by galloping
   * through t's postings rather than reading all of them.
   */
  impactsAt(t: number, docs: ArrayLike<number>, out: Float32Array): void {
    const tables = this.#normTables()
    const packed = this.#packedAt(t, docs)
    for (let i = 0; i < docs.length; i++) out[i] = packed[i] === 0 ? 0 : this.#saturation(docs[i]!, packed[i]!, tables)
  }

  /** The packed term frequencies of term t in each of `docs` (ascending doc ids; 0 for one without it). */
  packedAt(t: number, docs: ArrayLike<number>): Int32Array {
    return this.#packedAt(t, docs)
  }

  /** The BM25F saturation, rounded to float32, of doc d with packed term frequencies p, as the statistics are now. */
  saturation(d: number, p: number): number {
    return Math.fround(this.#saturation(d, p, this.#normTables()))
  }

  #packedAt(t: number, docs: ArrayLike<number>): Int32Array {
    const out = new Int32Array(docs.length)
    const list = this.#post.get(t)
    const end = this.#postOff.get(t) + this.#postLen.get(t)
    let lo = this.#postOff.get(t)
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i]!
      // gallop from the last position, then binary search in the bracket (postings are in doc order)
      let step = 2
      let hi = lo
      while (hi < end && list[hi]! < d) {
        lo = hi
        hi += step
        step *= 2
      }
      if (hi > end - 2) hi = end - 2
      while (lo < hi) {
        const mid = lo + (((hi - lo) >> 2) << 1)
        if (list[mid]! < d) lo = mid + 2
        else hi = mid
      }
      out[i] = lo < end && list[lo] === d ? list[lo + 1]! : 0
    }
    return out
  }

  /** x / (x + k1) for doc d with packed term frequencies p: what `#impacts` computes for a posting. */
  #saturation(d: number, p: number, tables: Float64Array[]): number {
    let x = 0
    for (let f = 0; f < FIELDS.length; f++) {
      const tf = (p >>> (f * 8)) & 0xff
      if (tf === 0) continue
      const l = this.#len[f]![d]!
      x += tf * (l < NORM_TABLE ? tables[f]![l]! : this.#normOf(f, l))
    }
    return x / (x + this.#k1)
  }

  /**
   * Adds, for each term t with query weight w, w × (k1 + 1) × its BM25F saturation to every doc
   * containing it, term after term in the map's order. The saturations come from `#impacts`
   * (cached or not, the same float32 values). Terms in a large share of the patents are added
   * from dense arrays by doc id (see `#denseImpacts`), consecutive ones in one sequential pass;
   * adding the zeros of docs without a term changes nothing, and the order of the additions is
   * the same, so a score does not depend on what was cached.
   */
  accumulate(terms: Map<number, number>, acc: Float64Array): void {
    const k1p = this.#k1 + 1
    const n = this.#nDocs
    const run: Array<{ dense: Float32Array; wk: number }> = []
    const flush = () => {
      addDense(acc, n, run)
      run.length = 0
    }
    for (const [t, w] of terms) {
      const wk = w * k1p
      const imp = this.#impacts(t)
      const len = this.#postLen.get(t)
      if (imp !== this.#impScratch && len >= 2 * this.#live * DENSE_SHARE) {
        run.push({ dense: this.#denseImpacts(t, imp), wk })
        if (run.length === 3) flush()
        continue
      }
      if (run.length > 0) flush()
      const list = this.#post.get(t)
      const off = this.#postOff.get(t)
      const end = off + len
      for (let i = off, j = 0; i < end; i += 2, j++) acc[list[i]!]! += wk * imp[j]!
    }
    if (run.length > 0) flush()
  }

  /**
   * BM25F saturation x / (x + k1) of each posting of term t, rounded to float32, in posting
   * order. Kept for a common term (valid while the collection statistics do not change);
   * otherwise written to a scratch buffer that the next call reuses.
   */
  #impacts(t: number): Float32Array {
    const k1 = this.#k1
    const [nT, nA, nK, nC] = this.#normTables() as [Float64Array, Float64Array, Float64Array, Float64Array]
    const version = this.#normVersion
    const len = this.#postLen.get(t)
    let imp = this.#imp.get(t)
    if (imp !== undefined && this.#impVersion.get(t) === version) return imp
    if (len >= 2 * Math.max(this.#impactMinDf, this.#live * IMPACT_MIN_SHARE)) {
      if (imp === undefined || imp.length < len >> 1) this.#imp.set(t, (imp = new Float32Array(this.#postCap.get(t) >> 1)))
      this.#impVersion.set(t, version)
    } else {
      if (this.#impScratch.length < len >> 1) this.#impScratch = new Float32Array(Math.max(len, 1024))
      imp = this.#impScratch
    }
    const list = this.#post.get(t)
    const off = this.#postOff.get(t)
    const end = off + len
    const [lT, lA, lK, lC] = this.#len as [Int32Array, Int32Array, Int32Array, Int32Array]
    for (let i = off, j = 0; i < end; i += 2, j++) {
      const d = list[i]!
      const p = list[i + 1]!
      let x = 0
      const ft = p & 0xff
      if (ft !== 0) {
        const l = lT[d]!
        x += ft * (l < NORM_TABLE ? nT[l]! : this.#normOf(0, l))
      }
      const fa = (p >>> 8) & 0xff
      if (fa !== 0) {
        const l = lA[d]!
        x += fa * (l < NORM_TABLE ? nA[l]! : this.#normOf(1, l))
      }
      const fk = (p >>> 16) & 0xff
      if (fk !== 0) {
        const l = lK[d]!
        x += fk * (l < NORM_TABLE ? nK[l]! : this.#normOf(2, l))
      }
      const fc = p >>> 24
      if (fc !== 0) {
        const l = lC[d]!
        x += fc * (l < NORM_TABLE ? nC[l]! : this.#normOf(3, l))
      }
      imp[j] = x / (x + k1)
    }
    return imp
  }

  /** A common term's cached impacts spread over a dense array by doc id (zero for docs without it). */
  #denseImpacts(t: number, imp: Float32Array): Float32Array {
    const n = this.#nDocs
    const version = this.#impVersion.get(t)
    let entry = this.#dense.get(t)
    // least recently used first: a used entry moves to the end
    this.#dense.delete(t)
    if (entry !== undefined && entry.version === version && entry.imp.length >= n) {
      this.#dense.set(t, entry)
      return entry.imp
    }
    if (entry === undefined && this.#dense.size >= 4 && (this.#dense.size + 1) * 4 * n > this.#denseBudget) {
      // over budget: the least recently used array (never one of the current pass, the last
      // three used) is reused for this term
      const oldest = this.#dense.keys().next().value!
      entry = this.#dense.get(oldest)!
      this.#dense.delete(oldest)
    }
    if (entry === undefined || entry.imp.length < n) entry = { imp: new Float32Array(Math.max(1024, n + (n >> 3))), version }
    else entry.imp.fill(0)
    entry.version = version
    this.#dense.set(t, entry)
    const dense = entry.imp
    const list = this.#post.get(t)
    const off = this.#postOff.get(t)
    const end = off + this.#postLen.get(t)
    for (let i = off, j = 0; i < end; i += 2, j++) dense[list[i]!] = imp[j]!
    return dense
  }
}

/** acc[d] += wk × dense[d] for each array of the run in turn (one pass over the docs for up to three). */
function addDense(acc: Float64Array, n: number, run: Array<{ dense: Float32Array; wk: number }>): void {
  const { dense: da, wk: wa } = run[0]!
  if (run.length === 1) {
    for (let d = 0; d < n; d++) acc[d]! += wa * da[d]!
    return
  }
  const { dense: db, wk: wb } = run[1]!
  if (run.length === 2) {
    for (let d = 0; d < n; d++) acc[d] = acc[d]! + wa * da[d]! + wb * db[d]!
    return
  }
  const { dense: dc, wk: wc } = run[2]!
  for (let d = 0; d < n; d++) acc[d] = acc[d]! + wa * da[d]! + wb * db[d]! + wc * dc[d]!
}
