/**
 * Reverse matching at scale (issue 15 item 4), in process: `size` patents indexed, `needs` open
 * needs prepared (their full matches timed: what the `match-need` jobs cost), then `batches`
 * batches of 500 new patents, each re-scored against every open need from the prepared needs
 * (tolerantly, as `rematchPatents` does, or exactly with `exact`; a need whose prepared state no
 * longer holds is prepared again, and its current matches scored with the batch). The old path, match(need, { only: batch ∪
 * current matches }) for every need, is timed on every `oldEvery`-th need of each batch and
 * scaled to all of them. Needs are the cn-g06f-dev queries, each title with another query as its
 * description, so that no two are the same.
 */
import { loadavg } from 'node:os'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { MatchIndex, type NeedQuery, type PreparedNeed } from '../src/domain/matching/index.js'
import { createAnalyzer } from '../src/domain/text/analyzer.js'
import { CorpusGenerator, loadVocabulary, TermComposer } from './corpus.js'
import { gcNow, log, mb, summary } from './stats.js'

export interface RescoreOptions {
  size: number
  needs: number
  batches: number
  /** Patents a batch (default 500: an index job's; a reverse-matching pass takes up to REMATCH_STEP at once). */
  batchSize?: number
  oldEvery: number
  /** Rescore exactly (a need whose prepared state no longer holds is prepared again) instead of tolerantly, as the service does. */
  exact?: boolean
}

const KEPT = 100

export async function runRescoreBench(o: RescoreOptions): Promise<Record<string, unknown>> {
  const analyzer = createAnalyzer(loadAnalysisResources())
  const vocab = loadVocabulary()
  const batchSize = o.batchSize ?? 500
  const gen = new CorpusGenerator(vocab, o.size + o.batches * batchSize)
  const composer = new TermComposer(analyzer)
  const index = new MatchIndex(analyzer)
  const out: Record<string, unknown> = { size: o.size, needs: o.needs, batches: o.batches, batchSize: batchSize, exact: o.exact === true, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100) }
  let t = performance.now()
  for (let i = 0; i < o.size; i++) {
    const p = gen.patent(i)
    index.upsert(p, composer.terms(p))
  }
  log(`rescore: indexed ${o.size} in ${((performance.now() - t) / 1000).toFixed(0)} s`)
  const q = vocab.queries
  const needs: NeedQuery[] = Array.from({ length: o.needs }, (_, i) => ({ title: q[i % q.length]!, description: q[(i * 7 + 3) % q.length]! }))
  // --- the needs' full matches, prepared on the way (what match-need does)
  gcNow()
  const heapBefore = process.memoryUsage().heapUsed
  const prepared: PreparedNeed[] = []
  /** Each need's matches as the service keeps them: the best KEPT by evidence. */
  const current: Map<string, number>[] = []
  const keep = (m: Map<string, number>) => new Map([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, KEPT))
  const prepareMs: number[] = []
  t = performance.now()
  for (const need of needs) {
    const t0 = performance.now()
    const r = index.prepare(need, { limit: KEPT })
    prepareMs.push(performance.now() - t0)
    prepared.push(r.prepared)
    current.push(new Map(r.results.map((x) => [x.publicationNumber, x.evidence])))
  }
  gcNow()
  out['prepareMs'] = summary(prepareMs)
  out['preparedKBPerNeed'] = Math.round((process.memoryUsage().heapUsed - heapBefore) / o.needs / 1024)
  log(`rescore: ${o.needs} needs matched and prepared in ${((performance.now() - t) / 1000).toFixed(0)} s`)

  const rows: Array<Record<string, number>> = []
  let next = o.size
  for (let b = 0; b < o.batches; b++) {
    const batch: string[] = []
    t = performance.now()
    for (let i = 0; i < batchSize; i++) {
      const p = gen.patent(next++)
      index.upsert(p, composer.terms(p))
      batch.push(p.publicationNumber)
    }
    const indexMs = performance.now() - t
    // --- the prepared path
    t = performance.now()
    const set = index.scoringSet(batch)
    let again = 0
    let all = 0
    let stale = 0
    let touched = 0
    // the service yields to the event loop every 20 needs: the longest run of 20 is the longest a
    // match-need job of the same process waits for it
    let pageMax = 0
    let pageAt = performance.now()
    for (let k = 0; k < needs.length; k++) {
      if (k % 20 === 0) {
        const now = performance.now()
        pageMax = Math.max(pageMax, now - pageAt)
        pageAt = now
      }
      const cur = current[k]!
      const above = cur.size === KEPT ? [...cur.values()].at(-1)! : -Infinity
      const r = index.rescore(prepared[k]!, set, { limit: KEPT, also: cur.keys(), above, tolerant: o.exact !== true })
      let results = r?.results
      if (r === undefined) {
        again++
        const p = index.prepare(needs[k]!, { limit: KEPT, only: new Set([...batch, ...cur.keys()]) })
        prepared[k] = p.prepared
        results = p.results
      } else if (r.all) all++
      if (r?.stale === true) stale++
      if (results!.some((x) => !cur.has(x.publicationNumber))) touched++
      const next = r === undefined || r.all ? new Map<string, number>() : cur
      for (const x of results!) next.set(x.publicationNumber, x.evidence)
      current[k] = keep(next)
    }
    pageMax = Math.max(pageMax, performance.now() - pageAt)
    const preparedMs = performance.now() - t
    // --- the old path, on a sample of the needs
    t = performance.now()
    let sampled = 0
    for (let k = 0; k < needs.length; k += o.oldEvery) {
      index.match(needs[k]!, { limit: KEPT, only: new Set([...batch, ...current[k]!.keys()]) })
      sampled++
    }
    const oldMs = ((performance.now() - t) / sampled) * needs.length
    // the old path held the event loop for a page of 200 needs
    const oldPageMs = (oldMs / needs.length) * Math.min(200, needs.length)
    rows.push({ batch: b + 1, indexMs: Math.round(indexMs), preparedMs: Math.round(preparedMs), preparedAgain: again, stale, scoredWithCurrent: all, needsWithNewMatches: touched, pageMaxMs: Math.round(pageMax), oldPageMsEstimated: Math.round(oldPageMs), oldMsEstimated: Math.round(oldMs), oldSampled: sampled })
    log(`rescore: batch ${b + 1}/${o.batches}: ${JSON.stringify(rows.at(-1))}`)
  }
  out['batches'] = rows
  const sum = (k: string) => rows.reduce((s, r) => s + r[k]!, 0)
  out['totals'] = { preparedMs: sum('preparedMs'), oldMsEstimated: sum('oldMsEstimated'), preparedAgain: sum('preparedAgain'), speedup: Math.round((10 * sum('oldMsEstimated')) / Math.max(1, sum('preparedMs'))) / 10 }
  out['rssMB'] = mb(process.memoryUsage().rss)
  composer.clear()
  return out
}
