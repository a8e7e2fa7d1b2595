/**
 * The snapshot step (issue 15, fast restarts): the matcher's index exported and saved to a
 * snapshot file, then loaded and imported into a new index, timed, beside the rebuild from
 * stored terms measured in the same run; the new index must answer sample needs the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSnapshotFiles } from '../src/adapters/snapshot-file.js'
import { MatchIndex } from '../src/domain/matching/index.js'
import type { Analyzer } from '../src/domain/text/analyzer.js'
import { gcNow, log, mb } from './stats.js'

export async function snapshotStep(index: MatchIndex, analyzer: Analyzer, needs: string[], N: number): Promise<Record<string, unknown>> {
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
    const loaded = new MatchIndex(analyzer)
    t = performance.now()
    loaded.importState(got.state)
    const importMs = performance.now() - t
    let differ = 0
    for (const q of needs) if (JSON.stringify(loaded.match({ title: q }, { limit: 100 })) !== JSON.stringify(index.match({ title: q }, { limit: 100 }))) differ++
    const out = {
      fileMB: mb(bytes),
      exportMs: Math.round(exportMs),
      saveMs: Math.round(saveMs),
      loadMs: Math.round(loadMs),
      importMs: Math.round(importMs),
      needsCompared: needs.length,
      needsDiffering: differ,
      rssWithBothMB: mb(process.memoryUsage().rss),
    }
    log(`${N}: snapshot ${JSON.stringify(out)}`)
    return out
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
