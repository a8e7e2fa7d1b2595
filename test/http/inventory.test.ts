/**
 * A tech-transfer office's inventory: `GET /v1/patents` (own patents only, the admin's view,
 * filters, cursor paging that holds while patents arrive, bad cursors and limits) and re-listing
 * a withdrawn patent. Real app, real Redis, workers in this process.
 */
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { randomUUID } from 'node:crypto'
import { createInventoryService, inventoryCursor } from '../../src/services/inventory.js'
import type { Patent } from '../../src/domain/patent.js'
import { ADMIN, build, eventually, REDIS_URL, waitForImport, type Harness } from '../helper.js'

type Json = Record<string, unknown>
interface ListPage {
  items: Array<Patent & { claims?: string; ownerOrgId?: string }>
  nextCursor?: string
  total?: number
}

const TOPICS = [
  { title: '一种锂电池正极材料及其制备方法', ipc: ['H01M4/36'], legalStatus: 'granted', transferModes: ['license'] },
  { title: '基于深度学习的工业图像缺陷检测方法', ipc: ['G06V10/82', 'G06T7/00'], legalStatus: 'pending', transferModes: ['assignment', 'license'] },
  { title: '一种茶叶揉捻装置', ipc: ['A23F3/12'], legalStatus: 'granted', transferModes: ['open-license'] },
  { title: '高强度铝合金焊接工艺', ipc: ['B23K9/23'], legalStatus: 'lapsed', transferModes: [] },
  { title: '一种光伏组件清洗机器人', ipc: ['H02S40/10'], legalStatus: 'granted', transferModes: ['equity'] },
] as const

/** The i-th patent of an organisation: publication number from its series, fields from the topics. */
const record = (series: number, i: number): Json => {
  const topic = TOPICS[i % TOPICS.length]!
  return {
    publicationNumber: `CN${series}${String(i).padStart(5, '0')}A`,
    applicationNumber: `CN20231${series}${String(i).padStart(5, '0')}.${i % 10}`,
    title: `${topic.title}（${i}）`,
    abstract: `${topic.title}，用于测试清单列表的摘要 ${i}。`,
    claims: '1. 一种……，其特征在于……',
    ipc: [...topic.ipc],
    legalStatus: topic.legalStatus,
    transferModes: [...topic.transferModes],
  }
}

async function setup(t: Test) {
  const h = await build(t)
  const inject = async (method: string, url: string, key: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) })
  const ok = async (method: string, url: string, key: string, payload?: unknown, headers?: Record<string, string>) => {
    const res = await inject(method, url, key, payload, headers)
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const org = async (name: string, kind: string) => {
    const o = await ok('POST', '/v1/orgs', ADMIN, { name, kind })
    const { key } = await ok('POST', `/v1/orgs/${o.id}/keys`, ADMIN, { name: 'inventory' })
    return { id: o.id as string, key: key as string }
  }
  const importAs = async (key: string, records: Json[]) => {
    const res = await ok('POST', '/v1/patents/import', key, records.map((r) => JSON.stringify(r)).join('\n') + '\n', { 'content-type': 'application/x-ndjson' })
    return waitForImport(h.app, res.importId as string)
  }
  const list = async (key: string, query: Record<string, string | number> = {}): Promise<ListPage> => {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()
    return ok('GET', `/v1/patents${qs === '' ? '' : `?${qs}`}`, key) as Promise<ListPage>
  }
  /** Every page, following nextCursor; fails past 200 pages. */
  const listAll = async (key: string, query: Record<string, string | number> = {}) => {
    const pages: ListPage[] = []
    let cursor: string | undefined
    do {
      const page = await list(key, { ...query, ...(cursor === undefined ? {} : { cursor }) })
      pages.push(page)
      cursor = page.nextCursor
    } while (cursor !== undefined && pages.length < 200)
    return { pages, items: pages.flatMap((p) => p.items) }
  }
  return { h, inject, ok, org, importAs, list, listAll }
}

const numbers = (items: Array<{ publicationNumber: string }>) => items.map((p) => p.publicationNumber)

t.test('an office lists its own inventory, page by page; the admin sees all', async (t) => {
  const s = await setup(t)
  const a = await s.org('甲大学技术转移中心', 'university')
  const b = await s.org('乙大学技术转移中心', 'university')
  const enterprise = await s.org('某企业', 'enterprise')
  const ownA = Array.from({ length: 30 }, (_, i) => record(2001, i))
  const ownB = Array.from({ length: 6 }, (_, i) => record(3001, i))
  await s.importAs(a.key, ownA.slice(0, 20))
  await s.importAs(b.key, ownB)
  await s.importAs(a.key, ownA.slice(20))
  await s.ok('POST', '/v1/patents', ADMIN, record(4001, 0))
  const history = (await s.ok('GET', '/v1/imports', a.key)).items as Array<Record<string, unknown>>
  t.match(history, [
    { state: 'done', total: 10, indexed: 10, accepted: 10, created: 10, updated: 0, unchanged: 0, rejected: 0 },
    { state: 'done', total: 20, indexed: 20, accepted: 20, created: 20, updated: 0, unchanged: 0, rejected: 0 },
  ], "the office's import history, newest first, with each answer's counts")
  const pnsA = numbers(ownA as Array<{ publicationNumber: string }>)
  const pnsB = numbers(ownB as Array<{ publicationNumber: string }>)

  await t.test('own patents only, newest first, with the total', async (t) => {
    const page = await s.list(a.key, { limit: 100 })
    t.equal(page.total, 30)
    t.equal(page.nextCursor, undefined, 'one page holds them all')
    t.same(new Set(numbers(page.items)), new Set(pnsA), "exactly the office's own patents")
    t.notOk(numbers(page.items).some((pn) => pnsB.includes(pn)), "another university's never appear")
    const created = page.items.map((p) => p.createdAt)
    t.same(created, [...created].sort().reverse(), 'newest first')
    t.same(new Set(numbers(page.items.slice(0, 10))), new Set(pnsA.slice(20)), 'the later import leads')
    t.notOk(page.items.some((p) => 'claims' in p || 'ownerOrgId' in p), 'items leave out claims and the owner')
    t.equal(page.items[0]!.title.length > 0 && page.items[0]!.status, 'listed')
    const bPage = await s.list(b.key)
    t.equal(bPage.total, 6)
    t.same(new Set(numbers(bPage.items)), new Set(pnsB))
    t.same(await s.list(a.key, { owner: b.id }), { items: [], total: 0 }, "a university asking for another's patents gets none")
    t.equal((await s.list(a.key, { owner: a.id })).total, 30, 'its own id is its own list')
  })

  await t.test('the admin: all patents, or one owner’s', async (t) => {
    const all = await s.listAll(ADMIN, { limit: 100 })
    t.equal(all.pages[0]!.total, 37)
    t.same(new Set(numbers(all.items)), new Set([...pnsA, ...pnsB, 'CN400100000A']))
    t.same(new Set(numbers((await s.list(ADMIN, { owner: b.id })).items)), new Set(pnsB))
    t.same(numbers((await s.list(ADMIN, { owner: 'admin' })).items), ['CN400100000A'], "`admin`: the admin's own")
    t.same(await s.list(ADMIN, { owner: 'no-such-org' }), { items: [], total: 0 })
  })

  await t.test('roles without the action are refused', async (t) => {
    const res = await s.inject('GET', '/v1/patents', enterprise.key)
    t.equal(res.statusCode, 403)
    t.equal(res.json().error.code, 'forbidden')
    t.equal((await s.inject('GET', '/v1/patents', 'nope')).statusCode, 401)
  })

  await t.test('limit: 20 by default, 1 to 100', async (t) => {
    const first = await s.list(a.key)
    t.equal(first.items.length, 20)
    t.type(first.nextCursor, 'string')
    t.equal((await s.list(a.key, { limit: 1 })).items.length, 1)
    t.equal((await s.list(a.key, { limit: 100 })).items.length, 30)
    for (const limit of ['0', '101', '-1', 'x', '1.5']) {
      const res = await s.inject('GET', `/v1/patents?limit=${limit}`, a.key)
      t.equal(res.statusCode, 400, `limit=${limit} → 400`)
      t.equal(res.json().error.code, 'validation_failed')
      t.same(res.json().error.details.map((d: { path: string }) => d.path), ['query.limit'])
    }
    const stray = await s.inject('GET', '/v1/patents?offset=20', a.key)
    t.equal(stray.statusCode, 400, 'no offset: paging is by cursor')
    t.same(stray.json().error.details.map((d: { path: string }) => d.path), ['query.offset'])
  })

  await t.test('a malformed cursor is bad input of query.cursor', async (t) => {
    const made = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const bad = ['garbage!!', 'abc', made({ v: 2, p: 'x' }), made({ v: 1 }), made({ v: 1, p: 42 }), made([1, 'x']), 'x'.repeat(2000), '']
    for (const cursor of bad) {
      const res = await s.inject('GET', `/v1/patents?cursor=${encodeURIComponent(cursor)}`, a.key)
      t.equal(res.statusCode, 400, `cursor ${cursor.slice(0, 20)} → 400`)
      const body = res.json()
      t.equal(body.error.code, 'validation_failed')
      t.same(body.error.details.map((d: { path: string }) => d.path), ['query.cursor'])
      t.type(body.error.message, 'string')
    }
  })

  await t.test('pages cover the inventory once, and hold while patents arrive between them', async (t) => {
    const { pages, items } = await s.listAll(a.key, { limit: 7 })
    t.equal(pages.length, 5, '30 patents in pages of 7')
    t.same(pages.map((p) => p.items.length), [7, 7, 7, 7, 2])
    t.equal(pages.at(-1)!.nextCursor, undefined, 'the last page has no cursor')
    t.same(new Set(numbers(items)), new Set(pnsA))
    t.equal(new Set(numbers(items)).size, 30, 'no patent twice')

    // Read two pages, then patents arrive (an import, and one listed by hand), then read on.
    const first = await s.list(a.key, { limit: 8 })
    const second = await s.list(a.key, { limit: 8, cursor: first.nextCursor! })
    const arriving = Array.from({ length: 12 }, (_, i) => record(2002, i))
    await s.importAs(a.key, arriving)
    await s.ok('POST', '/v1/patents', a.key, record(2003, 0))
    // Patents already there change meanwhile: a change does not move them.
    await s.ok('PATCH', `/v1/patents/${numbers(first.items)[0]}`, a.key, { keywords: ['修订'] })
    await s.ok('PATCH', `/v1/patents/${numbers(second.items).at(-1)}`, a.key, { title: '改过名字的专利' })
    const rest = await s.listAll(a.key, { limit: 8, cursor: second.nextCursor! })
    const seen = [...numbers(first.items), ...numbers(second.items), ...numbers(rest.items)]
    t.equal(seen.length, 30, 'every patent there before, and only those')
    t.same(new Set(seen), new Set(pnsA), 'none skipped')
    t.equal(new Set(seen).size, seen.length, 'none repeated')
    t.same(seen, numbers((await s.list(a.key, { limit: 100 })).items).slice(13), 'in the order a fresh reading gives them')
    const fresh = await s.list(a.key, { limit: 13 })
    t.same(new Set(numbers(fresh.items)), new Set([...numbers(arriving as Array<{ publicationNumber: string }>), 'CN200300000A']), 'the new patents lead a fresh first page')
    t.equal(fresh.total, 43)
  })

  await t.test('filters: status, legal status, transfer mode, IPC prefix, text', async (t) => {
    const all = (await s.listAll(a.key, { limit: 100 })).items
    const expect = (f: (p: Patent) => boolean) => new Set(numbers(all.filter(f)))
    const withdrawn = numbers(all).slice(3, 6)
    for (const pn of withdrawn) await s.ok('DELETE', `/v1/patents/${pn}`, a.key)

    const w = await s.listAll(a.key, { status: 'withdrawn' })
    t.same(new Set(numbers(w.items)), new Set(withdrawn), 'status=withdrawn')
    t.ok(w.items.every((p) => p.status === 'withdrawn'))
    t.equal(w.pages[0]!.total, undefined, 'no total with filters')
    const listed = await s.listAll(a.key, { status: 'listed', limit: 100 })
    t.equal(listed.items.length, all.length - 3, 'status=listed')

    t.same(new Set(numbers((await s.listAll(a.key, { legalStatus: 'lapsed' })).items)), expect((p) => p.legalStatus === 'lapsed'), 'legalStatus')
    t.same(new Set(numbers((await s.listAll(a.key, { transferMode: 'license' })).items)), expect((p) => p.transferModes.includes('license')), 'transferMode')
    t.same(new Set(numbers((await s.listAll(a.key, { ipc: 'g06v' })).items)), expect((p) => p.ipc.some((c) => c.startsWith('G06V'))), 'ipc prefix, any case')
    t.same(new Set(numbers((await s.listAll(a.key, { ipc: 'H01M4/36' })).items)), expect((p) => p.ipc.includes('H01M4/36')), 'ipc, a full code')
    t.same(new Set(numbers((await s.listAll(a.key, { q: '锂电池' })).items)), expect((p) => p.title.includes('锂电池')), 'q in the title')
    t.same(numbers((await s.list(a.key, { q: 'cn 2001 00007' })).items), ['CN200100007A'], 'q in the publication number, any case or spacing')
    t.same(numbers((await s.list(a.key, { q: '20231200100001.1' })).items), ['CN200100001A'], 'q in the application number')
    t.same(numbers((await s.list(a.key, { q: '改过名字' })).items).length, 1, 'q reads the title as it is now')
    t.same((await s.list(a.key, { q: '量子' })).items, [], 'q that nothing has')
    t.same((await s.list(b.key, { q: '锂电池' })).items.length, 2, "another office's text filter sees only its own")

    const combined = await s.listAll(a.key, { legalStatus: 'granted', transferMode: 'license', status: 'listed', limit: 2 })
    t.same(new Set(numbers(combined.items)), expect((p) => p.legalStatus === 'granted' && p.transferModes.includes('license') && !withdrawn.includes(p.publicationNumber)), 'filters combine, across pages of 2')
    t.ok(combined.pages.slice(0, -1).every((p) => p.items.length === 2), 'every page but the last is full')
    t.equal(new Set(numbers(combined.items)).size, combined.items.length, 'no patent twice')

    for (const [k, v] of [['status', 'sold'], ['legalStatus', 'alive'], ['transferMode', 'gift'], ['ipc', 'Z99'], ['q', 'x'.repeat(201)], ['colour', 'red']] as const) {
      const res = await s.inject('GET', `/v1/patents?${k}=${v}`, a.key)
      t.equal(res.statusCode, 400, `${k}=${v.slice(0, 10)} → 400`)
      t.equal(res.json().error.details[0].path, `query.${k}`)
    }
  })

  await t.test('re-listing a withdrawn patent puts it back in search and matching', async (t) => {
    const pn = 'CN200100001A'
    const searchFor = async () =>
      numbers((await s.ok('GET', `/v1/patents/search?q=${encodeURIComponent('工业图像缺陷检测')}&limit=100`, enterprise.key)).hits as Array<{ publicationNumber: string }>)
    await eventually(async () => ((await searchFor()).includes(pn) ? true : undefined), 20_000, 'the patent searchable')
    await s.ok('DELETE', `/v1/patents/${pn}`, a.key)
    await eventually(async () => ((await searchFor()).includes(pn) ? undefined : true), 20_000, 'the withdrawn patent gone from search')
    await eventually(async () => (s.h.container.matchIndex!.has(pn) ? undefined : true), 20_000, 'and from the matcher')
    t.equal((await s.inject('GET', `/v1/patents/${pn}`, enterprise.key)).statusCode, 404, 'a withdrawn patent is hidden from others')

    t.equal((await s.inject('POST', `/v1/patents/${pn}/relist`, b.key)).statusCode, 404, "another university cannot re-list it: 404, as if missing")
    t.equal((await s.inject('POST', `/v1/patents/${pn}/relist`, enterprise.key)).statusCode, 403, 'an enterprise may not')
    t.equal((await s.inject('POST', '/v1/patents/CN999999999A/relist', a.key)).statusCode, 404, 'a missing patent: 404')
    const relisted = await s.ok('POST', `/v1/patents/${pn}/relist`, a.key)
    t.equal(relisted.status, 'listed')
    t.equal(relisted.title, record(2001, 1).title, 'the record is kept as it was')
    await eventually(async () => ((await searchFor()).includes(pn) ? true : undefined), 20_000, 'the re-listed patent searchable again')
    t.equal((await s.ok('GET', `/v1/patents/${pn}`, enterprise.key)).status, 'listed', 'visible to others again')
    t.ok(s.h.container.matchIndex, 'this process runs the matcher')
    await eventually(async () => (s.h.container.matchIndex!.has(pn) ? true : undefined), 20_000, 'in the matcher again')

    const again = await s.ok('POST', `/v1/patents/${pn}/relist`, a.key)
    t.equal(again.updatedAt, relisted.updatedAt, 're-listing a listed patent changes nothing')
    const byAdmin = await s.ok('DELETE', `/v1/patents/${pn}`, ADMIN)
    t.equal(byAdmin.status, 'withdrawn')
    t.equal((await s.ok('POST', `/v1/patents/${pn}/relist`, ADMIN)).status, 'listed', 'the admin may re-list too')
    const page = await s.list(a.key, { q: 'CN200100001A' })
    t.equal(page.items[0]!.status, 'listed', 'the inventory shows it listed')
  })
})

t.test('a filtered page reads a bounded number of patents and goes on from there', async (t) => {
  const h: Harness = await build(t)
  const owner = `org-${randomUUID()}`
  const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString()
  const patents: Patent[] = Array.from({ length: 95 }, (_, i) => ({
    publicationNumber: `CN5${String(i).padStart(8, '0')}A`,
    title: i % 40 === 7 ? `稀有主题 ${i}` : `普通主题 ${i}`,
    abstract: '摘要',
    keywords: [],
    ipc: [],
    applicants: [],
    inventors: [],
    language: 'zh',
    legalStatus: 'granted',
    transferModes: [],
    status: 'listed',
    ownerOrgId: owner,
    createdAt: stamp(i),
    updatedAt: stamp(i),
  }))
  await h.container.stores.patents.putMany(patents)
  const inventory = createInventoryService({
    patents: h.container.stores.patents,
    imports: h.container.stores.imports,
    queue: h.container.queue,
    programme: { appendMany: async () => undefined },
    maxRecords: 1000,
    aliveMs: 30_000,
    listScanBudget: 20,
  })
  const university = { role: 'university' as const, orgId: owner, keyId: 'k' }
  const pages = []
  let cursor: string | undefined
  do {
    const page = await inventory.list(university, { limit: 5, q: '稀有', ...(cursor === undefined ? {} : { cursor: inventoryCursor.decode(cursor)! }) })
    pages.push(page)
    cursor = page.nextCursor
  } while (cursor !== undefined && pages.length < 50)
  t.equal(pages.length, 5, '95 patents read 20 at a time')
  t.same(pages.map((p) => p.items.length), [1, 0, 1, 0, 1], 'pages hold what matched in their 20 patents, even none, and say where to go on')
  t.same(pages.flatMap((p) => p.items.map((x) => x.title)), ['稀有主题 87', '稀有主题 47', '稀有主题 7'], 'every match, once, newest first')
  t.equal(pages.at(-1)!.nextCursor, undefined, 'the end of the listing ends the paging')
  const unfiltered = await inventory.list(university, { limit: 50 })
  t.equal(unfiltered.items.length, 50, 'without filters a page is full whatever the budget')
  t.equal(unfiltered.total, 95)
})

t.test('patents stored before the listing existed appear in it', async (t) => {
  // An installation as it was before this change: patent hashes and the set of all, no listing.
  const prefix = `test-${randomUUID()}`
  const redis = new Redis(REDIS_URL)
  t.teardown(() => redis.disconnect())
  const owner = `org-${randomUUID()}`
  const old = Array.from({ length: 5 }, (_, i) => ({
    publicationNumber: `CN6${String(i).padStart(8, '0')}A`,
    title: `旧专利 ${i}`,
    abstract: '早先导入的专利',
    keywords: [],
    ipc: ['G06F16/35'],
    applicants: [],
    inventors: [],
    language: 'zh',
    legalStatus: 'granted',
    transferModes: ['license'],
    status: 'listed',
    ownerOrgId: owner,
    createdAt: new Date(Date.UTC(2023, i, 1)).toISOString(),
    updatedAt: new Date(Date.UTC(2023, i, 1)).toISOString(),
  }))
  for (const p of old) await redis.hset(`${prefix}:patent:${p.publicationNumber}`, 'record', JSON.stringify(p))
  await redis.sadd(`${prefix}:patents`, ...old.map((p) => p.publicationNumber))
  const h = await build(t, { REDIS_PREFIX: prefix })
  const page = (await h.app.inject({ method: 'GET', url: `/v1/patents?owner=${owner}`, headers: { authorization: `Bearer ${ADMIN}` } })).json() as ListPage
  t.equal(page.total, 5)
  t.same(numbers(page.items), numbers([...old].reverse()), 'listed at their creation time, newest first')
})
