/**
 * The snapshot step (issue 15, fast restarts): an in-memory index (the matcher's, the embedded
 * search's) exported and saved to a snapshot file, then loaded and imported into a new index,
 * timed, beside the rebuild from stored terms measured in the same run; the new index must
 * answer sample needs or queries the same way (`differing` counts those it does not).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSnapshotFiles } from '../src/adapters/snapshot-file.js'
import type { Snapshottable } from '../src/domain/snapshot.js'
import { gcNow, log, mb } from './stats.js'

export async function snapshotStep<I extends Snapshottable>(
  index: I,
  fresh: () => I,
  differing: (loaded: I) => Promise<{ compared: number; differing: number }>,
  label: string,
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'pb-bench-snapshot-'))
  try {
    const files = createSnapshotFiles({ dir, prefix: 'bench', analysis: 'bench' })
    gcNow()
    let t = performance.now()
    const state = index.exportState()
    const exportMs = performance.now() - t
    t = performance.now()
    const { bytes } = await files.save(index, '1-0', state)
    const saveMs = performance.now() - t
    gcNow()
    t = performance.now()
    const got = await files.load(index)
    const loadMs = performance.now() - t
    if ('refused' in got) throw new Error(`bench snapshot refused: ${got.refused}`)
    const loaded = fresh()
    t = performance.now()
    loaded.importState(got.state)
    const importMs = performance.now() - t
    const check = await differing(loaded)
    const out = {
      fileMB: mb(bytes),
      exportMs: Math.round(exportMs),
      saveMs: Math.round(saveMs),
      loadMs: Math.round(loadMs),
      importMs: Math.round(importMs),
      compared: check.compared,
      differing: check.differing,
      rssWithBothMB: mb(process.memoryUsage().rss),
    }
    log(`${label}: snapshot ${JSON.stringify(out)}`)
    return out
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
