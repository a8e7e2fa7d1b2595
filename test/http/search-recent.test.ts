/**
 * The search service answers a search asked again within a moment from its recent result and
 * reads each hit's patent once (issue 15, search throughput); neither ever shows a patent as it
 * was once the index has taken in a change: the results are dropped at every change of the index.
 */
import t from 'tap'
import { auth, build, eventually, importNdjson, waitForImport } from '../helper.js'

t.test('a change to a patent shows in the next search, whatever was searched just before', async (t) => {
  // kept for a minute: only the index's changes can make the service answer anew here
  const h = await build(t, { SEARCH_RECENT_MS: '60000' })
  const imported = await importNdjson(h.app, [
    { publicationNumber: 'CN300000001A', title: '一种茶叶揉捻装置', abstract: '揉捻盘与压盖配合完成茶叶揉捻。', legalStatus: 'pending' },
    { publicationNumber: 'CN300000002A', title: '一种茶叶杀青设备', abstract: '滚筒加热完成茶叶杀青。' },
  ])
  await waitForImport(h.app, imported.json().importId)
  const search = async (q: string) => (await h.app.inject({ method: 'GET', url: `/v1/patents/search?q=${encodeURIComponent(q)}`, headers: auth })).json()

  const first = await search('揉捻')
  t.equal(first.hits[0]?.title, '一种茶叶揉捻装置')
  t.equal(first.hits[0]?.patent?.legalStatus, 'pending')
  t.same(await search('揉捻'), first, 'asked again at once: the same answer')
  const raw = () => h.app.inject({ method: 'GET', url: `/v1/patents/search?q=${encodeURIComponent('揉捻')}`, headers: auth })
  const [once, twice] = [await raw(), await raw()]
  t.equal(twice.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(twice.body, once.body, 'as the same body')
  t.same(JSON.parse(twice.body), first)

  const changed = await h.app.inject({
    method: 'PATCH',
    url: '/v1/patents/CN300000001A',
    headers: auth,
    payload: { title: '一种红茶揉捻机', legalStatus: 'granted' },
  })
  t.equal(changed.statusCode, 200)
  // once the index has the new title, the hit and its facts are the new ones, not a kept copy
  const after = await eventually(async () => {
    const r = await search('红茶')
    return r.total === 1 ? r : undefined
  })
  t.equal(after.hits[0].highlights.title, '一种<em>红茶</em>揉捻机')
  const again = await search('揉捻')
  t.equal(again.hits[0]?.title, '一种红茶揉捻机', 'the search asked before the change answers anew')
  t.equal(again.hits[0]?.patent?.legalStatus, 'granted', 'with the facts as they are now')

  const withdrawn = await h.app.inject({ method: 'DELETE', url: '/v1/patents/CN300000002A', headers: auth })
  t.equal(withdrawn.statusCode, 200)
  await eventually(async () => ((await search('杀青')).total === 0 ? true : undefined))
  t.pass('a withdrawn patent leaves the results of a search asked before')
})
