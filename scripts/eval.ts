/**
 * Matching quality on a judged set (see ../shared/eval/README.md).
 *
 *   npm run eval -- <dataset dir> [--queries all|odd|even] [--options '<MatchIndexOptions JSON>'] [--only patent-bridge]
 *
 * Prints one JSON line per method to stdout: the comparators `bm25` (plain BM25 over the same
 * jieba tokens, title ×2) and `natural-tfidf` (natural's TfIdf on raw strings), then
 * `patent-bridge` (the service's MatchIndex, through its public API). Progress goes to stderr.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import TfIdf from 'natural/lib/natural/tfidf/tfidf.js'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { MatchIndex, type MatchIndexOptions, type MatchablePatent } from '../src/domain/matching/index.js'
import { createAnalyzer, type Analyzer } from '../src/domain/text/analyzer.js'

export interface CorpusDoc {
  id: string
  title: string
  abstract: string
  keywords?: string[]
  cpc?: string[]
  lang?: string
}
export interface Query {
  id: string
  text: string
}
export type Qrels = Map<string, Map<string, number>>

const log = (msg: string): void => void process.stderr.write(`${msg}\n`)

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

export function readQrels(file: string): Qrels {
  const q: Qrels = new Map()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [qid, pid, grade] = line.split('\t')
    if (!qid || !pid || grade === undefined) continue
    let m = q.get(qid)
    if (!m) q.set(qid, (m = new Map()))
    m.set(pid, Number(grade))
  }
  return q
}

export interface Metrics {
  queries: number
  ndcg10: number
  recall100: number
  mrr: number
}

/** nDCG@10 (gain 2^g − 1), recall@100 of grade-2 patents, MRR of the first grade-2 patent. */
export function evaluate(runs: Map<string, string[]>, qrels: Qrels): Metrics {
  let ndcg = 0
  let recall = 0
  let mrr = 0
  let n = 0
  for (const [qid, ranked] of runs) {
    const judged = qrels.get(qid)
    if (!judged) continue
    n++
    let dcg = 0
    for (let i = 0; i < Math.min(10, ranked.length); i++) {
      const g = judged.get(ranked[i]!) ?? 0
      dcg += (2 ** g - 1) / Math.log2(i + 2)
    }
    const ideal = [...judged.values()].sort((a, b) => b - a).slice(0, 10)
    const idcg = ideal.reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0)
    ndcg += idcg > 0 ? dcg / idcg : 0
    const g2 = [...judged.values()].filter((g) => g === 2).length
    if (g2 > 0) recall += ranked.slice(0, 100).filter((p) => judged.get(p) === 2).length / g2
    const first = ranked.findIndex((p) => judged.get(p) === 2)
    if (first >= 0) mrr += 1 / (first + 1)
  }
  const r = (x: number): number => Math.round((x / Math.max(n, 1)) * 10000) / 10000
  return { queries: n, ndcg10: r(ndcg), recall100: r(recall), mrr: r(mrr) }
}

/** Plain BM25 (k1 1.2, b 0.75) over the analyser's search-mode jieba tokens, title counted twice. */
function runBm25(analyzer: Analyzer, corpus: CorpusDoc[], queries: Query[]): Map<string, string[]> {
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
  const runs = new Map<string, string[]>()
  for (const q of queries) {
    const terms = analyzer.analyze(q.text, { subwords: true })
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
function runNaturalTfidf(corpus: CorpusDoc[], queries: Query[]): Map<string, string[]> {
  const tfidf = new TfIdf()
  for (const d of corpus) tfidf.addDocument(`${d.title} ${d.abstract}`)
  const runs = new Map<string, string[]>()
  for (const q of queries) runs.set(q.id, rank(corpus, tfidf.tfidfs(q.text)))
  return runs
}

function rank(corpus: CorpusDoc[], scores: number[]): string[] {
  return scores
    .map((s, i) => ({ s, id: corpus[i]!.id }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
    .slice(0, 100)
    .map((x) => x.id)
}

export function toMatchable(d: CorpusDoc): MatchablePatent {
  return {
    publicationNumber: d.id,
    title: d.title,
    abstract: d.abstract,
    keywords: d.keywords ?? [],
    ipc: d.cpc ?? [],
    applicants: [],
    legalStatus: 'granted',
    status: 'listed',
    transferModes: [],
  }
}

function runPatentBridge(
  analyzer: Analyzer,
  corpus: CorpusDoc[],
  queries: Query[],
  options: MatchIndexOptions,
): Map<string, string[]> {
  const index = new MatchIndex(analyzer, options)
  let t0 = performance.now()
  for (const d of corpus) index.upsert(toMatchable(d))
  const buildMs = performance.now() - t0
  log(`patent-bridge: indexed ${index.size} patents in ${buildMs.toFixed(0)} ms (${Math.round((index.size / buildMs) * 1000)}/s)`)
  const runs = new Map<string, string[]>()
  const times: number[] = []
  for (const q of queries) {
    t0 = performance.now()
    const results = index.match({ title: q.text }, { limit: 100 })
    times.push(performance.now() - t0)
    runs.set(
      q.id,
      results.map((r) => r.publicationNumber),
    )
  }
  times.sort((a, b) => a - b)
  const pct = (p: number): string => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2)
  log(`patent-bridge: match p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms over ${times.length} needs`)
  return runs
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      queries: { type: 'string', default: 'all' },
      options: { type: 'string', default: '{}' },
      only: { type: 'string' },
    },
  })
  const dir = positionals[0]
  if (!dir) {
    log('usage: npm run eval -- <dataset dir> [--queries all|odd|even] [--options JSON] [--only method]')
    process.exit(2)
  }
  const corpus = readJsonl<CorpusDoc>(join(dir, 'corpus.jsonl'))
  let queries = readJsonl<Query>(join(dir, 'queries.jsonl'))
  if (values.queries === 'odd') queries = queries.filter((_, i) => i % 2 === 1)
  else if (values.queries === 'even') queries = queries.filter((_, i) => i % 2 === 0)
  const qrels = readQrels(join(dir, 'qrels.tsv'))
  log(`${corpus.length} patents, ${queries.length} needs, ${qrels.size} judged`)
  const analyzer = createAnalyzer(loadAnalysisResources())
  const options = JSON.parse(values.options!) as MatchIndexOptions

  const print = (method: string, m: Metrics): void => void process.stdout.write(`${JSON.stringify({ method, ...m })}\n`)
  const want = (m: string): boolean => values.only === undefined || values.only === m
  if (want('bm25')) print('bm25', evaluate(runBm25(analyzer, corpus, queries), qrels))
  if (want('natural-tfidf')) print('natural-tfidf', evaluate(runNaturalTfidf(corpus, queries), qrels))
  if (want('patent-bridge')) print('patent-bridge', evaluate(runPatentBridge(analyzer, corpus, queries, options), qrels))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
