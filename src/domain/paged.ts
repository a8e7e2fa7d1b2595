/**
 * Stores that grow by pages instead of by copying themselves whole: an array grown by doubling
 * (or a JS array, by half) copies everything it holds in one call, which at the programme's size
 * (millions of terms, tens of millions of ints) held the event loop for hundreds of milliseconds.
 */
import type { SnapshotStream } from './snapshot.js'

type IntArray = Int32Array | Uint32Array

/**
 * Runs of ints (a document's terms) appended in pages of a fixed size, a run never split across
 * two: the store grows by a page and never copies what it holds. A single array grown by
 * doubling copied it whole in one call, which at 855,000 patents (the matcher's forward index
 * passing 2^26 ints) held the event loop 0.9 s.
 */
export class IntPages {
  readonly pages: Int32Array[] = []
  /** Where each page's used part ends (the last page's is `at`). */
  readonly #ends: number[] = []
  /** Where the next run starts in the last page. */
  at = 0

  constructor(readonly pageSize = 1 << 20) {}

  /** A store holding `a` as its first page, whole (a loaded snapshot's array, kept without a copy). */
  static wrap(a: Int32Array, pageSize?: number): IntPages {
    const p = new IntPages(pageSize)
    if (a.length > 0) {
      p.pages.push(a)
      p.#ends.push(a.length)
      p.at = a.length
    }
    return p
  }

  /** Makes room for a run of `n` ints in one page, returns that page's number; the run starts at `at` (the caller moves `at` past it). */
  room(n: number): number {
    const last = this.pages.length - 1
    if (last >= 0 && this.at + n <= this.pages[last]!.length) return last
    if (last >= 0) this.#ends[last] = this.at
    this.pages.push(new Int32Array(Math.max(this.pageSize, n)))
    this.#ends.push(0)
    this.at = 0
    return last + 1
  }

  /** The used part of page p. */
  used(p: number): Int32Array {
    return this.pages[p]!.subarray(0, p === this.pages.length - 1 ? this.at : this.#ends[p]!)
  }

}

/** Entries in a page of `PagedInts` and `Paged`. */
const PAGE_SHIFT = 16
const PAGE_SIZE = 1 << PAGE_SHIFT
const PAGE_MASK = PAGE_SIZE - 1

/**
 * Ints by id (a term's), in pages of 65,536 added as ids grow: no copy of what is held. The
 * matcher's per-term arrays grown by doubling (or JS arrays by half) copied tens of millions of
 * entries in one call once the synthetic programme corpus passed 2^24 terms.
 */
export class PagedInts {
  readonly pages: IntArray[] = []
  /** Ids below this have room. */
  capacity = 0

  /** Pages of Int32Array (default) or Uint32Array, new entries `fill`. */
  constructor(
    readonly fill = 0,
    readonly type: 'Int32Array' | 'Uint32Array' = 'Int32Array',
  ) {}

  /** A store holding `a`'s values (a loaded snapshot's array: its pages are views of it, the last copied to a whole page). */
  static of(a: IntArray, fill = 0): PagedInts {
    const p = new PagedInts(fill, a instanceof Uint32Array ? 'Uint32Array' : 'Int32Array')
    const whole = a.length >>> PAGE_SHIFT
    for (let i = 0; i < whole; i++) p.pages.push(a.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE))
    p.capacity = whole * PAGE_SIZE
    if (a.length > p.capacity) {
      p.ensure(a.length)
      p.pages[whole]!.set(a.subarray(p.capacity - PAGE_SIZE))
    }
    return p
  }

  get(i: number): number {
    return this.pages[i >>> PAGE_SHIFT]![i & PAGE_MASK]!
  }

  set(i: number, v: number): void {
    this.pages[i >>> PAGE_SHIFT]![i & PAGE_MASK] = v
  }

  /** Room for ids below n (new entries `fill`). */
  ensure(n: number): void {
    while (this.capacity < n) {
      const page = this.type === 'Int32Array' ? new Int32Array(PAGE_SIZE) : new Uint32Array(PAGE_SIZE)
      if (this.fill !== 0) page.fill(this.fill)
      this.pages.push(page)
      this.capacity += PAGE_SIZE
    }
  }

  /** The first n values as a snapshot stream (views of the pages, nothing copied). */
  stream(n: number): SnapshotStream {
    const pages = this.pages
    return {
      type: this.type,
      length: n,
      *parts() {
        for (let at = 0, p = 0; at < n; at += PAGE_SIZE, p++) yield pages[p]!.subarray(0, Math.min(PAGE_SIZE, n - at))
      },
    }
  }

  /** Bytes held by the pages. */
  get bytes(): number {
    return this.pages.length * PAGE_SIZE * 4
  }
}

/** Values by id in pages of 65,536, as `PagedInts` (a JS array grows by copying itself whole too). */
export class Paged<T> {
  readonly #pages: T[][] = []
  length = 0

  get(i: number): T {
    return this.#pages[i >>> PAGE_SHIFT]![i & PAGE_MASK]!
  }

  set(i: number, v: T): void {
    this.#pages[i >>> PAGE_SHIFT]![i & PAGE_MASK] = v
  }

  push(v: T): void {
    if ((this.length & PAGE_MASK) === 0) this.#pages.push([])
    this.#pages[this.length >>> PAGE_SHIFT]!.push(v)
    this.length++
  }

  /** Every value in id order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const page of this.#pages) yield* page
  }

  static from<T>(values: Iterable<T>): Paged<T> {
    const p = new Paged<T>()
    for (const v of values) p.push(v)
    return p
  }
}
