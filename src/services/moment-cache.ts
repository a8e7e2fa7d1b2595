/**
 * Values kept for a moment: each is served for `ttlMs` after it was set, unless dropped sooner
 * (because what it was made from changed); at most `max` are kept, the least recently used
 * dropped first. For the copies search keeps of patent records and of its results.
 */
export interface MomentCacheOptions {
  ttlMs: number
  max: number
  now?: () => number
}

export class MomentCache<K, V> {
  readonly #ttl: number
  readonly #max: number
  readonly #now: () => number
  readonly #kept = new Map<K, { at: number; value: V }>()

  constructor(options: MomentCacheOptions) {
    this.#ttl = options.ttlMs
    this.#max = options.max
    this.#now = options.now ?? Date.now
  }

  /** The value set less than `ttlMs` ago, now the most recently used; undefined when none. */
  get(key: K): V | undefined {
    const k = this.#kept.get(key)
    if (k === undefined) return undefined
    this.#kept.delete(key)
    if (this.#now() - k.at >= this.#ttl) return undefined
    this.#kept.set(key, k)
    return k.value
  }

  set(key: K, value: V): void {
    this.#kept.delete(key)
    this.#kept.set(key, { at: this.#now(), value })
    while (this.#kept.size > this.#max) this.#kept.delete(this.#kept.keys().next().value!)
  }

  /** Drops the value of `key` if it is still `value` (a value that failed to come is not kept). */
  dropIf(key: K, value: V): void {
    if (this.#kept.get(key)?.value === value) this.#kept.delete(key)
  }

  delete(key: K): void {
    this.#kept.delete(key)
  }

  clear(): void {
    this.#kept.clear()
  }
}
