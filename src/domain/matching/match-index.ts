/**
 * The matcher: an in-memory index of patents and the scoring of a need against it, composed of
 * parts (each file says why it is as it is):
 *
 * - `postings.ts`: the term dictionary, postings, forward index and field lengths; BM25F
 *   accumulation, term at a time, into dense score arrays by doc id.
 * - `class-sets.ts`: the patents' codes as shared class sets (a lift is computed once per set).
 * - `signals/`: the evidence, one file per signal behind one interface (`signal.ts`), registered
 *   in `signals/index.ts`: the text signals `text` (the need's own terms) and `related` (terms
 *   from the best text matches) add into accumulators; the lifts `classes` (the classes inferred
 *   from the nearest patents) and `ipc` (the codes the need names) multiply the text evidence.
 * - `neighbours.ts`: the need's nearest patents by text, which the lifts read.
 * - `scorer.ts`: the one formula, textAll × (1 + Σ lifts), and the ranking pass; `top-k.ts`:
 *   bounded top-k selection; `explain.ts`: coverage, matched terms, the shares.
 *
 * This file keeps the documents (ids, offerability, transfer modes, tombstones) and runs a
 * match: the need's terms, the text signals in order, the nearest neighbours, the lifts (the
 * uncoded patents' set at the neighbours' level), then a linear pass in doc-id order with a
 * bounded top-k whose k-th score is checked before anything else; a doc whose set's lifts plus
 * the whole text weight are below the current k-th score is dropped after one comparison
 * (common terms such as 方法 touch most docs, so the passes are over nearly all of them; what
 * matters is how little each costs). One scorer gives the score for the full match, for `only`
 * and for the explanations. Removals are tombstones, compacted once a quarter of the ids are dead.
 */
import { isOfferable, type TransferMode } from '../patent.js'
import { StateReader, type Snapshottable, type SnapshotState } from '../snapshot.js'
import type { Analyzer } from '../text/analyzer.js'
import { analyzePatentText } from '../text/patent-text.js'
import { grow } from './buffers.js'
import { calibrate, FITTED_CALIBRATION, type Calibration } from './calibration.js'
import { ClassSets } from './class-sets.js'
import { coverage, ordered, shares } from './explain.js'
import { nearestNeighbours, type Neighbours } from './neighbours.js'
import { Postings, type FieldParams, type PostingsOptions } from './postings.js'
import { LiftTable, rankAll, Scorer, type Eligibility } from './scorer.js'
import { SIGNALS, type LiftSignal, type MatchContext, type NeedTerms, type SignalMatch, type SignalOptions, type TextSignal } from './signals/index.js'
import { TopK } from './top-k.js'
import { FIELDS, type AnalyzedPatent, type MatchablePatent, type MatchExplanation, type MatchOptions, type MatchResult, type NeedQuery } from './types.js'

export { analyzePatentText } from '../text/patent-text.js'
export type { FieldParams } from './postings.js'

export interface MatchIndexOptions extends SignalOptions {
  /** BM25 term-frequency saturation. Default 1.2. */
  k1?: number
  fields?: Partial<Record<(typeof FIELDS)[number], Partial<FieldParams>>>
  /** Nearest patents that vote on the need's classes. Default 30. */
  neighbours?: number
  /** Vote weight of a neighbour is (its text score / best text score) ^ this. Default 2. */
  voteSharpness?: number
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
  /**
   * A term's impacts are cached (see `Postings`) once it is in at least this many patents and 1 % of
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

/**
 * The version of what `exportState` writes and of how a patent becomes state (term packing,
 * class normalisation, offerability, transfer-mode bits): bump it with any change to them, and
 * snapshots written before are rebuilt instead of loaded.
 */
const SNAPSHOT_LAYOUT = 1

export class MatchIndex implements Snapshottable {
  readonly snapshotKind = 'matcher'
  readonly snapshotFingerprint: string
  readonly #analyzer: Analyzer
  readonly #k1: number
  readonly #neighbours: number
  readonly #sharpness: number
  readonly #calibration: Calibration | null
  readonly #textHalf: number
  readonly #subwordWeight: number
  readonly #titleWeight: number

  readonly #postingsOptions: PostingsOptions
  #postings: Postings
  #classSets = new ClassSets()
  /** The registered signals by role, each with its place in the registration. */
  readonly #names: string[]
  readonly #texts: { signal: TextSignal; index: number }[] = []
  readonly #lifts: { signal: LiftSignal; index: number }[] = []

  // documents
  #nDocs = 0
  #dead = 0
  #pub: (string | undefined)[] = []
  #byPub = new Map<string, number>()
  #alive = new Uint8Array(1024)
  #offerable = new Uint8Array(1024)
  #modes = new Uint8Array(1024)

  // per-query scratch: an accumulator per text signal, zeros for a missing second, the lifts
  #acc: Float64Array[] = []
  #zeros = new Float64Array(0)
  #soFar = new Float64Array(0)
  #rest = new Float64Array(0)
  readonly #liftTable: LiftTable

  constructor(analyzer: Analyzer, options: MatchIndexOptions = {}) {
    this.#analyzer = analyzer
    this.#k1 = options.k1 ?? 1.2
    this.#neighbours = options.neighbours ?? 30
    this.#sharpness = options.voteSharpness ?? 2
    this.#calibration = options.calibration === undefined ? FITTED_CALIBRATION : options.calibration
    this.#textHalf = options.textHalf ?? 0.05
    this.#subwordWeight = options.subwordWeight ?? 0.1
    this.#titleWeight = options.titleWeight ?? 1.5
    this.snapshotFingerprint = `matcher/${SNAPSHOT_LAYOUT} ${JSON.stringify(options)}`
    this.#postingsOptions = {
      k1: this.#k1,
      fields: Object.fromEntries(
        FIELDS.map((f) => [f, { weight: options.fields?.[f]?.weight ?? DEFAULT_FIELDS[f].weight, b: options.fields?.[f]?.b ?? DEFAULT_FIELDS[f].b }]),
      ) as Record<(typeof FIELDS)[number], FieldParams>,
      impactMinDf: options.impactMinDf ?? 1000,
      // 4 bytes per doc and term: 640 terms at 100k patents, 64 at 1M
      denseBudgetBytes: options.denseBudgetBytes ?? 256 * 2 ** 20,
    }
    this.#postings = new Postings(this.#postingsOptions)
    const signals = SIGNALS.map((create) => create(options))
    this.#names = signals.map((s) => s.name)
    signals.forEach((signal, index) => {
      if (signal.role === 'text') this.#texts.push({ signal, index })
      else this.#lifts.push({ signal, index })
    })
    this.#acc = this.#texts.map(() => new Float64Array(1024))
    this.#liftTable = new LiftTable(this.#lifts.length)
  }

  /** Number of patents in the index (offerable or not). */
  get size(): number {
    return this.#postings.live
  }

  has(publicationNumber: string): boolean {
    return this.#byPub.has(publicationNumber)
  }

  /**
   * The whole state: documents, postings, forward index, field lengths, class sets. Arrays are
   * views of the index's memory where they can be (the postings are gathered into one array):
   * the caller keeps the index unchanged until it has written them.
   */
  exportState(): SnapshotState {
    const n = this.#nDocs
    const postings = this.#postings.exportState()
    const classes = this.#classSets.exportState(n)
    return {
      meta: { docs: n, dead: this.#dead, ...postings.meta, ...classes.meta },
      arrays: {
        'docs.alive': this.#alive.subarray(0, n),
        'docs.offerable': this.#offerable.subarray(0, n),
        'docs.modes': this.#modes.subarray(0, n),
        ...postings.arrays,
        ...classes.arrays,
      },
      // removed docs (tombstones until the next compaction) have no publication number
      strings: { 'docs.pub': Array.from(this.#pub, (p) => p ?? ''), ...postings.strings, ...classes.strings },
    }
  }

  /** Replaces the whole state by an exported one; throws on anything inconsistent, leaving the index as it was. */
  importState(state: SnapshotState): void {
    const r = new StateReader(state, this.snapshotKind)
    const n = r.count('docs')
    const dead = r.count('dead')
    if (r.count('postings.docs') !== n) r.fail('the postings hold another number of documents')
    const alive = r.array('docs.alive', Uint8Array, n)
    const offerable = r.array('docs.offerable', Uint8Array, n)
    const modes = r.array('docs.modes', Uint8Array, n)
    const pubs = r.strings('docs.pub', n)
    const postings = Postings.fromState(this.#postingsOptions, r)
    const classSets = ClassSets.fromState(r, n)
    const pub: (string | undefined)[] = new Array<string | undefined>(n)
    const byPub = new Map<string, number>()
    for (let d = 0; d < n; d++) {
      if (alive[d] === 1 && pubs[d] !== '') {
        pub[d] = pubs[d]
        byPub.set(pubs[d]!, d)
      } else if (alive[d] !== 0 || pubs[d] !== '') r.fail(`doc ${d} is neither live with a publication number nor removed`)
    }
    if (byPub.size !== n - dead || postings.live !== n - dead) r.fail(`${byPub.size} distinct live documents, ${postings.live} in the postings, ${n - dead} expected`)
    this.#postings = postings
    this.#classSets = classSets
    this.#nDocs = n
    this.#dead = dead
    this.#pub = pub
    this.#byPub = byPub
    this.#alive = alive
    this.#offerable = offerable
    this.#modes = modes
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
    this.#postings.add(d, terms)
    this.#classSets.add(d, p.ipc)
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
    this.#dead++
    this.#postings.tombstone(d)
  }

  #ensureDocCapacity(n: number): void {
    if (this.#alive.length >= n) return
    this.#alive = grow(this.#alive, n)
    this.#offerable = grow(this.#offerable, n)
    this.#modes = grow(this.#modes, n)
    this.#postings.ensureDocs(n)
    this.#classSets.ensureDocs(n)
  }

  /** Drops tombstones once they are a quarter of the ids: renumbers docs, filters postings. */
  #maybeCompact(): void {
    if (this.#dead < 1024 || this.#dead * 4 < this.#nDocs) return
    const n = this.#nDocs
    const remap = new Int32Array(n).fill(-1)
    let next = 0
    for (let d = 0; d < n; d++) if (this.#alive[d]) remap[d] = next++
    this.#postings.compact(remap, next)
    this.#classSets.compact(remap, n)
    for (let d = 0; d < n; d++) {
      const nd = remap[d]!
      if (nd < 0) continue
      this.#pub[nd] = this.#pub[d]
      this.#byPub.set(this.#pub[nd]!, nd)
      this.#alive[nd] = 1
      this.#offerable[nd] = this.#offerable[d]!
      this.#modes[nd] = this.#modes[d]!
    }
    this.#pub.length = next
    this.#alive.fill(0, next)
    this.#nDocs = next
    this.#dead = 0
  }

  /**
   * Best patents for a need, best first by evidence (the ranking score); ties broken by
   * publication number. Each result's `score` is the calibrated probability of relevance, which
   * also reads the title coverage, so it need not fall down the list: the order is the evidence's.
   *
   * Never returns a patent that is not offerable (withdrawn, lapsed, expired, invalidated), nor,
   * when the need names transfer modes, a patent that lists modes of which none is acceptable.
   * A patent that lists no transfer modes is treated as open to any mode.
   */
  match(need: NeedQuery, options: MatchOptions = {}): MatchResult[] {
    const limit = options.limit ?? 100
    const n = this.#nDocs
    if (n === 0 || limit <= 0) return []
    const postings = this.#postings
    const { terms, titleW, titleTotal, needTotal } = this.#readNeed(need)
    const ctx: MatchContext = {
      need,
      terms,
      postings,
      classSets: this.#classSets,
      n,
      N: Math.max(postings.live, 1),
      alive: this.#alive,
      pub: this.#pub,
    }
    const matches: SignalMatch[] = []
    const lifts = this.#liftTable
    try {
      // --- text signals, in order, each into its accumulator
      const accs = this.#acc.map((a) => grow(a, n))
      this.#acc = accs
      for (const acc of accs) acc.fill(0, 0, n)
      this.#texts.forEach(({ signal, index }, i) => {
        matches[index] = signal.start({ ...ctx, textSoFar: () => this.#sum(accs, i, n) }, accs[i]!)
      })
      const [a, b] = this.#textPair(accs, n)

      // --- lifts, once per class set that one touches; the uncoded patents' set at the neighbours' level
      const nSets = this.#classSets.nSets
      const values = lifts.open(nSets)
      let neighbours: Neighbours = { docs: [], weights: [] }
      if (this.#lifts.length > 0) {
        neighbours = nearestNeighbours(this.#neighbours, this.#sharpness, this.#pub, this.#alive, n, a, b)
        const liftCtx = { ...ctx, neighbours }
        this.#lifts.forEach(({ signal, index }, i) => {
          const m = signal.start(liftCtx, values[i]!)
          matches[index] = m
          lifts.add(values[i]!, m.touched)
        })
      }
      const uncoded = this.#classSets.uncoded
      lifts.neutralForUncoded(uncoded, neighbours, this.#classSets.docSet)
      const bound = lifts.bound
      const scorer = new Scorer(
        a,
        b,
        terms.upper > 0 ? 1 / terms.upper : 0,
        this.#textHalf,
        this.#classSets.docSet,
        values,
        lifts.none,
        accs,
        this.#texts.map((t) => t.index),
        this.#lifts.map((l) => l.index),
        uncoded,
      )

      let wantModes = 0
      for (const m of need.transferModes ?? []) wantModes |= MODE_BIT[m] ?? 0
      const eligibility: Eligibility = { alive: this.#alive, offerable: this.#offerable, modes: this.#modes, wantModes }

      // --- the best by evidence, in its order; the calibrated probability is each one's score
      const top = new TopK(limit, this.#pub)
      if (options.only) {
        for (const pub of options.only) {
          const d = this.#byPub.get(pub)
          if (d === undefined || !this.#eligible(d, wantModes)) continue
          const s = scorer.score(d)
          if (s > 0) top.offer(d, s)
        }
      } else {
        rankAll(n, eligibility, scorer, bound, top)
      }

      // the need's best match over the whole inventory, which the calibration compares with
      let best = top.sorted()[0]?.score ?? 0
      if (options.only && this.#calibration !== null) {
        const first = new TopK(1, this.#pub)
        rankAll(n, eligibility, scorer, bound, first)
        best = first.sorted()[0]?.score ?? 0
      }

      /** Each signal's part of a result's score, by its place in the registration. */
      const parts = new Float64Array(this.#names.length)
      const calibration = this.#calibration
      return top.sorted().map(({ doc: d }) => {
        const raw = scorer.split(d, parts)
        const titleCoverage = coverage(postings, d, titleW, titleTotal)
        const fields: Partial<MatchExplanation> = {
          titleCoverage,
          coverage: coverage(postings, d, terms.weights, needTotal),
          signals: shares(this.#names, parts, raw),
        }
        for (const m of matches) m?.explain?.(d, fields)
        return {
          publicationNumber: this.#pub[d]!,
          score: calibration === null ? raw : calibrate({ score: raw, best, titleCoverage }, calibration),
          evidence: raw,
          explanation: ordered(fields),
        }
      })
    } finally {
      for (const m of matches) m?.end?.()
      lifts.reset()
    }
  }

  /**
   * The need's terms, in first-seen order, with their counts: a word counts 1, a shorter word
   * inside it (图像 in 图像识别) counts `subwordWeight`, so compounds are not counted thrice; their
   * query weights (idf included) and the need's upper bound; and the wholes of the coverages.
   */
  #readNeed(need: NeedQuery): { terms: NeedTerms; titleW: Map<number, number>; titleTotal: number; needTotal: number } {
    const postings = this.#postings
    const k1 = this.#k1
    const qtf = new Map<number, number>()
    /** The need's whole words as it wrote them, by term id: what a person reads as matched. */
    const surface = new Map<number, string>()
    /** The title's (and keywords') terms and their weight there. */
    const titleTerms = new Map<number, number>()
    // title words no patent has yet count in the coverage's whole at the highest idf, so a
    // patent's coverage does not rise as the inventory lacks the need's words
    let unknownTitle = 0
    let unknownNeed = 0
    const N0 = Math.max(postings.live, 1)
    for (const [term, q] of this.#analyzer.readNeed(need, { titleWeight: this.#titleWeight, subwordWeight: this.#subwordWeight })) {
      const t = postings.termId(term)
      if (t === undefined || postings.df(t) === 0) {
        const maxIdf = Math.log(1 + (N0 + 0.5) / 0.5)
        unknownTitle += q.titleWeight * maxIdf
        unknownNeed += q.weight * maxIdf
        continue
      }
      qtf.set(t, q.weight)
      if (q.surface !== undefined) surface.set(t, q.surface)
      if (q.titleWeight > 0) titleTerms.set(t, q.titleWeight)
    }
    const N = Math.max(postings.live, 1)
    let upper = 0
    const termWeight = new Map<number, number>()
    for (const [t, q] of qtf) {
      const w = postings.idf(t, N) * q
      termWeight.set(t, w)
      upper += w * (k1 + 1)
    }
    // coverage: the share of the need's (and its title's) weight, idf included, that a patent
    // has; words no patent has yet count in the whole at the highest idf
    const titleW = new Map<number, number>()
    let titleTotal = unknownTitle
    for (const [t, w] of titleTerms) {
      const tw = w * postings.idf(t, N)
      titleW.set(t, tw)
      titleTotal += tw
    }
    let needTotal = unknownNeed
    for (const w of termWeight.values()) needTotal += w
    return { terms: { counts: qtf, weights: termWeight, surface, upper }, titleW, titleTotal, needTotal }
  }

  /** The sum of the first `count` accumulators (the first itself when there is one; zeros for none). */
  #sum(accs: Float64Array[], count: number, n: number): Float64Array {
    if (count === 0) return this.#zerosFor(n)
    if (count === 1) return accs[0]!
    this.#soFar = sumInto(grow(this.#soFar, n), accs.slice(0, count), n)
    return this.#soFar
  }

  /**
   * The text evidence as a pair a[d] + b[d] for the passes: the first text signal's accumulator
   * and the second's (zeros when there is none; the sum of the others when there are more).
   */
  #textPair(accs: Float64Array[], n: number): [Float64Array, Float64Array] {
    if (accs.length === 0) return [this.#zerosFor(n), this.#zerosFor(n)]
    if (accs.length === 1) return [accs[0]!, this.#zerosFor(n)]
    if (accs.length === 2) return [accs[0]!, accs[1]!]
    this.#rest = sumInto(grow(this.#rest, n), accs.slice(1), n)
    return [accs[0]!, this.#rest]
  }

  #zerosFor(n: number): Float64Array {
    if (this.#zeros.length < n) this.#zeros = new Float64Array(Math.max(1024, n + (n >> 3)))
    return this.#zeros
  }

  #eligible(d: number, wantModes: number): boolean {
    if (!this.#alive[d] || !this.#offerable[d]) return false
    const m = this.#modes[d]!
    return wantModes === 0 || m === 0 || (m & wantModes) !== 0
  }
}

/** into[d] = Σ arrays[i][d] over the first n docs, added in order. */
function sumInto<T extends Float64Array>(into: T, arrays: Float64Array[], n: number): T {
  into.set(arrays[0]!.subarray(0, n))
  for (let i = 1; i < arrays.length; i++) {
    const a = arrays[i]!
    for (let d = 0; d < n; d++) into[d] = into[d]! + a[d]!
  }
  return into
}
