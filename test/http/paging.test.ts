/**
 * Lists page by cursor (issue 15 item 5): needs, interests, pairings and organisations. Each page
 * follows the last, items added meanwhile neither shift nor repeat what is still to be read, a
 * cursor the list did not give is a 400 at query.cursor, and limits are bounded. The inventory's
 * own paging is test/http/inventory.test.ts.
 */
import t from 'tap'
import { ADMIN, build, eventually, samplePatents, waitForImport } from '../helper.js'

t.test('needs, interests, pairings and organisations page by cursor, stable under inserts', async (t) => {
  const h = await build(t)
  const call = async (key: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await h.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const org = async (name: string, kind: string, province = '浙江') => {
    const o = await call(ADMIN, 'POST', '/v1/orgs', { name, kind, province })
    return { id: o.id as string, key: (await call(ADMIN, 'POST', `/v1/orgs/${o.id}/keys`, { name: 'k' })).key as string }
  }
  /** Reads a list page by page with `limit`, running `between` after the first page. */
  const readAll = async (key: string, path: string, limit: number, between?: () => Promise<void>) => {
    const ids: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const sep = path.includes('?') ? '&' : '?'
      const page = await call(key, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      t.ok(page.items.length <= limit, 'never more than the limit')
      ids.push(...page.items.map((i: { id: string }) => i.id))
      cursor = page.nextCursor
      if (++pages === 1) await between?.()
    } while (cursor !== undefined)
    return ids
  }

  const university = await org('甲大学', 'university')
  const enterprise = await org('乙公司', 'enterprise')
  const centre = await org('丙运营中心', 'operations-centre')
  await call(centre.key, 'PUT', `/v1/orgs/${centre.id}/routing`, { minScore: 0, maxPerNeed: 3 })
  const imp = await h.app.inject({ method: 'POST', url: '/v1/patents/import', headers: { authorization: `Bearer ${university.key}`, 'content-type': 'application/x-ndjson' }, payload: samplePatents().map((p) => JSON.stringify(p)).join('\n') })
  await waitForImport(h.app, imp.json().importId)

  // Needs: seven, newest first; two more stated while the list is read are not seen, none twice.
  const made: string[] = []
  for (let i = 0; i < 7; i++) made.push((await call(enterprise.key, 'POST', '/v1/needs', { title: `图像识别需求 ${i}` })).id)
  const needs = await readAll(enterprise.key, '/v1/needs', 3, async () => {
    await call(enterprise.key, 'POST', '/v1/needs', { title: '读到一半时新增的需求' })
    await call(enterprise.key, 'POST', '/v1/needs', { title: '又一个新增的需求' })
  })
  t.same(needs, [...made].reverse(), 'each earlier need once, newest first, nothing added meanwhile in between')
  t.equal((await call(enterprise.key, 'GET', '/v1/needs')).items.length, 9, 'without a limit: the whole small list, as before paging')

  // Interests: the enterprise's and the university's views of the same five.
  const pns = samplePatents().slice(0, 5).map((p) => String(p.publicationNumber))
  for (const pn of pns) await call(enterprise.key, 'POST', '/v1/interests', { publicationNumber: pn, disclosure: 'identity' })
  const mine = await readAll(enterprise.key, '/v1/interests', 2)
  t.equal(new Set(mine).size, 5)
  t.same(await readAll(university.key, '/v1/interests', 4), mine, 'the university reads the same interests in the same order')

  // Pairings: the centre's, paged, and filtered by state across pages.
  await eventually(async () => ((await call(centre.key, 'GET', '/v1/pairings')).items.length >= 6 ? true : undefined), 30_000, 'pairings')
  // Every need matched, and routed here and now (routing is idempotent): no pairing arrives while
  // the pages are compared, whenever the workers' own routing jobs run.
  for (const { id } of (await call(enterprise.key, 'GET', '/v1/needs')).items as Array<{ id: string }>) {
    await eventually(async () => ((await call(enterprise.key, 'GET', `/v1/needs/${id}/matches`)).state === 'ready' ? true : undefined), 30_000, `matches of ${id}`)
    await h.container.services.pairings.routeNeed({ needId: id })
  }
  const all = (await call(centre.key, 'GET', '/v1/pairings')).items.map((p: { id: string }) => p.id)
  t.same(await readAll(centre.key, '/v1/pairings', 4), all, 'pages of 4 read what one page of 100 reads')
  t.same(await readAll(centre.key, '/v1/pairings?state=recommended', 1), all, 'with a filter too')
  t.same(await readAll(centre.key, '/v1/pairings?state=contacted', 5), [], 'a filter nothing passes: no items, and an end')

  // Organisations: by name, for the admin.
  const names = (await call(ADMIN, 'GET', '/v1/orgs')).items.map((o: { name: string }) => o.name)
  t.same(names, [...names].sort((a: string, b: string) => a.localeCompare(b, 'zh-Hans-CN')), 'by name')
  const orgIds = await readAll(ADMIN, '/v1/orgs', 1, async () => void (await org('阿尔法新公司', 'enterprise')))
  t.equal(new Set(orgIds).size, orgIds.length, 'no organisation read twice')
  t.match((await call(ADMIN, 'GET', '/v1/orgs?kind=university')).items, [{ name: '甲大学' }])
  t.equal((await call(ADMIN, 'GET', '/v1/orgs?q=运营')).items.length, 1)

  // Bad paging input: 400 at the field.
  for (const url of ['/v1/needs?cursor=not-a-cursor', `/v1/pairings?cursor=${Buffer.from('{"v":1,"p":{"x":1}}').toString('base64url')}`, '/v1/orgs?cursor=%7B', '/v1/needs?limit=0', '/v1/interests?limit=101']) {
    const key = url.startsWith('/v1/pairings') ? centre.key : url.startsWith('/v1/orgs') ? ADMIN : enterprise.key
    const res = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } })
    t.equal(res.statusCode, 400, url)
    t.match(res.json().error.details[0].path, /^query\.(cursor|limit)$/, url)
  }
})
