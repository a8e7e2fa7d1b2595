/**
 * A signal: one kind of evidence that a patent answers a need, in one of two roles.
 *
 * - A *text* signal adds BM25F evidence into an accumulator by doc id. The text signals' sum,
 *   over the need's upper bound and saturated, is the text evidence `textAll` (below 1: that is
 *   its bound in the ranking pass). A patent with no text evidence scores 0.
 * - A *lift* multiplies the text evidence: its value is per class set (patents with the same
 *   codes get the same lift), and the score is textAll × (1 + Σ lifts). A set's lift is exact,
 *   so it is also the bound the ranking pass prunes with (a doc whose set's 1 + Σ lifts is below
 *   the k-th score is passed over). Patents without codes get the coded neighbours' level of
 *   every lift (`scorer.ts`), not a lift of their own.
 *
 * Each signal is registered once (`index.ts`), in the order in which it is computed, summed and
 * listed in `explanation.signals`; its per-match object may add the explanation fields it owns.
 */
import type { ClassSets } from '../class-sets.js'
import type { Neighbours } from '../neighbours.js'
import type { Postings } from '../postings.js'
import type { MatchExplanation, NeedQuery } from '../types.js'

export type Signal = TextSignal | LiftSignal

export interface TextSignal {
  /** Its key in `explanation.signals`. */
  readonly name: string
  readonly role: 'text'
  /** Adds the need's evidence of each doc into `acc` (zero, an entry per doc id). */
  start(ctx: TextContext, acc: Float64Array): SignalMatch
}

export interface LiftSignal {
  /** Its key in `explanation.signals`. */
  readonly name: string
  readonly role: 'lift'
  /**
   * Writes the need's lift of each class set into `lift` (zero, an entry per set) and returns
   * the sets it wrote (the others keep 0). The caller resets `lift` after the match.
   */
  start(ctx: LiftContext, lift: Float64Array): LiftMatch
}

/** A signal's part in one match. */
export interface SignalMatch {
  /** Adds the explanation fields the signal owns, for doc d. */
  explain?(d: number, into: Partial<MatchExplanation>): void
  /** Resets the signal's scratch after the match. */
  end?(): void
}

export interface LiftMatch extends SignalMatch {
  /** The class sets given a lift. */
  readonly touched: readonly number[]
}

/** The need's terms, by term id (terms no live patent has are left out). */
export interface NeedTerms {
  /** The need's count of each term before idf (`Analyzer.readNeed`: titles, sub-words, boilerplate). */
  readonly counts: Map<number, number>
  /** Query weight: idf × count. */
  readonly weights: Map<number, number>
  /** The whole words as the need wrote them: what a person reads as matched. */
  readonly surface: Map<number, string>
  /** The need's attainable BM25F maximum, Σ weight × (k1 + 1): the text evidence is over it. */
  readonly upper: number
}

/** What a signal reads for one match. */
export interface MatchContext {
  readonly need: NeedQuery
  readonly terms: NeedTerms
  readonly postings: Postings
  readonly classSets: ClassSets
  /** Doc ids in use, 0 … n − 1; live ones are marked in `alive`. */
  readonly n: number
  /** Live patents, at least 1: the N of idf. */
  readonly N: number
  readonly alive: Uint8Array
  /** Publication numbers by doc id: the tie-break of every top-k. */
  readonly pub: readonly (string | undefined)[]
}

export interface TextContext extends MatchContext {
  /** The evidence of the text signals registered before this one, by doc id (their sum). */
  textSoFar(): Float64Array
}

export interface LiftContext extends MatchContext {
  /** The need's nearest patents by text evidence, best first, with their vote weights. */
  readonly neighbours: Neighbours
}
