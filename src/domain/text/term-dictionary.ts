/**
 * The terms of a process, one id each (`TermDictionary`), and an index's own ids of them
 * (`LocalTerms`).
 *
 * Both in-memory indexes of a process (the matcher's, the embedded search's) take in the same
 * batches of terms. Each used to look every distinct term of a batch up in a dictionary of its
 * own: at the programme's size millions of strings, a string hash and a cache miss or two a
 * lookup, and tens of bytes an entry, twice. A process now keeps one dictionary: a batch's
 * vocabulary is looked up in it once, whichever index asks first, and each index maps the
 * process's ids to its own with an array read.
 *
 * An index keeps ids of its own, dense and in the order it met its terms: its per-term stores
 * are sized by them (the search index reads no claims, so it has fewer terms than the process),
 * and its snapshots list its terms in that order, to be loaded into whatever dictionary the
 * process has then. The dictionary only grows: a term no index holds any longer keeps its id.
 */
import { Paged, PagedInts } from '../paged.js'
import { ShardedMap } from '../sharded-map.js'
import type { TermBatch } from './term-batch.js'

export class TermDictionary {
  readonly #ids = new ShardedMap<number>()
  /** The ids of the vocabularies of batches being taken in, by position (-1: not looked up yet); a batch and those picked from it share one vocabulary. */
  readonly #batches = new WeakMap<readonly string[], Int32Array>()
  #lastVocab: readonly string[] | undefined
  #lastIds: Int32Array = new Int32Array(0)

  /** Terms the process has seen. */
  get size(): number {
    return this.#ids.size
  }

  /** The term's id, a new one if the process has not seen it. */
  id(term: string): number {
    let g = this.#ids.get(term)
    if (g === undefined) {
      g = this.#ids.size
      this.#ids.set(term, g)
    }
    return g
  }

  /** The term's id, or undefined when the process has not seen it. */
  find(term: string): number | undefined {
    return this.#ids.get(term)
  }

  /** The id of the term at position v of the batch's vocabulary, looked up once for every index that asks. */
  idOf(batch: TermBatch, v: number): number {
    const vocab = batch.vocab
    let ids = this.#lastIds
    if (vocab !== this.#lastVocab) {
      const known = this.#batches.get(vocab)
      if (known !== undefined) ids = known
      else this.#batches.set(vocab, (ids = new Int32Array(vocab.length).fill(-1)))
      this.#lastVocab = vocab
      this.#lastIds = ids
    }
    let g = ids[v]!
    if (g < 0) ids[v] = g = this.id(vocab[v]!)
    return g
  }
}

/** An index's ids of the process's terms: dense, in the order the index met them. */
export class LocalTerms {
  /** The index's id by the process's (-1: none). */
  readonly #local = new PagedInts(-1)
  readonly #terms = new Paged<string>()
  /** The index's ids of the vocabulary of the batch it is taking in (-1: not looked up yet), kept for the last batch. */
  #batch: TermBatch | undefined
  #batchIds: Int32Array = new Int32Array(0)

  constructor(readonly dictionary: TermDictionary = new TermDictionary()) {}

  /** A store of `terms` in that order (a loaded snapshot's), or undefined when one is listed twice. */
  static of(dictionary: TermDictionary, terms: readonly string[]): LocalTerms | undefined {
    const local = new LocalTerms(dictionary)
    for (const term of terms) local.add(term)
    return local.size === terms.length ? local : undefined
  }

  /** Terms of the index. */
  get size(): number {
    return this.#terms.length
  }

  /** The term with the index's id t. */
  term(t: number): string {
    return this.#terms.get(t)
  }

  /** The index's id of the term, or undefined when no document of the index had it. */
  find(term: string): number | undefined {
    const g = this.dictionary.find(term)
    if (g === undefined || g >= this.#local.capacity) return undefined
    const t = this.#local.get(g)
    return t < 0 ? undefined : t
  }

  /** The index's ids of `batch`'s vocabulary by position, -1 where not looked up yet (`take` does, and the caller fills them in). */
  ids(batch: TermBatch): Int32Array {
    if (batch !== this.#batch) {
      this.#batch = batch
      this.#batchIds = new Int32Array(batch.vocab.length).fill(-1)
    }
    return this.#batchIds
  }

  /** The index's id of the term at position v of the batch's vocabulary; a new one, `size` before the call, if the index had none. */
  take(batch: TermBatch, v: number): number {
    return this.#take(this.dictionary.idOf(batch, v), batch.vocab[v]!)
  }

  /** The index's id of the term, as `take`. */
  add(term: string): number {
    return this.#take(this.dictionary.id(term), term)
  }

  #take(g: number, term: string): number {
    if (g >= this.#local.capacity) this.#local.ensure(g + 1)
    let t = this.#local.get(g)
    if (t < 0) {
      t = this.#terms.length
      this.#local.set(g, t)
      this.#terms.push(term)
    }
    return t
  }

  /** The terms in id order. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.#terms[Symbol.iterator]()
  }
}
