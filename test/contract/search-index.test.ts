/**
 * Runs the SearchIndex contract against each adapter: the embedded one always, Meilisearch only
 * where MEILI_HOST points to a running server (MEILI_API_KEY if it needs a key). Nothing stands in
 * for Meilisearch here: without a server that branch is skipped, not faked.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { createEmbeddedSearchIndex } from '../../src/adapters/embedded-search/index.js'
import { createMeilisearchSearchIndex } from '../../src/adapters/meilisearch/search-index.js'
import { MatchIndex } from '../../src/domain/matching/index.js'
import type { SearchDocument, SearchIndex, SearchQuery } from '../../src/domain/search.js'
import { materialise } from '../../src/domain/snapshot.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'
import { TermBatch } from '../../src/domain/text/term-batch.js'
import { loadSamplePatents, searchIndexContract } from './search-index.contract.js'

const meiliHost = process.env['MEILI_HOST']
const meiliApiKey = process.env['MEILI_API_KEY']

t.test('embedded', async (t) => {
  const analyzer = createAnalyzer(loadAnalysisResources())
  await searchIndexContract(t, async () => createEmbeddedSearchIndex(analyzer))

  const all = loadSamplePatents()
  const matcher = new MatchIndex(analyzer)
  const QUERIES = ['', '图像识别', '数据 处理 方法', 'neural network', '用户画像 相似度', '一种基于深度学习的缺陷检测方法']
  const results = (index: SearchIndex) =>
    Promise.all(QUERIES.map((q) => index.search({ q, filters: {}, limit: 20, offset: 0 } satisfies SearchQuery)))

  // The same contract with the postings sealed into the compressed pool after every few
  // documents (the path of a large index), and with the hits' text read from a store.
  await t.test('contract, postings sealed every 4 documents', (t) => searchIndexContract(t, async () => createEmbeddedSearchIndex(analyzer, { sealAt: 4 })))
  await t.test('contract, hit text read from a store', (t) => {
    const store = new Map<string, SearchDocument>()
    return searchIndexContract(t, async () => {
      const index = createEmbeddedSearchIndex(analyzer, { stored: async (pns) => pns.map((pn) => store.get(pn)) })
      // the store follows what the index is given, as the patent store does in the service
      return {
        ...index,
        name: index.name,
        upsert: async (docs, terms) => {
          for (const d of docs) store.set(d.publicationNumber, d)
          await index.upsert(docs, terms)
        },
        remove: async (pns) => {
          for (const pn of pns) store.delete(pn)
          await index.remove(pns)
        },
        search: (q) => index.search(q),
        clear: async () => {
          store.clear()
          await index.clear()
        },
      } satisfies SearchIndex
    })
  })

  await t.test('sealed and recent postings give the same results, with and without filters', async (t) => {
    const filters: SearchQuery['filters'][] = [{}, { ipc: 'G06F' }, { legalStatus: 'granted' }, { transferMode: 'license' }, { ipc: 'G', legalStatus: 'granted' }]
    const run = async (index: SearchIndex) => {
      const out = []
      for (const f of filters) for (const q of QUERIES) out.push(await index.search({ q, filters: f, limit: 7, offset: 2 }))
      return out
    }
    const recent = createEmbeddedSearchIndex(analyzer)
    await recent.upsert(all)
    const sealed = createEmbeddedSearchIndex(analyzer, { sealAt: 3 })
    for (let i = 0; i < all.length; i += 5) await sealed.upsert(all.slice(i, i + 5))
    t.strictSame(await run(sealed), await run(recent))
  })

  await t.test('when no patent has every word (any word will do), pages of the ranking are its slices', async (t) => {
    const index = createEmbeddedSearchIndex(analyzer)
    await index.upsert(all)
    // a word no patent has: the union of the others, ranked with the top k pruned (MaxScore)
    for (const q of ['图像识别 zzqqxx', 'neural baseball 保单', '数据 处理 方法 zzqqxx', '存储器 image 识别 zzqqxx']) {
      const full = await index.search({ q, filters: {}, limit: 100, offset: 0 })
      t.ok(full.total > 3, `${q}: matches several patents`)
      t.equal(full.hits.length, full.total, `${q}: all of them in one page`)
      const paged: string[] = []
      for (let offset = 0; offset < full.total; offset += 2) {
        const page = await index.search({ q, filters: {}, limit: 2, offset })
        t.equal(page.total, full.total, `${q}: same total at offset ${offset}`)
        paged.push(...page.hits.map((h) => h.publicationNumber))
      }
      t.strictSame(paged, full.hits.map((h) => h.publicationNumber), `${q}: pages of 2 make up the full ranking`)
    }
  })

  await t.test('stored terms (the matcher analysis) give the same results as analysing the text', async (t) => {
    const analysing = createEmbeddedSearchIndex(analyzer)
    await analysing.upsert(all)
    const given = createEmbeddedSearchIndex(analyzer)
    await given.upsert(all, TermBatch.of(all.map((d) => matcher.analyzePatent(d))))
    const expected = await results(analysing)
    t.ok(expected.slice(1).every((r) => r.total > 0), 'every query finds something')
    t.strictSame(await results(given), expected)
  })

  await t.test('given terms are what is indexed', async (t) => {
    const index = createEmbeddedSearchIndex(analyzer)
    const doc = all[0]!
    await index.upsert([doc], TermBatch.of([{ title: ['zzqx'], abstract: [], keywords: [] }]))
    t.equal((await index.search({ q: 'zzqx', filters: {}, limit: 5, offset: 0 })).total, 1)
    t.equal((await index.search({ q: doc.title, filters: {}, limit: 5, offset: 0 })).total, 0)
  })

  await t.test('after many removals (compaction) results equal those of a fresh index', async (t) => {
    const fresh = createEmbeddedSearchIndex(analyzer)
    await fresh.upsert(all)
    const index = createEmbeddedSearchIndex(analyzer)
    const filler = Array.from({ length: 1500 }, (_, i) => ({ ...all[i % all.length]!, publicationNumber: `CN9${String(i).padStart(8, '0')}A` }))
    await index.upsert(filler.slice(0, 700))
    await index.upsert(all)
    await index.upsert(filler.slice(700))
    await index.remove(filler.map((d) => d.publicationNumber))
    t.equal(index.size, all.length)
    t.strictSame(await results(index), await results(fresh))
  })
})

t.test('embedded: a snapshot of the index loads into another that answers alike, before and after further changes', async (t) => {
  const analyzer = createAnalyzer(loadAnalysisResources())
  const all = loadSamplePatents()
  const store = new Map(all.map((d) => [d.publicationNumber, d]))
  const stored = async (pns: string[]) => pns.map((pn) => store.get(pn))
  const filler = Array.from({ length: 300 }, (_, i) => ({ ...all[i % all.length]!, publicationNumber: `CN8${String(i).padStart(8, '0')}A` }))
  for (const d of filler) store.set(d.publicationNumber, d)
  const original = createEmbeddedSearchIndex(analyzer, { stored, sealAt: 100 })
  await original.upsert(all)
  await original.upsert(filler)
  await original.remove(filler.slice(0, 40).map((d) => d.publicationNumber))
  const queries: SearchQuery[] = ['', '图像识别', '数据 处理 方法', 'neural network', '一种基于深度学习的缺陷检测方法'].flatMap((q) => [
    { q, filters: {}, limit: 20, offset: 0 },
    { q, filters: { legalStatus: 'granted' }, limit: 20, offset: 0 },
    { q, filters: { ipc: 'G06F' }, limit: 10, offset: 5 },
  ])
  const answers = (index: SearchIndex) => Promise.all(queries.map((q) => index.search(q)))
  // what a snapshot file gives back: copies of the arrays and lists (the seal done: the pool holds postings)
  await original.settled()
  const state = original.snapshot!.exportState()
  t.ok(materialise(state.arrays['postings.pool']!).length > 0, 'postings sealed into the pool')
  const copy = {
    meta: JSON.parse(JSON.stringify(state.meta)),
    arrays: Object.fromEntries(Object.entries(state.arrays).map(([k, a]) => [k, materialise(a).slice()])),
    strings: Object.fromEntries(Object.entries(state.strings).map(([k, v]) => [k, [...v]])),
  }
  const loaded = createEmbeddedSearchIndex(analyzer, { stored })
  loaded.snapshot!.importState(copy)
  t.equal(loaded.size, original.size)
  t.strictSame(await answers(loaded), await answers(original), 'the same totals, hits, highlights and facets')
  // both go on changing the same way
  const more = Array.from({ length: 120 }, (_, i) => ({ ...all[(i * 7) % all.length]!, publicationNumber: `CN7${String(i).padStart(8, '0')}A` }))
  for (const d of more) store.set(d.publicationNumber, d)
  for (const index of [original, loaded]) {
    await index.upsert(more)
    await index.remove([...filler.slice(40, 200), ...more.slice(0, 30)].map((d) => d.publicationNumber))
  }
  t.strictSame(await answers(loaded), await answers(original), 'and after the same further changes')

  // an inconsistent state is refused, and the index keeps what it held
  const before = await answers(loaded)
  const broken = (change: (s: typeof copy) => void) => {
    const s = { meta: { ...copy.meta }, arrays: { ...copy.arrays }, strings: { ...copy.strings } }
    change(s)
    return s
  }
  const cases: Array<[string, (s: typeof copy) => void]> = [
    ['a list running past its ids', (s) => void (s.arrays['listEnds'] = Uint32Array.from(copy.arrays['listEnds']!, (x) => x + 1))],
    ['an id outside the documents', (s) => void (s.arrays['listIds'] = Int32Array.from(copy.arrays['listIds']!, (x, i) => (i === 0 ? 1e9 : x)))],
    ['a count that does not add up', (s) => void (s.meta['alive'] = (copy.meta['alive'] as number) + 1)],
    ['a column of the wrong length', (s) => void (s.arrays['length'] = copy.arrays['length']!.slice(1))],
    ['postings past the pool', (s) => void (s.arrays['postings.pool'] = copy.arrays['postings.pool']!.slice(0, 10))],
    ['a missing part', (s) => void delete s.strings['pns']],
  ]
  for (const [what, change] of cases) t.throws(() => loaded.snapshot!.importState(broken(change)), `refused: ${what}`)
  t.strictSame(await answers(loaded), before, 'the index answers as before the refused states')
  t.equal(createEmbeddedSearchIndex(analyzer).snapshot, undefined, 'an index that keeps the patents\' text in memory keeps no snapshot')
})

t.test('embedded: every document added after a snapshot is loaded or after a compaction is found', async (t) => {
  // The columns of a loaded snapshot and of a compaction are sized to the ids exactly and grow by
  // doubling; the bit sets of alive documents must grow with them, not just to the id at hand.
  const analyzer = createAnalyzer(loadAnalysisResources())
  const doc = (i: number): SearchDocument => ({
    publicationNumber: `CN${String(400_000_000 + i)}A`,
    title: `zzalpha w${i % 3}`,
    abstract: '',
    keywords: [],
    ipc: ['G06F3/00'],
    applicants: [],
    legalStatus: 'granted',
    transferModes: ['license'],
    language: 'en',
  })
  const terms = (i: number) => ({ title: ['zzalpha', `w${i % 3}`], keywords: [], abstract: [] })
  const docs = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => doc(from + k))
  const termsOf = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => terms(from + k))
  const all = (index: SearchIndex, f: SearchQuery['filters'] = {}) => index.search({ q: 'zzalpha', filters: f, limit: 1, offset: 0 }).then((r) => r.total)
  const stored = async (pns: string[]) => pns.map(() => undefined)

  const original = createEmbeddedSearchIndex(analyzer, { stored })
  await original.upsert(docs(0, 3000), TermBatch.of(termsOf(0, 3000)))
  const loaded = createEmbeddedSearchIndex(analyzer, { stored })
  loaded.snapshot!.importState(original.snapshot!.exportState())
  await loaded.upsert(docs(3000, 9000), TermBatch.of(termsOf(3000, 9000)))
  t.equal(await all(loaded), 9000, 'loaded, then 6,000 more: all found')
  t.equal(await all(loaded, { legalStatus: 'granted', transferMode: 'license' }), 9000, 'and through the legal status and transfer mode sets')
  t.equal((await loaded.search({ q: '', filters: {}, limit: 1, offset: 0 })).total, 9000, 'and by the empty query')

  const compacted = createEmbeddedSearchIndex(analyzer)
  await compacted.upsert(docs(0, 3000), TermBatch.of(termsOf(0, 3000)))
  await compacted.remove(docs(0, 1500).map((d) => d.publicationNumber))
  await compacted.upsert(docs(3000, 9000), TermBatch.of(termsOf(3000, 9000)))
  t.equal(await all(compacted), 7500, 'compacted, then 6,000 more: all found')
})

/**
 * `n` documents over a Zipf-like vocabulary (w1 in most documents, w399 in few, so the commonest
 * words are kept as bit sets and MaxScore and the block bounds prune), with their terms, half of
 * them with an IPC class and an applicant (for the facets), a third pending.
 */
function zipfCorpus(n: number, seed = 42) {
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
  const word = () => `w${Math.floor(Math.exp(rand() * Math.log(400)))}`
  const words = (k: number) => Array.from({ length: 1 + Math.floor(rand() * k) }, word)
  const docs: SearchDocument[] = []
  const terms: Array<{ title: string[]; keywords: string[]; abstract: string[] }> = []
  for (let i = 0; i < n; i++) {
    terms.push({ title: words(4), keywords: words(2), abstract: words(30) })
    docs.push({
      publicationNumber: `CN${String(300_000_000 + i)}A`,
      title: terms[i]!.title.join(' '),
      abstract: terms[i]!.abstract.join(' '),
      keywords: terms[i]!.keywords,
      ipc: i % 2 === 0 ? [`G06F${i % 7}/00`] : [],
      applicants: i % 2 === 0 ? [`applicant ${i % 5}`] : [],
      legalStatus: i % 3 === 0 ? 'pending' : 'granted',
      transferModes: [],
      language: 'en',
    })
  }
  return { docs, terms }
}

/**
 * The ranking of plain BM25 as the index defines it, computed here: title ×3, keywords ×2,
 * abstract ×1; document frequency counts removed documents (until a compaction), lengths average
 * over the alive ones; every word required unless no alive document has them all.
 */
function plainBm25(docs: SearchDocument[], terms: ReturnType<typeof zipfCorpus>['terms'], removed: Set<string>) {
  const N = docs.length
  const tfs = terms.map((f) => {
    const m = new Map<string, number>()
    for (const [list, w] of [[f.title, 3], [f.keywords, 2], [f.abstract, 1]] as const) for (const x of list) m.set(x, (m.get(x) ?? 0) + w)
    return m
  })
  const lens = terms.map((f) => f.title.length * 3 + f.keywords.length * 2 + f.abstract.length)
  const df = new Map<string, number>()
  for (const m of tfs) for (const x of m.keys()) df.set(x, (df.get(x) ?? 0) + 1)
  const alive = docs.map((d) => !removed.has(d.publicationNumber))
  const aliveCount = alive.filter(Boolean).length
  const avg = lens.reduce((s, l, i) => s + (alive[i] ? l : 0), 0) / aliveCount
  return (q: string, legalStatus?: 'granted') => {
    const qs = [...new Set(q.split(' '))]
    const matches = (i: number, every: boolean) => (every ? qs.every((x) => tfs[i]!.has(x)) : qs.some((x) => tfs[i]!.has(x)))
    const every = docs.some((_, i) => alive[i] && matches(i, true))
    const scored: Array<{ pn: string; score: number }> = []
    docs.forEach((d, i) => {
      if (!alive[i] || !matches(i, every) || (legalStatus !== undefined && d.legalStatus !== legalStatus)) return
      let score = 0
      for (const x of qs) {
        const tf = Math.min(255, tfs[i]!.get(x) ?? 0)
        if (tf === 0) continue
        const idf = Math.log(1 + (N - removed.size - df.get(x)! + 0.5) / (df.get(x)! + 0.5))
        score += (idf * tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * lens[i]!) / avg))
      }
      scored.push({ pn: d.publicationNumber, score })
    })
    scored.sort((a, b) => b.score - a.score || (a.pn < b.pn ? -1 : 1))
    return { total: scored.length, pns: scored.map((s) => s.pn) }
  }
}

const ZIPF_QUERIES = ['w1', 'w2', 'w1 w2', 'w1 w2 w3', 'w3 w17', 'w5 w40 w1', 'w120', 'w1 w399', 'w2 w300 w301', 'w7 w8 w9 w10']

t.test('embedded: at a size where words are common, the pruned ranking is the ranking of scoring every match', async (t) => {
  // 12,000 documents, some removed, the postings partly sealed: totals and pages are compared
  // with plain BM25 computed here over the same terms.
  const analyzer = createAnalyzer(loadAnalysisResources())
  const index = createEmbeddedSearchIndex(analyzer, { sealAt: 5000 })
  const N = 12_000
  const { docs, terms } = zipfCorpus(N)
  for (let i = 0; i < N; i += 1000) await index.upsert(docs.slice(i, i + 1000), TermBatch.of(terms.slice(i, i + 1000)))
  const removed = new Set(docs.filter((_, i) => i % 7 === 3).map((d) => d.publicationNumber))
  await index.remove([...removed])
  const expected = plainBm25(docs, terms, removed)
  for (const q of ZIPF_QUERIES) {
    for (const legalStatus of [undefined, 'granted'] as const) {
      const want = expected(q, legalStatus)
      for (const offset of [0, 20]) {
        const r = await index.search({ q, filters: legalStatus === undefined ? {} : { legalStatus }, limit: 20, offset })
        t.equal(r.total, want.total, `${q} ${legalStatus ?? ''}: total`)
        t.strictSame(
          r.hits.map((h) => h.publicationNumber),
          want.pns.slice(offset, offset + 20),
          `${q} ${legalStatus ?? ''}: hits ${offset + 1}–${offset + 20}`,
        )
      }
    }
  }
})

t.test('embedded: a seal in slices between turns of the event loop answers as a synchronous seal at every moment', async (t) => {
  // Two indexes of the same documents, upserted alike: one seals in steps of a few hundred
  // postings, one step a turn (so a seal spans hundreds of turns and documents keep arriving
  // while it runs), the other seals each time at once. Their answers (totals, hits in order,
  // highlights, facets) must be the same whenever compared, and their rankings plain BM25's (the
  // scores, which answers do not show: a bound that is not one would lose a hit to MaxScore).
  const analyzer = createAnalyzer(loadAnalysisResources())
  const N = 10_000
  const { docs, terms } = zipfCorpus(N, 7)
  const store = new Map(docs.map((d) => [d.publicationNumber, d]))
  const stored = async (pns: string[]) => pns.map((pn) => store.get(pn))
  const sliced = createEmbeddedSearchIndex(analyzer, { stored, sealAt: 1500, sealStep: 300, sealSliceMs: 0 })
  const whole = createEmbeddedSearchIndex(analyzer, { stored, sealAt: 1500, sealInSlices: false })
  t.teardown(() => Promise.all([sliced.close(), whole.close()]).then(() => undefined))
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve))
  const queries: SearchQuery[] = ZIPF_QUERIES.flatMap((q) => [
    { q, filters: {}, limit: 20, offset: 0 },
    { q, filters: { legalStatus: 'granted' }, limit: 10, offset: 10 },
    { q, filters: { ipc: 'G06F3' }, limit: 10, offset: 0 },
  ])
  queries.push({ q: '', filters: { applicant: 'applicant 2' }, limit: 10, offset: 0 })
  const answers = (index: SearchIndex) => Promise.all(queries.map((q) => index.search(q)))
  const checkBm25 = async (index: SearchIndex, upto: number, removed: Set<string>, what: string) => {
    const expected = plainBm25(docs.slice(0, upto), terms.slice(0, upto), removed)
    let wrong = 0
    for (const q of ZIPF_QUERIES) {
      const want = expected(q)
      const r = await index.search({ q, filters: {}, limit: 30, offset: 0 })
      if (r.total !== want.total || JSON.stringify(r.hits.map((h) => h.publicationNumber)) !== JSON.stringify(want.pns.slice(0, 30))) wrong++
    }
    t.equal(wrong, 0, `${what}: every query ranks as plain BM25`)
  }

  let upto = 0
  let midSeal = 0
  /** The next `count` documents into both indexes, then `turns` turns of the event loop. */
  const add = async (count: number, turns: number) => {
    if (upto + count > N) throw new Error('the test ran out of documents')
    await sliced.upsert(docs.slice(upto, upto + count), TermBatch.of(terms.slice(upto, upto + count)))
    await whole.upsert(docs.slice(upto, upto + count), TermBatch.of(terms.slice(upto, upto + count)))
    upto += count
    for (let k = 0; k < turns; k++) await turn()
  }
  // while seals are half done, documents still arriving
  while (upto < 6000) {
    await add(250, 40)
    if (sliced.stats()['sealing'] === 1) {
      midSeal++
      t.strictSame(await answers(sliced), await answers(whole), `${upto} documents, a seal half done: the same answers`)
    }
  }
  t.ok(midSeal >= 5, `compared ${midSeal} times while a seal ran`)
  await checkBm25(sliced, upto, new Set(), 'mid-seal')

  // a snapshot taken mid-seal, the seal going on while it would be written, loads into an index that answers alike
  while (sliced.stats()['sealing'] !== 1) await add(250, 0)
  const state = sliced.snapshot!.exportState()
  await sliced.settled()
  const copy = {
    meta: JSON.parse(JSON.stringify(state.meta)),
    arrays: Object.fromEntries(Object.entries(state.arrays).map(([k, a]) => [k, materialise(a).slice()])),
    strings: Object.fromEntries(Object.entries(state.strings).map(([k, v]) => [k, [...v]])),
  }
  const loaded = createEmbeddedSearchIndex(analyzer, { stored, sealAt: 1500, sealStep: 300, sealSliceMs: 0 })
  t.teardown(() => loaded.close())
  loaded.snapshot!.importState(copy)
  t.strictSame(await answers(loaded), await answers(whole), 'a snapshot exported mid-seal and loaded: the same answers')

  // once the seals are done, the same; the slices did seal (many steps, each seal spanning turns)
  await add(1000, 0)
  await loaded.upsert(docs.slice(upto - 1000, upto), TermBatch.of(terms.slice(upto - 1000, upto)))
  await Promise.all([sliced.settled(), loaded.settled()])
  const st = sliced.stats()
  t.equal(st['sealing'], 0, 'no seal under way')
  t.ok(st['seals']! >= 3 && st['sealSteps']! > 20 * st['seals']!, `${st['seals']} seals in ${st['sealSteps']} steps`)
  t.strictSame(await answers(sliced), await answers(whole), 'the seals done: the same answers')
  t.strictSame(await answers(loaded), await answers(whole), 'and the loaded index, after more documents, the same')
  await checkBm25(sliced, upto, new Set(), 'sealed')

  // a compaction (two fifths of the documents removed) while a seal runs
  while (sliced.stats()['sealing'] !== 1) await add(250, 0)
  await add(0, 20)
  t.equal(sliced.stats()['sealing'], 1, 'a seal under way')
  const removed = new Set(docs.slice(0, upto).filter((_, i) => i % 5 < 2).map((d) => d.publicationNumber))
  await sliced.remove([...removed])
  await whole.remove([...removed])
  t.equal(sliced.stats()['sealing'], 0, 'the compaction dropped the seal')
  t.equal(sliced.stats()['ids'], upto - removed.size, 'and renumbered the documents')
  t.strictSame(await answers(sliced), await answers(whole), 'compacted mid-seal: the same answers')
  // after a compaction document frequencies count the alive documents only
  const alive = docs.slice(0, upto).filter((d) => !removed.has(d.publicationNumber))
  const aliveTerms = terms.slice(0, upto).filter((_, i) => !removed.has(docs[i]!.publicationNumber))
  const expected = plainBm25(alive, aliveTerms, new Set())
  let wrong = 0
  for (const q of ZIPF_QUERIES) {
    const want = expected(q)
    const r = await sliced.search({ q, filters: {}, limit: 30, offset: 0 })
    if (r.total !== want.total || JSON.stringify(r.hits.map((h) => h.publicationNumber)) !== JSON.stringify(want.pns.slice(0, 30))) wrong++
  }
  t.equal(wrong, 0, 'compacted: every query ranks as plain BM25')
  // and both go on alike
  await add(N - upto, 3)
  t.strictSame(await answers(sliced), await answers(whole), 'more documents after the compaction: the same answers')
  await sliced.settled()
  t.strictSame(await answers(sliced), await answers(whole), 'and once their seal is done')

  // clear stops a seal under way
  for (let k = 0; sliced.stats()['sealing'] !== 1; k++) {
    await sliced.upsert(docs.slice(k * 500, k * 500 + 500).map((d) => ({ ...d, publicationNumber: `${d.publicationNumber}-${k}` })))
  }
  await sliced.clear()
  t.equal(sliced.stats()['sealing'], 0, 'clear stops the seal')
  t.equal((await sliced.search({ q: 'w1', filters: {}, limit: 5, offset: 0 })).total, 0, 'and empties the index')
})

t.test(
  'meilisearch',
  {
    skip:
      meiliHost === undefined || meiliHost === ''
        ? 'MEILI_HOST not set: no Meilisearch server on this machine; runs wherever MEILI_HOST points to one'
        : false,
  },
  async (t) => {
    const host = meiliHost ?? ''
    const indexUid = `test-${randomUUID()}`
    t.teardown(async () => {
      // Delete the per-run index; import lazily so the skipped branch needs nothing.
      const { Meilisearch } = await import('meilisearch')
      const client = new Meilisearch({ host, ...(meiliApiKey !== undefined ? { apiKey: meiliApiKey } : {}) })
      // deleteIndex only enqueues a task; wait for it so the index is gone when the run ends.
      // (A failed task, e.g. index_not_found when init never ran, is returned, not thrown.)
      await client.deleteIndex(indexUid).waitTask({ timeout: 30_000 })
    })
    await searchIndexContract(t, async () =>
      createMeilisearchSearchIndex({ host, indexUid, ...(meiliApiKey !== undefined ? { apiKey: meiliApiKey } : {}) }),
    )
  },
)
