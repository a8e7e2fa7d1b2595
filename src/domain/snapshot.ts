/**
 * Snapshots of in-memory indexes, so a restarting process loads its indexes instead of rebuilding
 * them from the store (minutes at a million patents), then catches up from the change feed.
 *
 * An index exports its whole state as JSON-able `meta`, named typed arrays and named string
 * lists; an adapter stores it with the change-feed position it includes. Nothing in a snapshot is
 * trusted: a store refuses one that is missing, damaged or written under another fingerprint, an
 * index refuses a state it finds inconsistent, and the caller then rebuilds from the store.
 */

export type SnapshotArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float32Array | Float64Array

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/**
 * An array given in parts, for one that the index does not hold in one piece (the matcher's
 * postings, term by term): its type, its length, and its parts in order, each a view of the
 * index's memory or a number of zeros. A store writes the parts as they come, instead of the
 * copy whole that touched its size in fresh memory (over a gigabyte at a million patents: seconds
 * of a save's event loop). The parts are read while the caller holds changes to the index back
 * (the write gate), so they are those of the moment of `exportState`.
 */
export interface SnapshotStream {
  readonly type: 'Int32Array' | 'Uint32Array'
  readonly length: number
  /** Parts of the stream's type; a number is that many zeros. */
  parts(): Iterable<Int32Array | Uint32Array | number>
}

/** The whole state of an index. Typed arrays may be views of the index's own memory: export copies nothing it need not. */
export interface SnapshotState {
  meta: { [key: string]: JsonValue }
  arrays: Record<string, SnapshotArray | SnapshotStream>
  strings: Record<string, readonly string[]>
}

export const isStream = (a: SnapshotArray | SnapshotStream | undefined): a is SnapshotStream => a !== undefined && !ArrayBuffer.isView(a)

/** An array of a state as one typed array: a stream's parts copied into one (in-memory round trips, tests). */
export function materialise(a: SnapshotArray | SnapshotStream): SnapshotArray {
  if (!isStream(a)) return a
  const out = a.type === 'Int32Array' ? new Int32Array(a.length) : new Uint32Array(a.length)
  let at = 0
  for (const part of a.parts()) {
    if (typeof part === 'number') at += part
    else {
      out.set(part, at)
      at += part.length
    }
  }
  if (at !== a.length) throw new Error(`a snapshot stream gave ${at} entries of ${a.length}`)
  return out
}

/** An in-memory index that can be saved and loaded. */
export interface Snapshottable {
  /** Which index this is (`matcher`, `search`): names its snapshot, one per kind. */
  readonly snapshotKind: string
  /**
   * What the meaning of the state depends on besides the data: the layout's version (bumped with
   * any change to what `exportState` writes or to how a patent becomes state) and the index's
   * options. A snapshot written under another fingerprint is not loaded.
   */
  readonly snapshotFingerprint: string
  /** The whole state, as of this call (synchronous: no change can slip in between). */
  exportState(): SnapshotState
  /**
   * Replaces the whole state by `state`. Throws on anything inconsistent, leaving the index as it
   * was; the caller then rebuilds it.
   */
  importState(state: SnapshotState): void
}

export interface StoredSnapshot {
  /** The change-feed position the state includes: every change up to it is in it. */
  position: string
  createdAt: string
  bytes: number
  state: SnapshotState
}

/** Where snapshots are kept: one per kind, replaced whole by each save. */
export interface SnapshotStore {
  /** Stores `state` atomically: a reader sees the previous snapshot or this one, never a part. */
  save(index: Pick<Snapshottable, 'snapshotKind' | 'snapshotFingerprint'>, position: string, state: SnapshotState): Promise<{ bytes: number; file: string }>
  /** The snapshot of this kind and fingerprint, or why there is none to load (missing, damaged, another fingerprint). */
  load(index: Pick<Snapshottable, 'snapshotKind' | 'snapshotFingerprint'>): Promise<StoredSnapshot | { refused: string }>
}

/** Reads a state's parts, throwing on one that is missing or of another shape: `importState`'s checks. */
export class StateReader {
  constructor(
    readonly state: SnapshotState,
    readonly kind: string,
  ) {}

  fail(message: string): never {
    throw new Error(`${this.kind} snapshot: ${message}`)
  }

  /** The typed array `name`, of the type of `like`, with `length` elements when given. */
  array<T extends SnapshotArray>(name: string, like: new (n: number) => T, length?: number): T {
    const given = this.state.arrays[name]
    const a = given === undefined ? undefined : materialise(given)
    if (!(a instanceof like)) this.fail(`${name} is missing or not a ${like.name}`)
    if (length !== undefined && a.length !== length) this.fail(`${name} has ${a.length} entries, expected ${length}`)
    return a as T
  }

  strings(name: string, length?: number): readonly string[] {
    const s = this.state.strings[name]
    if (!Array.isArray(s)) this.fail(`${name} is missing`)
    if (length !== undefined && s.length !== length) this.fail(`${name} has ${s.length} entries, expected ${length}`)
    return s
  }

  /** A non-negative integer of `meta`. */
  count(name: string): number {
    const v = this.state.meta[name]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(`meta.${name} is not a count`)
    return v
  }

  /** Every value of `a` in 0 … bound − 1. */
  inRange(name: string, a: ArrayLike<number>, bound: number): void {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!
      if (!(v >= 0 && v < bound)) this.fail(`${name}[${i}] = ${v} is outside 0 … ${bound - 1}`)
    }
  }
}
