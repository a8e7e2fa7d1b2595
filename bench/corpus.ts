/**
 * Deterministic synthetic patent corpus built from the real vocabulary in ../shared/eval/.
 *
 * Every synthetic patent is drawn with a seeded PRNG, so patent i is the same in every run and
 * at every size (the 10k corpus is the first 10k patents of the 100k one, and so on):
 *
 * - 85 % Chinese: a real title of `cn-g06f-dev/corpus.jsonl` (half of them spliced with the end
 *   of another title at its last 的: "基于X的" + "Y方法"), an abstract of as many clauses as a
 *   real abstract drawn at random, half of them from one "base" patent in order and half from
 *   random patents, the base patent's keywords, and its CPC set (one code swapped for a code of
 *   another patent 30 % of the time).
 * - 15 % English: a real title and abstract sentences of `us-abstracts.jsonl` mixed the same way;
 *   CPC sets by topic (G06N for neural networks, A63B for baseball).
 * - Rare terms: every abstract ends with three model numbers / part codes (`qx4821`), drawn
 *   log-uniformly from 5·N codes, so the vocabulary keeps growing with the corpus as a real one
 *   does (Heaps' law) instead of saturating at the sample's vocabulary.
 * - Transfer modes and legal status at random (all offerable: granted or pending).
 *
 * Texts are sequences of "units" (clauses ending in punctuation), so the terms of a patent are
 * the concatenation of the terms of its units: `terms()` composes them from a cache, which is
 * how the 1M corpus gets its stored terms without a full jieba pass (the "index from stored
 * terms" path). The composition is exact except where a spliced title's two halves would be
 * segmented differently together; `bench/run.ts` reports that rate.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AnalyzedPatent, MatchablePatent } from '../src/domain/matching/index.js'
import type { TransferMode } from '../src/domain/patent.js'
import type { Analyzer } from '../src/domain/text/analyzer.js'

/** The shared evaluation data beside the repository (../shared/eval), unless BENCH_EVAL_DIR says otherwise. */
export const EVAL_DIR = process.env['BENCH_EVAL_DIR'] ?? fileURLToPath(new URL('../../shared/eval', import.meta.url))

interface ZhDoc {
  title: string
  head?: string // up to and including the last 的
  tail?: string
  clauses: string[]
  keywords: string[]
  cpc: string[]
}
interface EnDoc {
  title: string
  sentences: string[]
  topic: string
}

export interface Vocabulary {
  zh: ZhDoc[]
  en: EnDoc[]
  /** Real needs (query texts of cn-g06f-dev). */
  queries: string[]
  g06n: string[][]
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** Splits a Chinese abstract into clauses, each ending in its punctuation. */
function zhClauses(text: string): string[] {
  const out = text.match(/[^。；;，,：:！？]+[。；;，,：:！？]?/g) ?? []
  return out.map((c) => (/[。；;，,：:！？]$/.test(c) ? c : `${c}。`))
}

function enSentences(text: string): string[] {
  const out = text.match(/[^.!?]+(?:[.!?]+|$)/g) ?? []
  return out.map((s) => s.trim()).filter((s) => s !== '').map((s) => (/[.!?]$/.test(s) ? `${s} ` : `${s}. `))
}

export function loadVocabulary(dir = EVAL_DIR): Vocabulary {
  const zhRaw = readJsonl<{ title: string; abstract: string; keywords?: string[]; cpc?: string[] }>(join(dir, 'cn-g06f-dev', 'corpus.jsonl'))
  const zh: ZhDoc[] = zhRaw.map((d) => {
    const at = d.title.lastIndexOf('的')
    const doc: ZhDoc = { title: d.title, clauses: zhClauses(d.abstract), keywords: d.keywords ?? [], cpc: d.cpc ?? [] }
    if (at > 0 && at < d.title.length - 2) {
      doc.head = d.title.slice(0, at + 1)
      doc.tail = d.title.slice(at + 1)
    }
    return doc
  })
  const en = readJsonl<{ title: string; abstract: string; topic: string }>(join(dir, 'us-abstracts.jsonl')).map((d) => ({
    title: d.title.replace(/"+/g, '"').replace(/^"|"$/g, '').trim(),
    sentences: enSentences(d.abstract),
    topic: d.topic,
  }))
  const queries = readJsonl<{ text: string }>(join(dir, 'cn-g06f-dev', 'queries.jsonl')).map((q) => q.text)
  // the Chinese sample is all G06F: English neural-network patents get G06N sets, with the
  // G06F codes that machine-learning patents of the sample carry
  const ml = zh.map((d) => d.cpc.filter((c) => /^G06F(18|40)/.test(c))).filter((c) => c.length > 0)
  const g06n = ml.map((c, i) => [['G06N3/02', 'G06N3/04', 'G06N3/08', 'G06N3/063'][i % 4]!, ...c.slice(0, 2)])
  return { zh: zh.filter((d) => d.clauses.length > 0), en: en.filter((d) => d.sentences.length > 0 && d.title !== ''), queries, g06n }
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SyntheticPatent extends MatchablePatent {
  language: 'zh' | 'en'
  legalStatus: 'granted' | 'pending'
  /** Units whose concatenation is the title / abstract (for composing terms). */
  titleUnits: string[]
  abstractUnits: string[]
  /** Rare codes appended to the abstract (each its own term). */
  codes: string[]
}

const MODES: TransferMode[] = ['assignment', 'license', 'open-license', 'equity']
const BASEBALL_CPC = [['A63B69/40'], ['A63B69/0002', 'A63B2102/18'], ['A63B59/50'], ['A63B71/0054', 'A63B2102/18'], ['A63B69/0015']]
const LETTERS = 'abcdefghjkmnpqrstuvwxyz'

/** Patent `i` of the corpus of `total` patents (the rare-code range grows with the corpus). */
export class CorpusGenerator {
  readonly #v: Vocabulary
  readonly #seed: number
  readonly #codeRange: number

  constructor(vocabulary: Vocabulary, total: number, seed = 20240601) {
    this.#v = vocabulary
    this.#seed = seed
    this.#codeRange = Math.max(1000, 5 * total)
  }

  patent(i: number): SyntheticPatent {
    const r = prng(this.#seed ^ Math.imul(i + 1, 0x9e3779b1))
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!
    const v = this.#v
    const en = r() < 0.15
    let titleUnits: string[]
    let abstractUnits: string[]
    let keywords: string[]
    let ipc: string[]
    if (!en) {
      const base = pick(v.zh)
      const other = pick(v.zh)
      titleUnits = base.head !== undefined && other.tail !== undefined && r() < 0.5 ? [base.head, other.tail] : [base.title]
      const n = pick(v.zh).clauses.length
      abstractUnits = []
      let k = 0
      for (let c = 0; c < n; c++) {
        if (r() < 0.5 && k < base.clauses.length) abstractUnits.push(base.clauses[k++]!)
        else abstractUnits.push(pick(pick(v.zh).clauses))
      }
      keywords = base.keywords
      ipc = [...base.cpc]
      if (ipc.length > 0 && r() < 0.3) ipc[Math.floor(r() * ipc.length)] = pick(pick(v.zh).cpc.length > 0 ? pick(v.zh).cpc : ipc)
    } else {
      const base = pick(v.en)
      titleUnits = [base.title]
      const n = pick(v.en).sentences.length
      abstractUnits = []
      let k = 0
      for (let c = 0; c < n; c++) {
        if (r() < 0.5 && k < base.sentences.length) abstractUnits.push(base.sentences[k++]!)
        else abstractUnits.push(pick(pick(v.en).sentences))
      }
      keywords = []
      ipc = base.topic === 'baseball' ? [...pick(BASEBALL_CPC)] : [...pick(v.g06n)]
    }
    const codes: string[] = []
    for (let c = 0; c < 3; c++) {
      const id = Math.floor(Math.exp(r() * Math.log(this.#codeRange)))
      codes.push(`${LETTERS[Math.floor(r() * LETTERS.length)]}${LETTERS[Math.floor(r() * LETTERS.length)]}${id}`)
    }
    const modes = r() < 0.2 ? [] : MODES.filter(() => r() < 0.4)
    const pn = en ? `US${String(10_000_000 + i)}B2` : `CN${String(200_000_000 + i)}A`
    return {
      publicationNumber: pn,
      title: titleUnits.join(''),
      abstract: abstractUnits.join('') + (en ? `(${codes.join(', ')}).` : `（${codes.join('、')}）。`),
      keywords: [...new Set(keywords)],
      ipc: [...new Set(ipc)],
      applicants: [],
      language: en ? 'en' : 'zh',
      legalStatus: r() < 0.8 ? 'granted' : 'pending',
      status: 'listed',
      transferModes: modes,
      titleUnits,
      abstractUnits,
      codes,
    }
  }

  /** The NDJSON record of the import API. */
  static toImportRecord(p: SyntheticPatent): Record<string, unknown> {
    const rec: Record<string, unknown> = {
      publicationNumber: p.publicationNumber,
      title: p.title,
      abstract: p.abstract,
      keywords: p.keywords,
      ipc: p.ipc,
      language: p.language,
      legalStatus: p.legalStatus,
    }
    if (p.transferModes.length > 0) rec['transferModes'] = p.transferModes
    return rec
  }
}

/** Composes a patent's terms from cached analyses of its units (see the module comment). */
export class TermComposer {
  readonly #analyzer: Analyzer
  #cache = new Map<string, string[]>()
  constructor(analyzer: Analyzer) {
    this.#analyzer = analyzer
  }
  #unit(u: string): string[] {
    let t = this.#cache.get(u)
    if (t === undefined) {
      t = this.#analyzer.analyze(u, { subwords: true })
      this.#cache.set(u, t)
    }
    return t
  }
  terms(p: SyntheticPatent): AnalyzedPatent {
    const title: string[] = []
    for (const u of p.titleUnits) for (const t of this.#unit(u)) title.push(t)
    const abstract: string[] = []
    for (const u of p.abstractUnits) for (const t of this.#unit(u)) abstract.push(t)
    for (const c of p.codes) abstract.push(c)
    const keywords: string[] = []
    for (const k of p.keywords) for (const t of this.#unit(k)) keywords.push(t)
    return { title, abstract, keywords, claims: [] }
  }
  clear(): void {
    this.#cache = new Map()
  }
}
