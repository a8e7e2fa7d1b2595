/** Keeps the best k (doc, score), ties by publication number ascending. */
export class TopK {
  readonly #k: number
  readonly #pub: readonly (string | undefined)[]
  readonly #docs: number[] = []
  readonly #scores: number[] = []
  constructor(k: number, pub: readonly (string | undefined)[]) {
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

/**
 * The best k docs by `score[d]` (plus `extra[d]` when given) among the live ones with a positive
 * score, in doc-id order with the k-th score checked first.
 */
export function bestDocs(k: number, pub: readonly (string | undefined)[], alive: Uint8Array, n: number, score: Float64Array, extra?: Float64Array): { doc: number; score: number }[] {
  const top = new TopK(k, pub)
  let floor = top.floor
  if (extra === undefined) {
    for (let d = 0; d < n; d++) {
      const s = score[d]!
      if (s > 0 && s >= floor && alive[d]) {
        top.offer(d, s)
        floor = top.floor
      }
    }
  } else {
    for (let d = 0; d < n; d++) {
      const s = score[d]! + extra[d]!
      if (s > 0 && s >= floor && alive[d]) {
        top.offer(d, s)
        floor = top.floor
      }
    }
  }
  return top.sorted()
}

/**
 * Whether a doc with this score would enter a best-k list (ties by publication number) whose
 * last entry has `floor` and `floorPub` (a floor of 0: the list is not full, any score enters).
 */
export function joins(score: number, pub: string, floor: number, floorPub: string | undefined): boolean {
  return score > floor || (score === floor && floorPub !== undefined && pub < floorPub)
}

/** The index of d in the ascending `docs`, or −1. */
export function indexOf(docs: Int32Array, d: number): number {
  let lo = 0
  let hi = docs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (docs[mid]! < d) lo = mid + 1
    else hi = mid
  }
  return docs[lo] === d ? lo : -1
}
