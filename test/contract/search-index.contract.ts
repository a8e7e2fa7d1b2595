/**
 * The contract every SearchIndex adapter must pass (embedded and meilisearch alike), on real
 * patent text: test/fixtures/patents-sample.jsonl (see test/fixtures/README.md).
 *
 * `make` returns a fresh adapter; the suite calls init() itself (twice: it must be idempotent),
 * clears the index, loads the fixture and checks what a user of the search would notice.
 * Expected values are computed from the fixture independently of any adapter code.
 */
import { readFileSync } from 'node:fs'
import type { Test } from 'tap'
import type { SearchDocument, SearchFilters, SearchIndex, SearchQuery, SearchResult } from '../../src/domain/search.js'

type T = Test

export function loadSamplePatents(): SearchDocument[] {
  return readFileSync(new URL('../fixtures/patents-sample.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SearchDocument)
}

const ids = (r: SearchResult): string[] => r.hits.map((h) => h.publicationNumber)
const sorted = (xs: Iterable<string>): string[] => [...xs].sort()
const text = (d: SearchDocument): string => `${d.title}\n${d.abstract}\n${d.keywords.join(' ')}`.toLowerCase()
const stripTags = (s: string): string => s.replace(/<\/?em>/g, '')

/** IPC code → its group (the part before `/`). */
const ipcGroup = (code: string): string => code.split('/')[0] ?? code

function count<K extends string>(values: Iterable<K>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}

function expectedFacets(docs: SearchDocument[]) {
  return {
    legalStatus: count(docs.map((d) => d.legalStatus)),
    transferModes: count(docs.flatMap((d) => [...new Set(d.transferModes)])),
    ipcClass: count(docs.flatMap((d) => [...new Set(d.ipc.map((c) => c.slice(0, 4)))])),
    applicants: count(docs.flatMap((d) => [...new Set(d.applicants)])),
  }
}

function byFilingDateDesc(docs: SearchDocument[]): string[] {
  return [...docs]
    .sort((a, b) => (b.filingDate ?? '').localeCompare(a.filingDate ?? ''))
    .map((d) => d.publicationNumber)
}

export async function searchIndexContract(t: T, make: () => Promise<SearchIndex>): Promise<void> {
  const index = await make()
  t.teardown(() => index.close())

  const all = loadSamplePatents()
  const byId = new Map(all.map((d) => [d.publicationNumber, d]))
  const search = (q: string, filters: SearchFilters = {}, limit = 100, offset = 0): Promise<SearchResult> =>
    index.search({ q, filters, limit, offset } satisfies SearchQuery)

  await index.init()
  await index.init()
  await index.clear()
  await index.upsert(all)

  await t.test('ping answers once initialised', async (t) => {
    t.equal(await index.ping(), true)
  })

  await t.test('empty q lists every patent, newest filing first', async (t) => {
    const r = await search('')
    t.equal(r.total, all.length, 'total is the number of patents loaded')
    t.strictSame(ids(r), byFilingDateDesc(all), 'ordered by filingDate, newest first')
    const hit = r.hits.find((h) => h.publicationNumber === 'CN117151122A')
    const doc = byId.get('CN117151122A')
    t.ok(hit !== undefined && doc !== undefined, 'a known patent is listed')
    if (hit !== undefined && doc !== undefined) {
      t.equal(hit.title, doc.title, 'hit carries the title')
      t.strictSame(hit.applicants, doc.applicants, 'hit carries the applicants')
      t.strictSame(hit.ipc, doc.ipc, 'hit carries the IPC codes')
    }
  })

  await t.test('Chinese query finds the patents about it, highlighted', async (t) => {
    const r = await search('图像识别', {}, 50)
    const expected = all.filter((d) => text(d).includes('图像识别')).map((d) => d.publicationNumber)
    t.equal(expected.length, 6, 'fixture sanity: six patents mention 图像识别')
    for (const id of expected) t.ok(ids(r).includes(id), `${id} (mentions 图像识别) is found`)
    // Patents sharing no part of the query in any language must not come back.
    const unrelated = all
      .filter((d) => !['图像', '识别', 'image', 'recogni'].some((w) => text(d).includes(w)))
      .map((d) => d.publicationNumber)
    t.ok(unrelated.length >= 10, 'fixture sanity: enough unrelated patents')
    for (const id of unrelated) t.notOk(ids(r).includes(id), `${id} (unrelated) is not found`)
    t.ok(r.total >= expected.length && r.total <= all.length - unrelated.length, 'total counts the matches')
    t.ok(expected.includes(r.hits[0]?.publicationNumber ?? ''), 'the best hit mentions 图像识别')

    const withTitleMatch = r.hits.filter((h) => h.title.includes('图像识别'))
    t.equal(withTitleMatch.length, 3, 'three hits have 图像识别 in the title')
    for (const h of withTitleMatch) {
      t.match(h.highlights.title ?? '', /<em>/, `${h.publicationNumber}: title highlight marks the match`)
      t.equal(stripTags(h.highlights.title ?? ''), h.title, `${h.publicationNumber}: title highlight is the title plus tags`)
    }
    const abstractOnly = r.hits.filter((h) => expected.includes(h.publicationNumber) && !h.title.includes('图像识别'))
    for (const h of abstractOnly) {
      t.match(h.highlights.abstract ?? '', /<em>/, `${h.publicationNumber}: abstract snippet marks the match`)
      const abstract = byId.get(h.publicationNumber)?.abstract ?? ''
      t.ok(stripTags(h.highlights.abstract ?? '').length < abstract.length + 10, 'abstract snippet is not longer than the abstract')
    }
  })

  await t.test('other Chinese terms', async (t) => {
    const r1 = await search('保单')
    t.strictSame(ids(r1), ['CN119090657A'], '保单 finds the insurance-policy patent only')
    const r2 = await search('自然语言处理')
    for (const id of ['CN117151122A', 'CN116932853A']) t.ok(ids(r2).includes(id), `自然语言处理 finds ${id}`)
    const r3 = await search('存储器')
    t.ok(ids(r3).includes('CN115794481A'), '存储器 finds the memory-controller patent')
  })

  await t.test('English query finds the English patents', async (t) => {
    const r = await search('baseball')
    t.strictSame(sorted(ids(r)), ['US5269177', 'US5864973'], 'baseball finds exactly the two baseball patents')
    t.equal(r.total, 2)
    t.ok(
      r.hits.every((h) => /<em>/i.test(`${h.highlights.title ?? ''} ${h.highlights.abstract ?? ''}`)),
      'every hit has a highlighted match',
    )
    const r2 = await search('barometer neuron')
    t.equal(r2.hits[0]?.publicationNumber, 'US5535303', 'barometer neuron: the barometer-neuron patent first')
  })

  await t.test('filters restrict the results', async (t) => {
    const cases: [string, SearchFilters, (d: SearchDocument) => boolean][] = [
      ['ipc section G', { ipc: 'G' }, (d) => d.ipc.some((c) => c.startsWith('G'))],
      ['ipc subclass G06F', { ipc: 'G06F' }, (d) => d.ipc.some((c) => c.startsWith('G06F'))],
      ['ipc group G06F16', { ipc: 'G06F16' }, (d) => d.ipc.some((c) => ipcGroup(c) === 'G06F16')],
      ['ipc group G06F1 (not G06F16…)', { ipc: 'G06F1' }, (d) => d.ipc.some((c) => ipcGroup(c) === 'G06F1')],
      ['ipc subgroup G06F16/35', { ipc: 'G06F16/35' }, (d) => d.ipc.includes('G06F16/35')],
      ['ipc subclass absent from the data', { ipc: 'G06N' }, () => false],
      ['applicant', { applicant: '华东示例理工大学' }, (d) => d.applicants.includes('华东示例理工大学')],
      ['applicant that extends another', { applicant: '华东示例理工大学附属医院' }, (d) => d.applicants.includes('华东示例理工大学附属医院')],
      ["applicant with an apostrophe", { applicant: "St. Mary's Example University" }, (d) => d.applicants.includes("St. Mary's Example University")],
      ['applicant with double quotes', { applicant: 'Institute for "Smart" Example Systems' }, (d) => d.applicants.includes('Institute for "Smart" Example Systems')],
      ['applicant nobody has', { applicant: '华东示例' }, () => false],
      ['transferMode equity', { transferMode: 'equity' }, (d) => d.transferModes.includes('equity')],
      ['transferMode open-license', { transferMode: 'open-license' }, (d) => d.transferModes.includes('open-license')],
      ['legalStatus lapsed', { legalStatus: 'lapsed' }, (d) => d.legalStatus === 'lapsed'],
      ['legalStatus pending', { legalStatus: 'pending' }, (d) => d.legalStatus === 'pending'],
      [
        'ipc G06F16 and transferMode license',
        { ipc: 'G06F16', transferMode: 'license' },
        (d) => d.ipc.some((c) => ipcGroup(c) === 'G06F16') && d.transferModes.includes('license'),
      ],
    ]
    for (const [name, filters, keep] of cases) {
      const r = await search('', filters)
      const expected = all.filter(keep).map((d) => d.publicationNumber)
      t.strictSame(sorted(ids(r)), sorted(expected), `${name}: exactly the matching patents`)
      t.equal(r.total, expected.length, `${name}: total`)
    }
    t.ok(all.filter((d) => d.ipc.some((c) => ipcGroup(c) === 'G06F1')).length >= 3, 'fixture sanity: G06F1 patents present')

    const r = await search('图像识别', { legalStatus: 'granted' }, 50)
    const grantedMatches = all.filter((d) => text(d).includes('图像识别') && d.legalStatus === 'granted')
    t.ok(grantedMatches.length >= 2, 'fixture sanity: granted 图像识别 patents')
    for (const d of grantedMatches) t.ok(ids(r).includes(d.publicationNumber), `query + filter finds ${d.publicationNumber}`)
    t.ok(r.hits.every((h) => byId.get(h.publicationNumber)?.legalStatus === 'granted'), 'query + filter: only granted patents')
  })

  await t.test('facets count the matching patents', async (t) => {
    const r = await search('', {}, 1)
    t.same(r.facets, expectedFacets(all), 'facets over everything (limit does not matter)')

    const granted = await search('', { legalStatus: 'granted' }, 5)
    t.same(granted.facets, expectedFacets(all.filter((d) => d.legalStatus === 'granted')), 'facets over the filtered patents')

    const baseball = await search('baseball')
    t.same(
      baseball.facets,
      expectedFacets(all.filter((d) => ['US5269177', 'US5864973'].includes(d.publicationNumber))),
      'facets over the query matches',
    )
    t.same(baseball.facets.ipcClass, {}, 'patents without IPC codes give no ipcClass values')
  })

  await t.test('paging with limit/offset is consistent with total', async (t) => {
    const full = ids(await search(''))
    const pages: string[] = []
    for (let offset = 0; offset < all.length + 5; offset += 5) {
      const r = await search('', {}, 5, offset)
      t.equal(r.total, all.length, `offset ${offset}: same total`)
      t.equal(r.hits.length, Math.max(0, Math.min(5, all.length - offset)), `offset ${offset}: page size`)
      pages.push(...ids(r))
    }
    t.strictSame(pages, full, 'pages put together are the full list, no gaps or repeats')
    t.strictSame(ids(await search('', {}, 4, 3)), full.slice(3, 7), 'an offset that is not a multiple of limit')
    const past = await search('', {}, 10, all.length + 10)
    t.strictSame(past.hits, [], 'offset past the end: no hits')
    t.equal(past.total, all.length, 'offset past the end: total still counts everything')

    const ranked = ids(await search('图像识别', {}, 50))
    const paged: string[] = []
    for (let offset = 0; offset < ranked.length; offset += 2) paged.push(...ids(await search('图像识别', {}, 2, offset)))
    t.strictSame(paged, ranked, 'paging a ranked query keeps its order')
  })

  await t.test('upsert of an existing publication number replaces it', async (t) => {
    const old = byId.get('US5535303')
    const oldZh = byId.get('CN119090657A')
    if (old === undefined || oldZh === undefined) throw new Error('fixture lacks US5535303 or CN119090657A')
    await index.upsert([
      { ...old, title: 'Mooring mast for a zeppelin airship', abstract: 'A mooring mast holds a zeppelin airship against the wind.', keywords: [] },
      { ...oldZh, title: '一种茶叶烘焙装置', abstract: '一种茶叶烘焙装置，包括烘焙箱和温控模块。' },
    ])
    t.equal((await search('')).total, all.length, 'no patent added')
    t.notOk(ids(await search('barometer')).includes('US5535303'), 'old English text no longer found')
    const zeppelin = await search('zeppelin')
    t.strictSame(ids(zeppelin), ['US5535303'], 'new English text found')
    t.equal(zeppelin.hits[0]?.title, 'Mooring mast for a zeppelin airship', 'hit shows the new title')
    t.notOk(ids(await search('保单')).includes('CN119090657A'), 'old Chinese text no longer found')
    t.ok(ids(await search('茶叶')).includes('CN119090657A'), 'new Chinese text found')
    t.notOk(ids(await search('图像识别', {}, 50)).includes('CN119090657A'), 'no longer found under its old subject')
  })

  await t.test('remove makes patents disappear', async (t) => {
    await index.remove(['CN115794481A', 'US5269177'])
    const r = await search('')
    t.equal(r.total, all.length - 2, 'two fewer patents')
    t.notOk(ids(r).includes('CN115794481A'), 'removed CN patent not listed')
    t.notOk(ids(r).includes('US5269177'), 'removed US patent not listed')
    t.strictSame(ids(await search('baseball')), ['US5864973'], 'removed patent no longer found by text')
    t.notOk(ids(await search('存储器')).includes('CN115794481A'), 'removed CN patent no longer found by text')
    t.equal(r.facets.legalStatus['lapsed'], (expectedFacets(all).legalStatus['lapsed'] ?? 0) - 1, 'facets no longer count it')
    await index.remove(['CN000000000A'])
    await index.remove([])
    t.equal((await search('')).total, all.length - 2, 'removing unknown numbers changes nothing')
  })

  await t.test('clear empties the index', async (t) => {
    await index.clear()
    const r = await search('')
    t.equal(r.total, 0)
    t.strictSame(r.hits, [])
    t.equal((await search('图像识别')).total, 0)
  })
}
