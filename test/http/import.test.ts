import t from 'tap'
import { auth, build, evalCorpus, importNdjson, waitForImport, type PatentRecord } from '../helper.js'

const csvCell = (v: unknown): string => {
  const s = Array.isArray(v) ? v.join(';') : v === undefined ? '' : String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function toCsv(records: Array<Record<string, unknown>>, columns: string[]): string {
  return [columns.join(','), ...records.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n'
}

t.test('a CSV of 100 rows with 3 bad ones: 97 stored, 3 reported with line and field', async (t) => {
  const { app, container } = await build(t)
  const records: PatentRecord[] = evalCorpus(100).map((r) => ({ ...r, transferModes: ['license', 'assignment'], legalStatus: 'granted' }))
  records[9] = { ...records[9]!, title: '' } // line 11
  records[49] = { ...records[49]!, filingDate: '2024-13-01' } // line 51
  records[89] = { ...records[89]!, transferModes: ['lease'] } // line 91
  const columns = ['publicationNumber', 'title', 'abstract', 'keywords', 'ipc', 'language', 'transferModes', 'legalStatus', 'filingDate']
  const res = await app.inject({
    method: 'POST',
    url: '/v1/patents/import',
    headers: { ...auth, 'content-type': 'text/csv' },
    payload: toCsv(records, columns),
  })
  t.equal(res.statusCode, 202)
  const body = res.json()
  t.equal(body.accepted, 97)
  t.same(
    body.rejected.map((r: { line: number; errors: Array<{ path: string }> }) => [r.line, r.errors.map((e) => e.path)]),
    [
      [11, ['title']],
      [51, ['filingDate']],
      [91, ['transferModes.0']],
    ],
  )
  const status = await waitForImport(app, body.importId)
  t.match(status, { state: 'done', total: 97, indexed: 97, rejected: 3 })
  t.equal(await container.stores.patents.count(), 97)
  const stored = await app.inject({ method: 'GET', url: `/v1/patents/${records[0]!.publicationNumber}`, headers: auth })
  t.same(stored.json().transferModes, ['license', 'assignment'], 'CSV lists split on ;')
  t.same(stored.json().ipc, records[0]!.ipc)
  const gone = await app.inject({ method: 'GET', url: `/v1/patents/${records[9]!.publicationNumber}`, headers: auth })
  t.equal(gone.statusCode, 404, 'the bad row was not stored')
})

t.test('an unknown CSV column is refused by name before anything is stored', async (t) => {
  const { app, container } = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/patents/import',
    headers: { ...auth, 'content-type': 'text/csv' },
    payload: 'publicationNumber,title,abstract,price\nCN100000001A,标题,摘要,100\n',
  })
  t.equal(res.statusCode, 400)
  t.same(res.json().error.details, [{ path: 'price', message: 'unknown field "price"', zh: '无法识别的列「price」' }])
  t.equal(await container.stores.patents.count(), 0)
})

t.test('NDJSON import: bad JSON and bad records reported by line, neighbours kept, re-import idempotent', async (t) => {
  const { app, container } = await build(t)
  const good = evalCorpus(5)
  const lines = [
    JSON.stringify(good[0]),
    '{"publicationNumber": "CN1", ',
    JSON.stringify(good[1]),
    '',
    JSON.stringify({ ...good[2], inventor: ['张三'] }),
    JSON.stringify(good[3]),
    '[1,2]',
    JSON.stringify(good[4]),
  ]
  const send = () =>
    app.inject({
      method: 'POST',
      url: '/v1/patents/import',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n'),
    })
  const res = await send()
  t.equal(res.statusCode, 202)
  const body = res.json()
  t.equal(body.accepted, 4)
  t.same(
    body.rejected.map((r: { line: number }) => r.line),
    [2, 5, 7],
  )
  t.match(body.rejected[0].errors[0].message, /not valid JSON/)
  t.same(body.rejected[1].errors, [{ path: 'inventor', message: 'unknown field "inventor"', zh: '未知字段「inventor」' }])
  await waitForImport(app, body.importId)
  const first = await app.inject({ method: 'GET', url: `/v1/patents/${good[0]!.publicationNumber}`, headers: auth })

  const again = await send()
  t.equal(again.json().accepted, 4)
  await waitForImport(app, again.json().importId)
  t.equal(await container.stores.patents.count(), 4, 're-import upserts on publicationNumber')
  const second = await app.inject({ method: 'GET', url: `/v1/patents/${good[0]!.publicationNumber}`, headers: auth })
  t.equal(second.json().createdAt, first.json().createdAt, 'creation time survives a re-import')

  const unknownImport = await app.inject({ method: 'GET', url: '/v1/imports/no-such-import', headers: auth })
  t.equal(unknownImport.statusCode, 404)
})

t.test('the whole Chinese dev corpus imports and is searchable', async (t) => {
  const { app } = await build(t)
  const records = evalCorpus()
  t.equal(records.length, 3601)
  const res = await importNdjson(app, records)
  t.equal(res.json().accepted, 3601)
  const status = await waitForImport(app, res.json().importId)
  t.match(status, { state: 'done', total: 3601, indexed: 3601 })
  const search = await app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q: '图像识别' } })
  const hits = search.json().hits as Array<{ title: string; highlights: { title: string; abstract: string } }>
  t.ok(hits.length >= 10)
  t.ok(hits.slice(0, 3).every((h) => h.title.includes('图像识别')), 'the best three are titled with 图像识别')
  t.ok(hits.slice(0, 10).every((h) => /<em>图像/.test(h.highlights.title + h.highlights.abstract)), 'the top ten all mention images')
  t.ok(hits.every((h) => /<em>/.test(h.highlights.title + h.highlights.abstract)), 'every hit is highlighted')
})
