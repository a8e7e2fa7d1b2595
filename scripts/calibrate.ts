/**
 * Fits the curve from ranking score to probability of relevance (`src/domain/matching/calibration.ts`)
 * on a hand-judged set, and checks it on the others.
 *
 *   npm run calibrate [-- <judged dataset dir>] [--check <dir> …] [--write] [--cross-validate]
 *
 * For each need of the judged set, the matcher's best `--depth` (default 20) patents with their
 * ranking scores; the patents judged for the need (unjudged ones are left out: their relevance is
 * not known) give pairs (ln score, ln score / the need's best score, title coverage; relevant =
 * grade ≥ 1), and a
 * logistic regression over them
 * (Newton's method, a small ridge for stability) gives intercept and slope. Prints the fit and,
 * for each set, a reliability table: predicted probability against the share found relevant.
 * `--write` stores the fit in `src/domain/matching/calibration.json`.
 *
 * `--cross-validate` also says what the fit is worth on needs it has not seen: each need's pushes
 * (routing defaults: score ≥ 0.5, at most 5, in the order of the evidence, among its best `--depth`)
 * scored by a fit on the other needs alone (leave one need out), beside the pushes of the fit on
 * all of them; unjudged pushes count as not relevant, as in `npm run eval`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { calibrate, features, type Calibration, type MatchEvidence } from '../src/domain/matching/calibration.js'
import { MatchIndex, type MatchIndexOptions } from '../src/domain/matching/index.js'
import { createAnalyzer, type Analyzer } from '../src/domain/text/analyzer.js'
import { needOf, readJsonl, readJudgements, receivedFigures, selectPushes, type CorpusDoc, type Judgements, type Query, type Ranked } from './eval-metrics.js'
import { EVAL_ROOT, toMatchable } from './eval.js'

const log = (msg: string): void => void process.stderr.write(`${msg}\n`)

/** A match's evidence, its features (`features`) and whether it is relevant. */
interface Pair {
  e: MatchEvidence
  x: number[]
  y: number
}

/** Each need's best `depth` matches in the order of their evidence, judged or not (`y` undefined). */
interface NeedMatches {
  need: string
  matches: { id: string; e: MatchEvidence; x: number[]; y: number | undefined }[]
}

/** The judged pairs (features, relevant) among each need's best `depth` patents. */
function pairsOf(analyzer: Analyzer, dir: string, depth: number, options: MatchIndexOptions): Pair[] {
  return matchesOf(analyzer, dir, depth, options).needs.flatMap(judged)
}

function judged(n: NeedMatches): Pair[] {
  return n.matches.filter((m) => m.y !== undefined).map((m) => ({ e: m.e, x: m.x, y: m.y! }))
}

function matchesOf(analyzer: Analyzer, dir: string, depth: number, options: MatchIndexOptions): { needs: NeedMatches[]; j: Judgements } {
  const corpus = readJsonl<CorpusDoc>(join(dir, 'corpus.jsonl'))
  const queries = readJsonl<Query>(join(dir, 'queries.jsonl'))
  const j = readJudgements(dir)
  const index = new MatchIndex(analyzer, { ...options, calibration: null })
  for (const d of corpus) index.upsert(toMatchable(d))
  const out: NeedMatches[] = []
  for (const q of queries) {
    const grades = j.grades.get(q.id)
    if (!grades) continue
    const results = index.match(needOf(q), { limit: depth })
    const best = results[0]?.score ?? 0
    const matches: NeedMatches['matches'] = []
    for (const r of results) {
      if (!(r.score > 0)) continue
      const g = grades.get(r.publicationNumber) ?? (j.complete ? 0 : undefined)
      const e = { score: r.score, best, titleCoverage: r.explanation.titleCoverage }
      matches.push({ id: r.publicationNumber, e, x: features(e), y: g === undefined ? undefined : g >= 1 ? 1 : 0 })
    }
    out.push({ need: q.id, matches })
  }
  return { needs: out, j }
}

/** What the routing defaults push, each need's matches scored by `fitFor(need)`. */
function pushesWith(needs: NeedMatches[], j: Judgements, fitFor: (need: string) => Calibration): ReturnType<typeof receivedFigures> {
  const runs = new Map<string, Ranked[]>()
  for (const n of needs) {
    const c = fitFor(n.need)
    runs.set(n.need, n.matches.map((m) => ({ id: m.id, score: calibrate(m.e, c) })))
  }
  return receivedFigures(selectPushes(runs), j)
}

/** The pushes of the fit on every need beside those of a fit without the need at hand (leave one need out). */
function crossValidate(name: string, needs: NeedMatches[], j: Judgements, all: Calibration, depth: number): void {
  const held = new Map(needs.map((n) => [n.need, toCalibration(fitLogistic(needs.filter((o) => o.need !== n.need).flatMap(judged)))]))
  const line = (label: string, f: ReturnType<typeof receivedFigures>) =>
    log(
      `  ${label}: push precision ${f.precision ?? '—'} (${f.relevant} of ${f.pushes}, unjudged ${f.unjudged}), needs with a relevant patent pushed ${f.needsWithRelevantPushed}/${f.needsWithRelevant}, pushes to the ${f.needsWithoutRelevant} needs with nothing relevant ${f.pushesToNeedsWithoutRelevant}`,
    )
  log(`${name}, pushes at the routing defaults among each need's best ${depth}:`)
  line('fitted on every need', pushesWith(needs, j, () => all))
  line('each need left out of its fit', pushesWith(needs, j, (need) => held.get(need)!))
}

/** Logistic regression y ~ σ(w · (1, x…)) by Newton's method, with a small ridge on the slopes. */
export function fitLogistic(pairs: Pair[], ridge = 1e-3): number[] {
  const k = pairs[0]!.x.length + 1
  const w = new Array<number>(k).fill(0)
  const row = (p: Pair) => [1, ...p.x]
  for (let iter = 0; iter < 100; iter++) {
    const g = w.map((wi, i) => (i === 0 ? 0 : -ridge * wi))
    const h = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j && i > 0 ? ridge : 0)))
    for (const p of pairs) {
      const x = row(p)
      const q = 1 / (1 + Math.exp(-x.reduce((s, xi, i) => s + xi * w[i]!, 0)))
      for (let i = 0; i < k; i++) {
        g[i]! += (p.y - q) * x[i]!
        for (let j = 0; j < k; j++) h[i]![j]! += q * (1 - q) * x[i]! * x[j]!
      }
    }
    const step = solve(h, g)
    if (step === undefined) break
    let moved = 0
    for (let i = 0; i < k; i++) {
      w[i]! += step[i]!
      moved += Math.abs(step[i]!)
    }
    if (moved < 1e-10) break
  }
  return w
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length
  const m = a.map((r, i) => [...r, b[i]!])
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r
    if (Math.abs(m[p]![c]!) < 1e-12) return undefined
    ;[m[c], m[p]] = [m[p]!, m[c]!]
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = m[r]![c]! / m[c]![c]!
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!
    }
  }
  return m.map((r, i) => r[n]! / r[i]!)
}

const toCalibration = (w: number[]): Calibration => ({ intercept: w[0]!, slope: w[1]!, relativeSlope: w[2]!, titleCoverageSlope: w[3]! })

function reliability(name: string, pairs: Pair[], c: Calibration): void {
  const bins = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01]
  log(`${name}: ${pairs.length} judged pairs, ${pairs.filter((p) => p.y === 1).length} relevant`)
  for (let i = 0; i + 1 < bins.length; i++) {
    const prob = (p: Pair) => calibrate(p.e, c)
    const inBin = pairs.filter((p) => prob(p) >= bins[i]! && prob(p) < bins[i + 1]!)
    if (inBin.length === 0) continue
    const mean = inBin.reduce((s, p) => s + prob(p), 0) / inBin.length
    const share = inBin.filter((p) => p.y === 1).length / inBin.length
    log(`  predicted ${bins[i]!.toFixed(1)}–${Math.min(1, bins[i + 1]!).toFixed(1)}: ${String(inBin.length).padStart(5)} pairs, mean ${mean.toFixed(3)}, found relevant ${share.toFixed(3)}`)
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      check: { type: 'string', multiple: true },
      depth: { type: 'string', default: '20' },
      write: { type: 'boolean', default: false },
      'cross-validate': { type: 'boolean', default: false },
      options: { type: 'string', default: '{}' },
    },
  })
  const dir = positionals[0] ?? join(EVAL_ROOT, 'real-needs-dev')
  const checks = values.check ?? [join(EVAL_ROOT, 'cn-g06f-dev')]
  const analyzer = createAnalyzer(loadAnalysisResources())
  const depth = Number(values.depth)
  const options = JSON.parse(values.options!) as MatchIndexOptions
  const { needs, j } = matchesOf(analyzer, dir, depth, options)
  const pairs = needs.flatMap(judged)
  const fit = toCalibration(fitLogistic(pairs))
  const name = dir.replace(/\/+$/, '').split('/').pop()!
  log(`fit on ${name}: intercept ${fit.intercept.toFixed(4)}, slope ${fit.slope.toFixed(4)}, relative slope ${fit.relativeSlope.toFixed(4)}, title coverage slope ${fit.titleCoverageSlope.toFixed(4)}`)
  reliability(name, pairs, fit)
  if (values['cross-validate']) crossValidate(name, needs, j, fit, depth)
  for (const c of checks) reliability(c.replace(/\/+$/, '').split('/').pop()!, pairsOf(analyzer, c, depth, options), fit)
  if (values.write) {
    const file = fileURLToPath(new URL('../src/domain/matching/calibration.json', import.meta.url))
    const out = {
      intercept: Math.round(fit.intercept * 1e4) / 1e4,
      slope: Math.round(fit.slope * 1e4) / 1e4,
      relativeSlope: Math.round(fit.relativeSlope * 1e4) / 1e4,
      titleCoverageSlope: Math.round(fit.titleCoverageSlope * 1e4) / 1e4,
      fittedOn: `${name}: the best ${depth} patents of each need, ${pairs.length} judged pairs (grade ≥ 1 relevant)`,
    }
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`)
    log(`wrote ${file}`)
  }
}

await main()
