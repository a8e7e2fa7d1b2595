/**
 * The search step (issue 15): one search backend at one corpus size, in a child process of its
 * own (so that its memory figures are its own), built in-process from the synthetic corpus and
 * queried with typical searches.
 *
 * - `impl: 'embedded'` is the current adapter, as the service builds it: the hits' text is read
 *   through `stored` (here regenerated from the corpus, as the service reads it from Redis), so
 *   the index keeps none. `impl: 'legacy'` is the adapter before issue 15 (bench/search-legacy.ts),
 *   which keeps every document in memory.
 * - The synthetic patents get, for this step only, an applicant (one of 3,000 names, Zipf-like:
 *   a few universities hold many patents) and a filing date (2005–2024), so that the applicant
 *   filter, its facet and the empty query's order have something to work on.
 * - Queries: the first 12 characters of real needs (what the issue measured), one to four of a
 *   need's analysed words, and one to three words of English titles; each without filters and
 *   with each filter (IPC section, subclass, group; a large and a small applicant; a transfer
 *   mode; a legal status); a few empty queries with filters. Terms are composed from cached
 *   clause analyses (bench/corpus.ts), as the in-process matcher step does above 100k.
 * - With `withMatcher`, the matcher's index of the same patents is built in the same process
 *   first, so that the RSS figure is the one of a process that serves both (ROLE=all).
 */
import { loadavg } from 'node:os'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { createEmbeddedSearchIndex } from '../src/adapters/embedded-search/index.js'
import { TermDictionary } from '../src/domain/text/term-dictionary.js'
import { MatchIndex, type AnalyzedPatent } from '../src/domain/matching/index.js'
import type { SearchDocument, SearchFilters, SearchIndex, SearchResult } from '../src/domain/search.js'
import { createAnalyzer } from '../src/domain/text/analyzer.js'
import { TermBatch } from '../src/domain/text/term-batch.js'
import { CorpusGenerator, loadVocabulary, prng, TermComposer, type SyntheticPatent } from './corpus.js'
import { createLegacyEmbeddedSearchIndex } from './search-legacy.js'
import { snapshotStep } from './snapshot.js'
import { gcNow, log, mb, summary } from './stats.js'

export interface SearchBenchOptions {
  size: number
  impl: 'embedded' | 'legacy'
  /** Run only every n-th query text (the legacy index at sizes where a query takes seconds). */
  sampleEvery?: number
  withMatcher?: boolean
  /** Also save the index to a snapshot and load it into a new one (`bench/snapshot.ts`). */
  snapshot?: boolean
  /** Patents per upsert while building (default 1,000, what the rebuild's scan gives; an index job upserts 500). */
  batch?: number
}

const APPLICANTS = 3000
const applicantName = (k: number) => (k % 5 === 0 ? `Example Institute of Technology ${k}` : `示例大学${String(k).padStart(4, '0')}`)

/** The search document of synthetic patent `i`, with its bench-only applicant and filing date. */
export function searchDoc(p: SyntheticPatent, i: number): SearchDocument {
  const r = prng(0x51ed ^ Math.imul(i + 1, 0x2c1b3c6d))
  // Zipf-like: applicant k with probability ∝ 1/(k+1)
  const k = Math.min(APPLICANTS - 1, Math.floor(Math.exp(r() * Math.log(APPLICANTS + 1))) - 1)
  const day = new Date(Date.UTC(2005, 0, 1) + Math.floor(r() * 7300) * 86_400_000).toISOString().slice(0, 10)
  return {
    publicationNumber: p.publicationNumber,
    title: p.title,
    abstract: p.abstract,
    keywords: p.keywords,
    ipc: p.ipc,
    applicants: [applicantName(k)],
    legalStatus: p.legalStatus,
    transferModes: p.transferModes,
    language: p.language,
    filingDate: day,
  }
}

const indexOf = (pn: string): number => Number(pn.slice(2, -(pn.endsWith('B2') ? 2 : 1))) - (pn.startsWith('US') ? 10_000_000 : 200_000_000)

interface BenchQuery {
  kind: 'zh-need-12' | 'zh-words' | 'en-words' | 'empty'
  q: string
  filter: string
  filters: SearchFilters
}

const FILTERS: Array<[string, SearchFilters]> = [
  ['none', {}],
  ['ipc section G', { ipc: 'G' }],
  ['ipc subclass G06F', { ipc: 'G06F' }],
  ['ipc group G06F16', { ipc: 'G06F16' }],
  ['applicant (large)', { applicant: applicantName(0) }],
  ['applicant (small)', { applicant: applicantName(900) }],
  ['transferMode license', { transferMode: 'license' }],
  ['legalStatus granted', { legalStatus: 'granted' }],
]

export function benchQueries(): BenchQuery[] {
  const analyzer = createAnalyzer(loadAnalysisResources())
  const v = loadVocabulary()
  const r = prng(7)
  const texts: Array<[BenchQuery['kind'], string]> = []
  for (const need of v.queries.slice(0, 40)) texts.push(['zh-need-12', need.slice(0, 12)])
  for (const need of v.queries.slice(40, 100)) {
    const words = [...new Set(analyzer.analyze(need))].filter((w) => w.length >= 2)
    if (words.length === 0) continue
    const n = 1 + Math.floor(r() * Math.min(4, words.length))
    const at = Math.floor(r() * (words.length - n + 1))
    texts.push(['zh-words', words.slice(at, at + n).join(' ')])
  }
  for (const d of v.en.slice(0, 40)) {
    const words = d.title.split(/[^A-Za-z]+/).filter((w) => w.length >= 4)
    if (words.length === 0) continue
    const n = 1 + Math.floor(r() * Math.min(3, words.length))
    texts.push(['en-words', words.slice(0, n).join(' ')])
  }
  const out: BenchQuery[] = []
  // every text without filters, and every text with one filter (taken in turn)
  texts.forEach(([kind, q], i) => {
    out.push({ kind, q, filter: 'none', filters: {} })
    const [name, filters] = FILTERS[1 + (i % (FILTERS.length - 1))]!
    out.push({ kind, q, filter: name, filters })
  })
  for (const [name, filters] of FILTERS) out.push({ kind: 'empty', q: '', filter: name, filters })
  return out
}

export async function runSearchBench(o: SearchBenchOptions): Promise<Record<string, unknown>> {
  const N = o.size
  const out: Record<string, unknown> = { size: N, impl: o.impl }
  gcNow()
  const analyzer = createAnalyzer(loadAnalysisResources())
  const vocab = loadVocabulary()
  const gen = new CorpusGenerator(vocab, N)
  // a sample keeps every n-th text, with and without its filter (queries come in those pairs)
  const queries = benchQueries().filter((_, i) => Math.floor(i / 2) % (o.sampleEvery ?? 1) === 0)
  analyzer.analyze('预热', { subwords: true })
  gcNow()
  out['baselineRssMB'] = mb(process.memoryUsage().rss)
  out['loadAverageBefore'] = loadavg().map((x) => Math.round(x * 100) / 100)

  const stored = async (pns: string[]) => pns.map((pn) => searchDoc(gen.patent(indexOf(pn)), indexOf(pn)))
  // with the matcher, one dictionary of terms for both, as in the service's process
  const dictionary = new TermDictionary()
  const index: SearchIndex & { stats?: () => Record<string, number> } =
    o.impl === 'embedded' ? createEmbeddedSearchIndex(analyzer, { stored, dictionary }) : createLegacyEmbeddedSearchIndex(analyzer)
  const matcher = o.withMatcher ? new MatchIndex(analyzer, { dictionary }) : undefined

  // ---- build from composed terms (composition not timed), in batches as the rebuild's scan or an
  // index job gives them, the event loop turning between batches (as it does in the service while
  // the next batch is read from Redis): how long the process is blocked at a stretch is measured
  // by the longest upsert call, the event loop's delay, and the index's own account of its seals
  const composer = new TermComposer(analyzer)
  const batch = o.batch ?? 1000
  let buildMs = 0
  let matcherMs = 0
  let longestUpsertMs = 0
  let longestUpsertAt = 0
  let upsertsOver50 = 0
  let longestMatcherMs = 0
  let longestMatcherAt = 0
  const loopDelay = monitorEventLoopDelay({ resolution: 5 })
  // garbage collections (their pauses block the event loop too, whatever the index does)
  const gcPauses: Array<{ at: number; ms: number }> = []
  const gcObserver = new PerformanceObserver((list) => {
    if (watching) for (const e of list.getEntries()) gcPauses.push({ at: e.startTime, ms: e.duration })
  })
  gcObserver.observe({ entryTypes: ['gc'] })
  // watched once the composer's cache is warm (its first analyses of units take long turns) and the index is large
  const watchFrom = Math.min(100_000, Math.floor(N / 10))
  let watching = false
  const t = performance.now()
  for (let start = 0; start < N; start += batch) {
    const docs: SearchDocument[] = []
    const terms: AnalyzedPatent[] = []
    const patents: SyntheticPatent[] = []
    for (let i = start; i < Math.min(N, start + batch); i++) {
      const p = gen.patent(i)
      patents.push(p)
      docs.push(searchDoc(p, i))
      terms.push(composer.terms(p))
    }
    // as an index job gets them from the analysis threads: one vocabulary for the batch (not timed)
    const batchTerms = TermBatch.of(terms)
    if (matcher !== undefined) {
      const t1 = performance.now()
      patents.forEach((p, k) => matcher.upsertFrom(p, batchTerms, k))
      const ms = performance.now() - t1
      matcherMs += ms
      if (ms > longestMatcherMs) [longestMatcherMs, longestMatcherAt] = [ms, start]
    }
    // the composition (which the service does not do: it reads stored terms) in a turn of its own
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (start >= watchFrom && !watching) {
      loopDelay.enable()
      watching = true
    }
    const t0 = performance.now()
    await index.upsert(docs, batchTerms)
    const ms = performance.now() - t0
    buildMs += ms
    if (ms > longestUpsertMs) [longestUpsertMs, longestUpsertAt] = [ms, start]
    if (ms > 50) upsertsOver50++
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (Math.floor(start / 100_000) !== Math.floor((start + batch) / 100_000)) log(`search ${o.impl} ${N}: indexed ${start + docs.length} (${((performance.now() - t) / 1000).toFixed(0)} s)`)
  }
  const wallBuildMs = performance.now() - t
  // a seal still running in the background is let finish before the queries
  const embedded = index as Partial<ReturnType<typeof createEmbeddedSearchIndex>>
  if (embedded.settled !== undefined) await embedded.settled()
  loopDelay.disable()
  gcObserver.disconnect()
  const st = index.stats?.() ?? {}
  // the seal's long slices, less the collector's pauses that fell inside them
  const slices = embedded.longSealSlices?.() ?? []
  const overlap = (s: { at: number; ms: number }, g: { at: number; ms: number }) => Math.max(0, Math.min(s.at + s.ms, g.at + g.ms) - Math.max(s.at, g.at))
  const lessGc = slices.map((s) => s.ms - gcPauses.reduce((a, g) => a + overlap(s, g), 0))
  out['buildBlocking'] = {
    batch,
    wallBuildSec: Math.round(wallBuildMs / 100) / 10,
    untilSettledSec: Math.round((performance.now() - t) / 100) / 10,
    longestUpsertMs: Math.round(longestUpsertMs * 10) / 10,
    longestUpsertAt,
    ...(matcher === undefined ? {} : { longestMatcherBatchMs: Math.round(longestMatcherMs * 10) / 10, longestMatcherBatchAt: longestMatcherAt }),
    upsertsOver50ms: upsertsOver50,
    eventLoopWatchedFrom: watchFrom,
    eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e5) / 10,
    eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e5) / 10,
    gcLongestMs: Math.round(Math.max(0, ...gcPauses.map((g) => g.ms)) * 10) / 10,
    gcOver50ms: gcPauses.filter((g) => g.ms > 50).length,
    gcSec: Math.round(gcPauses.reduce((a, g) => a + g.ms, 0) / 100) / 10,
    seals: st['seals'],
    sealMs: st['sealMs'],
    sealWallMs: st['sealWallMs'],
    sealLongestSliceMs: st['sealLongestSliceMs'],
    sealLongestStepMs: st['sealLongestStepMs'],
    sealLongestSwapMs: st['sealLongestSwapMs'],
    sealSlicesOver10ms: st['sealSlicesOver10ms'],
    sealSlicesOver20ms: st['sealSlicesOver20ms'],
    sealLongestSliceLessGcMs: slices.length === 0 ? undefined : Math.round(Math.max(...lessGc) * 10) / 10,
    // the process's CPU time in the longest slice (all its threads: the collector's helpers too)
    sealLongestSliceCpuMs: slices.length === 0 ? undefined : Math.round(slices.reduce((a, s) => (s.ms > a.ms ? s : a)).cpuMs * 10) / 10,
    sealLongSlices: slices.map((s, i) => ({ ms: Math.round(s.ms * 10) / 10, lessGcMs: Math.round(lessGc[i]! * 10) / 10, cpuMs: Math.round(s.cpuMs * 10) / 10 })),
    sealSteps: st['sealSteps'],
  }
  log(`search ${o.impl} ${N}: blocking ${JSON.stringify({ ...(out['buildBlocking'] as object), sealLongSlices: undefined })}`)
  composer.clear()
  out['indexPerSec'] = Math.round((N / buildMs) * 1000)
  if (matcher !== undefined) out['matcherIndexPerSec'] = Math.round((N / matcherMs) * 1000)
  log(`search ${o.impl} ${N}: built, ${out['indexPerSec']}/s`)

  // ---- memory: the analyser, the index (and the matcher) are left
  gcNow()
  const m = process.memoryUsage()
  out['memoryAfterGcMB'] = { rss: mb(m.rss), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) }
  out['peakRssMB'] = Math.round(process.resourceUsage().maxRSS / 1024)
  if (index.stats !== undefined) out['indexStats'] = index.stats()
  log(`search ${o.impl} ${N}: memory ${JSON.stringify(out['memoryAfterGcMB'])}, peak ${out['peakRssMB']} MB`)

  // ---- the snapshot: saved, loaded into a new index, every 4th query answered alike
  if (o.snapshot && o.impl === 'embedded') {
    const loaded = createEmbeddedSearchIndex(analyzer, { stored })
    const sample = queries.filter((_, i) => i % 4 === 0)
    out['snapshot'] = await snapshotStep(
      (index as ReturnType<typeof createEmbeddedSearchIndex>).snapshot!,
      () => loaded.snapshot!,
      async () => {
        let differing = 0
        for (const q of sample) {
          const query = { q: q.q, filters: q.filters, limit: 20, offset: 0 }
          if (JSON.stringify(await loaded.search(query)) !== JSON.stringify(await index.search(query))) differing++
        }
        return { compared: sample.length, differing }
      },
      `search ${N}`,
    )
    await loaded.clear()
    gcNow()
  }

  // ---- queries, warm (the first ten once, untimed)
  for (const q of queries.slice(0, 10)) await index.search({ q: q.q, filters: q.filters, limit: 20, offset: 0 })
  out['loadAverage'] = loadavg().map((x) => Math.round(x * 100) / 100)
  // each query 3 times: its wall time is the median of the 3 (a shared machine preempts a run now
  // and then), and its CPU time (this process's user + system) the median too, which waiting for
  // the CPU does not inflate
  const rows: Array<{ kind: string; filter: string; q: string; ms: number; cpuMs: number; total: number; top: string[] }> = []
  const median3 = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!
  for (const q of queries) {
    const wall: number[] = []
    const cpu: number[] = []
    let r: SearchResult | undefined
    for (let run = 0; run < 3; run++) {
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      r = await index.search({ q: q.q, filters: q.filters, limit: 20, offset: 0 })
      wall.push(performance.now() - t0)
      const c = process.cpuUsage(c0)
      cpu.push((c.user + c.system) / 1000)
      if (wall[0]! > 3000) break // the legacy index at large sizes: one run is enough to tell
    }
    const ms = wall.length === 3 ? median3(wall) : wall[0]!
    rows.push({ kind: q.kind, filter: q.filter, q: q.q, ms, cpuMs: cpu.length === 3 ? median3(cpu) : cpu[0]!, total: r!.total, top: r!.hits.map((h) => h.publicationNumber) })
    if (ms > 1000) log(`search ${o.impl} ${N}: ${q.kind} "${q.q}" [${q.filter}] ${ms.toFixed(0)} ms, total ${r!.total}`)
  }
  const by = (pick: (r: (typeof rows)[number]) => boolean) => summary(rows.filter(pick).map((r) => r.ms))
  out['searchMs'] = {
    all: by(() => true),
    textNoFilter: by((r) => r.kind !== 'empty' && r.filter === 'none'),
    textFiltered: by((r) => r.kind !== 'empty' && r.filter !== 'none'),
    zhNeed12: by((r) => r.kind === 'zh-need-12'),
    zhWords: by((r) => r.kind === 'zh-words'),
    enWords: by((r) => r.kind === 'en-words'),
    empty: by((r) => r.kind === 'empty'),
    ...Object.fromEntries(FILTERS.slice(1).map(([name]) => [`filter ${name}`, by((r) => r.kind !== 'empty' && r.filter === name)])),
  }
  out['cpuMs'] = { all: summary(rows.map((r) => r.cpuMs)), text: summary(rows.filter((r) => r.kind !== 'empty').map((r) => r.cpuMs)), empty: summary(rows.filter((r) => r.kind === 'empty').map((r) => r.cpuMs)) }
  out['totals'] = summary(rows.map((r) => r.total))
  out['loadAverageAfter'] = loadavg().map((x) => Math.round(x * 100) / 100)
  out['rows'] = rows.map((r) => ({ ...r, ms: Math.round(r.ms * 100) / 100, cpuMs: Math.round(r.cpuMs * 100) / 100 }))
  log(`search ${o.impl} ${N}: ${JSON.stringify(out['searchMs'])}`)
  return out
}

/** How far two runs' answers agree, query by query: the same total, the same first 20 in order, overlap of the first 10. */
export function agreement(a: Array<{ q: string; filter: string; total: number; top: string[] }>, b: typeof a) {
  const key = (r: { q: string; filter: string }) => `${r.q}\u0000${r.filter}`
  const other = new Map(b.map((r) => [key(r), r]))
  let n = 0
  let sameTotal = 0
  let sameTop = 0
  let overlap10 = 0
  for (const r of a) {
    const s = other.get(key(r))
    if (s === undefined) continue
    n++
    if (r.total === s.total) sameTotal++
    if (JSON.stringify(r.top) === JSON.stringify(s.top)) sameTop++
    const top10 = new Set(s.top.slice(0, 10))
    const both = r.top.slice(0, 10).filter((x) => top10.has(x)).length
    overlap10 += Math.max(r.top.slice(0, 10).length, s.top.slice(0, 10).length) === 0 ? 1 : both / Math.max(r.top.slice(0, 10).length, s.top.slice(0, 10).length)
  }
  const r2 = (x: number) => Math.round(x * 1000) / 1000
  return { queries: n, sameTotal: r2(sameTotal / n), sameTop20: r2(sameTop / n), overlapTop10: r2(overlap10 / n) }
}
