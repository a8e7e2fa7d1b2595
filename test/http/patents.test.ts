import t from 'tap'
import { auth, build, evalCorpus, importNdjson, waitForImport } from '../helper.js'

const patent = {
  publicationNumber: 'CN200000001A',
  title: '一种基于卷积神经网络的图像识别方法',
  abstract: '本发明公开了一种基于卷积神经网络的图像识别方法，所述方法包括获取待识别图像并提取特征。',
  ipc: ['G06V10/82', 'g06n3/04'],
  applicants: ['清华大学'],
  transferModes: ['license'],
  legalStatus: 'granted',
  filingDate: '2023-05-01',
}

t.test('every /v1 route wants a valid bearer key; health and docs do not', async (t) => {
  const { app } = await build(t)
  const none = await app.inject({ method: 'GET', url: '/v1/patents/CN200000001A' })
  t.equal(none.statusCode, 401)
  t.equal(none.json().error.code, 'unauthorized')
  const wrong = await app.inject({ method: 'GET', url: '/v1/patents/CN200000001A', headers: { authorization: 'Bearer nope' } })
  t.equal(wrong.statusCode, 401)
  t.same((await app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok' })
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  const docs = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(docs.statusCode, 200)
  const paths = Object.keys(docs.json().paths)
  for (const p of ['/v1/patents/import', '/v1/imports/{importId}', '/v1/patents/search', '/v1/patents/{publicationNumber}', '/v1/needs']) {
    t.ok(paths.includes(p), `OpenAPI documents ${p}`)
  }
})

t.test('create, read, change and withdraw one patent', async (t) => {
  const { app } = await build(t)
  const created = await app.inject({ method: 'POST', url: '/v1/patents', headers: auth, payload: patent })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.same(body.ipc, ['G06V10/82', 'G06N3/04'], 'IPC codes are normalised to upper case')
  t.equal(body.language, 'zh', 'language detected when absent')
  t.equal(body.status, 'listed')

  const again = await app.inject({ method: 'POST', url: '/v1/patents', headers: auth, payload: patent })
  t.equal(again.statusCode, 409)
  t.equal(again.json().error.code, 'already_exists')

  const changed = await app.inject({
    method: 'PATCH',
    url: '/v1/patents/CN200000001A',
    headers: auth,
    payload: { transferModes: ['license', 'assignment'] },
  })
  t.equal(changed.statusCode, 200)
  t.same(changed.json().transferModes, ['license', 'assignment'])
  t.equal(changed.json().title, patent.title, 'fields not given are kept')

  const withdrawn = await app.inject({ method: 'DELETE', url: '/v1/patents/CN200000001A', headers: auth })
  t.equal(withdrawn.statusCode, 200)
  t.equal(withdrawn.json().status, 'withdrawn')
  const read = await app.inject({ method: 'GET', url: '/v1/patents/CN200000001A', headers: auth })
  t.equal(read.json().status, 'withdrawn', 'a withdrawn patent stays on record')

  const missing = await app.inject({ method: 'GET', url: '/v1/patents/CN999999999A', headers: auth })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error.code, 'not_found')
})

t.test('bad input is a 400 naming each bad field, unknown fields by name', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/patents',
    headers: auth,
    payload: { ...patent, title: '', filingDate: '2023-02-30', transferModes: ['sale'], colour: 'blue' },
  })
  t.equal(res.statusCode, 400)
  const err = res.json().error
  t.equal(err.code, 'validation_failed')
  const paths = err.details.map((d: { path: string }) => d.path).sort()
  t.same(paths, ['body.colour', 'body.filingDate', 'body.title', 'body.transferModes.0'])
  t.match(err.details.find((d: { path: string }) => d.path === 'body.colour').message, /unknown field "colour"/)

  const notJson = await app.inject({ method: 'POST', url: '/v1/patents', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"title":' })
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.json().error.code, 'bad_request')
  t.notMatch(notJson.body, /at .*\.js:\d+/, 'no stack trace')

  const badParam = await app.inject({ method: 'GET', url: '/v1/patents/not-a-number', headers: auth })
  t.equal(badParam.statusCode, 400)
  t.equal(badParam.json().error.details[0].path, 'path.publicationNumber')
})

t.test('a body over the limit is a 413 with a message', async (t) => {
  const { app } = await build(t, { BODY_MAX_BYTES: '2048', IMPORT_MAX_BYTES: '4096' })
  const big = await app.inject({ method: 'POST', url: '/v1/patents', headers: auth, payload: { ...patent, abstract: '长'.repeat(3000) } })
  t.equal(big.statusCode, 413)
  t.equal(big.json().error.code, 'payload_too_large')
  const records = evalCorpus(10)
  const imp = await importNdjson(app, records)
  t.equal(imp.statusCode, 413)
  t.match(imp.json().error.message, /larger than 4096 bytes/)
})

t.test('search finds imported patents with highlights, filters and facets', async (t) => {
  const { app } = await build(t)
  const records = evalCorpus(400).map((r, i) => ({
    ...r,
    applicants: [i % 2 === 0 ? '浙江大学' : '复旦大学'],
    transferModes: i % 3 === 0 ? ['license'] : ['assignment'],
    legalStatus: i % 5 === 0 ? 'granted' : 'pending',
  }))
  const imp = await importNdjson(app, records)
  t.equal(imp.statusCode, 202)
  t.equal((await waitForImport(app, imp.json().importId)).state, 'done')

  const res = await app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q: '图像识别', limit: '5' } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(body.total > 0, 'some patents match 图像识别')
  t.ok(body.hits.length <= 5)
  t.match(body.hits[0].highlights.title + body.hits[0].highlights.abstract, /<em>图像/)
  t.match(body.hits[0].title, /图像/, 'the best hit is about images')
  t.ok(body.facets.applicants['浙江大学'] > 0)

  const filtered = await app.inject({
    method: 'GET',
    url: '/v1/patents/search',
    headers: auth,
    query: { q: '数据', applicant: '复旦大学', transferMode: 'license', ipc: 'G06F', limit: '100' },
  })
  const f = filtered.json()
  t.ok(f.total > 0)
  for (const hit of f.hits) {
    t.same(hit.applicants, ['复旦大学'])
    t.ok(hit.ipc.some((c: string) => c.startsWith('G06F')))
  }
  t.same(Object.keys(f.facets.transferModes), ['license'])

  // codes with hyphens are kept whole by the analyser and highlighted without a regex error
  const model = { ...records[0]!, publicationNumber: 'CN999000001A', title: '一种XK-3000型检测仪', abstract: '采用XK-3000传感器检测COVID-19抗原。' }
  const imp2 = await importNdjson(app, [model])
  t.equal((await waitForImport(app, imp2.json().importId)).state, 'done')
  for (const q of ['XK-3000', 'COVID-19', 'a-b-', '-', 'x/y', '(a+b)*', 'c++', '[g06f]']) {
    const r = await app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q } })
    t.equal(r.statusCode, 200, `q=${q} answers 200`)
  }
  const hit = (await app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q: 'XK-3000' } })).json()
  t.equal(hit.hits[0]?.publicationNumber, 'CN999000001A', 'a model number finds its patent')
  t.match(hit.hits[0]?.highlights.title, /<em>xk-3000<\/em>/i, 'and is highlighted')

  const bad = await app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { limit: '1000', colour: 'x' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().error.details.map((d: { path: string }) => d.path).sort(), ['query.colour', 'query.limit'])
})

t.test('errors quote at most an excerpt of what the client sent', async (t) => {
  const { app } = await build(t)
  const longKey = 'k'.repeat(5000)
  const unknown = await app.inject({ method: 'POST', url: '/v1/needs', headers: auth, payload: { title: '图像识别', [longKey]: 1 } })
  t.equal(unknown.statusCode, 400)
  t.notOk(unknown.body.includes(longKey), 'an unknown field of 5,000 characters is not echoed')
  t.match(unknown.json().error.details[0].message, /^unknown field "k{40}…"$/)
  const longPath = `/v1/${'p'.repeat(3000)}`
  const noRoute = await app.inject({ method: 'GET', url: longPath, headers: auth })
  t.equal(noRoute.statusCode, 404)
  t.ok(noRoute.body.length < 600, `a 3,000-character path is not echoed (${noRoute.body.length} bytes)`)
})
