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
 * doc id; a forward index (terms per doc) in flat typed arrays serves deletions and compaction.
 * A match is term-at-a-time accumulation into a dense score array, then one linear pass that
 * adds the class signal and keeps the best results. Removals are tombstones, compacted once a
 * quarter of the ids are dead.
 */
import { isOfferable, type TransferMode } from '../patent.js'
import type { Analyzer } from '../text/analyzer.js'
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
  /** Signal weights (renormalised when the need names no codes). */
  weights?: { text?: number; classes?: number; ipc?: number }
  /** Text signal t = x / (x + textHalf) for x = BM25 / upper bound. Default 0.15. */
  textHalf?: number
  /** Query weight of a shorter word inside a need's word (图像 in 图像识别). Default 0.1. */
  subwordWeight?: number
  /** Related terms added from the best text matches (pseudo-relevance feedback). Default 10; 0 disables. */
  expansionTerms?: number
  /** Weight of a related term relative to a need term of the same idf, times its document share. Default 0.3. */
  expansionWeight?: number
  /** Best text matches that supply related terms. Default 10. */
  feedbackDocs?: number
}

const DEFAULT_FIELDS: Record<(typeof FIELDS)[number], FieldParams> = {
  title: { weight: 2, b: 0.5 },
  abstract: { weight: 1, b: 0.75 },
  keywords: { weight: 1, b: 0.3 },
  claims: { weight: 0.5, b: 0.75 },
}

const MODE_BIT: Record<TransferMode, number> = { assignment: 1, license: 2, 'open-license': 4, equity: 8 }
const MAX_TF = 255

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
  readonly #w: { text: number; classes: number; ipc: number }
  readonly #textHalf: number
  readonly #subwordWeight: number
  readonly #expansionTerms: number
  readonly #expansionWeight: number
  readonly #feedbackDocs: number

  // terms
  readonly #termIds = new Map<string, number>()
  readonly #terms: string[] = []
  /** Postings: pairs (doc id, packed tf: title | abstract << 8 | keywords << 16 | claims << 24). */
  #post: Int32Array[] = []
  #postLen: number[] = []
  /** Live documents containing the term. */
  #df: number[] = []

  // classes
  readonly #classIds = new Map<string, number>()
  readonly #classes: string[] = []
  readonly #classGroup: number[] = []
  readonly #groupIds = new Map<string, number>()

  // documents
  #nDocs = 0
  #live = 0
  #dead = 0
  #pub: (string | undefined)[] = []
  readonly #byPub = new Map<string, number>()
  #alive = new Uint8Array(1024)
  #offerable = new Uint8Array(1024)
  #modes = new Uint8Array(1024)
  #len: Float32Array[] = FIELDS.map(() => new Float32Array(1024))
  readonly #lenSum = new Float64Array(FIELDS.length)
  #fwdStart = new Int32Array(1024)
  #fwdCount = new Int32Array(1024)
  #fwd = new IntBuffer(1 << 16)
  #clsStart = new Int32Array(1024)
  #clsCount = new Int32Array(1024)
  #cls = new IntBuffer(1 << 12)

  // per-query scratch
  #acc = new Float64Array(1024)
  #accX = new Float64Array(1024)

  constructor(analyzer: Analyzer, options: MatchIndexOptions = {}) {
    this.#analyzer = analyzer
    this.#k1 = options.k1 ?? 1.2
    this.#fw = new Float64Array(FIELDS.map((f) => options.fields?.[f]?.weight ?? DEFAULT_FIELDS[f].weight))
    this.#fb = new Float64Array(FIELDS.map((f) => options.fields?.[f]?.b ?? DEFAULT_FIELDS[f].b))
    this.#neighbours = options.neighbours ?? 30
    this.#sharpness = options.voteSharpness ?? 2
    this.#groupShare = options.groupShare ?? 0.1
    this.#w = {
      text: options.weights?.text ?? 0.25,
      classes: options.weights?.classes ?? 0.75,
      ipc: options.weights?.ipc ?? 0.3,
    }
    this.#textHalf = options.textHalf ?? 0.15
    this.#subwordWeight = options.subwordWeight ?? 0.1
    this.#expansionTerms = options.expansionTerms ?? 10
    this.#expansionWeight = options.expansionWeight ?? 0.3
    this.#feedbackDocs = options.feedbackDocs ?? 10
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
    const a = this.#analyzer
    return {
      title: a.analyze(p.title, { subwords: true }),
      abstract: a.analyze(p.abstract, { subwords: true }),
      keywords: p.keywords.length > 0 ? a.analyze(p.keywords.join('\n'), { subwords: true }) : [],
      claims: p.claims ? a.analyze(p.claims, { subwords: true }) : [],
    }
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

    // per-term packed frequencies, in first-seen order
    const packed = new Map<number, number>()
    for (let f = 0; f < FIELDS.length; f++) {
      const list = terms[FIELDS[f]!]
      const len = list.length
      this.#len[f]![d] = len
      this.#lenSum[f] = this.#lenSum[f]! + len
      const shift = f * 8
      for (const term of list) {
        let t = this.#termIds.get(term)
        if (t === undefined) {
          t = this.#terms.length
          this.#termIds.set(term, t)
          this.#terms.push(term)
          this.#post.push(new Int32Array(4))
          this.#postLen.push(0)
          this.#df.push(0)
        }
        const cur = packed.get(t) ?? 0
        const tf = (cur >>> shift) & 0xff
        if (tf < MAX_TF) packed.set(t, cur + (1 << shift))
      }
    }
    this.#fwdStart[d] = this.#fwd.n
    this.#fwdCount[d] = packed.size
    for (const [t, tf] of packed) {
      this.#fwd.push(t)
      let list = this.#post[t]!
      const n = this.#postLen[t]!
      if (n + 2 > list.length) {
        const bigger = new Int32Array(list.length * 2)
        bigger.set(list)
        this.#post[t] = list = bigger
      }
      list[n] = d
      list[n + 1] = tf
      this.#postLen[t] = n + 2
      this.#df[t]!++
    }

    // classes, deduplicated
    this.#clsStart[d] = this.#cls.n
    const seen = new Set<number>()
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
        }
        this.#classGroup.push(gid)
      }
      if (seen.has(c)) continue
      seen.add(c)
      this.#cls.push(c)
    }
    this.#clsCount[d] = seen.size
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
    this.#clsStart = grow(this.#clsStart, n)
    this.#clsCount = grow(this.#clsCount, n)
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
      const len = this.#postLen[t]!
      let w = 0
      for (let i = 0; i < len; i += 2) {
        const nd = remap[list[i]!]!
        if (nd < 0) continue
        list[w] = nd
        list[w + 1] = list[i + 1]!
        w += 2
      }
      this.#postLen[t] = w
      if (w === 0 && list.length > 4) this.#post[t] = new Int32Array(4)
    }
    const fwd = new IntBuffer(Math.max(1024, this.#fwd.n))
    const cls = new IntBuffer(Math.max(1024, this.#cls.n))
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
      const cs = this.#clsStart[d]!
      const cc = this.#clsCount[d]!
      this.#clsStart[nd] = cls.n
      this.#clsCount[nd] = cc
      for (let i = cs; i < cs + cc; i++) cls.push(this.#cls.a[i]!)
    }
    this.#pub.length = next
    this.#alive.fill(0, next)
    this.#fwd = fwd
    this.#cls = cls
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
    const text = [need.title, need.description ?? '', (need.keywords ?? []).join('\n')].join('\n')
    const qtf = new Map<number, number>()
    const whole = new Map<string, number>()
    for (const term of this.#analyzer.analyze(text)) whole.set(term, (whole.get(term) ?? 0) + 1)
    for (const term of this.#analyzer.analyze(text, { subwords: true })) {
      const left = whole.get(term) ?? 0
      let q = this.#subwordWeight
      if (left > 0) {
        whole.set(term, left - 1)
        q = 1
      }
      const t = this.#termIds.get(term)
      if (t === undefined || this.#df[t] === 0 || q === 0) continue
      qtf.set(t, (qtf.get(t) ?? 0) + q)
    }

    // --- text: BM25F accumulation, term at a time
    this.#acc = grow(this.#acc, n)
    this.#accX = grow(this.#accX, n)
    const acc = this.#acc
    const accX = this.#accX
    acc.fill(0, 0, n)
    const N = Math.max(this.#live, 1)
    let upper = 0
    const termWeight = new Map<number, number>()
    for (const [t, q] of qtf) {
      // repeated query terms count, with diminishing returns
      const w = this.#idf(t, N) * (q <= 1 ? q : 1 + Math.log(q))
      termWeight.set(t, w)
      upper += w * (k1 + 1)
      this.#accumulate(t, w, acc)
    }

    // --- related terms: pseudo-relevance feedback from the best text matches
    accX.fill(0, 0, n)
    let expansion = new Map<number, number>()
    if (this.#expansionTerms > 0 && this.#expansionWeight > 0 && upper > 0) {
      expansion = this.#expand(acc, n, N, qtf)
      for (const [t, w] of expansion) this.#accumulate(t, w, accX)
    }

    // --- codes the need names
    const needCodes = [...new Set((need.ipc ?? []).map(normalizeCode).filter((c) => c !== ''))].slice(0, 30)
    const nClasses = this.#classes.length
    const needMask = new Int32Array(needCodes.length > 0 ? nClasses : 0)
    if (needCodes.length > 0) {
      for (let c = 0; c < nClasses; c++) {
        let mask = 0
        for (let i = 0; i < needCodes.length; i++) if (codesOverlap(needCodes[i]!, this.#classes[c]!)) mask |= 1 << i
        needMask[c] = mask
      }
    }
    let wText = this.#w.text
    let wClasses = this.#w.classes
    let wIpc = needCodes.length > 0 ? this.#w.ipc : 0
    const wSum = wText + wClasses + wIpc
    wText /= wSum
    wClasses /= wSum
    wIpc /= wSum

    let wantModes = 0
    for (const m of need.transferModes ?? []) wantModes |= MODE_BIT[m] ?? 0

    const half = this.#textHalf
    const invUpper = upper > 0 ? 1 / upper : 0
    const clsA = this.#cls.a
    const scoreOf = (
      d: number,
      probArr: Float64Array,
    ): { text: number; related: number; classes: number; ipc: number; score: number } => {
      const direct = acc[d]!
      const related = accX[d]!
      const x = (direct + related) * invUpper
      const textAll = wText * (x / (x + half))
      // the text signal split between the need's own terms and the related terms
      const textS = direct + related > 0 ? (textAll * direct) / (direct + related) : 0
      const relatedS = textAll - textS
      const cs = this.#clsStart[d]!
      const ce = cs + this.#clsCount[d]!
      let miss = 1
      let mask = 0
      for (let i = cs; i < ce; i++) {
        const c = clsA[i]!
        const pc = probArr[c]!
        miss *= 1 - pc
        if (needCodes.length > 0) mask |= needMask[c]!
      }
      const classesS = wClasses * (1 - miss)
      const ipcS = needCodes.length > 0 ? (wIpc * popcount(mask)) / needCodes.length : 0
      return { text: textS, related: relatedS, classes: classesS, ipc: ipcS, score: textS + relatedS + classesS + ipcS }
    }

    // --- classes: the nearest patents (by text, need terms and related terms) vote
    const probArr = this.#inferClasses((d) => acc[d]! + accX[d]!, n, nClasses)

    const eligible = (d: number): boolean => {
      if (!this.#alive[d] || !this.#offerable[d]) return false
      const m = this.#modes[d]!
      return wantModes === 0 || m === 0 || (m & wantModes) !== 0
    }

    // --- one pass: keep the best `limit`
    const top = new TopK(limit, this.#pub)
    if (options.only) {
      for (const pub of options.only) {
        const d = this.#byPub.get(pub)
        if (d === undefined || !eligible(d)) continue
        const s = scoreOf(d, probArr).score
        if (s > 0) top.offer(d, s)
      }
    } else {
      for (let d = 0; d < n; d++) {
        if (!eligible(d)) continue
        // cheap skip: nothing can score without text or a class
        if (acc[d] === 0 && accX[d] === 0 && this.#clsCount[d] === 0) continue
        const s = scoreOf(d, probArr).score
        if (s > 0) top.offer(d, s)
      }
    }

    return top.sorted().map(({ doc: d }) => {
      const s = scoreOf(d, probArr)
      return {
        publicationNumber: this.#pub[d]!,
        score: s.score,
        explanation: {
          matchedTerms: this.#matchedTerms(d, termWeight),
          sharedClasses: this.#docClasses(d).filter((c) => needCodes.some((nc) => codesOverlap(nc, c))),
          inferredClasses: this.#docClasses(d)
            .filter((c) => probArr[this.#classIds.get(c)!]! > 0)
            .sort((a, b) => probArr[this.#classIds.get(b)!]! - probArr[this.#classIds.get(a)!]!),
          signals: { text: s.text, related: s.related, classes: s.classes, ipc: s.ipc },
        },
      }
    })
  }

  #idf(t: number, N: number): number {
    const df = this.#df[t]!
    return Math.log(1 + (N - df + 0.5) / (df + 0.5))
  }

  /** Adds query weight w × BM25F saturation of term t to every doc containing it. */
  #accumulate(t: number, w: number, acc: Float64Array): void {
    const k1 = this.#k1
    const N = Math.max(this.#live, 1)
    const sums = this.#lenSum
    const iT = sums[0]! > 0 ? N / sums[0]! : 0
    const iA = sums[1]! > 0 ? N / sums[1]! : 0
    const iK = sums[2]! > 0 ? N / sums[2]! : 0
    const iC = sums[3]! > 0 ? N / sums[3]! : 0
    const [lT, lA, lK, lC] = this.#len as [Float32Array, Float32Array, Float32Array, Float32Array]
    const fw = this.#fw
    const fb = this.#fb
    const wT = fw[0]!, wA = fw[1]!, wK = fw[2]!, wC = fw[3]!
    const bT = fb[0]!, bA = fb[1]!, bK = fb[2]!, bC = fb[3]!
    const list = this.#post[t]!
    const len = this.#postLen[t]!
    const wk = w * (k1 + 1)
    for (let i = 0; i < len; i += 2) {
      const d = list[i]!
      const p = list[i + 1]!
      let x = 0
      const ft = p & 0xff
      if (ft !== 0) x += (wT * ft) / (1 - bT + bT * lT[d]! * iT)
      const fa = (p >>> 8) & 0xff
      if (fa !== 0) x += (wA * fa) / (1 - bA + bA * lA[d]! * iA)
      const fk = (p >>> 16) & 0xff
      if (fk !== 0) x += (wK * fk) / (1 - bK + bK * lK[d]! * iK)
      const fc = p >>> 24
      if (fc !== 0) x += (wC * fc) / (1 - bC + bC * lC[d]! * iC)
      acc[d]! += (wk * x) / (x + k1)
    }
  }

  /**
   * Related terms from the best text matches (pseudo-relevance feedback): terms of the top
   * documents, weighted by the documents' scores and the terms' idf, that the need does not
   * contain. Returns term → query weight.
   */
  #expand(acc: Float64Array, n: number, N: number, qtf: Map<number, number>): Map<number, number> {
    const docs = new TopK(this.#feedbackDocs, this.#pub)
    for (let d = 0; d < n; d++) {
      const s = acc[d]!
      if (s > 0 && this.#alive[d]) docs.offer(d, s)
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
        if (qtf.has(t) || this.#df[t]! < 2) continue
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
   * Class distribution voted by the nearest patents under `score`: each of the best
   * `neighbours` votes for its codes with weight (score / best score) ^ sharpness; a code's
   * probability mixes its own vote share with its main group's. Dense by class id.
   */
  #inferClasses(score: (d: number) => number, n: number, nClasses: number): Float64Array {
    const prob = new Float64Array(nClasses)
    const nn = new TopK(this.#neighbours, this.#pub)
    for (let d = 0; d < n; d++) {
      if (!this.#alive[d]) continue
      const s = score(d)
      if (s > 0) nn.offer(d, s)
    }
    const best = nn.sorted()
    if (best.length === 0) return prob
    const top = best[0]!.score
    const groupVotes = new Map<number, number>()
    const classVotes = new Map<number, number>()
    let total = 0
    for (const { doc, score } of best) {
      const w = Math.pow(score / top, this.#sharpness)
      total += w
      const cs = this.#clsStart[doc]!
      const groups = new Set<number>()
      for (let i = cs; i < cs + this.#clsCount[doc]!; i++) {
        const c = this.#cls.a[i]!
        classVotes.set(c, (classVotes.get(c) ?? 0) + w)
        groups.add(this.#classGroup[c]!)
      }
      for (const g of groups) groupVotes.set(g, (groupVotes.get(g) ?? 0) + w)
    }
    const gs = this.#groupShare
    for (let c = 0; c < nClasses; c++) {
      const pg = (groupVotes.get(this.#classGroup[c]!) ?? 0) / total
      if (pg === 0) continue
      const pc = (classVotes.get(c) ?? 0) / total
      const p = Math.min(0.95, (1 - gs) * pc + gs * pg)
      if (p > 0.01) prob[c] = p
    }
    return prob
  }

  #docClasses(d: number): string[] {
    const out: string[] = []
    const cs = this.#clsStart[d]!
    for (let i = cs; i < cs + this.#clsCount[d]!; i++) out.push(this.#classes[this.#cls.a[i]!]!)
    return out
  }

  /** Need terms present in the doc, by their weight in the need. */
  #matchedTerms(d: number, termWeight: Map<number, number>): string[] {
    const found: Contribution[] = []
    for (const [t, w] of termWeight) {
      if (postingHas(this.#post[t]!, this.#postLen[t]!, d)) found.push({ term: this.#terms[t]!, score: w })
    }
    found.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
    return found.slice(0, 12).map((c) => c.term)
  }
}

function postingHas(list: Int32Array, len: number, d: number): boolean {
  let lo = 0
  let hi = len / 2 - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = list[mid * 2]!
    if (v === d) return true
    if (v < d) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

function popcount(x: number): number {
  let c = 0
  while (x !== 0) {
    x &= x - 1
    c++
  }
  return c
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
  }
  sorted(): { doc: number; score: number }[] {
    return this.#docs.map((doc, i) => ({ doc, score: this.#scores[i]! }))
  }
}
