/**
 * The in-process step for one corpus size (run in a child process of its own, so that memory
 * figures are those of this size alone): index build rates, match latency, natural's TfIdf,
 * and memory after gc.
 */
import { loadavg } from 'node:os'
import TfIdf from 'natural/lib/natural/tfidf/tfidf.js'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { createAnalysisPool } from '../src/adapters/analysis-pool/index.js'
import { MatchIndex, type AnalyzedPatent } from '../src/domain/matching/index.js'
import { createAnalyzer, type Analyzer } from '../src/domain/text/analyzer.js'
import type { TermBatch } from '../src/domain/text/term-batch.js'
import { CorpusGenerator, loadVocabulary, TermComposer, type SyntheticPatent } from './corpus.js'
import { snapshotStep } from './snapshot.js'
import { gcNow, log, mb, summary } from './stats.js'

export interface InprocOptions {
  size: number
  /** Sizes up to this are analysed with jieba (analyse + index); larger ones index composed terms. */
  analyseMax: number
  /** Sizes up to this also run natural's TfIdf. */
  naturalMax: number
  poolThreads: number[]
  needs?: number
  /** Also save the index to a snapshot and load it into a new one (`bench/snapshot.ts`). */
  snapshot?: boolean
}

const BATCH = 500

export async function runInproc(o: InprocOptions): Promise<Record<string, unknown>> {
  const N = o.size
  const out: Record<string, unknown> = { size: N }
  gcNow()
  const analyzer = createAnalyzer(loadAnalysisResources())
  const vocab = loadVocabulary()
  const gen = new CorpusGenerator(vocab, N)
  const needs = o.needs === undefined ? vocab.queries : vocab.queries.slice(0, o.needs)
  analyzer.analyze('预热', { subwords: true })
  gcNow()
  out['baselineRssMB'] = mb(process.memoryUsage().rss)

  out['loadAverage'] = loadavg().map((x) => Math.round(x * 100) / 100)
  let index = new MatchIndex(analyzer)
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000)

  if (N <= o.analyseMax) {
    // in a function of its own, so that its indexes and natural's TfIdf are garbage afterwards
    await analysedSteps(o, gen, analyzer, index, needs, out)
  } else {
    // --- index from stored terms: terms composed from cached unit analyses (not timed), upserts timed
    const composer = new TermComposer(analyzer)
    let upsertMs = 0
    const t = performance.now()
    for (let start = 0; start < N; start += 10_000) {
      const batch: SyntheticPatent[] = []
      const terms: AnalyzedPatent[] = []
      for (let i = start; i < Math.min(N, start + 10_000); i++) {
        const p = gen.patent(i)
        batch.push(p)
        terms.push(composer.terms(p))
      }
      const t0 = performance.now()
      for (let k = 0; k < batch.length; k++) index.upsert(batch[k]!, terms[k])
      upsertMs += performance.now() - t0
      if ((start / 10_000) % 10 === 9) log(`${N}: indexed ${start + batch.length} from composed terms (${((performance.now() - t) / 1000).toFixed(0)} s)`)
    }
    composer.clear()
    out['indexFromTerms'] = { perSec: rate(N, upsertMs), ms: Math.round(upsertMs), termsSource: 'composed' }
    log(`${N}: index from stored terms ${JSON.stringify(out['indexFromTerms'])}`)
  }

  // --- match latency, warm
  gcNow()
  for (const q of needs.slice(0, 30)) index.match({ title: q }, { limit: 100 })
  const times: number[] = []
  let empty = 0
  for (const q of needs) {
    const t0 = performance.now()
    const res = index.match({ title: q }, { limit: 100 })
    times.push(performance.now() - t0)
    if (res.length === 0) empty++
  }
  out['matchMs'] = { ...summary(times), emptyResults: empty }
  log(`${N}: match ${JSON.stringify(out['matchMs'])}`)

  // --- memory: only the analyser and the index are left
  gcNow()
  const m = process.memoryUsage()
  out['memoryAfterGcMB'] = { rss: mb(m.rss), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), indexSize: index.size }
  log(`${N}: memory ${JSON.stringify(out['memoryAfterGcMB'])}`)
  if (o.snapshot) {
    const sample = needs.slice(0, 30)
    out['snapshot'] = await snapshotStep(
      index,
      () => new MatchIndex(analyzer),
      async (loaded) => ({
        compared: sample.length,
        differing: sample.filter((q) => JSON.stringify(loaded.match({ title: q }, { limit: 100 })) !== JSON.stringify(index.match({ title: q }, { limit: 100 }))).length,
      }),
      String(N),
    )
  }
  index = undefined as unknown as MatchIndex
  return out
}

async function analysedSteps(
  o: InprocOptions,
  gen: CorpusGenerator,
  analyzer: Analyzer,
  index: MatchIndex,
  needs: string[],
  out: Record<string, unknown>,
): Promise<void> {
  const N = o.size
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000)
  let t = performance.now()
  const patents: SyntheticPatent[] = []
  for (let i = 0; i < N; i++) patents.push(gen.patent(i))
  log(`${N}: generated in ${(performance.now() - t).toFixed(0)} ms`)
  const terms: AnalyzedPatent[] = new Array(N)
  const idxA = new MatchIndex(analyzer)
  let analyseMs = 0
  let upsertMs = 0
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    terms[i] = idxA.analyzePatent(patents[i]!)
    const t1 = performance.now()
    idxA.upsert(patents[i]!, terms[i])
    upsertMs += performance.now() - t1
    analyseMs += t1 - t0
    if (i % 20000 === 19999) log(`${N}: analysed + indexed ${i + 1}`)
  }
  out['analyseIndex1Thread'] = { perSec: rate(N, analyseMs + upsertMs), analyseOnlyPerSec: rate(N, analyseMs), upsertOnlyPerSec: rate(N, upsertMs) }
  log(`${N}: analyse + index (1 thread) ${JSON.stringify(out['analyseIndex1Thread'])}`)

  // --- analyse in a worker-thread pool (batches of 500, 4 in flight as with WORKER_CONCURRENCY=4), index here
  for (const threads of o.poolThreads) {
    const idxP = new MatchIndex(analyzer)
    const pool = createAnalysisPool({ threads, local: (p) => idxP.analyzePatent(p), onError: (e) => log(`pool error: ${e.message}`) })
    await pool.analyze(patents.slice(0, 64 * threads)) // start the threads (not timed)
    let mismatches = 0
    t = performance.now()
    const inFlight: Array<Promise<TermBatch>> = []
    let next = 0
    let done = 0
    while (done < N) {
      while (inFlight.length < 4 && next < N) {
        inFlight.push(pool.analyze(patents.slice(next, next + BATCH)))
        next += BATCH
      }
      const got = await inFlight.shift()!
      for (let k = 0; k < got.length; k++) {
        const p = patents[done + k]!
        idxP.upsertFrom(p, got, k)
        if ((done + k) % 97 === 0 && JSON.stringify(got.terms(k)) !== JSON.stringify(terms[done + k])) mismatches++
      }
      done += got.length
    }
    const ms = performance.now() - t
    await pool.close()
    out[`analyseIndexPool${threads}`] = { perSec: rate(N, ms), threads, sampledMismatches: mismatches }
    log(`${N}: analyse (pool of ${threads}) + index ${JSON.stringify(out[`analyseIndexPool${threads}`])}`)
  }

  // --- how close the composed terms (used at sizes above analyseMax) are to jieba's
  const composer = new TermComposer(analyzer)
  let differ = 0
  for (let i = 0; i < N; i++) if (JSON.stringify(composer.terms(patents[i]!)) !== JSON.stringify(terms[i])) differ++
  out['composedTermsDiffer'] = differ / N
  composer.clear()

  // --- index from stored terms (the rebuild path)
  gcNow()
  t = performance.now()
  for (let i = 0; i < N; i++) index.upsert(patents[i]!, terms[i])
  out['indexFromTerms'] = { perSec: rate(N, performance.now() - t), ms: Math.round(performance.now() - t), termsSource: 'jieba' }
  log(`${N}: index from stored terms ${JSON.stringify(out['indexFromTerms'])}`)

  // --- natural's TfIdf over the same tokens
  if (N <= o.naturalMax) {
    const tfidf = new TfIdf()
    t = performance.now()
    for (let i = 0; i < N; i++) tfidf.addDocument([...terms[i]!.title, ...terms[i]!.abstract, ...terms[i]!.keywords])
    const buildMs = performance.now() - t
    const k = N <= 10_000 ? 20 : 10
    const times: number[] = []
    // the same needs through the matcher (warm; the median of 3 runs of each), for a per-need ratio
    for (const q of needs.slice(0, 30)) index.match({ title: q }, { limit: 100 })
    const ours: number[] = []
    const speedups: number[] = []
    for (const q of needs.slice(0, k)) {
      const tokens = analyzer.analyze(q, { subwords: true })
      const t0 = performance.now()
      tfidf.tfidfs(tokens)
      times.push(performance.now() - t0)
      const runs = [0, 1, 2].map(() => {
        const t1 = performance.now()
        index.match({ title: q }, { limit: 100 })
        return performance.now() - t1
      })
      ours.push(runs.sort((a, b) => a - b)[1]!)
      speedups.push(times.at(-1)! / ours.at(-1)!)
      log(`${N}: natural TfIdf query ${times.length}/${k}: ${times.at(-1)!.toFixed(0)} ms; the matcher ${ours.at(-1)!.toFixed(2)} ms`)
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
    out['naturalTfIdf'] = {
      buildPerSec: rate(N, buildMs),
      queryMs: summary(times),
      sameNeeds: {
        oursMs: summary(ours),
        speedup: { min: Math.round(Math.min(...speedups)), median: Math.round(summary(speedups).p50), total: Math.round(sum(times) / sum(ours)) },
      },
    }
  }
  patents.length = 0
  terms.length = 0
}
