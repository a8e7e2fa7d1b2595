/**
 * The terms of a batch of patents over one vocabulary: each distinct term of the batch once, and
 * each patent's fields as positions in it.
 *
 * A process looks a term up in its dictionary (millions of terms at a million patents: a cache
 * miss or two a lookup) once per term of the vocabulary instead of once per occurrence, and an
 * index keeps the ids it found for the batch (`LocalTerms.ids`); a batch of 500 patents has about
 * a fifth as many distinct terms as occurrences. The analysis threads build their batches where they analyse, so
 * that only the vocabulary's strings cross to the main thread, and the positions as typed arrays.
 */
import type { AnalyzedPatent } from './patent-text.js'

/** The fields of `AnalyzedPatent`, in the order a batch keeps them. */
export const TERM_FIELDS = ['title', 'abstract', 'keywords', 'claims'] as const
const NF = TERM_FIELDS.length

/** What a batch is made of, as it crosses a thread boundary (typed arrays, transferable). */
export interface TermBatchParts {
  vocab: string[]
  /** Positions in `vocab`, every field of every patent one after the other. */
  positions: Int32Array
  /** Where field f of patent i starts in `positions`: `starts[i * 4 + f]`; one more at the end. */
  starts: Int32Array
  /** 1 for a patent whose terms the batch holds, 0 for one it does not (to be analysed by whoever reads it). */
  present: Uint8Array
}

/** Terms of the first three fields at least (claims are optional: a search index reads none). */
type SomeTerms = Pick<AnalyzedPatent, 'title' | 'abstract' | 'keywords'> & { claims?: string[] }
const isTerms = (t: unknown): t is SomeTerms => {
  if (t === null || typeof t !== 'object') return false
  const o = t as Record<string, unknown>
  return Array.isArray(o['title']) && Array.isArray(o['abstract']) && Array.isArray(o['keywords']) && (o['claims'] === undefined || Array.isArray(o['claims']))
}

export class TermBatch implements TermBatchParts {
  readonly vocab: string[]
  readonly positions: Int32Array
  readonly starts: Int32Array
  readonly present: Uint8Array

  constructor(parts: TermBatchParts) {
    this.vocab = parts.vocab
    this.positions = parts.positions
    this.starts = parts.starts
    this.present = parts.present
    if (this.starts.length !== this.present.length * NF + 1) throw new Error('term batch: starts and patents disagree')
  }

  /**
   * The batch of these patents' terms (stored terms read back, or analyses); an entry that is not
   * terms of the fields (none stored, or stored in another form) is absent, claims left out are none.
   */
  static of(list: ReadonlyArray<unknown>): TermBatch {
    const index = new Map<string, number>()
    const vocab: string[] = []
    let total = 0
    for (const t of list) if (isTerms(t)) for (const f of TERM_FIELDS) total += t[f]?.length ?? 0
    const positions = new Int32Array(total)
    const starts = new Int32Array(list.length * NF + 1)
    const present = new Uint8Array(list.length)
    let w = 0
    list.forEach((t, i) => {
      const ok = isTerms(t)
      present[i] = ok ? 1 : 0
      for (let f = 0; f < NF; f++) {
        starts[i * NF + f] = w
        if (!ok) continue
        for (const term of t[TERM_FIELDS[f]!] ?? []) {
          let v = index.get(term)
          if (v === undefined) {
            v = vocab.length
            index.set(term, v)
            vocab.push(term)
          }
          positions[w++] = v
        }
      }
    })
    starts[list.length * NF] = w
    return new TermBatch({ vocab, positions, starts, present })
  }

  /** One batch of several, in order (their vocabularies side by side: a term in two is looked up twice, nothing else differs). */
  static concat(parts: readonly TermBatch[]): TermBatch {
    if (parts.length === 1) return parts[0]!
    let nv = 0
    let np = 0
    let nd = 0
    for (const b of parts) {
      nv += b.vocab.length
      np += b.positions.length
      nd += b.length
    }
    const vocab: string[] = new Array(nv)
    const positions = new Int32Array(np)
    const starts = new Int32Array(nd * NF + 1)
    const present = new Uint8Array(nd)
    let v0 = 0
    let p0 = 0
    let d0 = 0
    for (const b of parts) {
      for (let v = 0; v < b.vocab.length; v++) vocab[v0 + v] = b.vocab[v]!
      for (let k = 0; k < b.positions.length; k++) positions[p0 + k] = b.positions[k]! + v0
      for (let s = 0; s < b.length * NF; s++) starts[d0 * NF + s] = b.starts[s]! + p0
      present.set(b.present, d0)
      v0 += b.vocab.length
      p0 += b.positions.length
      d0 += b.length
    }
    starts[nd * NF] = p0
    return new TermBatch({ vocab, positions, starts, present })
  }

  /** The batch of patents `indexes` of this one, in that order (the same vocabulary; an index past the end is absent). */
  pick(indexes: readonly number[]): TermBatch {
    let total = 0
    for (const i of indexes) if (this.has(i)) total += this.end(i, NF - 1) - this.start(i, 0)
    const positions = new Int32Array(total)
    const starts = new Int32Array(indexes.length * NF + 1)
    const present = new Uint8Array(indexes.length)
    let w = 0
    indexes.forEach((i, j) => {
      const ok = this.has(i)
      present[j] = ok ? 1 : 0
      for (let f = 0; f < NF; f++) {
        starts[j * NF + f] = w
        if (!ok) continue
        const from = this.start(i, f)
        const to = this.end(i, f)
        positions.set(this.positions.subarray(from, to), w)
        w += to - from
      }
    })
    starts[indexes.length * NF] = w
    return new TermBatch({ vocab: this.vocab, positions, starts, present })
  }

  /** Patents in the batch. */
  get length(): number {
    return this.present.length
  }

  /** Whether the batch holds patent i's terms. */
  has(i: number): boolean {
    return this.present[i] === 1
  }

  /** Where field f of patent i starts in `positions`, and ends (exclusive). */
  start(i: number, f: number): number {
    return this.starts[i * NF + f]!
  }
  end(i: number, f: number): number {
    return this.starts[i * NF + f + 1]!
  }

  /** Patent i's terms per field (the vocabulary's strings, not copies), or undefined when the batch does not hold them. */
  terms(i: number): AnalyzedPatent | undefined {
    if (!this.has(i)) return undefined
    const field = (f: number): string[] => {
      const out: string[] = new Array(this.end(i, f) - this.start(i, f))
      for (let k = this.start(i, f), j = 0; k < this.end(i, f); k++, j++) out[j] = this.vocab[this.positions[k]!]!
      return out
    }
    return { title: field(0), abstract: field(1), keywords: field(2), claims: field(3) }
  }
}
