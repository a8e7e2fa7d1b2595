/**
 * Matching quality on the judged sets (see ../shared/eval/README.md), as users would see it.
 *
 *   npm run eval [-- <dataset dir> …] [--queries all|odd|even] [--options '<MatchIndexOptions JSON>'] [--only patent-bridge] [--json]
 *
 * Without a directory: every data set under ../shared/eval that has needs (`queries.jsonl`).
 * For each set and method, one row: P@5 (grade ≥ 1, and strict: grade 2), the unjudged patents
 * in the top 5s, nDCG@10, recall@100 and MRR; for the service's matcher also what operations
 * centres would receive with the routing defaults (push precision, needs reached, pushes to needs
 * with nothing relevant). Comparators: `bm25` (plain BM25 over the same jieba tokens, title ×2)
 * and `natural-tfidf` (natural's TfIdf on raw strings). `--json` prints one JSON line per row.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import TfIdf from 'natural/lib/natural/tfidf/tfidf.js'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { MatchIndex, type MatchIndexOptions, type MatchablePatent } from '../src/domain/matching/index.js'
import { createAnalyzer, type Analyzer } from '../src/domain/text/analyzer.js'
import { needOf, readJsonl, readJudgements, reportLine, type CorpusDoc, type Query, type Ranked } from './eval-metrics.js'

export { needOf, readJsonl, readJudgements, type CorpusDoc, type Query } from './eval-metrics.js'

const log = (msg: string): void => void process.stderr.write(`${msg}\n`)

/** The shared evaluation data beside the repository. */
export const EVAL_ROOT = fileURLToPath(new URL('../../shared/eval', import.meta.url))

const queryText = (q: Query): string => [q.title ?? '', q.text].join('\n')

/** Plain BM25 (k1 1.2, b 0.75) over the analyser's search-mode jieba tokens, title counted twice. */
function runBm25(analyzer: Analyzer, corpus: CorpusDoc[], queries: Query[]): Map<string, Ranked[]> {
  const docs = corpus.map((d) => {
    const title = analyzer.analyze(d.title, { subwords: true })
    return [...title, ...title, ...analyzer.analyze(d.abstract, { subwords: true })]
  })
  const tfs = docs.map((tokens) => {
    const m = new Map<string, number>()
    for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1)
    return m
  })
  const df = new Map<string, number>()
  for (const m of tfs) for (const t of m.keys()) df.set(t, (df.get(t) ?? 0) + 1)
  const N = docs.length
  const avg = docs.reduce((s, d) => s + d.length, 0) / N
  const runs = new Map<string, Ranked[]>()
  for (const q of queries) {
    const terms = analyzer.analyze(queryText(q), { subwords: true })
    const scores = tfs.map((m, i) => {
      let s = 0
      for (const t of terms) {
        const tf = m.get(t)
        if (!tf) continue
        const n = df.get(t)!
        const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5))
        s += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * docs[i]!.length) / avg))
      }
      return s
    })
    runs.set(q.id, rank(corpus, scores))
  }
  return runs
}

/** natural's TfIdf on the raw strings (its tokenizer drops Chinese: the README's floor). */
function runNaturalTfidf(corpus: CorpusDoc[], queries: Query[]): Map<string, Ranked[]> {
  const tfidf = new TfIdf()
  for (const d of corpus) tfidf.addDocument(`${d.title} ${d.abstract}`)
  const runs = new Map<string, Ranked[]>()
  for (const q of queries) runs.set(q.id, rank(corpus, tfidf.tfidfs(queryText(q))))
  return runs
}

function rank(corpus: CorpusDoc[], scores: number[]): Ranked[] {
  return scores
    .map((s, i) => ({ score: s, id: corpus[i]!.id }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, 100)
}

export function toMatchable(d: CorpusDoc): MatchablePatent {
  return {
    publicationNumber: d.id,
    title: d.title,
    abstract: d.abstract,
    keywords: d.keywords ?? [],
    ipc: d.cpc ?? [],
    applicants: d.applicants ?? [],
    legalStatus: 'granted',
    status: 'listed',
    transferModes: [],
  }
}

function runPatentBridge(analyzer: Analyzer, corpus: CorpusDoc[], queries: Query[], options: MatchIndexOptions): Map<string, Ranked[]> {
  const index = new MatchIndex(analyzer, options)
  let t0 = performance.now()
  for (const d of corpus) index.upsert(toMatchable(d))
  const buildMs = performance.now() - t0
  log(`patent-bridge: indexed ${index.size} patents in ${buildMs.toFixed(0)} ms (${Math.round((index.size / buildMs) * 1000)}/s)`)
  const runs = new Map<string, Ranked[]>()
  const times: number[] = []
  const ipcOf = new Map(corpus.map((d) => [d.id, d.cpc ?? []]))
  for (const q of queries) {
    t0 = performance.now()
    const results = index.match(needOf(q), { limit: 100 })
    times.push(performance.now() - t0)
    runs.set(
      q.id,
      results.map((r) => ({ id: r.publicationNumber, score: r.score, ipc: ipcOf.get(r.publicationNumber) ?? [] })),
    )
  }
  times.sort((a, b) => a - b)
  const pct = (p: number): string => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2)
  log(`patent-bridge: match p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms over ${times.length} needs`)
  return runs
}

/** The data sets under a root: folders with needs and judgements. */
export function dataSets(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'queries.jsonl')))
    .map((e) => join(root, e.name))
    .sort()
}

const fmt = (x: unknown): string => (x === null || x === undefined ? '—' : typeof x === 'number' ? String(x) : String(x))

/** A row as a person reads it. */
export function formatRow(row: Record<string, unknown>): string {
  const push = row.push as Record<string, number | null> | undefined
  const head = `${String(row.dataset)}  ${String(row.method).padEnd(22)} P@5 ${fmt(row.p5)} (strict ${fmt(row.p5Strict)}, unjudged ${fmt(row.unjudgedTop5)} = ${fmt(row.unjudgedTop5Share)})  nDCG@10 ${fmt(row.ndcg10)}  recall@100 ${fmt(row.recall100)}  MRR ${fmt(row.mrr)}`
  if (!push) return head
  return (
    `${head}\n${' '.repeat(String(row.dataset).length + 2)}${'pushes'.padEnd(22)} ` +
    `precision ${fmt(push.precision)} (${fmt(push.relevant)} of ${fmt(push.pushes)}, unjudged ${fmt(push.unjudged)}) at score ≥ ${fmt(push.minScore)}, ≤ ${fmt(push.maxPerNeed)} a need; ` +
    `needs with a relevant patent pushed ${fmt(push.needsWithRelevantPushed)}/${fmt(push.needsWithRelevant)} (a relevant push ${fmt(push.needsWithRelevantRelevantPushed)}); ` +
    `pushes to the ${fmt(push.needsWithoutRelevant)} needs with nothing relevant ${fmt(push.pushesToNeedsWithoutRelevant)}`
  )
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      queries: { type: 'string', default: 'all' },
      options: { type: 'string', default: '{}' },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  const dirs = positionals.length > 0 ? positionals : dataSets(EVAL_ROOT)
  const analyzer = createAnalyzer(loadAnalysisResources())
  const options = JSON.parse(values.options!) as MatchIndexOptions
  const want = (m: string): boolean => values.only === undefined || values.only === m
  for (const dir of dirs) {
    const name = dir.replace(/\/+$/, '').split('/').pop()!
    const corpus = readJsonl<CorpusDoc>(join(dir, 'corpus.jsonl'))
    let queries = readJsonl<Query>(join(dir, 'queries.jsonl'))
    if (values.queries === 'odd') queries = queries.filter((_, i) => i % 2 === 1)
    else if (values.queries === 'even') queries = queries.filter((_, i) => i % 2 === 0)
    const judgements = readJudgements(dir)
    log(`${name}: ${corpus.length} patents, ${queries.length} needs, ${judgements.grades.size} judged (${judgements.complete ? 'relevance by rule' : 'by hand'})`)
    const print = (method: string, runs: Map<string, Ranked[]>, withPush: boolean): void => {
      const row = reportLine(name, method, runs, judgements, withPush)
      process.stdout.write(`${values.json ? JSON.stringify(row) : formatRow(row)}\n`)
    }
    if (want('bm25')) print('bm25', runBm25(analyzer, corpus, queries), false)
    if (want('natural-tfidf')) print('natural-tfidf', runNaturalTfidf(corpus, queries), false)
    if (want('patent-bridge')) print('patent-bridge', runPatentBridge(analyzer, corpus, queries, options), true)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
