/**
 * The one formula, and the passes that apply it.
 *
 * A query's score of a doc is its text evidence, lifted by its classification evidence in
 * proportion: textAll × (1 + Σ lifts), where textAll = x / (x + half) for x = (the text signals'
 * sum) / the need's upper bound, and the lifts are the (boosted) lift signals of its class set,
 * added in registration order. No text, no score. The one formula for the full match, `only`
 * and the explanations; the signals' parts sum to the score.
 */
import { grow } from './buffers.js'
import type { Neighbours } from './neighbours.js'
import type { TopK } from './top-k.js'

export class Scorer {
  /**
   * @param a, b the text evidence of doc d is a[d] + b[d] (the first text signal, and the others)
   * @param texts each text signal's accumulator, for the split of the text part
   * @param lifts each lift signal's values by class set
   * @param noLift zeros, an entry per class set
   * @param textIndex, liftIndex each signal's place in the registration (its part in `split`)
   * @param uncodedSet the class set of patents without codes: their lift is the neighbours'
   *   level, not class evidence of their own, so their whole score is owed to their text
   */
  constructor(
    readonly a: Float64Array,
    readonly b: Float64Array,
    readonly invUpper: number,
    readonly half: number,
    readonly docSet: Int32Array,
    readonly lifts: readonly Float64Array[],
    noLift: Float64Array,
    readonly texts: readonly Float64Array[],
    readonly textIndex: readonly number[],
    readonly liftIndex: readonly number[],
    readonly uncodedSet: number,
  ) {
    // the hot path reads the first two lifts from fields (zeros for a missing one: adding
    // textAll × 0 changes nothing), and loops only over any further ones
    this.#l0 = lifts[0] ?? noLift
    this.#l1 = lifts[1] ?? noLift
    this.#more = lifts.slice(2)
  }
  readonly #l0: Float64Array
  readonly #l1: Float64Array
  readonly #more: readonly Float64Array[]

  /** The score of doc d. */
  score(d: number): number {
    const x = (this.a[d]! + this.b[d]!) * this.invUpper
    const textAll = x / (x + this.half)
    const set = this.docSet[d]!
    let score = textAll + textAll * this.#l0[set]! + textAll * this.#l1[set]!
    const more = this.#more
    for (let i = 0; i < more.length; i++) score += textAll * more[i]![set]!
    return score
  }

  /**
   * The score of doc d (the same as `score`), and each signal's part of it into `parts` by its
   * place in the registration: the text part split between the text signals by their evidence,
   * the lifts by theirs; a patent without codes owes its whole score to its text.
   */
  split(d: number, parts: Float64Array): number {
    const sum = this.a[d]! + this.b[d]!
    const x = sum * this.invUpper
    const textAll = x / (x + this.half)
    const set = this.docSet[d]!
    const lifts = this.lifts
    let score = textAll
    for (let i = 0; i < lifts.length; i++) {
      const part = textAll * lifts[i]![set]!
      score += part
      parts[this.liftIndex[i]!] = set === this.uncodedSet ? 0 : part
    }
    const text = set === this.uncodedSet ? score : textAll
    const texts = this.texts
    let rest = text
    for (let i = 0; i < texts.length - 1; i++) {
      const part = sum > 0 ? (text * texts[i]![d]!) / sum : 0
      parts[this.textIndex[i]!] = part
      rest -= part
    }
    if (texts.length > 0) parts[this.textIndex[texts.length - 1]!] = rest
    return score
  }
}

/** Doc flags the ranking reads: live, offerable, transfer modes. */
export interface Eligibility {
  readonly alive: Uint8Array
  readonly offerable: Uint8Array
  readonly modes: Uint8Array
  /** The need's acceptable modes as bits; 0: any. */
  readonly wantModes: number
}

/**
 * Offers every eligible doc with text evidence, in id order (sequential memory). A doc with no
 * text evidence scores 0 whatever its classes, so it is passed over after one comparison; so is
 * one whose text and class evidence together cannot reach the k-th score (`bound`: the sum of
 * its set's lifts). Same test and same score as the `only` path and `Scorer.score`.
 */
export function rankAll(n: number, e: Eligibility, scorer: Scorer, bound: Float64Array, top: TopK): void {
  const { alive, offerable, modes, wantModes } = e
  const a = scorer.a
  const b = scorer.b
  const docSet = scorer.docSet
  let floor = top.floor
  for (let d = 0; d < n; d++) {
    if (a[d]! + b[d]! === 0) continue
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
 * The lifts of one match by class set: an array per lift signal (zero except for the sets a
 * signal touched), and their sum per set, the pruning bound. Kept across matches and reset after
 * each, as the signals write only the sets that hold an inferred or a named class.
 */
export class LiftTable {
  #values: Float64Array[]
  /** Zeros by class set: the lift of a signal not registered. */
  #none = new Float64Array(256)
  #bound = new Float64Array(256)
  #mark = new Uint8Array(256)
  readonly #touched: number[] = []

  constructor(lifts: number) {
    this.#values = Array.from({ length: lifts }, () => new Float64Array(256))
  }

  /** The lift arrays, with room for `nSets` sets, all zero. */
  open(nSets: number): readonly Float64Array[] {
    this.#values = this.#values.map((v) => grow(v, nSets))
    this.#none = grow(this.#none, nSets)
    this.#bound = grow(this.#bound, nSets)
    this.#mark = grow(this.#mark, nSets)
    return this.#values
  }

  /** Zeros, an entry per class set (as many as `open` was given). */
  get none(): Float64Array {
    return this.#none
  }

  /**
   * Takes a lift's sets into the bound: bound[k] is the sum of the lifts of set k, added in
   * registration order (the order of the calls).
   */
  add(values: Float64Array, touched: readonly number[]): void {
    const mark = this.#mark
    const bound = this.#bound
    const union = this.#touched
    for (let i = 0; i < touched.length; i++) {
      const k = touched[i]!
      if (mark[k] === 0) {
        mark[k] = 1
        union.push(k)
        bound[k] = values[k]!
      } else {
        bound[k] = bound[k]! + values[k]!
      }
    }
  }

  /**
   * A patent without codes competes on its text alone, neither lifted nor held back by classes:
   * the class set of uncoded patents gets each lift at the level that the coded patents among
   * the need's nearest neighbours have on average (weighted as they vote), so reordering by
   * classes happens among the coded patents around that level.
   */
  neutralForUncoded(uncoded: number, neighbours: Neighbours, docSet: Int32Array): void {
    if (uncoded < 0 || this.#values.length === 0) return
    const levels = uncodedLevels(this.#values, uncoded, neighbours, docSet)
    if (levels === undefined) return
    let bound = 0
    this.#values.forEach((values, i) => {
      values[uncoded] = levels[i]!
      bound += values[uncoded]!
    })
    if (this.#mark[uncoded] === 0) {
      this.#mark[uncoded] = 1
      this.#touched.push(uncoded)
    }
    this.#bound[uncoded] = bound
  }

  /** The sum of the lifts of each set: the bound of the ranking pass. */
  get bound(): Float64Array {
    return this.#bound
  }

  /** Back to zero after the match. */
  reset(): void {
    const union = this.#touched
    const bound = this.#bound
    const mark = this.#mark
    for (const values of this.#values) for (let i = 0; i < union.length; i++) values[union[i]!] = 0
    for (let i = 0; i < union.length; i++) {
      const k = union[i]!
      bound[k] = 0
      mark[k] = 0
    }
    union.length = 0
  }
}

/**
 * Each lift's level for the patents without codes (`LiftTable.neutralForUncoded`): the lifts of
 * the coded neighbours' sets, averaged as they vote; undefined when no neighbour has codes.
 */
export function uncodedLevels(lifts: readonly Float64Array[], uncoded: number, neighbours: Neighbours, docSet: Int32Array): number[] | undefined {
  return votedLevels(
    lifts.map((values) => neighbours.docs.map((d) => values[docSet[d]!]!)),
    uncoded,
    neighbours,
    docSet,
  )
}

/** `uncodedLevels` from each lift's value of each neighbour (entry i: `neighbours.docs[i]`'s). */
export function votedLevels(ofNeighbours: readonly ArrayLike<number>[], uncoded: number, neighbours: Neighbours, docSet: Int32Array): number[] | undefined {
  let w = 0
  for (let i = 0; i < neighbours.docs.length; i++) if (docSet[neighbours.docs[i]!] !== uncoded) w += neighbours.weights[i]!
  if (w === 0) return undefined
  return ofNeighbours.map((values) => {
    let sum = 0
    for (let i = 0; i < neighbours.docs.length; i++) {
      if (docSet[neighbours.docs[i]!] === uncoded) continue
      sum += neighbours.weights[i]! * values[i]!
    }
    return sum / w
  })
}
