/**
 * Lever 1 of the analysis speed: the current analyser against the batched variant of
 * `bench/analyzer-variant.ts`, on the same synthetic patents, alternating rounds (the machine
 * is noisy), checking that both give the same terms in the same order.
 */
import { loadAnalysisResources } from '../search-config/analysis.js'
import { MatchIndex } from '../src/domain/matching/index.js'
import { createAnalyzer } from '../src/domain/text/analyzer.js'
import { createBatchedAnalyzer } from './analyzer-variant.js'
import { CorpusGenerator, loadVocabulary } from './corpus.js'
import { log } from './stats.js'

export function runAnalyzerProbe(n = 5000, rounds = 3): Record<string, unknown> {
  const gen = new CorpusGenerator(loadVocabulary(), n)
  const patents = Array.from({ length: n }, (_, i) => gen.patent(i))
  const current = new MatchIndex(createAnalyzer(loadAnalysisResources()))
  const batched = new MatchIndex(createBatchedAnalyzer(loadAnalysisResources()))
  let differ = 0
  for (const p of patents) if (JSON.stringify(current.analyzePatent(p)) !== JSON.stringify(batched.analyzePatent(p))) differ++
  const rates: Record<'current' | 'batched', number[]> = { current: [], batched: [] }
  for (let r = 0; r < rounds; r++) {
    for (const [name, idx] of [['current', current], ['batched', batched]] as const) {
      const t = performance.now()
      for (const p of patents) idx.analyzePatent(p)
      rates[name].push(Math.round((n / (performance.now() - t)) * 1000))
    }
    log(`analyser probe round ${r + 1}: current ${rates.current.at(-1)}/s, batched ${rates.batched.at(-1)}/s`)
  }
  const best = (a: number[]) => Math.max(...a)
  return {
    patents: n,
    differingPatents: differ,
    currentPerSec: rates.current,
    batchedPerSec: rates.batched,
    gain: Math.round((best(rates.batched) / best(rates.current)) * 100) / 100,
  }
}
