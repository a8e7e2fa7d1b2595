/**
 * Bit sets over document ids for the embedded search: one bit per id in 32-bit words. What a
 * query combines (the alive documents, the values of a filter, the matches of a common word) is
 * one of these, so intersecting and counting millions of documents is word-wise AND and popcount.
 */

export type Bits = Uint32Array

/** Words for ids 0..n-1 (one spare, so that id n fits before the next growth). */
export const wordsFor = (n: number): number => (n >>> 5) + 1

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

export const has = (bits: Bits, id: number): boolean => ((bits[id >>> 5]! >>> (id & 31)) & 1) === 1
export const set = (bits: Bits, id: number): void => void (bits[id >>> 5]! |= 1 << (id & 31))
export const clear = (bits: Bits, id: number): void => void (bits[id >>> 5]! &= ~(1 << (id & 31)))

/** `bits` with room for ids below `n` (the same array when it has). */
export function grow(bits: Bits, n: number): Bits {
  const need = wordsFor(n)
  if (need <= bits.length) return bits
  const out = new Uint32Array(Math.max(need, bits.length * 2))
  out.set(bits)
  return out
}

/** `into &= other` over the first `words` words (ids the other never had are cleared). */
export function andInto(into: Bits, other: Bits, words = into.length): void {
  const m = Math.min(words, other.length)
  for (let w = 0; w < m; w++) into[w]! &= other[w]!
  for (let w = m; w < words; w++) into[w] = 0
}

/** `into |= other`. */
export function orInto(into: Bits, other: Bits): void {
  const m = Math.min(into.length, other.length)
  for (let w = 0; w < m; w++) into[w]! |= other[w]!
}

export function count(bits: Bits): number {
  let c = 0
  for (let w = 0; w < bits.length; w++) if (bits[w] !== 0) c += popcount(bits[w]!)
  return c
}

export function any(bits: Bits): boolean {
  for (let w = 0; w < bits.length; w++) if (bits[w] !== 0) return true
  return false
}

/** Up to `limit` set ids, evenly spread over the `total` set ones (all of them when total ≤ limit), ascending. */
export function sample(bits: Bits, total: number, limit: number): Int32Array {
  const stride = total > limit ? total / limit : 1
  const out = new Int32Array(Math.min(total, limit))
  let seen = 0
  let taken = 0
  let nextPick = 0
  for (let w = 0; w < bits.length && taken < out.length; w++) {
    let word = bits[w]!
    while (word !== 0 && taken < out.length) {
      const b = 31 - Math.clz32(word & -word)
      word &= word - 1
      if (seen >= nextPick) {
        out[taken++] = (w << 5) | b
        nextPick = Math.floor(taken * stride)
      }
      seen++
    }
  }
  return out
}

/** The first set id ≥ `from`, or -1. */
export function nextSet(bits: Bits, from: number): number {
  let w = from >>> 5
  if (w >= bits.length) return -1
  let word = bits[w]! & (~0 << (from & 31))
  while (word === 0) {
    if (++w >= bits.length) return -1
    word = bits[w]!
  }
  return (w << 5) | (31 - Math.clz32(word & -word))
}

/**
 * Bit sets kept by key, the least recently used dropped beyond `limit`, each brought up to date
 * from where it was last: members are only ever added (ids grow between compactions, which clear
 * the cache; removed documents are masked by the alive set).
 */
export class BitCache {
  readonly #sets = new Map<string, { bits: Bits; upto: number }>()
  constructor(readonly limit: number) {}

  /**
   * The set of `key` with room for ids below `n`. `upto` is where its source stands now (a list's
   * length, the number of ids); `extend(bits, from)` sets the members added since position `from`.
   */
  get(key: string, n: number, upto: number, extend: (bits: Bits, from: number) => void): Bits {
    let c = this.#sets.get(key)
    if (c === undefined) {
      c = { bits: new Uint32Array(wordsFor(n)), upto: 0 }
      if (this.#sets.size >= this.limit) this.#sets.delete(this.#sets.keys().next().value!)
    } else this.#sets.delete(key) // re-inserted below: most recently used last
    c.bits = grow(c.bits, n)
    if (c.upto < upto) {
      extend(c.bits, c.upto)
      c.upto = upto
    }
    this.#sets.set(key, c)
    return c.bits
  }

  clear(): void {
    this.#sets.clear()
  }
}
