import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { createAnalysisPool } from '../../src/adapters/analysis-pool/index.js'
import { analyzePatentText } from '../../src/domain/text/patent-text.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'

const analyzer = createAnalyzer(loadAnalysisResources())
const sample = readFileSync(new URL('../fixtures/patents-sample.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { title: string; abstract: string; keywords?: string[]; claims?: string })
  .map((p) => ({ title: p.title, abstract: p.abstract, keywords: p.keywords ?? [], ...(p.claims ? { claims: p.claims } : {}) }))

t.test('the analysis threads give the terms of the calling thread, in order, for a batch split between them', async (t) => {
  t.ok(sample.length > 0, 'the sample has patents')
  // enough patents for both threads (batches under minBatch stay in the calling thread)
  const batch = Array.from({ length: 200 }, (_, i) => sample[i % sample.length]!)
  const errors: Error[] = []
  const pool = createAnalysisPool({ local: (p) => analyzePatentText(analyzer, p), threads: 2, minBatch: 16, onError: (err) => errors.push(err) })
  t.teardown(() => pool.close())
  const analysed = await pool.analyze(batch)
  t.strictSame(errors, [], 'the threads started and answered (their young generation set)')
  t.equal(analysed.length, batch.length)
  t.ok(analysed.vocab.length < analysed.positions.length, 'each term once in the vocabulary')
  t.strictSame(batch.map((_, i) => analysed.terms(i)), batch.map((p) => analyzePatentText(analyzer, p)))
})
