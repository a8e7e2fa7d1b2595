/**
 * A set of patents to score against prepared needs (`MatchIndex.rescore`): their doc ids and,
 * for each term they hold, which of them hold it with its BM25F saturation there. A small
 * inverted index of the set, built once and read by every need, so that scoring a need adds up
 * the set's postings of the need's terms and nothing else. Its impacts are those `Postings`
 * computes; it is rebuilt when a document has been added or removed since (the statistics, and
 * after a compaction the doc ids, have moved).
 */
import type { Postings } from './postings.js'
import { indexOf } from './top-k.js'

export class ScoringSet {
  /** The publication numbers asked for. */
  readonly publicationNumbers: readonly string[]
  #docs = new Int32Array(0)
  #version = -1
  #terms = new Map<number, { at: Int32Array; imp: Float32Array }>()
  /** With `only`: each term's packed frequencies in the docs that hold it, kept while the docs are the same. */
  #packed: Map<number, Int32Array> | undefined
  /** With `only`: what the last build read, for the next one (or another set's first) to take what it shares. */
  #read: Read | undefined
  /** Earlier reads of the same kind whose frequencies the next build takes for the docs and terms it shares. */
  #priors: Read[]

  /**
   * With `only`, the set holds those terms alone (the few a need's evidence reads); `priors` are
   * earlier such sets of a need's documents (its watched documents, its current matches) whose
   * frequencies of the documents and terms this one shares are taken rather than read again
   * from the index's long posting lists: a document's frequencies never change while it lives
   * under the same id.
   */
  constructor(
    publicationNumbers: Iterable<string>,
    readonly only?: ReadonlySet<number>,
    priors: readonly (ScoringSet | undefined)[] = [],
  ) {
    this.publicationNumbers = [...new Set(publicationNumbers)]
    this.#priors = priors.flatMap((p) => (p === undefined || p.#read === undefined ? [] : [p.#read]))
  }

  /** The set's live docs, ascending. */
  get docs(): Int32Array {
    return this.#docs
  }

  /**
   * Brings the set in step with the index: `docOf` gives a live patent's doc id. Nothing to do
   * while no document has been added or removed since the last time.
   */
  refresh(postings: Postings, docOf: (publicationNumber: string) => number | undefined): void {
    if (this.#version === postings.statsVersion) return
    const only = this.only
    const ids: number[] = []
    for (const pub of this.publicationNumbers) {
      const d = docOf(pub)
      if (d !== undefined) ids.push(d)
    }
    const next = Int32Array.from(ids).sort()
    if (next.length !== this.#docs.length || next.some((d, i) => d !== this.#docs[i])) {
      this.#docs = next
      this.#packed = undefined
      // what the last build read holds for the docs that stayed
      if (this.#read !== undefined) this.#priors = [this.#read]
    }
    const docs = this.#docs
    if (only !== undefined) {
      // a few terms: each one's postings galloped for the set's docs once, the saturations
      // computed again from the frequencies found as the statistics move
      if (this.#packed === undefined) {
        // new maps: the last read may be a prior of this build
        this.#packed = new Map()
        this.#terms = new Map()
        const priors = this.#priors.filter((r) => r.postings === postings && r.layout === postings.layout)
        this.#priors = []
        const read = frequencies(postings, only, docs, priors)
        for (const t of only) {
          const packed = read.get(t)!
          const at: number[] = []
          for (let i = 0; i < docs.length; i++) if (packed[i] !== 0) at.push(i)
          if (at.length === 0) continue
          this.#packed.set(t, Int32Array.from(at, (i) => packed[i]!))
          this.#terms.set(t, { at: Int32Array.from(at), imp: new Float32Array(at.length) })
        }
        this.#read = { postings, layout: postings.layout, docs, only, terms: this.#terms, packed: this.#packed }
      }
      for (const [t, { at, imp }] of this.#terms) {
        const packed = this.#packed.get(t)!
        for (let j = 0; j < at.length; j++) imp[j] = postings.saturation(docs[at[j]!]!, packed[j]!)
      }
      this.#version = postings.statsVersion
      return
    }
    this.#terms.clear()
    const holders = new Map<number, number[]>()
    for (let i = 0; i < docs.length; i++) {
      const fwd = postings.fwdPage(docs[i]!)
      const fs = postings.fwdStart(docs[i]!)
      for (let j = fs; j < fs + postings.fwdCount(docs[i]!); j++) {
        const t = fwd[j]!
        let list = holders.get(t)
        if (list === undefined) holders.set(t, (list = []))
        list.push(i)
      }
    }
    for (const [t, list] of holders) {
      const at = Int32Array.from(list)
      const imp = new Float32Array(at.length)
      postings.impactsAt(t, Array.from(at, (i) => docs[i]!), imp)
      this.#terms.set(t, { at, imp })
    }
    this.#version = postings.statsVersion
  }

  /** Whether doc d is in the set. */
  has(d: number): boolean {
    return indexOf(this.#docs, d) >= 0
  }

  /**
   * The docs at `places` (ascending) as a set of their own holding the terms of `terms` alone,
   * read from this one (no posting list of the index is walked); in step with the index while
   * this one is, rebuilt from the index as `refresh` says after.
   */
  part(places: readonly number[], terms: ReadonlySet<number>, pubOf: (d: number) => string): ScoringSet {
    const out = new ScoringSet(
      places.map((i) => pubOf(this.#docs[i]!)),
      terms,
    )
    out.#docs = Int32Array.from(places, (i) => this.#docs[i]!)
    out.#version = this.#version
    for (const t of terms) {
      const e = this.#terms.get(t)
      if (e === undefined) continue
      const at: number[] = []
      const imp: number[] = []
      places.forEach((i, k) => {
        const j = indexOf(e.at, i)
        if (j >= 0) {
          at.push(k)
          imp.push(e.imp[j]!)
        }
      })
      if (at.length > 0) out.#terms.set(t, { at: Int32Array.from(at), imp: Float32Array.from(imp) })
    }
    return out
  }

  /**
   * acc[i] += w × k1p × saturation for each term t (weight w) held by docs[i], term after term in
   * the map's order: per doc, the additions `Postings.accumulate` makes, in its order.
   */
  accumulate(terms: Map<number, number>, k1p: number, acc: Float64Array): void {
    for (const [t, w] of terms) {
      const e = this.#terms.get(t)
      if (e === undefined) continue
      const wk = w * k1p
      const { at, imp } = e
      for (let j = 0; j < at.length; j++) acc[at[j]!]! += wk * imp[j]!
    }
  }
}

/** What a set holding a few terms read of the index: each term's docs (places in `docs`) and packed frequencies there. */
interface Read {
  readonly postings: Postings
  /** `Postings.layout` then: the doc ids hold while it is the same. */
  readonly layout: number
  readonly docs: Int32Array
  readonly only: ReadonlySet<number>
  readonly terms: ReadonlyMap<number, { readonly at: Int32Array }>
  readonly packed: ReadonlyMap<number, Int32Array>
}

/**
 * The packed frequencies of each term of `only` in each of `docs` (ascending), in place of
 * `Postings.packedAt`: what an earlier read holds (the docs matched against its docs once, each
 * term's frequencies spread over its docs), the rest galloped for in the index's posting lists.
 */
function frequencies(postings: Postings, only: ReadonlySet<number>, docs: Int32Array, priors: readonly Read[]): Map<number, Int32Array> {
  const out = new Map<number, Int32Array>()
  // for each prior, each doc's place among its docs (−1: not there)
  const places = priors.map((r) => {
    const at = new Int32Array(docs.length).fill(-1)
    for (let i = 0, j = 0; i < docs.length && j < r.docs.length; ) {
      if (docs[i]! < r.docs[j]!) i++
      else if (docs[i]! > r.docs[j]!) j++
      else at[i++] = j++
    }
    return at
  })
  const known = new Uint8Array(docs.length)
  for (const t of only) {
    const f = new Int32Array(docs.length)
    known.fill(0)
    let found = 0
    for (const [k, r] of priors.entries()) {
      if (!r.only.has(t)) continue
      const spread = new Int32Array(r.docs.length)
      const e = r.terms.get(t)
      if (e !== undefined) {
        const packed = r.packed.get(t)!
        for (let j = 0; j < e.at.length; j++) spread[e.at[j]!] = packed[j]!
      }
      const at = places[k]!
      for (let i = 0; i < docs.length; i++) {
        if (known[i] === 0 && at[i]! >= 0) {
          f[i] = spread[at[i]!]!
          known[i] = 1
          found++
        }
      }
    }
    if (found < docs.length) {
      const missing: number[] = []
      for (let i = 0; i < docs.length; i++) if (known[i] === 0) missing.push(i)
      const read = postings.packedAt(t, Int32Array.from(missing, (i) => docs[i]!))
      for (let m = 0; m < missing.length; m++) f[missing[m]!] = read[m]!
    }
    out.set(t, f)
  }
  return out
}
