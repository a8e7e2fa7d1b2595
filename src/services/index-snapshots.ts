/**
 * Snapshots of a process's in-memory indexes (see `domain/snapshot.ts`): loading them at start,
 * each checked against the change feed, and saving them with the feed position they include.
 *
 * A save must write a state that no change is half-way through: changes to the indexes go
 * through a gate (`mutate`), and a save holds it shut (`exclusively`) from the moment it reads
 * the position until its files are written, so every change up to that position is in the
 * state and none after it has begun. Changes wait meanwhile (a few seconds at a million patents).
 */
import type { Logger } from 'pino'
import type { ChangeFeed } from '../domain/ports.js'
import type { Snapshottable, SnapshotStore } from '../domain/snapshot.js'

/** Lets changes to the indexes run together, and a save alone. */
export function createWriteGate() {
  let writers = 0
  let drained: (() => void) | undefined
  let closed: Promise<void> | undefined
  return {
    /** Runs a change to the indexes once no save holds the gate. */
    async mutate<T>(change: () => T | Promise<T>): Promise<T> {
      while (closed !== undefined) await closed
      writers++
      try {
        return await change()
      } finally {
        if (--writers === 0) drained?.()
      }
    },
    /** Runs `work` with no change running or starting, after any other such work. */
    async exclusively<T>(work: () => Promise<T>): Promise<T> {
      while (closed !== undefined) await closed
      let open = () => undefined as void
      closed = new Promise<void>((r) => (open = r))
      try {
        if (writers > 0) await new Promise<void>((r) => (drained = r))
        drained = undefined
        return await work()
      } finally {
        closed = undefined
        open()
      }
    },
    get busy(): boolean {
      return closed !== undefined
    },
  }
}

export type WriteGate = ReturnType<typeof createWriteGate>

export type LoadOutcome = { loaded: true; position: string } | { loaded: false; reason: string }

/**
 * Loads `index` from its snapshot when there is one that the store accepts, that the feed still
 * holds every change after, and that the index accepts; otherwise says why not (the index is
 * then as it was, to be rebuilt).
 */
export async function loadSnapshot(store: SnapshotStore, feed: ChangeFeed, index: Snapshottable, log: Logger): Promise<LoadOutcome> {
  const t0 = performance.now()
  const got = await store.load(index)
  if ('refused' in got) return { loaded: false, reason: got.refused }
  const readMs = performance.now() - t0
  const gap = await feed.gapAfter(got.position)
  if (gap !== undefined) return { loaded: false, reason: `the snapshot is stale: ${gap}` }
  const t1 = performance.now()
  try {
    index.importState(got.state)
  } catch (err) {
    return { loaded: false, reason: `the index refused the snapshot: ${(err as Error).message}` }
  }
  log.info(
    { index: index.snapshotKind, position: got.position, createdAt: got.createdAt, bytes: got.bytes, meta: got.state.meta, readMs: Math.round(readMs), importMs: Math.round(performance.now() - t1) },
    'in-memory index loaded from its snapshot',
  )
  return { loaded: true, position: got.position }
}

/**
 * Saves the indexes whose snapshot is behind the feed position (all of them with `force`), one
 * save at a time; returns the kinds saved.
 */
export function createSnapshotSaver(deps: { store: SnapshotStore; gate: WriteGate; log: Logger; indexes: Snapshottable[] }) {
  /** The position each index's snapshot holds (as loaded or last saved). */
  const saved = new Map<string, string>()
  return {
    /** An index's snapshot holds `position` (it was just loaded from it). */
    holds(index: Snapshottable, position: string): void {
      saved.set(index.snapshotKind, position)
    },
    get busy(): boolean {
      return deps.gate.busy
    },
    save(position: () => string, force = false): Promise<string[]> {
      return deps.gate.exclusively(async () => {
        const at = position()
        const done: string[] = []
        for (const index of deps.indexes) {
          if (!force && saved.get(index.snapshotKind) === at) continue
          const t0 = performance.now()
          const state = index.exportState()
          const t1 = performance.now()
          const { bytes } = await deps.store.save(index, at, state)
          saved.set(index.snapshotKind, at)
          done.push(index.snapshotKind)
          deps.log.info(
            { index: index.snapshotKind, position: at, bytes, meta: state.meta, exportMs: Math.round(t1 - t0), writeMs: Math.round(performance.now() - t1) },
            'in-memory index saved to its snapshot',
          )
        }
        return done
      })
    },
  }
}
