/**
 * The matcher: an in-memory inverted index of patents and the scoring of a need against it.
 *
 * Scoring, in signals that sum to the score (0..1):
 *
 * - `text`: BM25F over the patent's fields (title, abstract, keywords, claims; each field with its
 *   own weight and length normalisation), with the need's title, description and keywords as the
 *   query (whole words; the shorter words inside them at a small weight). Normalised by the need's
 *   attainable maximum (the BM25 upper bound Σ idf·(k1+1)), then saturated, so a value means
 *   about the same for any need.
 * - `related`: the part of the text signal owed to related terms, taken from the best text
 *   matches (pseudo-relevance feedback) rather than from the need itself; listed apart so that
 *   `matchedTerms` only ever shows terms of the need.
 * - `classes`: the need's classification inferred from its nearest patents. The best text
 *   matches vote, weighted by their text score, for the IPC/CPC codes they carry (a k-nearest-
 *   neighbour, pseudo-relevance-feedback class distribution); a patent scores by the inferred
 *   probability mass of its codes. This finds patents that solve the same kind of problem in
 *   different words.
 * - `ipc`: the share of the codes the need names itself that the patent carries (prefix match
 *   along the hierarchy, `G06F16` ⊃ `G06F16/35`). Only when the need names codes.
 *
 * Layout, for speed and memory at a million patents: patents get integer ids; the term
 * dictionary maps to postings kept as one Int32Array per term of (doc id, packed per-field term
 * frequencies) pairs, grown by doubling; field lengths and flags live in typed arrays indexed by
 * doc id; a forward index (terms per doc) in flat typed arrays serves deletions and compaction;
 * a doc's codes are a shared "class set" (each distinct code list stored once, the doc keeps its
 * set id).
 *
 * A match is term-at-a-time accumulation into dense score arrays (the BM25F length
 * normalisation read from a per-field table by length, rebuilt only when the collection
 * statistics change), then linear passes in doc-id order with bounded top-k selections whose
 * k-th score is checked before anything else: feedback docs, voting neighbours, and the final
 * ranking. The class and ipc signals are computed once per class set, not per doc, and only for
 * the sets that hold an inferred or a named class; the postings of common terms carry cached
 * impacts (their BM25F saturation, valid until the collection statistics change); in the final
 * pass a doc whose set's class + ipc signal plus the whole text weight is below the current k-th
 * score is dropped after one comparison (common terms such as 方法 touch most docs, so the passes
 * are over nearly all of them; what matters is how little each costs). One scorer gives the
 * score for the full match, for `only` and for the explanations. Removals are tombstones,
 * compacted once a quarter of the ids are dead.
 */
import { isOfferable, type TransferMode } from '../patent.js'
import type { Analyzer } from '../text/analyzer.js'
import { calibrate, FITTED_CALIBRATION, type Calibration } from './calibration.js'
import { codesOverlap, mainGroup, normalizeCode } from './classes.js'
import {
  FIELDS,
  type AnalyzedPatent,
  type MatchablePatent,
  type MatchOptions,
  type MatchResult,
  type NeedQuery,
} from './types.js'

export interface FieldParams {
  /** Weight of a term occurrence in this field relative to the abstract. */
  weight: number
  /** BM25 length normalisation, 0..1. */
  b: number
}

export interface MatchIndexOptions {
  /** BM25 term-frequency saturation. Default 1.2. */
  k1?: number
  fields?: Partial<Record<(typeof FIELDS)[number], Partial<FieldParams>>>
  /** Nearest patents that vote on the need's classes. Default 30. */
  neighbours?: number
  /** Vote weight of a neighbour is (its text score / best text score) ^ this. Default 2. */
  voteSharpness?: number
  /** Share of a main group's vote that also counts for its subgroups. Default 0.1. */
  groupShare?: number
  /**
   * How far classification evidence can lift a patent's text evidence: the score is
   * text × (1 + classBoost × classes + ipcBoost × ipc), each signal in 0..1. Defaults 4 and 1.
   */
  classBoost?: number
  ipcBoost?: number
  /**
   * The curve from ranking score to the reported score, a probability of relevance (default: the
   * fitted one, `calibration.json`); `null` reports the ranking score itself (for fitting).
   */
  calibration?: Calibration | null
  /** Text signal t = x / (x + textHalf) for x = BM25 / upper bound. Default 0.05. */
  textHalf?: number
  /** Query weight of a shorter word inside a need's word (图像 in 图像识别). Default 0.1. */
  subwordWeight?: number
  /** Weight of the need's title (and keywords) against one mention in its description. Default 1.5. */
  titleWeight?: number
  /** Related terms added from the best text matches (pseudo-relevance feedback). Default 10; 0 disables. */
  expansionTerms?: number
  /** Weight of a related term relative to a need term of the same idf, times its document share. Default 0.6. */
  expansionWeight?: number
  /** Best text matches that supply related terms. Default 10. */
  feedbackDocs?: number
  /**
   * A term's impacts are cached (see `#imp`) once it is in at least this many patents and 1 % of
   * them. Default 1000; `Infinity` turns the cache off. Scores are the same either way.
   */
  impactMinDf?: number
  /** Memory for the dense impact arrays of the most common terms. Default 256 MiB. */
  denseBudgetBytes?: number
}

const DEFAULT_FIELDS: Record<(typeof FIELDS)[number], FieldParams> = {
  title: { weight: 2, b: 0.5 },
  abstract: { weight: 1, b: 0.75 },
  keywords: { weight: 1, b: 0.3 },
  claims: { weight: 0.5, b: 0.75 },
}

const MODE_BIT: Record<TransferMode, number> = { assignment: 1, license: 2, 'open-license': 4, equity: 8 }
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
const DENSE_SHARE = 0.25
/**
 * Candidates by evidence among which the calibrated probability orders the results: a list of
 * `limit` is the head of the list of 100, whatever the limit.
 */
const RERANK_POOL = 100
/** A matched word is listed when its weight in the need is at least this share of the strongest one's. */
const MATCHED_TERM_SHARE = 0.15
/** Related terms are not taken from among the terms in DENSE_SHARE of the patents once that is this many. */
const RELATED_MIN_DF_CAP = 1000

const EMPTY = new Int32Array(0)

/**
 * A patent's terms per field, with search-mode sub-words: what the index job stores, the matcher
 * indexes and the embedded search takes (and computes the same way when given no terms).
 */
export function analyzePatentText(analyzer: Analyzer, p: Pick<MatchablePatent, 'title' | 'abstract' | 'keywords' | 'claims'>): AnalyzedPatent {
  return {
    title: analyzer.analyze(p.title, { subwords: true }),
    abstract: analyzer.analyze(p.abstract, { subwords: true }),
    keywords: p.keywords.length > 0 ? analyzer.analyze(p.keywords.join('\n'), { subwords: true }) : [],
    claims: p.claims ? analyzer.analyze(p.claims, { subwords: true }) : [],
  }
}

/** Growable Int32 buffer. */
class IntBuffer {
  a: Int32Array
  n = 0
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity)
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2)
      b.set(this.a)
      this.a = b
    }
    this.a[this.n++] = v
  }
}

function grow<T extends Float32Array | Int32Array | Uint8Array | Float64Array>(arr: T, size: number): T {
  if (arr.length >= size) return arr
  let cap = Math.max(arr.length, 1024)
  while (cap < size) cap *= 2
  const next = new (arr.constructor as new (n: number) => T)(cap)
  next.set(arr)
  return next
}

interface Contribution {
  term: string
  score: number
}

export class MatchIndex {
  readonly #analyzer: Analyzer
  readonly #k1: number
  readonly #fw: Float64Array
  readonly #fb: Float64Array
  readonly #neighbours: number
  readonly #sharpness: number
  readonly #groupShare: number
  readonly #classBoost: number
  readonly #calibration: Calibration | null
  readonly #ipcBoost: number
  readonly #textHalf: number
  readonly #subwordWeight: number
  readonly #titleWeight: number
  readonly #expansionTerms: number
  readonly #expansionWeight: number
  readonly #feedbackDocs: number
  readonly #impactMinDf: number
  readonly #denseBudget: number

  // terms
  readonly #termIds = new Map<string, number>()
  readonly #terms: string[] = []
  /**
   * Postings: pairs (doc id, packed tf: title | abstract << 8 | keywords << 16 | claims << 24)
   * at `#postOff[t]` in `#post[t]`, with room for `#postCap[t]` ints. Most terms are rare (model
   * numbers, names: millions at a million patents), so a term starts in a slot of a shared page
   * and gets an array of its own only when it outgrows the slot: no typed array per rare term
   * for the allocator and the garbage collector to handle.
   */
  #post: Int32Array[] = []
  #postOff = new Int32Array(1024)
  #postCap = new Int32Array(1024)
  #postLen: number[] = []
  /** Pages of small slots, and the slots freed by terms that outgrew them (as page * SLOTS_PER_PAGE + slot). */
  readonly #pages: Int32Array[] = []
  #pageUsed = SLOTS_PER_PAGE
  readonly #freeSlots: number[] = []
  /** Live documents containing the term. */
  #df: number[] = []
  /**
   * Impacts of common terms: per posting, the BM25F saturation x / (x + k1) as float32, valid
   * while the collection statistics are those of `#impVersion[t]`. A common term's postings are
   * most of a query's work (方法, 数据 and 系统 are in most patents); with its impacts cached, a
   * match adds them up without reading the field lengths. Filled by the first match that needs
   * them after a change, and computed the same way with or without the cache.
   */
  #imp: (Float32Array | undefined)[] = []
  #impVersion: number[] = []
  /** Impacts of the terms not cached, for the match at hand. */
  #impScratch = new Float32Array(1024)
  /** The most common terms' impacts by doc id (see `#denseImpacts`), within the dense budget; least recently used first. */
  readonly #dense = new Map<number, { imp: Float32Array; version: number }>()

  // classes
  readonly #classIds = new Map<string, number>()
  readonly #classes: string[] = []
  readonly #classGroup: number[] = []
  readonly #groupIds = new Map<string, number>()
  /** Classes of each main group, by group id. */
  readonly #groupClasses: number[][] = []
  /**
   * Class sets: each distinct list of codes (deduplicated, in the patent's order) is stored once
   * and a doc refers to its set, so a match scores the class signal once per set, not per doc.
   */
  readonly #setIds = new Map<string, number>()
  #setStart = new IntBuffer(256)
  #setCount = new IntBuffer(256)
  #setCls = new IntBuffer(1 << 12)

  // documents
  #nDocs = 0
  #live = 0
  #dead = 0
  #pub: (string | undefined)[] = []
  readonly #byPub = new Map<string, number>()
  #alive = new Uint8Array(1024)
  #offerable = new Uint8Array(1024)
  #modes = new Uint8Array(1024)
  #len: Int32Array[] = FIELDS.map(() => new Int32Array(1024))
  readonly #lenSum = new Float64Array(FIELDS.length)
  /** Longest field seen (an upper bound: not lowered on removal), for the normalisation tables. */
  readonly #maxLen = new Int32Array(FIELDS.length)
  /** Bumped whenever the collection statistics (live count, length sums) change. */
  #statsVersion = 0
  /** Per field, weight / BM25 length normalisation for each length below NORM_TABLE, valid for `#normVersion`. */
  #norm: Float64Array[] = FIELDS.map(() => new Float64Array(0))
  #normInv = new Float64Array(FIELDS.length)
  #normVersion = -1
  #fwdStart = new Int32Array(1024)
  #fwdCount = new Int32Array(1024)
  #fwd = new IntBuffer(1 << 16)
  /** Upsert scratch: a doc's packed term frequencies by term id (zero between upserts), and its terms. */
  #packed = new Int32Array(1024)
  readonly #distinct: number[] = []
  #docSet = new Int32Array(1024)

  // per-query scratch
  #acc = new Float64Array(1024)
  #accX = new Float64Array(1024)
  /** Inferred class probabilities of the current query, dense by class id (reset after use). */
  #prob = new Float64Array(64)
  /**
   * Class and ipc signals of the current query, by class set; zero except for the sets the
   * query touched (reset after it).
   */
  #setClassS = new Float64Array(256)
  #setIpcS = new Float64Array(256)
  /** A doc's score without its text signal, by class set: class + ipc signal. */
  #setBound = new Float64Array(256)
  #setMark = new Uint8Array(256)
  #setMask = new Int32Array(256)
  /** Class sets that contain each class, by class id. */
  #classSets: number[][] = []
  /** The current query's voting neighbours and their vote weights (`#inferClasses`). */
  readonly #nnDocs: number[] = []
  readonly #nnWeights: number[] = []

  constructor(analyzer: Analyzer, options: MatchIndexOptions = {}) {
    this.#analyzer = analyzer
    this.#k1 = options.k1 ?? 1.2
    this.#fw = new Float64Array(FIELDS.map((f) => options.fields?.[f]?.weight ?? DEFAULT_FIELDS[f].weight))
    this.#fb = new Float64Array(FIELDS.map((f) => options.fields?.[f]?.b ?? DEFAULT_FIELDS[f].b))
    this.#neighbours = options.neighbours ?? 30
    this.#sharpness = options.voteSharpness ?? 2
    this.#groupShare = options.groupShare ?? 0.1
    this.#classBoost = options.classBoost ?? 4
    this.#ipcBoost = options.ipcBoost ?? 1
    this.#calibration = options.calibration === undefined ? FITTED_CALIBRATION : options.calibration
    this.#textHalf = options.textHalf ?? 0.05
    this.#subwordWeight = options.subwordWeight ?? 0.1
    this.#titleWeight = options.titleWeight ?? 1.5
    this.#expansionTerms = options.expansionTerms ?? 10
    this.#expansionWeight = options.expansionWeight ?? 0.6
    this.#feedbackDocs = options.feedbackDocs ?? 10
    this.#impactMinDf = options.impactMinDf ?? 1000
    // 4 bytes per doc and term: 640 terms at 100k patents, 64 at 1M
    this.#denseBudget = options.denseBudgetBytes ?? 256 * 2 ** 20
  }

  /** Number of patents in the index (offerable or not). */
  get size(): number {
    return this.#live
  }

  has(publicationNumber: string): boolean {
    return this.#byPub.has(publicationNumber)
  }

  /** Terms per field. Store them to rebuild the index without analysing the text again. */
  analyzePatent(p: Pick<MatchablePatent, 'title' | 'abstract' | 'keywords' | 'claims'>): AnalyzedPatent {
    return analyzePatentText(this.#analyzer, p)
  }

  /** Adds a patent, replacing the one with the same publication number. */
  upsert(p: MatchablePatent, analyzed?: AnalyzedPatent): void {
    const terms = analyzed ?? this.analyzePatent(p)
    const old = this.#byPub.get(p.publicationNumber)
    if (old !== undefined) this.#tombstone(old)
    this.#maybeCompact()

    const d = this.#nDocs++
    this.#ensureDocCapacity(this.#nDocs)
    this.#pub[d] = p.publicationNumber
    this.#byPub.set(p.publicationNumber, d)
    this.#alive[d] = 1
    this.#offerable[d] = isOfferable(p) ? 1 : 0
    let modes = 0
    for (const m of p.transferModes) modes |= MODE_BIT[m] ?? 0
    this.#modes[d] = modes
    this.#live++
    this.#statsVersion++

    // per-term packed frequencies in a scratch array by term id, terms in first-seen order
    const distinct = this.#distinct
    distinct.length = 0
    for (let f = 0; f < FIELDS.length; f++) {
      const list = terms[FIELDS[f]!]
      const len = list.length
      this.#len[f]![d] = len
      this.#lenSum[f] = this.#lenSum[f]! + len
      if (len > this.#maxLen[f]!) this.#maxLen[f] = len
      const shift = f * 8
      for (const term of list) {
        let t = this.#termIds.get(term)
        if (t === undefined) {
          t = this.#terms.length
          this.#termIds.set(term, t)
          this.#terms.push(term)
          this.#post.push(EMPTY)
          this.#postLen.push(0)
          if (t >= this.#postOff.length) {
            this.#postOff = grow(this.#postOff, t + 1)
            this.#postCap = grow(this.#postCap, t + 1)
          }
          this.#takeSlot(t)
          this.#df.push(0)
          this.#imp.push(undefined)
          this.#impVersion.push(-1)
          if (t >= this.#packed.length) this.#packed = grow(this.#packed, t + 1)
        }
        const cur = this.#packed[t]!
        if (cur === 0) distinct.push(t)
        if (((cur >>> shift) & 0xff) < MAX_TF) this.#packed[t] = cur + (1 << shift)
      }
    }
    this.#fwdStart[d] = this.#fwd.n
    this.#fwdCount[d] = distinct.length
    for (const t of distinct) {
      const tf = this.#packed[t]!
      this.#packed[t] = 0
      this.#fwd.push(t)
      const n = this.#postLen[t]!
      if (n + 2 > this.#postCap[t]!) this.#growPostings(t, n + 2)
      const list = this.#post[t]!
      const at = this.#postOff[t]! + n
      list[at] = d
      list[at + 1] = tf
      this.#postLen[t] = n + 2
      this.#df[t]!++
    }

    // classes, deduplicated, as a shared class set
    const ids: number[] = []
    for (const raw of p.ipc) {
      const code = normalizeCode(raw)
      if (code === '') continue
      let c = this.#classIds.get(code)
      if (c === undefined) {
        c = this.#classes.length
        this.#classIds.set(code, c)
        this.#classes.push(code)
        const g = mainGroup(code)
        let gid = this.#groupIds.get(g)
        if (gid === undefined) {
          gid = this.#groupIds.size
          this.#groupIds.set(g, gid)
          this.#groupClasses.push([])
        }
        this.#classGroup.push(gid)
        this.#groupClasses[gid]!.push(c)
        this.#classSets.push([])
      }
      if (!ids.includes(c)) ids.push(c)
    }
    this.#docSet[d] = this.#internSet(ids)
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
    this.#post[t] = this.#pages[Math.floor(slot / SLOTS_PER_PAGE)]!
    this.#postOff[t] = (slot % SLOTS_PER_PAGE) * SLOT
    this.#postCap[t] = SLOT
  }

  /** Moves term t's postings to an array of its own with room for at least `need` ints. */
  #growPostings(t: number, need: number): void {
    const list = this.#post[t]!
    const off = this.#postOff[t]!
    const cap = this.#postCap[t]!
    let size = cap * 2
    while (size < need) size *= 2
    const bigger = new Int32Array(size)
    bigger.set(list.subarray(off, off + this.#postLen[t]!))
    if (cap === SLOT) this.#freeSlots.push(this.#pages.indexOf(list) * SLOTS_PER_PAGE + off / SLOT)
    this.#post[t] = bigger
    this.#postOff[t] = 0
    this.#postCap[t] = size
  }

  #internSet(ids: number[]): number {
    const key = ids.join(',')
    let set = this.#setIds.get(key)
    if (set === undefined) {
      set = this.#setStart.n
      this.#setIds.set(key, set)
      this.#setStart.push(this.#setCls.n)
      this.#setCount.push(ids.length)
      for (const c of ids) {
        this.#setCls.push(c)
        this.#classSets[c]!.push(set)
      }
    }
    return set
  }

  /** Removes a patent; unknown numbers are ignored. */
  remove(publicationNumber: string): void {
    const d = this.#byPub.get(publicationNumber)
    if (d === undefined) return
    this.#tombstone(d)
    this.#maybeCompact()
  }

  #tombstone(d: number): void {
    this.#byPub.delete(this.#pub[d]!)
    this.#pub[d] = undefined
    this.#alive[d] = 0
    this.#live--
    this.#dead++
    this.#statsVersion++
    for (let f = 0; f < FIELDS.length; f++) this.#lenSum[f] = this.#lenSum[f]! - this.#len[f]![d]!
    const start = this.#fwdStart[d]!
    const end = start + this.#fwdCount[d]!
    for (let i = start; i < end; i++) this.#df[this.#fwd.a[i]!]!--
  }

  #ensureDocCapacity(n: number): void {
    if (this.#alive.length >= n) return
    this.#alive = grow(this.#alive, n)
    this.#offerable = grow(this.#offerable, n)
    this.#modes = grow(this.#modes, n)
    this.#len = this.#len.map((a) => grow(a, n))
    this.#fwdStart = grow(this.#fwdStart, n)
    this.#fwdCount = grow(this.#fwdCount, n)
    this.#docSet = grow(this.#docSet, n)
  }

  /** Drops tombstones once they are a quarter of the ids: renumbers docs, filters postings. */
  #maybeCompact(): void {
    if (this.#dead < 1024 || this.#dead * 4 < this.#nDocs) return
    const n = this.#nDocs
    const remap = new Int32Array(n).fill(-1)
    let next = 0
    for (let d = 0; d < n; d++) if (this.#alive[d]) remap[d] = next++
    for (let t = 0; t < this.#post.length; t++) {
      const list = this.#post[t]!
      const off = this.#postOff[t]!
      const end = off + this.#postLen[t]!
      let w = off
      for (let i = off; i < end; i += 2) {
        const nd = remap[list[i]!]!
        if (nd < 0) continue
        list[w] = nd
        list[w + 1] = list[i + 1]!
        w += 2
      }
      this.#postLen[t] = w - off
      if (w === off && this.#postCap[t]! > SLOT) this.#takeSlot(t)
      this.#imp[t] = undefined
      this.#impVersion[t] = -1
    }
    this.#dense.clear()
    const fwd = new IntBuffer(Math.max(1024, this.#fwd.n))
    // class sets: keep those still in use
    const oldSets = { start: this.#setStart, count: this.#setCount, cls: this.#setCls }
    this.#setIds.clear()
    this.#setStart = new IntBuffer(256)
    this.#setCount = new IntBuffer(256)
    this.#setCls = new IntBuffer(Math.max(1024, oldSets.cls.n))
    for (const sets of this.#classSets) sets.length = 0
    const setRemap = new Int32Array(oldSets.start.n).fill(-1)
    for (let d = 0; d < n; d++) {
      const nd = remap[d]!
      if (nd < 0) continue
      this.#pub[nd] = this.#pub[d]
      this.#byPub.set(this.#pub[nd]!, nd)
      this.#alive[nd] = 1
      this.#offerable[nd] = this.#offerable[d]!
      this.#modes[nd] = this.#modes[d]!
      for (const len of this.#len) len[nd] = len[d]!
      const fs = this.#fwdStart[d]!
      const fc = this.#fwdCount[d]!
      this.#fwdStart[nd] = fwd.n
      this.#fwdCount[nd] = fc
      for (let i = fs; i < fs + fc; i++) fwd.push(this.#fwd.a[i]!)
      const os = this.#docSet[d]!
      if (setRemap[os]! < 0) {
        const cs = oldSets.start.a[os]!
        setRemap[os] = this.#internSet(Array.from(oldSets.cls.a.subarray(cs, cs + oldSets.count.a[os]!)))
      }
      this.#docSet[nd] = setRemap[os]!
    }
    this.#pub.length = next
    this.#alive.fill(0, next)
    this.#fwd = fwd
    this.#nDocs = next
    this.#dead = 0
  }

  /**
   * Best patents for a need, best first; ties broken by publication number.
   *
   * Never returns a patent that is not offerable (withdrawn, lapsed, expired, invalidated), nor,
   * when the need names transfer modes, a patent that lists modes of which none is acceptable.
   * A patent that lists no transfer modes is treated as open to any mode.
   */
  match(need: NeedQuery, options: MatchOptions = {}): MatchResult[] {
    const limit = options.limit ?? 100
    const n = this.#nDocs
    if (n === 0 || limit <= 0) return []
    const k1 = this.#k1

    // --- query terms, in first-seen order, with their counts: a word counts 1, a shorter word
    // inside it (图像 in 图像识别) counts `subwordWeight`, so compounds are not counted thrice
    const qtf = new Map<number, number>()
    /** The need's whole words as it wrote them, by term id: what a person reads as matched. */
    const surface = new Map<number, string>()
    /** The title's (and keywords') terms and their weight there. */
    const titleTerms = new Map<number, number>()
    // title words no patent has yet count in the coverage's whole at the highest idf, so a
    // patent's coverage does not rise as the inventory lacks the need's words
    let unknownTitle = 0
    let unknownNeed = 0
    const N0 = Math.max(this.#live, 1)
    for (const [term, q] of this.#analyzer.readNeed(need, { titleWeight: this.#titleWeight, subwordWeight: this.#subwordWeight })) {
      const t = this.#termIds.get(term)
      if (t === undefined || this.#df[t] === 0) {
        const maxIdf = Math.log(1 + (N0 + 0.5) / 0.5)
        unknownTitle += q.titleWeight * maxIdf
        unknownNeed += q.weight * maxIdf
        continue
      }
      qtf.set(t, q.weight)
      if (q.surface !== undefined) surface.set(t, q.surface)
      if (q.titleWeight > 0) titleTerms.set(t, q.titleWeight)
    }

    // --- text: BM25F accumulation, term at a time
    this.#acc = grow(this.#acc, n)
    this.#accX = grow(this.#accX, n)
    const acc = this.#acc
    const accX = this.#accX
    acc.fill(0, 0, n)
    accX.fill(0, 0, n)
    const N = Math.max(this.#live, 1)
    let upper = 0
    const termWeight = new Map<number, number>()
    for (const [t, q] of qtf) {
      const w = this.#idf(t, N) * q
      termWeight.set(t, w)
      upper += w * (k1 + 1)
    }
    this.#accumulateAll(termWeight, acc)
    // coverage: the share of the need's (and its title's) weight, idf included, that a patent
    // has; words no patent has yet count in the whole at the highest idf
    const titleW = new Map<number, number>()
    let titleTotal = unknownTitle
    for (const [t, w] of titleTerms) {
      const tw = w * this.#idf(t, N)
      titleW.set(t, tw)
      titleTotal += tw
    }
    let needTotal = unknownNeed
    for (const w of termWeight.values()) needTotal += w

    // --- related terms: pseudo-relevance feedback from the best text matches
    if (this.#expansionTerms > 0 && this.#expansionWeight > 0 && upper > 0) {
      this.#accumulateAll(this.#expand(acc, n, N, qtf), accX)
    }

    // --- codes the need names
    const needCodes = [...new Set((need.ipc ?? []).map(normalizeCode).filter((c) => c !== ''))].slice(0, 30)
    const nCodes = needCodes.length
    const nClasses = this.#classes.length
    const needMask = new Int32Array(nCodes > 0 ? nClasses : 0)
    /** Classes that overlap a code the need names. */
    const named: number[] = []
    if (nCodes > 0) {
      for (let c = 0; c < nClasses; c++) {
        let mask = 0
        for (let i = 0; i < nCodes; i++) if (codesOverlap(needCodes[i]!, this.#classes[c]!)) mask |= 1 << i
        needMask[c] = mask
        if (mask !== 0) named.push(c)
      }
    }
    const wClasses = this.#classBoost
    const wIpc = nCodes > 0 ? this.#ipcBoost : 0

    let wantModes = 0
    for (const m of need.transferModes ?? []) wantModes |= MODE_BIT[m] ?? 0

    // --- classes: the nearest patents (by text, need terms and related terms) vote
    const inferred = this.#inferClasses(acc, accX, n, nClasses)
    const probArr = this.#prob
    let touched: number[] = []
    try {
      // class and ipc signals, once per class set that holds an inferred or a named class; the
      // inferred classes count as far as the neighbours that voted could vote (had codes)
      const trust = this.#codedShare()
      touched = this.#setSignals(inferred, named, probArr, needMask, nCodes, wClasses * trust, wIpc)
      this.#neutralForUncoded(touched)
      const scorer = new Scorer(acc, accX, upper > 0 ? 1 / upper : 0, this.#textHalf, this.#docSet, this.#setClassS, this.#setIpcS, this.#setIds.get('') ?? -1)

      // --- keep the best candidates by evidence; the calibrated probability orders them
      const top = new TopK(this.#calibration === null ? limit : Math.max(limit, RERANK_POOL), this.#pub)
      if (options.only) {
        for (const pub of options.only) {
          const d = this.#byPub.get(pub)
          if (d === undefined || !this.#eligible(d, wantModes)) continue
          const s = scorer.score(d)
          if (s > 0) top.offer(d, s)
        }
      } else {
        this.#rankAll(n, wantModes, scorer, top)
      }

      // the need's best match over the whole inventory, which the calibration compares with
      let best = top.sorted()[0]?.score ?? 0
      if (options.only && this.#calibration !== null) {
        const first = new TopK(1, this.#pub)
        this.#rankAll(n, wantModes, scorer, first)
        best = first.sorted()[0]?.score ?? 0
      }

      /** Signals of a result: text, related, classes, ipc. */
      const sig = new Float64Array(4)
      const calibration = this.#calibration
      const results = top.sorted().map(({ doc: d }) => {
        const raw = scorer.score(d, sig)
        const classes = this.#docClassIds(d)
        const titleCoverage = this.#coverage(d, titleW, titleTotal)
        const coverage = this.#coverage(d, termWeight, needTotal)
        /** A signal's share of the ranking score, in percent with one decimal. */
        const share = (x: number) => (raw > 0 ? Math.round((1000 * x) / raw) / 10 : 0)
        return {
          publicationNumber: this.#pub[d]!,
          score: calibration === null ? raw : calibrate({ score: raw, best, titleCoverage }, calibration),
          evidence: raw,
          explanation: {
            matchedTerms: this.#matchedTerms(d, termWeight, surface),
            titleCoverage,
            coverage,
            sharedClasses: nCodes > 0 ? classes.filter((c) => needMask[c] !== 0).map((c) => this.#classes[c]!) : [],
            inferredClasses: classes
              .filter((c) => probArr[c]! > 0)
              .sort((a, b) => probArr[b]! - probArr[a]!)
              .map((c) => this.#classes[c]!),
            signals: { text: share(sig[0]!), related: share(sig[1]!), classes: share(sig[2]!), ipc: share(sig[3]!) },
          },
        }
      })
      if (calibration === null) return results
      // best first by the probability, which reads the title coverage besides the evidence
      return results.sort((a, b) => b.score - a.score || (a.publicationNumber < b.publicationNumber ? -1 : 1)).slice(0, limit)
    } finally {
      for (const c of inferred) probArr[c] = 0
      for (const k of touched) {
        this.#setClassS[k] = 0
        this.#setIpcS[k] = 0
        this.#setBound[k] = 0
        this.#setMark[k] = 0
        this.#setMask[k] = 0
      }
    }
  }

  #eligible(d: number, wantModes: number): boolean {
    if (!this.#alive[d] || !this.#offerable[d]) return false
    const m = this.#modes[d]!
    return wantModes === 0 || m === 0 || (m & wantModes) !== 0
  }

  /**
   * Offers every eligible doc with text evidence, in id order (sequential memory). A doc with no
   * text evidence scores 0 whatever its classes, so it is passed over after one comparison; so is
   * one whose text and class evidence together cannot reach the k-th score. Same test and same
   * score as `#eligible` and `Scorer.score`.
   */
  #rankAll(n: number, wantModes: number, scorer: Scorer, top: TopK): void {
    const alive = this.#alive
    const offerable = this.#offerable
    const modes = this.#modes
    const acc = this.#acc
    const accX = this.#accX
    const docSet = this.#docSet
    const bound = this.#setBound
    let floor = top.floor
    for (let d = 0; d < n; d++) {
      if (acc[d]! + accX[d]! === 0) continue
      // the text factor is below 1 (x / (x + half)); the margin covers rounding
      if (1 + bound[docSet[d]!]! + 1e-9 < floor) continue
      if (alive[d] === 0 || offerable[d] === 0) continue
      const m = modes[d]!
      if (wantModes !== 0 && m !== 0 && (m & wantModes) === 0) continue
      const s = scorer.score(d)
      if (s > 0 && s >= floor) {
        top.offer(d, s)
        floor = top.floor
      }
    }
  }

  /**
   * A patent without codes competes on its text alone, neither lifted nor held back by classes:
   * the class set of uncoded patents gets the class and ipc factors that the coded patents among
   * the need's nearest neighbours have on average (weighted as they vote), so reordering by
   * classes happens among the coded patents around that level. Marks the set touched.
   */
  /** Share of the voting neighbours' weight held by patents with codes: 1 when all have codes, 0 when none. */
  #codedShare(): number {
    const empty = this.#setIds.get('')
    let all = 0
    let coded = 0
    for (let i = 0; i < this.#nnDocs.length; i++) {
      const w = this.#nnWeights[i]!
      all += w
      if (this.#docSet[this.#nnDocs[i]!] !== empty) coded += w
    }
    return all > 0 ? coded / all : 0
  }

  #neutralForUncoded(touched: number[]): void {
    const empty = this.#setIds.get('')
    if (empty === undefined) return
    let w = 0
    let cls = 0
    let ipc = 0
    for (let i = 0; i < this.#nnDocs.length; i++) {
      const set = this.#docSet[this.#nnDocs[i]!]!
      if (set === empty) continue
      const wi = this.#nnWeights[i]!
      w += wi
      cls += wi * this.#setClassS[set]!
      ipc += wi * this.#setIpcS[set]!
    }
    if (w === 0) return
    if (this.#setMark[empty] === 0) {
      this.#setMark[empty] = 1
      touched.push(empty)
    }
    this.#setClassS[empty] = cls / w
    this.#setIpcS[empty] = ipc / w
    this.#setBound[empty] = (cls + ipc) / w
  }

  /**
   * Class signal (1 − Π(1 − p) over the set's classes, weighted) and ipc signal of the class
   * sets that hold an inferred or a named class; every other set has neither. Class at a time:
   * each inferred class multiplies its miss probability into the sets that hold it, so the work
   * is the number of (inferred class, set) pairs, not every class of every touched set. Returns
   * the sets it wrote, for the caller to reset.
   */
  #setSignals(
    inferred: number[],
    named: number[],
    prob: Float64Array,
    needMask: Int32Array,
    nCodes: number,
    wClasses: number,
    wIpc: number,
  ): number[] {
    const nSets = this.#setStart.n
    this.#setClassS = grow(this.#setClassS, nSets)
    this.#setIpcS = grow(this.#setIpcS, nSets)
    this.#setBound = grow(this.#setBound, nSets)
    this.#setMark = grow(this.#setMark, nSets)
    this.#setMask = grow(this.#setMask, nSets)
    const mark = this.#setMark
    // miss probability in classS and need-code mask in setMask, until the final pass
    const miss = this.#setClassS
    const mask = this.#setMask
    const touched: number[] = []
    for (const c of inferred) {
      const q = 1 - prob[c]!
      for (const k of this.#classSets[c]!) {
        if (mark[k] === 0) {
          mark[k] = 1
          touched.push(k)
          miss[k] = q
        } else {
          miss[k] = miss[k]! * q
        }
      }
    }
    for (const c of named) {
      const m = needMask[c]!
      for (const k of this.#classSets[c]!) {
        if (mark[k] === 0) {
          mark[k] = 1
          touched.push(k)
          miss[k] = 1
        }
        mask[k] = mask[k]! | m
      }
    }
    const ipcS = this.#setIpcS
    const bound = this.#setBound
    for (const k of touched) {
      miss[k] = wClasses * (1 - miss[k]!)
      ipcS[k] = nCodes > 0 ? (wIpc * popcount(mask[k]!)) / nCodes : 0
      bound[k] = miss[k]! + ipcS[k]!
    }
    return touched
  }

  #idf(t: number, N: number): number {
    const df = this.#df[t]!
    return Math.log(1 + (N - df + 0.5) / (df + 0.5))
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

  /**
   * Adds, for each term t with query weight w, w × (k1 + 1) × its BM25F saturation to every doc
   * containing it, term after term in the map's order. The saturations come from `#impacts`
   * (cached or not, the same float32 values). Terms in a large share of the patents are added
   * from dense arrays by doc id (see `#denseImpacts`), consecutive ones in one sequential pass;
   * adding the zeros of docs without a term changes nothing, and the order of the additions is
   * the same, so a score does not depend on what was cached.
   */
  #accumulateAll(terms: Map<number, number>, acc: Float64Array): void {
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
      const len = this.#postLen[t]!
      if (imp !== this.#impScratch && len >= 2 * this.#live * DENSE_SHARE) {
        run.push({ dense: this.#denseImpacts(t, imp), wk })
        if (run.length === 3) flush()
        continue
      }
      if (run.length > 0) flush()
      const list = this.#post[t]!
      const off = this.#postOff[t]!
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
    const len = this.#postLen[t]!
    let imp = this.#imp[t]
    if (imp !== undefined && this.#impVersion[t] === version) return imp
    if (len >= 2 * Math.max(this.#impactMinDf, this.#live * IMPACT_MIN_SHARE)) {
      if (imp === undefined || imp.length < len >> 1) imp = this.#imp[t] = new Float32Array(this.#postCap[t]! >> 1)
      this.#impVersion[t] = version
    } else {
      if (this.#impScratch.length < len >> 1) this.#impScratch = new Float32Array(Math.max(len, 1024))
      imp = this.#impScratch
    }
    const list = this.#post[t]!
    const off = this.#postOff[t]!
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
    const version = this.#impVersion[t]!
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
    const list = this.#post[t]!
    const off = this.#postOff[t]!
    const end = off + this.#postLen[t]!
    for (let i = off, j = 0; i < end; i += 2, j++) dense[list[i]!] = imp[j]!
    return dense
  }

  /**
   * Related terms from the best text matches (pseudo-relevance feedback): terms of the top
   * documents, weighted by the documents' scores and the terms' idf, that the need does not
   * contain. A term in a quarter of the patents and in at least RELATED_MIN_DF_CAP of them (one
   * the default cache adds from a dense array) is not taken: it says little about the topic, and adding
   * it up is a pass over all patents. Small indexes keep every candidate. Returns term → query
   * weight.
   */
  #expand(acc: Float64Array, n: number, N: number, qtf: Map<number, number>): Map<number, number> {
    // terms in a quarter of a large index are not taken (a scoring rule: not tied to the cache options)
    const denseDf = Math.max(RELATED_MIN_DF_CAP, N * DENSE_SHARE)
    const docs = new TopK(this.#feedbackDocs, this.#pub)
    const alive = this.#alive
    let floor = docs.floor
    for (let d = 0; d < n; d++) {
      const s = acc[d]!
      if (s > 0 && s >= floor && alive[d]) {
        docs.offer(d, s)
        floor = docs.floor
      }
    }
    const best = docs.sorted()
    const out = new Map<number, number>()
    if (best.length === 0) return out
    const top = best[0]!.score
    const weight = new Map<number, number>()
    let totalW = 0
    for (const { doc, score } of best) {
      const w = score / top
      totalW += w
      const fs = this.#fwdStart[doc]!
      for (let i = fs; i < fs + this.#fwdCount[doc]!; i++) {
        const t = this.#fwd.a[i]!
        if (qtf.has(t) || this.#df[t]! < 2 || this.#df[t]! >= denseDf) continue
        weight.set(t, (weight.get(t) ?? 0) + w)
      }
    }
    // a related term must recur among the feedback documents; rank by share × idf
    const cands: { t: number; s: number; share: number }[] = []
    for (const [t, w] of weight) {
      const share = w / totalW
      if (share < 0.2) continue
      cands.push({ t, s: share * this.#idf(t, N), share })
    }
    cands.sort((a, b) => b.s - a.s || a.t - b.t)
    for (const c of cands.slice(0, this.#expansionTerms)) out.set(c.t, this.#expansionWeight * c.share * this.#idf(c.t, N))
    return out
  }

  /**
   * Class distribution voted by the nearest patents under the text score (need terms and
   * related terms): each of the best `neighbours` votes for its codes with weight
   * (score / best score) ^ sharpness; a code's probability mixes its own vote share with its
   * main group's. Writes the probabilities into `#prob` (dense by class id; only the classes of
   * voted groups can be non-zero) and returns the classes it set, for the caller to reset.
   */
  #inferClasses(acc: Float64Array, accX: Float64Array, n: number, nClasses: number): number[] {
    if (this.#prob.length < nClasses) this.#prob = grow(this.#prob, nClasses)
    const prob = this.#prob
    const set: number[] = []
    const nn = new TopK(this.#neighbours, this.#pub)
    const alive = this.#alive
    let floor = nn.floor
    for (let d = 0; d < n; d++) {
      const s = acc[d]! + accX[d]!
      if (s > 0 && s >= floor && alive[d]) {
        nn.offer(d, s)
        floor = nn.floor
      }
    }
    const best = nn.sorted()
    this.#nnDocs.length = 0
    this.#nnWeights.length = 0
    if (best.length === 0) return set
    const top = best[0]!.score
    const groupVotes = new Map<number, number>()
    const classVotes = new Map<number, number>()
    let total = 0
    for (const { doc, score } of best) {
      const w = Math.pow(score / top, this.#sharpness)
      total += w
      this.#nnDocs.push(doc)
      this.#nnWeights.push(w)
      const set = this.#docSet[doc]!
      const cs = this.#setStart.a[set]!
      const groups = new Set<number>()
      for (let i = cs; i < cs + this.#setCount.a[set]!; i++) {
        const c = this.#setCls.a[i]!
        classVotes.set(c, (classVotes.get(c) ?? 0) + w)
        groups.add(this.#classGroup[c]!)
      }
      for (const g of groups) groupVotes.set(g, (groupVotes.get(g) ?? 0) + w)
    }
    const gs = this.#groupShare
    // only classes of a voted group can have a probability
    for (const [g, votes] of groupVotes) {
      const pg = votes / total
      if (pg === 0) continue
      for (const c of this.#groupClasses[g]!) {
        const pc = (classVotes.get(c) ?? 0) / total
        const p = Math.min(0.95, (1 - gs) * pc + gs * pg)
        if (p > 0.01) {
          prob[c] = p
          set.push(c)
        }
      }
    }
    return set
  }

  /** The doc's class ids, in the patent's order. */
  #docClassIds(d: number): number[] {
    const set = this.#docSet[d]!
    const cs = this.#setStart.a[set]!
    return Array.from(this.#setCls.a.subarray(cs, cs + this.#setCount.a[set]!))
  }

  /** The share of `total` held by the weights of the terms the doc contains (0..1, three decimals). */
  #coverage(d: number, weights: Map<number, number>, total: number): number {
    if (total === 0) return 0
    let found = 0
    const fs = this.#fwdStart[d]!
    const fe = fs + this.#fwdCount[d]!
    for (let i = fs; i < fe; i++) {
      const w = weights.get(this.#fwd.a[i]!)
      if (w !== undefined) found += w
    }
    return Math.round((found / total) * 1000) / 1000
  }

  /**
   * The need's words present in the doc (read from its forward index), by their weight in the
   * need, as the need wrote them: never a stem, never a fragment of a longer word, and not a
   * word contained in one listed before it (半导体 after 半导体芯片 says nothing new), nor one that
   * weighs little beside the strongest.
   */
  #matchedTerms(d: number, termWeight: Map<number, number>, surface: Map<number, string>): string[] {
    const found: Contribution[] = []
    const fs = this.#fwdStart[d]!
    const fe = fs + this.#fwdCount[d]!
    for (let i = fs; i < fe; i++) {
      const t = this.#fwd.a[i]!
      const w = termWeight.get(t)
      const word = surface.get(t)
      if (w !== undefined && word !== undefined) found.push({ term: word, score: w })
    }
    found.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
    const out: string[] = []
    // words that weigh little beside the strongest (高, 方法: common, or words every need uses)
    // explain nothing a person needs to read
    const floor = (found[0]?.score ?? 0) * MATCHED_TERM_SHARE
    for (const { term, score } of found) {
      if (out.length === 12 || score < floor) break
      if (!out.some((o) => o.includes(term))) out.push(term)
    }
    return out
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

function popcount(x: number): number {
  let c = 0
  while (x !== 0) {
    x &= x - 1
    c++
  }
  return c
}

/**
 * A query's score of a doc: its text evidence, lifted by its classification evidence in
 * proportion: text × (1 + classes + ipc), where text = x / (x + half) for x = BM25F / the need's
 * upper bound, and classes, ipc are the (boosted) class signals of its class set. No text, no
 * score. The one formula for full match, `only` and explanations; the signals sum to the score.
 */
class Scorer {
  constructor(
    readonly acc: Float64Array,
    readonly accX: Float64Array,
    readonly invUpper: number,
    readonly half: number,
    readonly docSet: Int32Array,
    readonly setClassS: Float64Array,
    readonly setIpcS: Float64Array,
    /** The class set of patents without codes: their lift is the neighbours' level, not class evidence of their own. */
    readonly uncodedSet: number,
  ) {}
  /** The score of doc d; its signals (text, related, classes, ipc) into `sig` when given. */
  score(d: number, sig?: Float64Array): number {
    const direct = this.acc[d]!
    const related = this.accX[d]!
    const x = (direct + related) * this.invUpper
    const textAll = x / (x + this.half)
    const set = this.docSet[d]!
    const classesS = textAll * this.setClassS[set]!
    const ipcS = textAll * this.setIpcS[set]!
    const score = textAll + classesS + ipcS
    if (sig !== undefined) {
      // the evidence split between the need's own terms and the related terms, and the classes;
      // a patent without codes owes its whole score to its text
      const text = set === this.uncodedSet ? score : textAll
      const textS = direct + related > 0 ? (text * direct) / (direct + related) : 0
      sig[0] = textS
      sig[1] = text - textS
      sig[2] = set === this.uncodedSet ? 0 : classesS
      sig[3] = set === this.uncodedSet ? 0 : ipcS
    }
    return score
  }
}

/** Keeps the best k (doc, score), ties by publication number ascending. */
class TopK {
  readonly #k: number
  readonly #pub: (string | undefined)[]
  readonly #docs: number[] = []
  readonly #scores: number[] = []
  constructor(k: number, pub: (string | undefined)[]) {
    this.#k = k
    this.#pub = pub
  }
  /** Below this score nothing can enter (−Infinity until full; at it, only by the tie-break). */
  floor = -Infinity
  /** a ranks before b */
  #before(sa: number, da: number, sb: number, db: number): boolean {
    if (sa !== sb) return sa > sb
    return this.#pub[da]! < this.#pub[db]!
  }
  offer(d: number, s: number): void {
    const docs = this.#docs
    const scores = this.#scores
    const n = docs.length
    if (n === this.#k && !this.#before(s, d, scores[n - 1]!, docs[n - 1]!)) return
    // insertion into the sorted list (k is small: tens to hundreds)
    let i = n === this.#k ? n - 1 : n
    if (n < this.#k) {
      docs.push(d)
      scores.push(s)
    }
    while (i > 0 && this.#before(s, d, scores[i - 1]!, docs[i - 1]!)) {
      docs[i] = docs[i - 1]!
      scores[i] = scores[i - 1]!
      i--
    }
    docs[i] = d
    scores[i] = s
    if (docs.length === this.#k) this.floor = scores[this.#k - 1]!
  }
  sorted(): { doc: number; score: number }[] {
    return this.#docs.map((doc, i) => ({ doc, score: this.#scores[i]! }))
  }
}
