/**
 * Inventories as tech-transfer offices keep them (issue 14): a CSV saved by Chinese Excel (GBK),
 * an .xlsx with Chinese headers, values and dates, UTF-16, NDJSON with a BOM, files sent under the
 * wrong type, empty files, re-imports. Every file is generated here.
 */
import t, { type Test } from 'tap'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { auth, build, waitForImport, type Harness } from '../helper.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

const HEADER = ['公开（公告）号', '申请号', '专利名称', '摘要', 'IPC分类号', '申请人', '发明人', '法律状态', '申请日', '公开日', '转化方式']
const ROWS = [
  ['ＣＮ１１７１５１１２２Ａ', 'CN202310012345.6', '一种基于深度学习的零件缺陷检测方法', '采集零件图像，经卷积神经网络识别划痕与凹坑。', 'G06T 7/00；G06N0003080000', '浙江某大学', '张三、李四', '有效', '2023/1/5', '2023年12月8日', '许可；转让'],
  ['cn 117151123 a', '', '一种锂电池正极材料的制备方法', '通过掺杂提高正极材料的循环寿命。', 'H01M4/36', '浙江某大学', '王五', '审中', '20230212', '2023.9.1', '作价入股'],
  ['CN117151124A', '', '一种茶叶揉捻装置', '', 'A23F3/06', '浙江某大学', '', '未知状态', '2023/13/45', '', '转让'],
]

async function post(h: Harness, body: Buffer | string, type: string, query = '') {
  return h.app.inject({ method: 'POST', url: `/v1/patents/import${query}`, headers: { ...auth, 'content-type': type }, payload: body })
}
const csv = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n') + '\r\n'
async function patent(h: Harness, pn: string) {
  return (await h.app.inject({ method: 'GET', url: `/v1/patents/${pn}`, headers: auth })).json() as Record<string, unknown>
}

/** What every office file of ROWS must give: two patents stored exactly, the third row rejected in Chinese. */
async function checkStored(t: Test, h: Harness, res: Awaited<ReturnType<typeof post>>) {
  t.equal(res.statusCode, 202, res.body.slice(0, 300))
  const body = res.json()
  t.equal(body.accepted, 2)
  t.equal(body.rejectedTotal, 1)
  const [bad] = body.rejected as Array<{ line: number; errors: Array<{ path: string; zh: string; value?: string }> }>
  t.equal(bad!.line, 4, 'the bad row named by its line')
  t.same(bad!.errors.map((e) => e.path).sort(), ['abstract', 'filingDate', 'legalStatus'])
  t.match(bad!.errors.find((e) => e.path === 'legalStatus'), { zh: /^「法律状态」的值「未知状态」无法识别，可填：有效、审中、失效、届满、无效$/, value: '未知状态' }, 'in Chinese, with the value')
  t.match(bad!.errors.find((e) => e.path === 'filingDate'), { zh: /^「申请日」的值「2023\/13\/45」不是日期/ })
  t.match(bad!.errors.find((e) => e.path === 'abstract'), { zh: '缺少「摘要」' })
  t.equal(body.file.columns['公开（公告）号'], 'publicationNumber', 'the column mapping is echoed')
  await waitForImport(h.app, body.importId)
  t.match(await patent(h, 'CN117151122A'), {
    applicationNumber: 'CN202310012345.6',
    title: '一种基于深度学习的零件缺陷检测方法',
    ipc: ['G06T7/00', 'G06N3/08'],
    applicants: ['浙江某大学'],
    inventors: ['张三', '李四'],
    legalStatus: 'granted',
    filingDate: '2023-01-05',
    publicationDate: '2023-12-08',
    transferModes: ['license', 'assignment'],
  })
  t.match(await patent(h, 'CN117151123A'), { legalStatus: 'pending', filingDate: '2023-02-12', publicationDate: '2023-09-01', transferModes: ['equity'] })
  const search = await h.app.inject({ method: 'GET', url: '/v1/patents/search', headers: auth, query: { q: '缺陷检测' } })
  t.equal(search.json().hits[0].publicationNumber, 'CN117151122A', 'searchable in Chinese: no mojibake')
  return body
}

t.test('a CSV saved by Chinese Excel (GBK) is detected and stored correctly', async (t) => {
  const h = await build(t)
  const body = await checkStored(t, h, await post(h, iconv.encode(csv([HEADER, ...ROWS]), 'gbk'), 'text/csv'))
  t.match(body.file, { format: 'csv', encoding: 'gb18030', encodingSource: 'detected' })
})

t.test('a declared charset is followed', async (t) => {
  const h = await build(t)
  const body = await checkStored(t, h, await post(h, iconv.encode(csv([HEADER, ...ROWS]), 'gbk'), 'text/csv; charset=GBK'))
  t.match(body.file, { encoding: 'gb18030', encodingSource: 'declared' })
})

t.test('UTF-16 with its BOM, as Excel saves "Unicode text"', async (t) => {
  const h = await build(t)
  const body = await checkStored(t, h, await post(h, Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(csv([HEADER, ...ROWS]), 'utf16le')]), 'text/csv'))
  t.match(body.file, { encoding: 'utf-16le', encodingSource: 'bom' })
})

t.test('an .xlsx with Chinese headers, date cells, serial days and rich text; another sheet by name', async (t) => {
  const h = await build(t)
  const wb = new ExcelJS.Workbook()
  wb.addWorksheet('说明').addRow(['本表由科技成果转化办公室导出'])
  const ws = wb.addWorksheet('专利清单')
  ws.addRow(HEADER)
  const [first, second, third] = ROWS
  ws.addRow([...first!.slice(0, 2), { richText: [{ text: '一种基于深度学习的' }, { text: '零件缺陷检测方法' }] }, ...first!.slice(3, 8), new Date(Date.UTC(2023, 0, 5)), first![9], first![10]])
  ws.addRow([...second!.slice(0, 8), 44969, second![9], second![10]]) // 44969: 2023-02-12 as Excel counts days
  ws.addRow(third!)
  const file = Buffer.from(await wb.xlsx.writeBuffer())
  const body = await checkStored(t, h, await post(h, file, XLSX, '?sheet=专利清单'))
  t.match(body.file, { format: 'xlsx', sheet: '专利清单' })
  const noSheet = await post(h, file, XLSX, '?sheet=不存在')
  t.equal(noSheet.statusCode, 400)
  t.match(noSheet.json().error.message, /no sheet "不存在"; its sheets: 说明, 专利清单/)
})

t.test('NDJSON with a UTF-8 BOM keeps its first record; Chinese keys and values are understood', async (t) => {
  const h = await build(t)
  const lines = [
    JSON.stringify({ publicationNumber: 'CN300000001A', title: '一种装置', abstract: '摘要一。', legalStatus: '有效' }),
    JSON.stringify({ 公开号: 'CN300000002A', 专利名称: '另一种装置', 摘要: '摘要二。', 申请日: '2022年5月6日' }),
  ]
  const res = await post(h, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\n'))]), 'application/x-ndjson')
  t.equal(res.statusCode, 202)
  t.equal(res.json().accepted, 2, 'the first record is not lost to the BOM')
  await waitForImport(h.app, res.json().importId)
  t.match(await patent(h, 'CN300000001A'), { legalStatus: 'granted' })
  t.match(await patent(h, 'CN300000002A'), { title: '另一种装置', filingDate: '2022-05-06' })
})

t.test('a file sent as another type, or of no supported type, gets a hint and no echo', async (t) => {
  const h = await build(t)
  const ndjson = Array.from({ length: 3601 }, (_, i) => JSON.stringify({ publicationNumber: `CN4${String(i).padStart(8, '0')}A`, title: 't', abstract: 'a' })).join('\n')
  const asCsv = await post(h, ndjson, 'text/csv')
  t.equal(asCsv.statusCode, 400)
  t.match(asCsv.json().error.message, /looks like NDJSON .*application\/x-ndjson/, 'NDJSON sent as CSV: one hint, not 64,820 rejected rows')
  const wb = new ExcelJS.Workbook()
  wb.addWorksheet('s').addRow(HEADER)
  const xlsx = Buffer.from(await wb.xlsx.writeBuffer())
  const xlsxAsCsv = await post(h, xlsx, 'text/csv')
  t.equal(xlsxAsCsv.statusCode, 400)
  t.match(xlsxAsCsv.json().error.message, /Excel workbook \(\.xlsx\)/)
  t.ok(xlsxAsCsv.body.length < 1000, 'the binary is not echoed back')
  const notAWorkbook = await post(h, '{"publicationNumber":"CN800000001A","title":"t","abstract":"a"}\n', XLSX)
  t.equal(notAWorkbook.statusCode, 400, 'text sent as .xlsx: 400, not 500')
  t.match(notAWorkbook.json().error.message, /not an Excel workbook/)
  const cutWorkbook = await post(h, xlsx.subarray(0, Math.floor(xlsx.length / 2)), XLSX)
  t.equal(cutWorkbook.statusCode, 400, 'a workbook cut in half: 400, not 500')
  t.match(cutWorkbook.json().error.message, /the workbook cannot be read/)
  const array = await post(h, JSON.stringify([{ publicationNumber: 'CN1A' }]), 'application/x-ndjson')
  t.equal(array.statusCode, 400)
  t.match(array.json().error.message, /JSON array: send one object per line/)
  for (const type of ['text/plain', 'application/json', 'application/octet-stream']) {
    const res = await post(h, '{"a":1}', type)
    t.equal(res.statusCode, 415, `${type}: 415, not 500`)
    t.match(res.json().error.message, /application\/x-ndjson, .*text\/csv, .*spreadsheetml/, 'naming the accepted types')
  }
  const longValue = await post(h, csv([['公开号', '专利名称', '摘要'], ['CN500000001A', 'x'.repeat(5_000_000), 'a']]), 'text/csv')
  t.ok(longValue.body.length < 5000, `an error for a 5 MB value echoes ${longValue.body.length} bytes`)
})

t.test('an empty file, or a header without rows, is a 400', async (t) => {
  const h = await build(t)
  const empty = await post(h, '', 'text/csv')
  t.equal(empty.statusCode, 400)
  t.match(empty.json().error.message, /empty/)
  const headerOnly = await post(h, csv([HEADER]), 'text/csv')
  t.equal(headerOnly.statusCode, 400)
  t.match(headerOnly.json().error.message, /no records/)
})

t.test('a re-import changes what the file gives and keeps the rest; replace is the whole record; duplicates are warnings', async (t) => {
  const h = await build(t)
  const full = { publicationNumber: 'CN600000001A', title: '一种装置', abstract: '摘要。', legalStatus: 'granted', applicants: ['某大学'], transferModes: ['license'] }
  const first = await post(h, JSON.stringify(full), 'application/x-ndjson')
  t.match(first.json(), { created: 1, updated: 0, unchanged: 0 })
  await waitForImport(h.app, first.json().importId)

  const partial = csv([['公开号', '专利名称', '摘要'], ['CN600000001A', '一种改进的装置', '摘要。']])
  const merged = await post(h, partial, 'text/csv')
  t.match(merged.json(), { mode: 'merge', created: 0, updated: 1, unchanged: 0 })
  await waitForImport(h.app, merged.json().importId)
  t.match(await patent(h, 'CN600000001A'), { title: '一种改进的装置', legalStatus: 'granted', applicants: ['某大学'], transferModes: ['license'] }, 'fields the file leaves out are kept')

  const again = await post(h, partial, 'text/csv')
  t.match(again.json(), { created: 0, updated: 0, unchanged: 1 }, 'the same file again changes nothing')

  const replaced = await post(h, partial, 'text/csv', '?mode=replace')
  t.match(replaced.json(), { mode: 'replace', updated: 1 })
  await waitForImport(h.app, replaced.json().importId)
  t.match(await patent(h, 'CN600000001A'), { legalStatus: 'pending', applicants: [], transferModes: [] }, 'replace: the record is the whole patent')

  const dup = await post(h, csv([['公开号', '专利名称', '摘要'], ['CN600000002A', '甲', '摘要。'], ['CN600000002A', '乙', '摘要。']]), 'text/csv')
  t.match(dup.json(), { accepted: 1, created: 1, warnings: [{ line: 3, zh: 'CN600000002A 与第 2 行重复，以后一行为准' }] })
  await waitForImport(h.app, dup.json().importId)
  t.match(await patent(h, 'CN600000002A'), { title: '乙' }, 'the later line is kept')
})

t.test('the template downloads in both forms, in Chinese, and imports as it is', async (t) => {
  const h = await build(t)
  const csvRes = await h.app.inject({ method: 'GET', url: '/v1/patents/import/template?format=csv', headers: auth })
  t.equal(csvRes.statusCode, 200)
  t.equal(csvRes.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 with BOM, which Excel opens')
  t.match(csvRes.body, /^\uFEFF公开号,申请号,专利名称,摘要/)
  const xlsxRes = await h.app.inject({ method: 'GET', url: '/v1/patents/import/template', headers: auth })
  t.equal(xlsxRes.headers['content-type'], XLSX)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsxRes.rawPayload as unknown as ArrayBuffer)
  t.equal(wb.worksheets[0]!.getRow(1).getCell(1).value, '公开号')
  for (const [body, type] of [[csvRes.rawPayload, 'text/csv'], [xlsxRes.rawPayload, XLSX]] as const) {
    const res = await post(h, body, type)
    t.equal(res.statusCode, 202, `the ${type} template imports`)
    t.equal(res.json().rejectedTotal, 0, `with no rejected row (${JSON.stringify(res.json().rejected).slice(0, 300)})`)
  }
})

/** A browser form's body, as the browser encodes it: the fields, then the file as the field `file`. */
async function formBody(file: { name: string; type?: string; data: Buffer | string }, fields: Record<string, string> = {}) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  form.append('file', new Blob([typeof file.data === 'string' ? file.data : new Uint8Array(file.data)], { type: file.type ?? 'application/octet-stream' }), file.name)
  const request = new Request('http://localhost/', { method: 'POST', body: form })
  return { body: Buffer.from(await request.arrayBuffer()), type: request.headers.get('content-type')! }
}

t.test('a browser form uploads the file: its type from its name, the form fields say how', async (t) => {
  const h = await build(t)
  const gbk = await formBody({ name: '专利清单.csv', data: iconv.encode(csv([HEADER, ...ROWS]), 'gbk') })
  const body = await checkStored(t, h, await post(h, gbk.body, gbk.type))
  t.match(body.file, { format: 'csv', encoding: 'gb18030' }, 'a GBK CSV in a form is detected like one sent alone')

  const wb = new ExcelJS.Workbook()
  wb.addWorksheet('说明').addRow(['本表由科技成果转化办公室导出'])
  const sheet = wb.addWorksheet('清单')
  sheet.addRow(HEADER)
  sheet.addRow(['CN117151125A', '', '一种茶叶杀青设备', '滚筒杀青，温度闭环控制。', 'A23F3/06', '浙江某大学', '', '有效', '2022/5/6', '', '许可'])
  const xlsx = await formBody({ name: 'inventory.XLSX', data: Buffer.from(await wb.xlsx.writeBuffer()) }, { sheet: '清单', mode: 'replace' })
  const res = await post(h, xlsx.body, xlsx.type)
  t.equal(res.statusCode, 202, res.body.slice(0, 300))
  t.match(res.json(), { accepted: 1, mode: 'replace', file: { format: 'xlsx', sheet: '清单' } }, 'sheet and mode taken from the form')

  const over = await formBody({ name: 'inventory.xlsx', data: Buffer.from(await wb.xlsx.writeBuffer()) }, { sheet: '清单', mode: 'replace' })
  t.match((await post(h, over.body, over.type, '?mode=merge')).json(), { mode: 'merge' }, 'the URL’s parameters win over the form’s')

  const badMode = await formBody({ name: 'a.csv', data: csv([HEADER, ROWS[0]!]) }, { mode: 'overwrite' })
  const refused = await post(h, badMode.body, badMode.type)
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().error.details[0].path, 'body.mode')
})

t.test('a form without a file, with an .xls or an unknown file, or without its boundary gets a clear error', async (t) => {
  const h = await build(t)
  const form = new FormData()
  form.append('mode', 'merge')
  const request = new Request('http://localhost/', { method: 'POST', body: form })
  const none = await post(h, Buffer.from(await request.arrayBuffer()), request.headers.get('content-type')!)
  t.equal(none.statusCode, 400)
  t.match(none.json().error, { details: [{ path: 'body.file', zh: '表单中没有文件' }] })

  const xls = await formBody({ name: '专利.xls', data: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) })
  const old = await post(h, xls.body, xls.type)
  t.equal(old.statusCode, 415)
  t.match(old.json().error, { code: 'unsupported_media_type', message: /\.xls.*save it as \.xlsx/, details: [{ path: 'body.file', zh: /另存为 \.xlsx/ }] })

  const pdf = await formBody({ name: 'scan.pdf', type: 'application/pdf', data: '%PDF-1.4' })
  t.match((await post(h, pdf.body, pdf.type)).json().error, { code: 'unsupported_media_type', message: /scan\.pdf/ })

  const noBoundary = await post(h, 'x', 'multipart/form-data')
  t.equal(noBoundary.statusCode, 400)
  t.match(noBoundary.json().error.details, [{ path: 'headers.content-type' }])
})

t.test('rejected rows download as a CSV with the values as written and the errors in the office’s language', async (t) => {
  const h = await build(t)
  const res = await post(h, iconv.encode(csv([HEADER, ...ROWS, ['=1+1', '', '公式开头的一行', '', '', '', '', '', '', '', '']]), 'gbk'), 'text/csv')
  const { importId, rejectedTotal } = res.json()
  t.equal(rejectedTotal, 2)
  const zh = await h.app.inject({ method: 'GET', url: `/v1/imports/${importId}/rejected`, headers: auth })
  t.equal(zh.statusCode, 200)
  t.match(zh.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.match(zh.headers['content-disposition'], /attachment; filename="rejected-rows\.csv"; filename\*=UTF-8''/)
  t.ok(zh.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a BOM, so that Excel reads it as UTF-8')
  const { parse } = await import('csv-parse/sync')
  const rows = parse(zh.body.replace(/^\uFEFF/, '')) as string[][]
  t.same(rows[0], ['行号', ...HEADER, '错误'], 'the file’s own header, between the line and the errors')
  t.same(rows[1]!.slice(0, HEADER.length + 1), ['4', ...ROWS[2]!], 'the rejected row exactly as the office wrote it, decoded from GBK')
  t.match(rows[1]![HEADER.length + 1], /「法律状态」的值「未知状态」无法识别/)
  t.match(rows[1]![HEADER.length + 1], /缺少「摘要」/)
  t.equal(rows[2]![1], "'=1+1", 'a cell Excel would run as a formula is given back as text')

  const en = await h.app.inject({ method: 'GET', url: `/v1/imports/${importId}/rejected`, headers: { ...auth, 'accept-language': 'en-GB,en;q=0.9' } })
  const enRows = parse(en.body.replace(/^\uFEFF/, '')) as string[][]
  t.equal(enRows[0]![0], 'line')
  t.equal(enRows[0]!.at(-1), 'errors')
  t.notMatch(enRows[1]!.at(-1)!, /[\u4e00-\u9fff]{4}/, 'errors in English (values quoted as given aside)')
  const forced = await h.app.inject({ method: 'GET', url: `/v1/imports/${importId}/rejected?lang=zh`, headers: { ...auth, 'accept-language': 'en' } })
  t.match(forced.body, /^\uFEFF行号/)

  const nd = await post(h, '{"publicationNumber":"CN1A"}\nnot json\n', 'application/x-ndjson')
  const ndRows = parse((await h.app.inject({ method: 'GET', url: `/v1/imports/${nd.json().importId}/rejected`, headers: auth })).body.replace(/^\uFEFF/, '')) as string[][]
  t.same(ndRows.map((r) => r.slice(0, 2)), [['行号', '记录'], ['1', '{"publicationNumber":"CN1A"}'], ['2', 'not json']], 'NDJSON: each record as its line')

  const uniKey = async (name: string) => {
    const org = (await h.app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name, kind: 'university' } })).json()
    return (await h.app.inject({ method: 'POST', url: `/v1/orgs/${org.id}/keys`, headers: auth, payload: { name: 'k' } })).json().key as string
  }
  const [a, b] = [await uniKey('甲大学'), await uniKey('乙大学')]
  const own = await h.app.inject({ method: 'POST', url: '/v1/patents/import', headers: { authorization: `Bearer ${a}`, 'content-type': 'text/csv' }, payload: csv([HEADER, ROWS[2]!]) })
  const ownId = own.json().importId
  t.equal((await h.app.inject({ method: 'GET', url: `/v1/imports/${ownId}/rejected`, headers: { authorization: `Bearer ${a}` } })).statusCode, 200)
  t.equal((await h.app.inject({ method: 'GET', url: `/v1/imports/${ownId}/rejected`, headers: { authorization: `Bearer ${b}` } })).statusCode, 404, 'another university’s import is not found')
})
