/**
 * A map from strings, split over shards by a hash of the key. V8 grows a Map by rehashing it
 * whole within one `set`: past 2^23 entries that held the event loop 1.25 s on this machine, and
 * the dictionary of terms (then the search index's) passes it at about a million patents (an import's
 * request then waited past its Redis timeout), and the maps of publication numbers passed 2^20 at
 * 1,048,576 patents (hundreds of milliseconds). A shard grows at a sixty-fourth of the size.
 */
const SHARDS = 64

export class ShardedMap<V> {
  readonly #shards: Array<Map<string, V>> = Array.from({ length: SHARDS }, () => new Map<string, V>())
  #size = 0

  #shard(key: string): Map<string, V> {
    // FNV-1a over the UTF-16 code units
    let h = 0x811c9dc5
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
    return this.#shards[(h >>> 0) % SHARDS]!
  }

  get size(): number {
    return this.#size
  }

  get(key: string): V | undefined {
    return this.#shard(key).get(key)
  }

  has(key: string): boolean {
    return this.#shard(key).has(key)
  }

  /** Every entry, shard by shard (in no order a caller may rely on). */
  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (const shard of this.#shards) yield* shard
  }

  delete(key: string): boolean {
    const gone = this.#shard(key).delete(key)
    if (gone) this.#size--
    return gone
  }

  set(key: string, value: V): this {
    const shard = this.#shard(key)
    const before = shard.size
    shard.set(key, value)
    this.#size += shard.size - before
    return this
  }
}
