/**
 * What the console's provincial office and bank pages stand on (issue 16): the office's directory
 * of its province's enterprises, one enterprise's pool record with the evidence of each decision,
 * the pool list with each enterprise's pairings and the patents it obtained (JSON and CSV), the
 * annual report with universities by name as Markdown, HTML and Word, and the pool's enums in
 * GET /v1/meta.
 */
import t from 'tap'
import JSZip from 'jszip'
import { withCreditCodeCheckChar } from '../../src/domain/credit-code.js'
import { createProgrammeLog } from '../../src/adapters/redis/programme-log.js'
import { loadRegions } from '../../search-config/regions.js'
import { ADMIN, build } from '../helper.js'

t.test('directory, pool record, pool with patents and progress, report documents', async (t) => {
  const h = await build(t)
  const call = async (method: string, url: string, key = ADMIN, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) })
  const ok = async (method: string, url: string, key = ADMIN, payload?: unknown) => {
    const res = await call(method, url, key, payload)
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const org = async (body: Record<string, unknown>) => {
    const o = await ok('POST', '/v1/orgs', ADMIN, body)
    const { key } = await ok('POST', `/v1/orgs/${o.id}/keys`, ADMIN, {})
    return { id: o.id as string, key: key as string }
  }
  const office = await org({ name: '浙江省知识产权局', kind: 'provincial-office', province: '浙江' })
  const bank = await org({ name: '示例银行杭州分行', kind: 'financial-institution', province: '浙江' })
  const university = await org({ name: '浙江示例大学', kind: 'university', province: '浙江' })
  const code = withCreditCodeCheckChar('91330100MA0000001')
  const zj = await org({ name: '杭州甲科技有限公司', kind: 'enterprise', province: '浙江', creditCode: code, size: 'small', flags: ['high-tech'], patentsHeld: 3 })
  const zj2 = await org({ name: '宁波乙制造有限公司', kind: 'enterprise', province: '浙江' })
  const js = await org({ name: '南京丙科技有限公司', kind: 'enterprise', province: '江苏' })
  const round = await ok('POST', '/v1/rounds', ADMIN, { name: '2026 年第一批', deadline: '2099-06-15' })

  await t.test("the office's directory lists its province's enterprises only, searchable, with their pool place", async (t) => {
    await ok('POST', '/v1/pool/recommendations', office.key, { enterpriseId: zj.id, roundId: round.id })
    const all = await ok('GET', '/v1/pool/candidates', office.key)
    t.same(all.items.map((o: { name: string }) => o.name).sort(), ['宁波乙制造有限公司', '杭州甲科技有限公司'].sort(), 'not 江苏')
    t.equal(all.total, 2)
    const found = await ok('GET', `/v1/pool/candidates?q=${encodeURIComponent('甲科技')}`, office.key)
    t.same(found.items.map((o: { id: string }) => o.id), [zj.id])
    t.equal(found.items[0].pool.status, 'in')
    t.same((await ok('GET', `/v1/pool/candidates?q=${code.slice(0, 10)}`, office.key)).items.map((o: { id: string }) => o.id), [zj.id], 'by credit code')
    const page = await ok('GET', '/v1/pool/candidates?limit=1', office.key)
    t.equal(page.items.length, 1)
    const next = await ok('GET', `/v1/pool/candidates?limit=1&cursor=${page.nextCursor}`, office.key)
    t.notSame(next.items[0].id, page.items[0].id, 'the next page follows the cursor')
    t.equal((await ok('GET', '/v1/pool/candidates', ADMIN)).total, 3, 'the admin sees every province')
    t.equal((await call('GET', '/v1/pool/candidates', bank.key)).statusCode, 403, 'a bank has no directory')
    const bad = await call('GET', '/v1/pool/candidates?limit=0', office.key)
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().error.details[0].path, 'query.limit')
  })

  await t.test("an enterprise's pool record lists every decision with its evidence", async (t) => {
    await ok('POST', `/v1/pool/enterprises/${zj.id}/progress`, office.key, { kind: 'new-patent-intensive-product', evidence: { description: '新产品认定证书', reference: '浙知〔2026〕12号' } })
    const record = await ok('GET', `/v1/pool/enterprises/${zj.id}`, office.key)
    t.same(record.decisions.map((d: { type: string }) => d.type), ['recommended', 'progress-recorded'])
    t.same(record.decisions[1].evidence, { description: '新产品认定证书', reference: '浙知〔2026〕12号' })
    t.equal(record.entry.enterprise.name, '杭州甲科技有限公司')
    t.equal((await call('GET', `/v1/pool/enterprises/${zj2.id}`, office.key)).statusCode, 404, 'not in the pool: 404')
    t.equal((await call('GET', `/v1/pool/enterprises/${zj.id}`, bank.key)).statusCode, 403, 'a bank reads the list only')
  })

  await t.test('the pool list carries pairings by state and the patents obtained; the CSV the same, with a BOM', async (t) => {
    // Two pairings of 甲 on the record: one reached agreement (its patent obtained), one was declined.
    await ok('POST', '/v1/patents', university.key, { publicationNumber: 'CN118000001A', title: '一种焊缝缺陷检测方法', abstract: '摘要', transferModes: ['license'] })
    const at = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString()
    const moves: Array<[string, string | null, string, number]> = [
      ['pa', null, 'recommended', 1], ['pa', 'recommended', 'contacted', 2], ['pa', 'contacted', 'nda-signed', 3], ['pa', 'nda-signed', 'negotiating', 4], ['pa', 'negotiating', 'agreement-signed', 5],
      ['pb', null, 'recommended', 1], ['pb', 'recommended', 'declined', 2],
    ]
    // The pairings' record as the pairing store writes it (walking real pairings is the console test's).
    const programme = createProgrammeLog(h.container.redis, h.prefix, loadRegions())
    for (const [pairingId, from, to, d] of moves) {
      await programme.append({
        type: 'pairing-state-changed', at: at(d), pairingId, from: from as never, to: to as never, needId: 'n1',
        publicationNumber: pairingId === 'pa' ? 'CN118000001A' : 'CN118000002A', universityOrgId: university.id, enterpriseId: zj.id, province: '浙江省', provinceCode: '330000',
      })
    }
    const { items } = await ok('GET', '/v1/pool', bank.key)
    const e = items.find((x: { enterpriseId: string }) => x.enterpriseId === zj.id)
    t.same(e.pairings.byState, { 'agreement-signed': 1, declined: 1 })
    t.equal(e.pairings.total, 2)
    t.same(e.patents.map((p: { publicationNumber: string; title: string; holder: string; state: string }) => [p.publicationNumber, p.title, p.holder, p.state]), [['CN118000001A', '一种焊缝缺陷检测方法', '浙江示例大学', 'agreement-signed']])
    t.equal(e.enterprise.patentsHeld, 3)
    // paged like every list: one a page reads the same enterprises in the same order
    const paged: string[] = []
    let cursor: string | undefined
    do {
      const page = await ok('GET', `/v1/pool?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, bank.key)
      t.ok(page.items.length <= 1)
      paged.push(...page.items.map((x: { enterpriseId: string }) => x.enterpriseId))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    t.same(paged, items.map((x: { enterpriseId: string }) => x.enterpriseId), 'the pool page by page is the pool')
    t.equal((await call('GET', '/v1/pool?cursor=nope', bank.key)).statusCode, 400, 'a cursor the list did not give')
    const csv = await call('GET', '/v1/pool', bank.key, undefined, { accept: 'text/csv' })
    t.equal(csv.statusCode, 200)
    t.match(csv.headers['content-type'], /text\/csv/)
    t.ok(csv.body.startsWith('\uFEFF企业名称,统一社会信用代码,省份'), 'Chinese header after a BOM')
    t.match(csv.body, new RegExp(`杭州甲科技有限公司,${code},浙江省,,小型,高新技术企业,,3,在库,`))
    t.match(csv.body, /CN118000001A 一种焊缝缺陷检测方法 \(浙江示例大学, 已签协议\)/)
    const en = await call('GET', '/v1/pool?lang=en', bank.key, undefined, { accept: 'text/csv' })
    t.ok(en.body.startsWith('\uFEFFenterprise,credit code,province'))
  })

  await t.test('the annual report names universities and comes as Markdown, HTML for print and Word', async (t) => {
    const year = new Date().getUTCFullYear()
    const md = await call('GET', `/v1/stats/report?year=${year}`, office.key)
    t.match(md.body, /\| 浙江示例大学 \| 1 \| 1 \|/, 'the university by its name')
    t.notMatch(md.body, university.id, 'never its id')
    const html = await call('GET', `/v1/stats/report?year=${year}&format=html`, office.key)
    t.match(html.headers['content-type'], /text\/html/)
    t.match(html.headers['content-disposition'], /attachment/)
    t.match(html.body, /@media print/)
    t.match(html.body, /<td>浙江示例大学<\/td>/)
    const docx = await call('GET', `/v1/stats/report?year=${year}&format=docx`, office.key)
    t.equal(docx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
    t.match(decodeURIComponent(String(docx.headers['content-disposition'])), /浙江省-\d{4}-年度绩效评价报告\.docx/)
    const zip = await JSZip.loadAsync(docx.rawPayload)
    const xml = await zip.file('word/document.xml')!.async('string')
    t.match(xml, /浙江省 \d{4} 年度专利产业化绩效评价报告/)
    t.match(xml, /浙江示例大学/)
    const bad = await call('GET', '/v1/stats/report?format=pdf', office.key)
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().error.details[0].path, 'query.format')
    const stats = await ok('GET', `/v1/stats?year=${year}`, office.key)
    t.same(stats.universities.map((u: { name: string }) => u.name), ['浙江示例大学'], 'the figures name universities too')
  })

  await t.test("GET /v1/meta names the pool's and the profile's values", async (t) => {
    const meta = await ok('GET', '/v1/meta', bank.key)
    t.ok(meta.violations.some((v: { value: string; zh: string }) => v.value === 'tax-evasion' && v.zh === '偷漏税'))
    t.same(meta.withdrawalReasons.map((v: { value: string }) => v.value), ['no-progress', 'other'])
    t.same(meta.enterpriseSizes.map((v: { value: string }) => v.value), ['micro', 'small', 'medium', 'large'])
    t.ok(meta.enterpriseFlags.length === 3 && meta.poolEventTypes.length === 6 && meta.progressKinds.length === 2)
  })
  void js
})
