import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { MatchIndex, type AnalyzedPatent, type MatchablePatent, type NeedQuery } from '../../src/domain/matching/index.js'
import type { TransferMode } from '../../src/domain/patent.js'
import { materialise, type SnapshotState } from '../../src/domain/snapshot.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'
import { TermDictionary } from '../../src/domain/text/term-dictionary.js'
import { evalCorpus } from '../helper.js'

const analyzer = createAnalyzer(loadAnalysisResources())
const MODES: TransferMode[][] = [[], ['license'], ['assignment', 'equity'], ['open-license']]

const corpus: MatchablePatent[] = evalCorpus().map((r, i) => ({
  publicationNumber: r.publicationNumber,
  title: r.title,
  abstract: r.abstract,
  keywords: r.keywords,
  // every seventh without codes: the uncoded patents' set
  ipc: i % 7 === 0 ? [] : r.ipc,
  applicants: [],
  legalStatus: i % 31 === 0 ? 'lapsed' : 'granted',
  status: 'listed',
  transferModes: MODES[i % MODES.length]!,
}))
const analysing = new MatchIndex(analyzer)
const terms = new Map<string, AnalyzedPatent>(corpus.map((p) => [p.publicationNumber, analysing.analyzePatent(p)]))
const needs: NeedQuery[] = readFileSync(new URL('../../../shared/eval/cn-g06f-dev/queries.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l, i) => {
    const text = (JSON.parse(l) as { text: string }).text
    const need: NeedQuery = { title: text.slice(0, 30), description: text }
    if (i % 5 === 1) need.transferModes = ['license']
    if (i % 4 === 2) need.ipc = ['G06F16']
    return need
  })

/** Every need's matches (and a restricted match), the whole answer: what a user of the index sees. */
function answers(index: MatchIndex, from = 0, count = needs.length) {
  const only = new Set(corpus.slice(0, 400).map((p) => p.publicationNumber))
  return needs.slice(from, from + count).map((need) => ({ full: index.match(need, { limit: 50 }), only: index.match(need, { limit: 20, only }) }))
}

/** A copy of an exported state, as a file would give it back: arrays of their own, no shared memory. */
function copied(state: SnapshotState): SnapshotState {
  return {
    meta: JSON.parse(JSON.stringify(state.meta)),
    arrays: Object.fromEntries(Object.entries(state.arrays).map(([k, a]) => [k, materialise(a).slice()])),
    strings: Object.fromEntries(Object.entries(state.strings).map(([k, s]) => [k, [...s]])),
  }
}

function build(): MatchIndex {
  const index = new MatchIndex(analyzer)
  for (const p of corpus) index.upsert(p, terms.get(p.publicationNumber))
  return index
}

t.test('an imported index answers every need exactly as the one it was exported from, before and after further changes', async (t) => {
  const a = build()
  // removals below the compaction threshold (tombstones are exported), replacements, withdrawals
  for (const p of corpus.slice(0, 600)) a.remove(p.publicationNumber)
  for (const p of corpus.slice(1000, 1100)) a.upsert({ ...p, transferModes: ['equity'] }, terms.get(p.publicationNumber))
  t.ok(a.size > 2000, 'the fixture corpus is indexed')

  const b = new MatchIndex(analyzer)
  b.importState(copied(a.exportState()))
  t.equal(b.size, a.size)
  const before = answers(a)
  t.ok(before.filter((x) => x.full.length > 0).length > needs.length / 2, 'most needs have matches')
  t.same(answers(b), before, 'the same matches, scores and explanations for every need')
  t.same(copied(b.exportState()), copied(a.exportState()), 'the imported index exports the same state')

  // the same changes on both: new patents, back again, removals past the compaction threshold
  const changes = (index: MatchIndex) => {
    for (const p of corpus.slice(0, 300)) index.upsert({ ...p, title: `${p.title} 改进` }, undefined)
    for (const p of corpus.slice(2000, 3300)) index.remove(p.publicationNumber)
    index.upsert({ ...corpus[5]!, publicationNumber: 'CN999999999A', ipc: ['H01M4/525', 'G06F16/27'] })
  }
  changes(a)
  changes(b)
  t.same(answers(b, 0, 120), answers(a, 0, 120), 'still the same after the same upserts and removals on both (a compaction included)')
  t.same(copied(b.exportState()), copied(a.exportState()))
})

t.test('a forward index in small pages (a run never split) gives the same state and answers, loaded and changed', async (t) => {
  const a = build()
  const small = new MatchIndex(analyzer, { forwardPageInts: 1000 })
  for (const p of corpus) small.upsert(p, terms.get(p.publicationNumber))
  const exported = (i: MatchIndex) => {
    const s = copied(i.exportState())
    return { arrays: s.arrays, strings: s.strings }
  }
  t.same(exported(small), exported(a), 'the same state as one exported from the default pages')
  t.same(answers(small, 0, 60), answers(a, 0, 60))
  const loaded = new MatchIndex(analyzer, { forwardPageInts: 1000 })
  loaded.importState(copied(small.exportState()))
  for (const index of [a, small, loaded]) {
    for (const p of corpus.slice(0, 200)) index.upsert({ ...p, title: `${p.title} 改进` }, undefined)
    for (const p of corpus.slice(500, 1900)) index.remove(p.publicationNumber)
  }
  t.same(exported(loaded), exported(a), 'loaded into one page, then pages added and a compaction: the same state')
  t.same(answers(loaded, 0, 60), answers(a, 0, 60))
  t.same(answers(small, 0, 60), answers(a, 0, 60))
})

t.test('an index sharing its process\'s dictionary (other terms in it first) gives the same state and answers, loaded and changed', async (t) => {
  const a = build()
  const dictionary = new TermDictionary()
  // another index of the process met terms first, in another order, and some the matcher never sees
  for (const p of corpus.slice(0, 500).reverse()) for (const term of terms.get(p.publicationNumber)!.title) dictionary.id(term)
  dictionary.id('只在搜索里的词')
  const shared = new MatchIndex(analyzer, { dictionary })
  for (const p of corpus) shared.upsert(p, terms.get(p.publicationNumber))
  t.same(copied(shared.exportState()), copied(a.exportState()), 'the same state: the index\'s ids are its own')
  t.same(answers(shared, 0, 60), answers(a, 0, 60))
  t.equal(shared.snapshotFingerprint, a.snapshotFingerprint, 'the dictionary is not part of the fingerprint')
  const loaded = new MatchIndex(analyzer, { dictionary })
  loaded.importState(copied(a.exportState()))
  for (const index of [a, loaded]) {
    for (const p of corpus.slice(0, 200)) index.upsert({ ...p, title: `${p.title} 改进 全新词汇` }, undefined)
    for (const p of corpus.slice(500, 1900)) index.remove(p.publicationNumber)
  }
  t.same(copied(loaded.exportState()), copied(a.exportState()), 'loaded into the shared dictionary, then changed: the same state')
  t.same(answers(loaded, 0, 60), answers(a, 0, 60))
})

t.test('an empty index round-trips, and takes patents afterwards', async (t) => {
  const a = new MatchIndex(analyzer)
  const b = new MatchIndex(analyzer)
  b.importState(copied(a.exportState()))
  t.equal(b.size, 0)
  for (const p of corpus.slice(0, 50)) {
    a.upsert(p, terms.get(p.publicationNumber))
    b.upsert(p, terms.get(p.publicationNumber))
  }
  t.same(answers(b, 0, 30), answers(a, 0, 30))
})

t.test('an inconsistent state is refused and the index keeps what it had', async (t) => {
  const a = build()
  const state = a.exportState()
  const b = new MatchIndex(analyzer)
  b.upsert(corpus[0]!, terms.get(corpus[0]!.publicationNumber))
  const broken: Array<[string, (s: SnapshotState) => void]> = [
    ['a missing array', (s) => delete s.arrays['postings.forward']],
    ['an array of another type', (s) => (s.arrays['docs.alive'] = new Int32Array(s.arrays['docs.alive']!.length))],
    ['a short per-document array', (s) => (s.arrays['docs.modes'] = (s.arrays['docs.modes'] as Uint8Array).subarray(1))],
    ['a term id out of range', (s) => ((s.arrays['postings.forward'] as Int32Array)[3] = 1e9)],
    ['a duplicated publication number', (s) => ((s.strings['docs.pub'] as string[])[1] = s.strings['docs.pub']![0]!)],
    ['a wrong live count', (s) => (s.meta['dead'] = 5)],
    ['a class set out of range', (s) => ((s.arrays['classes.docSet'] as Int32Array)[0] = -1)],
  ]
  for (const [what, breakIt] of broken) {
    const s = copied(state)
    breakIt(s)
    t.throws(() => b.importState(s), `${what} is refused`)
    t.equal(b.size, 1, `${what}: the index is left as it was`)
  }
})
