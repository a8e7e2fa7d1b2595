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
 *
 * A match also *keeps* each signal's part for a prepared need (`keep`): what the signal derived
 * from the need that does not depend on which patents are scored (the related terms, the
 * inferred classes, the named codes), from which it scores a given set of patents alone
 * (`rescore`), reading the index as it is then.
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
  start(ctx: TextContext, acc: Float64Array): TextMatch
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
  /** What a prepared need keeps of this part of the match. */
  keep(): KeptLift
}

export interface TextMatch extends SignalMatch {
  /** What a prepared need keeps of this part of the match. */
  keep(): KeptText
}

/** A text signal's part of a prepared need. */
export interface KeptText {
  /**
   * Adds the evidence of each scored doc into `acc[i]` (zero, an entry per `ctx.docs[i]`);
   * `soFar[i]` is that of the text signals before this one. Undefined when what was kept no
   * longer holds for these docs (one of them would now change it): the need is prepared again;
   * with `ctx.moved`, only when a kept document changed or went (the rest follows the docs).
   */
  rescore(ctx: RescoreContext, acc: Float64Array, soFar: Float64Array): SignalMatch | undefined
  /**
   * Documents whose evidence now tells whether what was kept still holds (those kept, and the
   * next best then), and the terms that evidence may read beyond the need's: scored with the
   * others at each rescoring.
   */
  readonly watch?: { readonly docs: readonly number[]; readonly terms: readonly number[] }
  /**
   * What this part can add to a doc's evidence at most, and what would move it: each term it
   * may add with its largest query weight now (a doc's evidence from term t is at most that ×
   * (k1 + 1) × its saturation there), and the text evidence of the signals before it at which a
   * doc would change what was kept (Infinity: none would; 0: any doc with evidence). Reverse
   * matching passes over the docs that reach neither (`MatchIndex.rescore`, tolerant).
   */
  reach(ctx: MatchContext): { readonly terms: ReadonlyMap<number, number>; readonly floor: number }
}

/** A lift signal's part of a prepared need. */
export interface KeptLift {
  /** Writes each scored doc's lift into `lift[i]` (zero, an entry per `ctx.docs[i]`), by its class set as it is now. */
  rescore(ctx: MatchContext & { readonly docs: Int32Array }, lift: Float64Array): SignalMatch
  /** The largest lift it gives any class set, one seen since included. */
  readonly most: number
  /** The classes whose holders alone it lifts (a set holding none gets 0); undefined: it may lift any set up to `most`. */
  readonly classes?: readonly number[]
  /** The part a match would keep with the neighbours of `ctx`; absent when the part does not read the neighbours. */
  follow?(ctx: LiftContext): KeptLift
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

/** What a prepared need's signals read when scoring a given set of docs. */
export interface RescoreContext extends MatchContext {
  /** The docs scored, in ascending id order: entry i of every array is `docs[i]`'s. */
  readonly docs: Int32Array
  /** Adds w × (k1 + 1) × BM25F saturation of each term t (weight w) of each scored doc into `acc[i]`, term after term. */
  accumulate(terms: Map<number, number>, acc: Float64Array): void
  /**
   * Set when scoring is tolerant (`MatchIndex.rescore`): a signal whose kept part these docs
   * would change (one would join its kept documents, its terms moved) takes the change, calls
   * this, and scores on, instead of saying it no longer holds; the match then scores the
   * watched and the scored docs again with what it took. A kept document changed or gone still
   * does not hold.
   */
  readonly moved?: () => void
}

export interface LiftContext extends MatchContext {
  /** The need's nearest patents by text evidence, best first, with their vote weights. */
  readonly neighbours: Neighbours
}
