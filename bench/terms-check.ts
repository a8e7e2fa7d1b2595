/**
 * A fingerprint of the analyser's output, to show that a change to the analysis (or to how its
 * terms travel) leaves every term as it was:
 *
 *   node --import tsx bench/terms-check.ts [--synthetic 20000] [--dump FILE]
 *
 * Analyses, as the index job does (`analyzePatentText`, search-mode sub-words), every patent of
 * the evaluation corpora (`../shared/eval/*\/corpus.jsonl`, `us-abstracts.jsonl`), the queries as
 * needs read them (`analyzeParts`), and the first N synthetic patents of the bench corpus; prints
 * a SHA-256 of each set's terms in order. Run it before and after: the digests must be equal.
 * `--dump` writes every patent's terms, one JSON line each, to compare where they differ.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadAnalysisResources } from '../search-config/analysis.js'
import { analyzePatentText } from '../src/domain/text/patent-text.js'
import { createAnalyzer } from '../src/domain/text/analyzer.js'
import { CorpusGenerator, EVAL_DIR, loadVocabulary } from './corpus.js'

const { values } = parseArgs({ options: { synthetic: { type: 'string', default: '20000' }, dump: { type: 'string' } } })
const analyzer = createAnalyzer(loadAnalysisResources())
const dump: string[] = []

const readJsonl = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

const asPatent = (r: Record<string, unknown>) => ({
  title: String(r['title'] ?? ''),
  abstract: String(r['abstract'] ?? ''),
  keywords: Array.isArray(r['keywords']) ? (r['keywords'] as unknown[]).map(String) : [],
  ...(typeof r['claims'] === 'string' ? { claims: r['claims'] } : {}),
})

function digest(name: string, patents: Array<ReturnType<typeof asPatent>>) {
  const h = createHash('sha256')
  let terms = 0
  const t0 = performance.now()
  for (const p of patents) {
    const a = analyzePatentText(analyzer, p)
    const line = JSON.stringify(a)
    terms += a.title.length + a.abstract.length + a.keywords.length + a.claims.length
    h.update(line).update('\n')
    if (values.dump !== undefined) dump.push(`${name}\t${line}`)
    // the texts once more, as a need's description is read (terms with their sub-word flags and surfaces)
    h.update(JSON.stringify(analyzer.analyzeParts(`${p.title}\n${p.abstract}`))).update('\n')
  }
  const ms = performance.now() - t0
  process.stdout.write(`${name.padEnd(28)} ${String(patents.length).padStart(6)} patents ${String(terms).padStart(9)} terms  ${h.digest('hex').slice(0, 16)}  (${ms.toFixed(0)} ms)\n`)
}

for (const set of ['cn-g06f-dev', 'real-needs-dev']) {
  const file = join(EVAL_DIR, set, 'corpus.jsonl')
  if (existsSync(file)) digest(`${set}/corpus`, readJsonl(file).map(asPatent))
  const queries = join(EVAL_DIR, set, 'queries.jsonl')
  if (existsSync(queries)) digest(`${set}/queries`, readJsonl(queries).map((q) => asPatent({ title: q['title'] ?? q['text'] ?? '', abstract: q['title'] === undefined ? '' : (q['text'] ?? '') })))
}
const us = join(EVAL_DIR, 'us-abstracts.jsonl')
if (existsSync(us)) digest('us-abstracts', readJsonl(us).map(asPatent))
const n = Number(values.synthetic)
if (n > 0) {
  const gen = new CorpusGenerator(loadVocabulary(), n)
  digest(`synthetic (first ${n})`, Array.from({ length: n }, (_, i) => gen.patent(i)))
}
if (values.dump !== undefined) writeFileSync(values.dump, `${dump.join('\n')}\n`)
