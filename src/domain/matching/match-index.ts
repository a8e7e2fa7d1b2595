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
import { TermBatch } from '../text/term-batch.js'
import { TermDictionary } from '../text/term-dictionary.js'
import { ShardedMap } from '../sharded-map.js'
import { grow } from './buffers.js'
import { calibrate, FITTED_CALIBRATION, type Calibration } from './calibration.js'
import { ClassSets } from './class-sets.js'
import { coverage, ordered, shares } from './explain.js'
import { nearestNeighbours, type Neighbours } from './neighbours.js'
import { Postings, type FieldParams, type PostingsOptions } from './postings.js'
import type { PreparedNeed, Rescored } from './prepared.js'
import { LiftTable, rankAll, Scorer, uncodedLevels, votedLevels, type Eligibility } from './scorer.js'
import { ScoringSet } from './scoring-set.js'
import {
  SIGNALS,
  type KeptLift,
  type KeptText,
  type LiftSignal,
  type MatchContext,
  type NeedTerms,
  type RescoreContext,
  type SignalMatch,
  type SignalOptions,
  type TextSignal,
} from './signals/index.js'
import type { NeedTerm } from '../text/need-language.js'
import { bestDocs, indexOf, TopK } from './top-k.js'
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
  /** Ints in a page of the forward index (`IntPages`). Default 2^20 (4 MiB); scores are the same at any size. */
  forwardPageInts?: number
  /**
   * The process's terms, shared with its other indexes (`term-dictionary.ts`); a dictionary of
   * the index's own by default. Not part of the snapshot fingerprint: ids are the index's own.
   */
  dictionary?: TermDictionary
  /**
   * A prepared need (`prepare`) no longer holds once more documents than this share of those it
   * was prepared with have been added or removed since. Default 0.05.
   */
  preparedDrift?: number
  /**
   * A tolerant `rescore` scores within the stated tolerance of a full match until more documents
   * than this share of those a need was prepared with have been added or removed since; past it,
   * it says the need is stale. Default 1 (the collection doubled).
   */
  toleratedDrift?: number
  /**
   * `rescore` scores the current matches (`also`) again, so that their evidence and the need's
   * best follow the statistics, once more documents than this share of the collection have been
   * added or removed since they last were. Default 0.01.
   */
  preparedRefresh?: number
  /**
   * The same for a tolerant `rescore`, whose stated tolerance is on the top five and the top
   * twenty's scores (README, Matching) rather than on every match's evidence. Default 0.05.
   */
  toleratedRefresh?: number
}

const DEFAULT_FIELDS: Record<(typeof FIELDS)[number], FieldParams> = {
  title: { weight: 2, b: 0.5 },
  abstract: { weight: 1, b: 0.75 },
  keywords: { weight: 1, b: 0.3 },
  claims: { weight: 0.5, b: 0.75 },
}

/** The docs next after the neighbours that a prepared need watches. */
const RUNNERS = 10

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
  /** What `reaches` found for a prepared need, until it is rescored. */
  readonly #reached = new WeakMap<PreparedNeed, { set: ScoringSet; version: number; above: number; places: number[] | undefined }>()
  /** Scratch of `#reaching`, zero between calls. */
  #reachSum = new Float64Array(0)
  readonly #subwordWeight: number
  readonly #titleWeight: number
  readonly #preparedDrift: number
  readonly #toleratedDrift: number
  readonly #preparedRefresh: number
  readonly #toleratedRefresh: number

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
  #byPub = new ShardedMap<number>()
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
    this.#preparedDrift = options.preparedDrift ?? 0.05
    this.#toleratedDrift = options.toleratedDrift ?? 1
    this.#preparedRefresh = options.preparedRefresh ?? 0.01
    this.#toleratedRefresh = options.toleratedRefresh ?? 0.05
    const { dictionary, ...scoring } = options
    this.snapshotFingerprint = `matcher/${SNAPSHOT_LAYOUT} ${JSON.stringify(scoring)}`
    this.#postingsOptions = {
      k1: this.#k1,
      fields: Object.fromEntries(
        FIELDS.map((f) => [f, { weight: options.fields?.[f]?.weight ?? DEFAULT_FIELDS[f].weight, b: options.fields?.[f]?.b ?? DEFAULT_FIELDS[f].b }]),
      ) as Record<(typeof FIELDS)[number], FieldParams>,
      impactMinDf: options.impactMinDf ?? 1000,
      // 4 bytes per doc and term: 640 terms at 100k patents, 64 at 1M
      denseBudgetBytes: options.denseBudgetBytes ?? 256 * 2 ** 20,
      forwardPageInts: options.forwardPageInts ?? 2 ** 20,
      dictionary: dictionary ?? new TermDictionary(),
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
    const byPub = new ShardedMap<number>()
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

  /** Adds a patent, replacing the one with the same publication number (analysed here when its terms are not given). */
  upsert(p: MatchablePatent, analyzed?: AnalyzedPatent): void {
    this.upsertFrom(p, TermBatch.of([analyzed ?? this.analyzePatent(p)]), 0)
  }

  /** Adds a patent as `upsert` does, its terms patent `i` of `batch` (analysed here when the batch lacks them). */
  upsertFrom(p: MatchablePatent, batch: TermBatch, i: number): void {
    if (!batch.has(i)) return this.upsert(p)
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
    this.#postings.add(d, batch, i)
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
    return this.#match(need, options)
  }

  /**
   * `match` (`limit` results, default 1; `only` as there) that also prepares the need for
   * `rescore` (`prepared.ts` says what is kept): one match's cost.
   */
  prepare(need: NeedQuery, options: MatchOptions = {}): { prepared: PreparedNeed; results: MatchResult[] } {
    let prepared: PreparedNeed | undefined
    const results = this.#match(need, { ...options, limit: options.limit ?? 1 }, (p) => (prepared = p))
    return { prepared: prepared!, results }
  }

  /** The patents of `publicationNumbers` as a set to rescore prepared needs against. */
  scoringSet(publicationNumbers: Iterable<string>): ScoringSet {
    const set = new ScoringSet(publicationNumbers)
    set.refresh(this.#postings, (pub) => this.#byPub.get(pub))
    return set
  }

  /**
   * `match(need, { only })` for the patents of `set`, from a prepared need: reads the set's
   * postings of the need's terms, the kept related terms and classes, and the few documents the
   * prepared need watches, nothing else of the index. Text evidence is exact (idf and lengths
   * read now). When scored patents join the need's neighbours (or drift moves one in), the
   * neighbours and the lifts they vote for are derived again from them, the prepared need takes
   * them, and the patents of `also` (the current matches) are scored with the set: `all` says
   * so. Undefined when the prepared need no longer holds (`prepared.ts`): prepare it again.
   * With `tolerant` (a set of any size), undefined only when a document it kept changed or went:
   * only the patents of the set that can change what the need holds are scored (`#reaching`;
   * none: nothing changes, `all` false), the feedback documents follow the scored patents as the
   * neighbours do, the collection may move up to `toleratedDrift`, and what still cannot follow
   * is scored as kept and said (`stale`); the patents of `also` are scored with the set when the
   * neighbours, the need's words or its related terms moved, and every `toleratedRefresh`.
   */
  rescore(
    prepared: PreparedNeed,
    set: ScoringSet,
    options: { limit?: number; also?: Iterable<string>; above?: number; tolerant?: boolean } = {},
  ): Rescored | undefined {
    const limit = options.limit ?? 100
    const postings = this.#postings
    set.refresh(postings, (pub) => this.#byPub.get(pub))
    // what `reaches` found holds only until the need is rescored (which may move what it kept)
    const told = this.#reached.get(prepared)
    this.#reached.delete(prepared)
    // a set of any size: only the patents that can change what the need holds are scored (`#reaching`)
    const tolerant = options.tolerant === true
    /**
     * Tolerant: the need's words or its related terms moved, and so every match's text evidence
     * (a drift of the statistics alone is followed as `toleratedRefresh` says); stale: beyond the tolerance.
     */
    let textMoved = false
    let stale = false
    const moved = postings.statsVersion - prepared.statsVersion
    if (moved > this.#preparedDrift * Math.max(prepared.live, 1)) {
      if (!tolerant) return undefined
      if (moved > this.#toleratedDrift * Math.max(prepared.live, 1)) stale = true
    }
    const { neighbours: nb, best: kb } = prepared
    for (let i = 0; i < nb.docs.length; i++) if (this.#pub[nb.docs[i]!] !== nb.pubs[i]) return undefined
    if (kb !== undefined && this.#pub[kb.doc] !== kb.pub) return undefined
    const { terms, titleW, titleTotal, needTotal } = this.#readNeed(prepared.analysed)
    // a need word no patent had then adds evidence from nothing (and moves the upper bound of all)
    if (terms.weights.size !== prepared.idf.size || [...terms.weights.keys()].some((t) => !prepared.idf.has(t))) {
      if (!tolerant) return undefined
      // tolerant: the need's words as they are now (no related term can be one: none was in a patent)
      textMoved = true
      prepared.idf = new Map([...terms.weights.keys()].map((t) => [t, postings.idf(t, Math.max(postings.live, 1))]))
    }
    const k1p = postings.k1 + 1
    let feedbackMoved = false
    let read: Set<number> | undefined
    /** The terms the need's evidence reads now: its own and its kept parts'. */
    const reads = () => (read ??= new Set([...terms.weights.keys(), ...prepared.texts.flatMap((k) => k.watch?.terms ?? [])]))
    /** A set of docs (live ones), holding only the terms the need's evidence reads. */
    const small = (docs: Iterable<number>) => {
      const out = new ScoringSet(
        [...new Set(docs)].flatMap((d) => (this.#alive[d] ? [this.#pub[d]!] : [])),
        reads(),
        [prepared.read?.watched, prepared.read?.current],
      )
      out.refresh(postings, (pub) => this.#byPub.get(pub))
      return out
    }
    /** The places in `whole` of the patents scored (all of them: undefined). */
    let places: number[] | undefined
    const whole = set
    /** The patents scored, holding the terms the need's evidence reads now. */
    const scoredPart = () => {
      return places === undefined ? whole : whole.part(places, reads(), (d) => this.#pub[d]!)
    }
    if (tolerant && !stale) {
      // only the patents that can change what the need holds are scored; none: nothing changes
      const above = options.above ?? -Infinity
      const reaching = told !== undefined && told.set === set && told.version === postings.statsVersion && told.above === above ? told.places : this.#reaching(prepared, set, terms, above)
      if (reaching !== undefined) {
        if (reaching.length === 0) return { results: [], best: kb?.evidence ?? 0, all: false, stale: false }
        if (reaching.length < set.docs.length) places = reaching
      }
    }
    const contextOf = (scored: ScoringSet): RescoreContext => ({
      need: prepared.need,
      terms,
      postings,
      classSets: this.#classSets,
      n: this.#nDocs,
      N: Math.max(postings.live, 1),
      alive: this.#alive,
      pub: this.#pub,
      docs: scored.docs,
      accumulate: (t, acc) => scored.accumulate(t, k1p, acc),
      ...(tolerant ? { moved: () => void (feedbackMoved = true) } : {}),
    })
    // The watched docs (the neighbours and the next ones then, the feedback documents and the
    // next ones) scored now: a text signal's kept part holds when none outside has overtaken
    // what it kept; the neighbours are the best of them and of the scored docs. When a kept part
    // took scored docs in (tolerant), both are scored again with what it took, once.
    let ctx!: RescoreContext
    let watched!: ScoringSet
    let w!: TextEvidence
    let scored!: TextEvidence
    for (let round = 0; ; round++) {
      feedbackMoved = false
      watched = prepared.watched ??= small([...nb.docs, ...nb.runners, ...prepared.texts.flatMap((k) => k.watch?.docs ?? [])])
      watched.refresh(postings, (pub) => this.#byPub.get(pub))
      prepared.read = { ...prepared.read, watched }
      const evidence = this.#textEvidence(prepared, contextOf(watched))
      if (evidence === undefined) return undefined
      w = evidence
      set = scoredPart()
      ctx = contextOf(set)
      const evidenceOfSet = this.#textEvidence(prepared, ctx)
      if (evidenceOfSet === undefined) return undefined
      scored = evidenceOfSet
      if (!feedbackMoved) break
      textMoved = true
      prepared.watched = undefined
      read = undefined
      // moved again: scored as it now is
      if (round === 1) {
        stale = true
        break
      }
    }
    const docs = set.docs
    const hits: number[] = []
    for (let i = 0; i < docs.length; i++) if (scored.a[i]! + scored.b[i]! > 0) hits.push(i)
    const refresh = postings.statsVersion - prepared.scoredAt > (tolerant ? this.#toleratedRefresh : this.#preparedRefresh) * Math.max(postings.live, 1)
    const all =
      nb.floor < Infinity &&
      this.#moveNeighbours(prepared, contextOf(set), watched.docs, w, Int32Array.from(hits, (i) => docs[i]!), Float64Array.from(hits, (i) => scored.a[i]! + scored.b[i]!), refresh)
    let hitDocs = Int32Array.from(hits, (i) => docs[i]!)
    let hitAccs = scored.accs.map((acc) => Float64Array.from(hits, (i) => acc[i]!))
    // the current matches are scored as the new patents are when what they were scored with moved, so that they rank alike
    const withAlso = all || refresh || textMoved
    if (withAlso) {
      prepared.scoredAt = postings.statsVersion
      // every doc's lift moved, or the statistics enough: the current matches (and the best) are scored again too
      const again = small([...(options.also ?? [])].flatMap((pub) => this.#byPub.get(pub) ?? []).concat(kb === undefined ? [] : [kb.doc]).filter((d) => !set.has(d)))
      prepared.read = { ...prepared.read, current: again }
      const e = this.#textEvidence(prepared, contextOf(again))
      if (e === undefined) return undefined
      const more = Array.from(again.docs.keys()).filter((i) => e.a[i]! + e.b[i]! > 0)
      hitDocs = Int32Array.from([...hitDocs, ...more.map((i) => again.docs[i]!)])
      hitAccs = hitAccs.map((acc, j) => Float64Array.from([...acc, ...more.map((i) => e.accs[j]![i]!)]))
    }
    // the need's best over the inventory: the kept one (unless scored here) or a better scored one
    const keptBest = kb === undefined || hitDocs.includes(kb.doc) ? 0 : kb.evidence
    if (hitDocs.length === 0) return { results: [], best: keptBest, all: withAlso, stale }
    const out = this.#rescoreHits(prepared, ctx, hitDocs, hitAccs, scored.matches, limit, withAlso ? -Infinity : (options.above ?? -Infinity), keptBest, {
      terms,
      titleW,
      titleTotal,
      needTotal,
    })
    return { ...out, all: withAlso, stale }
  }

  /**
   * Whether a tolerant `rescore` of `set` would score any of its patents for a prepared need
   * (`above` as there): one that can reach the need's kept matches, neighbours or feedback
   * documents, or a need beyond the tolerated drift. False: rescoring it changes nothing.
   */
  reaches(prepared: PreparedNeed, set: ScoringSet, above = -Infinity): boolean {
    const postings = this.#postings
    set.refresh(postings, (pub) => this.#byPub.get(pub))
    if (postings.statsVersion - prepared.statsVersion > this.#toleratedDrift * Math.max(prepared.live, 1)) return true
    const places = this.#reaching(prepared, set, this.#readNeed(prepared.analysed).terms, above)
    // the rescoring that follows takes them rather than walking the set again
    this.#reached.set(prepared, { set, version: postings.statsVersion, above, places })
    return places?.length !== 0
  }

  /**
   * The places in `set` (ascending) of the patents that can change what a prepared need holds:
   * those whose text evidence moves a kept part (joins the neighbours or the feedback documents)
   * or whose evidence, lifted as their class sets are now, enters the kept matches (`above`).
   * The text evidence is a bound (a related term at its whole share), read in one walk over the
   * set's postings of the terms the text signals may add; the lifts are computed only for the
   * few whose evidence the largest lift would put in. Undefined when every patent with evidence
   * may (a list not full, nothing kept that a patent must reach).
   */
  #reaching(prepared: PreparedNeed, set: ScoringSet, terms: NeedTerms, above: number): number[] | undefined {
    if (!(above > 0 && terms.upper > 0)) return undefined
    const ctx: MatchContext = {
      need: prepared.need,
      terms,
      postings: this.#postings,
      classSets: this.#classSets,
      n: this.#nDocs,
      N: Math.max(this.#postings.live, 1),
      alive: this.#alive,
      pub: this.#pub,
    }
    let moves = prepared.neighbours.floor
    const weights = new Map<number, number>()
    for (const kept of prepared.texts) {
      const r = kept.reach(ctx)
      moves = Math.min(moves, r.floor)
      for (const [t, w] of r.terms) weights.set(t, (weights.get(t) ?? 0) + w)
    }
    if (!(moves > 0)) return undefined
    // rounding: the bound adds up in another order than scoring does
    const margin = 1 - 1e-9
    const m = set.docs.length
    const sum = (this.#reachSum = grow(this.#reachSum, m))
    set.accumulate(weights, this.#postings.k1 + 1, sum)
    const touched: number[] = []
    for (let i = 0; i < m; i++) if (sum[i]! > 0) touched.push(i)
    // score = textAll × (1 + lifts), textAll = x / (x + half), x = text evidence / upper
    const textAll = (e: number) => e / terms.upper / (e / terms.upper + this.#textHalf)
    const uncoded = prepared.uncodedLifts.reduce((s, l) => s + l, 0)
    const most = 1 + Math.max(prepared.lifts.reduce((s, l) => s + l.most, 0), uncoded)
    const out: number[] = []
    /** The places whose evidence the largest lift would put in, and their text factors. */
    const maybe: number[] = []
    const factor: number[] = []
    for (const i of touched) {
      const e = sum[i]!
      sum[i] = 0
      if (e >= moves * margin) {
        out.push(i)
        continue
      }
      const f = textAll(e)
      if (f * most < above * margin) continue
      maybe.push(i)
      factor.push(f)
    }
    if (maybe.length === 0) return out
    // the lifts of those as scoring gives them (patents without codes: the neighbours' level)
    const docs = Int32Array.from(maybe, (i) => set.docs[i]!)
    const lifted = new Float64Array(docs.length)
    const values = new Float64Array(docs.length)
    for (const kept of prepared.lifts) {
      values.fill(0)
      kept.rescore({ ...ctx, docs }, values)
      for (let k = 0; k < docs.length; k++) lifted[k] = lifted[k]! + values[k]!
    }
    const docSet = this.#classSets.docSet
    maybe.forEach((i, k) => {
      const lift = docSet[docs[k]!] === this.#classSets.uncoded ? uncoded : lifted[k]!
      if (factor[k]! * (1 + lift) >= above * margin) out.push(i)
    })
    return out.sort((x, y) => x - y)
  }

  /**
   * The need's neighbours now: the best by text evidence of the kept ones and the next ones
   * then (`watched`, evidence `w`) and of the scored docs with evidence (`docs`, `evidence`).
   * When they are no longer the kept ones (or, with `always`, in any case: their votes follow
   * their evidence), the prepared need takes them, and the lifts they vote for derived again
   * (the lift signals' parts and the uncoded patents' level); returns whether they moved.
   */
  #moveNeighbours(
    prepared: PreparedNeed,
    ctx: MatchContext,
    watched: Int32Array,
    w: { a: Float64Array; b: Float64Array },
    docs: Int32Array,
    evidence: Float64Array,
    always: boolean,
  ): boolean {
    const k = this.#neighbours
    const top = new TopK(k + RUNNERS, this.#pub)
    for (let i = 0; i < watched.length; i++) {
      const s = w.a[i]! + w.b[i]!
      if (s > 0) top.offer(watched[i]!, s)
    }
    for (let i = 0; i < docs.length; i++) if (indexOf(watched, docs[i]!) < 0) top.offer(docs[i]!, evidence[i]!)
    const ranked = top.sorted()
    const next = ranked.slice(0, k)
    const kept = prepared.neighbours.docs
    const same = next.length === kept.length && next.every((r) => kept.includes(r.doc))
    if (same && !always) return false
    const best = next[0]?.score ?? 0
    const neighbours: Neighbours = { docs: next.map((r) => r.doc), weights: next.map((r) => Math.pow(r.score / best, this.#sharpness)) }
    // each lift's part as a match with these neighbours would keep it, without a lift for every
    // class set (a part that does not read the neighbours stays); the uncoded patents' level from
    // the parts' lifts of the neighbours, as a match reads it from its table
    prepared.lifts = prepared.lifts.map((kept) => kept.follow?.({ ...ctx, neighbours }) ?? kept)
    const voters = Int32Array.from(neighbours.docs)
    const ofNeighbours = prepared.lifts.map((kept) => {
      const values = new Float64Array(voters.length)
      kept.rescore({ ...ctx, docs: voters }, values)
      return values
    })
    prepared.uncodedLifts = votedLevels(ofNeighbours, this.#classSets.uncoded, neighbours, this.#classSets.docSet) ?? ofNeighbours.map(() => 0)
    const last = next.at(-1)
    prepared.watched = undefined
    prepared.neighbours = {
      docs: neighbours.docs,
      pubs: neighbours.docs.map((d) => this.#pub[d]),
      floor: next.length === k ? last!.score : 0,
      runners: ranked.slice(k).map((r) => r.doc),
    }
    return !same
  }

  /** The kept text signals' evidence of the docs of `ctx`, each into its accumulator; a + b their sum; undefined when one no longer holds. */
  #textEvidence(prepared: PreparedNeed, ctx: RescoreContext): TextEvidence | undefined {
    const m = ctx.docs.length
    const matches: SignalMatch[] = []
    const accs = this.#texts.map(() => new Float64Array(m))
    for (let i = 0; i < accs.length; i++) {
      const soFar = i === 0 ? new Float64Array(m) : i === 1 ? accs[0]! : sumInto(new Float64Array(m), accs.slice(0, i), m)
      const r = prepared.texts[i]!.rescore(ctx, accs[i]!, soFar)
      if (r === undefined) return undefined
      matches[this.#texts[i]!.index] = r
    }
    const a = accs[0] ?? new Float64Array(m)
    const b = accs.length <= 1 ? new Float64Array(m) : accs.length === 2 ? accs[1]! : sumInto(new Float64Array(m), accs.slice(1), m)
    return { accs, matches, a, b }
  }

  /** `rescore` for the scored docs with text evidence (`docs`, their text signals' evidence in `accs`). */
  #rescoreHits(
    prepared: PreparedNeed,
    all: RescoreContext,
    docs: Int32Array,
    accs: Float64Array[],
    matches: SignalMatch[],
    limit: number,
    above: number,
    keptBest: number,
    read: { terms: NeedTerms; titleW: Map<number, number>; titleTotal: number; needTotal: number },
  ): Omit<Rescored, 'all' | 'stale'> {
    const { terms, titleW, titleTotal, needTotal } = read
    const need = prepared.need
    const kb = prepared.best
    const m = docs.length
    const ctx: RescoreContext = { ...all, docs }
    const a = accs[0] ?? new Float64Array(m)
    const b = accs.length <= 1 ? new Float64Array(m) : accs.length === 2 ? accs[1]! : sumInto(new Float64Array(m), accs.slice(1), m)
    // the lifts by doc: doc i's in entry i + 1, the uncoded patents' level in entry 0
    const uncoded = this.#classSets.uncoded
    const docSet = this.#classSets.docSet
    const localSet = new Int32Array(m)
    for (let i = 0; i < m; i++) localSet[i] = docSet[docs[i]!] === uncoded ? 0 : i + 1
    const values = this.#lifts.map((_, j) => {
      const v = new Float64Array(m + 1)
      v[0] = prepared.uncodedLifts[j]!
      return v
    })
    this.#lifts.forEach(({ index }, j) => void (matches[index] = prepared.lifts[j]!.rescore(ctx, values[j]!.subarray(1))))
    const scorer = new Scorer(
      a,
      b,
      terms.upper > 0 ? 1 / terms.upper : 0,
      this.#textHalf,
      localSet,
      values,
      new Float64Array(m + 1),
      accs,
      this.#texts.map((t) => t.index),
      this.#lifts.map((l) => l.index),
      0,
    )
    let wantModes = 0
    for (const mode of need.transferModes ?? []) wantModes |= MODE_BIT[mode] ?? 0
    const top = new TopK(limit, Array.from(docs, (d) => this.#pub[d]))
    // the need's best over the inventory: the kept one (read again when it is scored here) or a better scored one
    let best = keptBest
    let bestAt = -1
    for (let i = 0; i < m; i++) {
      if (!this.#eligible(docs[i]!, wantModes)) continue
      const s = scorer.score(i)
      if (s <= 0) continue
      if (s >= above) top.offer(i, s)
      if (s > best) [best, bestAt] = [s, i]
    }
    // the kept best scored here, or beaten: the best is the scored one
    if (bestAt >= 0 && best > keptBest) prepared.best = { doc: docs[bestAt]!, pub: this.#pub[docs[bestAt]!]!, evidence: best }
    const results = this.#results(top.sorted(), (i) => docs[i]!, scorer, matches, best, terms.weights, titleW, titleTotal, needTotal)
    return { results, best }
  }

  /** The calibrated score of a match with this evidence and title coverage, for a need whose best evidence is `best`. */
  calibrated(evidence: number, titleCoverage: number, best: number): number {
    return this.#calibration === null ? evidence : calibrate({ score: evidence, best, titleCoverage }, this.#calibration)
  }

  #match(need: NeedQuery, options: MatchOptions, keep?: (prepared: PreparedNeed) => void): MatchResult[] {
    const limit = options.limit ?? 100
    const n = this.#nDocs
    if ((n === 0 && keep === undefined) || limit <= 0) return []
    const postings = this.#postings
    const analysed = this.#analyse(need)
    const { terms, titleW, titleTotal, needTotal } = this.#readNeed(analysed)
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
    const kept: { texts: KeptText[]; lifts: KeptLift[] } = { texts: [], lifts: [] }
    const lifts = this.#liftTable
    try {
      // --- text signals, in order, each into its accumulator
      const accs = this.#acc.map((a) => grow(a, n))
      this.#acc = accs
      for (const acc of accs) acc.fill(0, 0, n)
      this.#texts.forEach(({ signal, index }, i) => {
        const m = signal.start({ ...ctx, textSoFar: () => this.#sum(accs, i, n) }, accs[i]!)
        matches[index] = m
        if (keep !== undefined) kept.texts.push(m.keep())
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
          if (keep !== undefined) kept.lifts.push(m.keep())
          lifts.add(values[i]!, m.touched)
        })
      }
      const uncoded = this.#classSets.uncoded
      const uncodedLifts = keep === undefined ? [] : (uncodedLevels(values, uncoded, neighbours, this.#classSets.docSet) ?? values.map(() => 0))
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
      let first = top.sorted()[0]
      if (options.only && (this.#calibration !== null || keep !== undefined)) {
        const best1 = new TopK(1, this.#pub)
        rankAll(n, eligibility, scorer, bound, best1)
        first = best1.sorted()[0]
      }
      const best = first?.score ?? 0

      if (keep !== undefined) {
        const last = neighbours.docs.length - 1
        const full = last + 1 === this.#neighbours && this.#lifts.length > 0
        keep({
          need,
          analysed,
          ...kept,
          uncodedLifts,
          neighbours: {
            docs: neighbours.docs,
            pubs: neighbours.docs.map((d) => this.#pub[d]),
            // a doc with this much text evidence would be a neighbour; with fewer than asked for, any
            floor: this.#lifts.length === 0 ? Infinity : full ? a[neighbours.docs[last]!]! + b[neighbours.docs[last]!]! : 0,
            runners: full ? bestDocs(this.#neighbours + RUNNERS, this.#pub, this.#alive, n, a, b).slice(this.#neighbours).map((r) => r.doc) : [],
          },
          idf: new Map([...terms.weights.keys()].map((t) => [t, postings.idf(t, ctx.N)])),

          best: first === undefined ? undefined : { doc: first.doc, pub: this.#pub[first.doc]!, evidence: first.score },
          statsVersion: postings.statsVersion,
          live: postings.live,
          scoredAt: postings.statsVersion,
        })
      }
      return this.#results(top.sorted(), (d) => d, scorer, matches, best, terms.weights, titleW, titleTotal, needTotal)
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
  #readNeed(analysed: ReadonlyMap<string, NeedTerm>): { terms: NeedTerms; titleW: Map<number, number>; titleTotal: number; needTotal: number } {
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
    for (const [term, q] of analysed) {
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

  /** The need's terms as the analyser reads them (jieba). */
  #analyse(need: NeedQuery): Map<string, NeedTerm> {
    return this.#analyzer.readNeed(need, { titleWeight: this.#titleWeight, subwordWeight: this.#subwordWeight })
  }

  /**
   * The results for the ranked docs (`sorted`, by the scorer's doc index; `docOf` gives its doc
   * id): each with its calibrated score, evidence and explanation.
   */
  #results(
    sorted: { doc: number }[],
    docOf: (i: number) => number,
    scorer: Scorer,
    matches: readonly (SignalMatch | undefined)[],
    best: number,
    weights: Map<number, number>,
    titleW: Map<number, number>,
    titleTotal: number,
    needTotal: number,
  ): MatchResult[] {
    const postings = this.#postings
    /** Each signal's part of a result's score, by its place in the registration. */
    const parts = new Float64Array(this.#names.length)
    const calibration = this.#calibration
    return sorted.map(({ doc: i }) => {
      const d = docOf(i)
      const raw = scorer.split(i, parts)
      const titleCoverage = coverage(postings, d, titleW, titleTotal)
      const fields: Partial<MatchExplanation> = {
        titleCoverage,
        coverage: coverage(postings, d, weights, needTotal),
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

/** The text signals' evidence of a set of docs: each signal's accumulator, their matches, a + b the sum. */
interface TextEvidence {
  accs: Float64Array[]
  matches: SignalMatch[]
  a: Float64Array
  b: Float64Array
}
