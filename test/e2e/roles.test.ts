/**
 * The provincial office's, the bank's and the admin's daily work in the console (issue 16), in
 * headless Chromium against the real app: the office finds an enterprise in its directory and
 * recommends it, records a graduation with its evidence and reads it back, downloads the annual
 * report as a web page to print and as a Word document; the bank reads the pool with each
 * enterprise's patents and pairing progress and exports it; the admin edits an organisation and
 * revokes a key. The sign-out button stays hidden on the sign-in page, and the enterprise's search
 * facets fit a 390 px screen. Screenshots in both languages and at phone width: test/e2e/artifacts/.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import JSZip from 'jszip'
import { withCreditCodeCheckChar } from '../../src/domain/credit-code.js'
import { ADMIN, apiOf, build, eventually, waitForImport } from '../helper.js'
import { english, fitsPhone, launch, overflow, PHONE, phoneLayout, shot, signIn } from './browser.js'

const sample = readFileSync(new URL('../fixtures/sample-inventory.csv', import.meta.url))

t.test('the office, the bank and the admin in the console', async (t) => {
  const h = await build(t, { RATE_LIMIT_MAX: '100000' })
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/`
  const { api, org } = apiOf(h)
  const university = await org({ name: '华东示例理工大学技术转移中心', kind: 'university', province: '浙江' })
  const member = await org({ name: '杭州示例智能制造有限公司', kind: 'enterprise', province: '浙江', city: '杭州', size: 'small', flags: ['specialised-sme'], creditCode: withCreditCodeCheckChar('91330100MA0000001') })
  const candidate = await org({ name: '宁波示例精密机械有限公司', kind: 'enterprise', province: '浙江', city: '宁波', creditCode: withCreditCodeCheckChar('91330200MA0000002') })
  await org({ name: '南京示例电子有限公司', kind: 'enterprise', province: '江苏' })
  const centre = await org({ name: '浙江省知识产权运营中心', kind: 'operations-centre', province: '浙江' })
  const office = await org({ name: '浙江省知识产权局', kind: 'provincial-office', province: '浙江' })
  const bank = await org({ name: '示例银行杭州分行', kind: 'financial-institution', province: '浙江' })
  await api('PUT', `/v1/orgs/${centre.id}/routing`, { minScore: 0, maxPerNeed: 3 }, centre.key)
  const round = await api('POST', '/v1/rounds', { name: '2026 年第一批', deadline: '2099-12-31' })
  await api('POST', '/v1/pool/recommendations', { enterpriseId: member.id, roundId: round.id }, office.key)

  // The member's need is matched and paired; the centre walks one pairing to a signed agreement.
  const imp = await api('POST', '/v1/patents/import', sample.toString('utf8'), university.key, { 'content-type': 'text/csv' })
  await waitForImport(h.app, imp.importId)
  // Applicants as some registries export them: one unbroken Latin run, wider than a phone.
  const wide = JSON.stringify({
    publicationNumber: 'CN119999001A',
    title: '一种图像识别的工业缺陷检测装置',
    abstract: '本发明公开了一种基于图像识别的工业缺陷检测装置，用于生产线上的表面缺陷检测。',
    applicants: ['HANGZHOU_EXAMPLE_INTELLIGENT_MANUFACTURING_TECHNOLOGY_RESEARCH_INSTITUTE_CO_LTD'],
    ipc: ['G06T7/00'],
  })
  await waitForImport(h.app, (await api('POST', '/v1/patents/import', wide, university.key, { 'content-type': 'application/x-ndjson' })).importId)
  const need = await api('POST', '/v1/needs', { title: '基于深度学习的工业图像缺陷检测', description: '图像识别与缺陷检测' }, member.key)
  const pairing = await eventually(async () => {
    const { items } = await api('GET', '/v1/pairings', undefined, centre.key)
    return (items as Array<{ id: string; needId: string; publicationNumber: string }>).find((p) => p.needId === need.id)
  }, 60_000, 'a pairing of the need')
  for (const to of ['contacted', 'nda-signed', 'negotiating', 'agreement-signed']) await api('POST', `/v1/pairings/${pairing.id}/transitions`, { to }, centre.key)

  const browser = await launch(t)

  await t.test('the sign-in page shows no sign-out button', async (t) => {
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(base)
    await page.waitForSelector('#signin-form')
    t.equal(await page.isVisible('#signout'), false, 'hidden on first load')
    await page.fill('#key', 'pbk_not_a_key')
    await page.click('#signin-form button[type=submit]')
    await page.waitForSelector('#signin-form .notice.error')
    t.equal(await page.isVisible('#signout'), false, 'hidden after a refused key')
    await page.fill('#key', office.key)
    await page.click('#signin-form button[type=submit]')
    await page.waitForSelector('#signout:not([hidden])')
    await page.click('#signout')
    await page.waitForSelector('#signin-form')
    t.equal(await page.isVisible('#signout'), false, 'hidden after signing out')
    t.equal(await page.textContent('#nav'), '', 'and no navigation')
    await shot(page, '20-signin-no-signout')
    await context.close()
  })

  await t.test('office: find an enterprise in the directory and recommend it', async (t) => {
    const page = await signIn(browser, base, office.key)
    await page.waitForSelector('#directory-table')
    const listed = await page.$$eval('#directory-table tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''))
    t.equal(listed.length, 2, 'the enterprises of 浙江, not of 江苏')
    t.ok(listed.some((r) => r.includes('杭州示例智能制造有限公司') && r.includes('已在培育库')), 'the one in the pool says so')
    await page.fill('#directory-q', '宁波')
    await page.click('#recommend-form button[type=submit]')
    await page.waitForFunction(() => document.querySelectorAll('#directory-table tbody tr').length === 1)
    t.match(await page.textContent('#directory-table'), /91330200MA0000002/, 'with its credit code')
    await shot(page, '21-office-directory-search')
    await page.click(`#directory-table button[data-recommend="${candidate.id}"]`)
    await page.waitForSelector(`#pool-table tr[data-enterprise="${candidate.id}"]`)
    t.match(await page.textContent('#pool-table'), /宁波示例精密机械有限公司/, 'now in the pool list')
    t.equal((await api('GET', '/v1/pool', undefined, office.key)).items.length, 2)
    t.match(await page.textContent(`#pool-table tr[data-enterprise="${member.id}"]`), /已签协议/, 'the member shows its signed agreement')
    await shot(page, '22-office-pool')
    await page.context().close()
  })

  await t.test('office: record a graduation with its evidence, read it back', async (t) => {
    const page = await signIn(browser, base, office.key)
    await page.click(`#pool-table a[href="#/enterprise/${member.id}"]`)
    await page.waitForSelector('#graduation-form')
    t.same(await page.$$eval('#decisions tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.decision)), ['recommended'])
    // The violations offered are those of GET /v1/meta, with their names.
    const meta = await api('GET', '/v1/meta', undefined, office.key)
    const offered = await page.$$eval('#violation-form select[name=violation] option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))
    t.same(offered, (meta.violations as Array<{ value: string; zh: string }>).map((v) => [v.value, v.zh]), 'violations from GET /v1/meta')
    // Evidence that meets no criterion is refused, saying why.
    await page.fill('#graduation-form [name=salesGrowth]', '30')
    await page.fill('#graduation-form [name=profitGrowth]', '5')
    await page.click('#graduation-form button[type=submit]')
    await page.waitForSelector('#graduation-form .notice.error')
    // in the reader's language: what the refusal means, and each criterion's shortfall
    const refusal = await page.textContent('#graduation-form .notice.error')
    t.match(refusal, /不符合所需条件/)
    t.match(refusal, /新增专利密集型产品 0 件，至少需要 1 件/)
    t.notMatch(refusal, /exit criterion|needed/, 'no English in the Chinese console')
    await page.fill('#graduation-form [name=salesGrowth]', '')
    await page.fill('#graduation-form [name=profitGrowth]', '')
    await page.fill('#graduation-form [name=newPatentIntensiveProducts]', '1')
    await page.fill('#graduation-form [name=description]', '智能检测装备获评专利密集型产品')
    await page.fill('#graduation-form [name=reference]', '浙知〔2026〕12号')
    await shot(page, '23-office-graduation-form')
    await page.click('#graduation-form button[type=submit]')
    await page.waitForSelector('#pool-status[data-status=graduated]')
    const row = await page.textContent('#decisions tr[data-decision=graduated]')
    t.match(row, /新增专利密集型产品 1 件/, 'the evidence figures')
    t.match(row, /智能检测装备获评专利密集型产品/, 'its description')
    t.match(row, /浙知〔2026〕12号/, 'its document number')
    t.match(row, /省级知识产权局/, 'who decided')
    t.equal(await page.$('#graduation-form'), null, 'no more decisions once out of the pool')
    await shot(page, '24-office-enterprise-record')
    await page.setViewportSize(PHONE)
    await english(page)
    await page.waitForSelector('#decisions tr[data-decision=graduated]')
    t.match(await page.textContent('#decisions tr[data-decision=graduated]'), /1 new patent-intensive products/)
    await fitsPhone(t, page, 'the record', '25-phone-office-enterprise-record-en')
    await page.context().close()
  })

  await t.test('office: the figures name universities; the report downloads as a web page and as Word', async (t) => {
    const page = await signIn(browser, base, office.key)
    await page.goto(`${base}#/stats`)
    await page.waitForSelector('#universities')
    t.match(await page.textContent('#universities'), /华东示例理工大学技术转移中心/, 'universities by name')
    t.notMatch(await page.textContent('#figures'), new RegExp(university.id), 'never by id')
    const [html] = await Promise.all([page.waitForEvent('download'), page.click('#report-html')])
    t.match(html.suggestedFilename(), /浙江省-\d{4}-年度绩效评价报告\.html$/)
    const page2 = readFileSync((await html.path())!, 'utf8')
    t.match(page2, /@media print/, 'a print stylesheet')
    t.match(page2, /华东示例理工大学技术转移中心/)
    const [docx] = await Promise.all([page.waitForEvent('download'), page.click('#report-docx')])
    t.match(docx.suggestedFilename(), /\.docx$/)
    const zip = await JSZip.loadAsync(readFileSync((await docx.path())!))
    const xml = await zip.file('word/document.xml')!.async('string')
    t.match(xml, /年度专利产业化绩效评价报告/)
    t.match(xml, /华东示例理工大学技术转移中心/, 'the Word document names the university')
    await page.waitForSelector('#export-status .ok')
    await shot(page, '26-office-figures-report')
    // The printed report, as the browser lays it out for paper.
    const printed = await browser.newContext({ viewport: { width: 800, height: 1100 } })
    const print = await printed.newPage()
    await print.setContent(page2)
    await print.emulateMedia({ media: 'print' })
    await shot(print, '27-report-print')
    await printed.close()
    await page.setViewportSize(PHONE)
    await english(page)
    await page.waitForSelector('#universities')
    await fitsPhone(t, page, 'the figures', '28-phone-office-figures-en')
    await page.context().close()
  })

  await t.test('bank: the pool with patents and pairing progress, exported', async (t) => {
    const page = await signIn(browser, base, bank.key)
    await page.waitForSelector('#pool-table')
    const row = await page.textContent(`#pool-table tr[data-enterprise="${member.id}"]`)
    t.match(row, pairing.publicationNumber, 'the patent obtained through the pairing')
    t.match(row, /华东示例理工大学技术转移中心/, 'with its holder')
    t.match(row, /已签协议/, 'and the pairing progress')
    t.match(row, /专精特新中小企业/, 'the designation named from GET /v1/meta')
    t.equal(await page.$('#recommend-form'), null, 'a bank recommends nothing')
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#pool-export')])
    t.match(file.suggestedFilename(), /\.csv$/)
    const csv = readFileSync((await file.path())!, 'utf8')
    t.ok(csv.startsWith('\uFEFF企业名称'), 'UTF-8 with BOM, Chinese header')
    t.match(csv, new RegExp(`杭州示例智能制造有限公司.*${pairing.publicationNumber}`))
    await shot(page, '29-bank-pool')
    await page.setViewportSize(PHONE)
    await english(page)
    await page.waitForSelector('#pool-table')
    await fitsPhone(t, page, 'the pool', '30-phone-bank-pool-en')
    const [en] = await Promise.all([page.waitForEvent('download'), page.click('#pool-export')])
    t.ok(readFileSync((await en.path())!, 'utf8').startsWith('\uFEFFenterprise,'), 'the English export in English')
    await page.context().close()
  })

  await t.test('admin: edit an organisation, list and revoke a key', async (t) => {
    const spare = await api('POST', `/v1/orgs/${candidate.id}/keys`, { name: 'spare' })
    const page = await signIn(browser, base, ADMIN)
    page.on('dialog', (d) => void d.accept())
    await page.waitForSelector('#org-form [name=creditCode]')
    t.ok(await page.$('#org-form select[name=size]'), 'the form has the profile fields')
    await page.click(`#orgs-table button[data-edit="${candidate.id}"]`)
    await page.waitForSelector('#org-edit-form')
    t.equal(await page.inputValue('#org-edit-form [name=creditCode]'), withCreditCodeCheckChar('91330200MA0000002'), 'filled with the registration')
    await page.fill('#org-edit-form [name=industry]', '通用设备制造业')
    await page.selectOption('#org-edit-form select[name=size]', 'medium')
    await page.check('#org-edit-form input[name=flags][value=high-tech]')
    await page.fill('#org-edit-form [name=province]', 'Zhejiang')
    await shot(page, '31-admin-edit-org')
    await page.click('#org-edit-form button[type=submit]')
    await page.waitForSelector('#new-key .notice.ok')
    const saved = await api('GET', `/v1/orgs/${candidate.id}`)
    t.match(saved, { industry: '通用设备制造业', size: 'medium', flags: ['high-tech'], province: '浙江省', provinceCode: '330000' }, 'the change is stored')
    // A bad credit code is refused with its field.
    await page.click(`#orgs-table button[data-edit="${candidate.id}"]`)
    await page.fill('#org-edit-form [name=creditCode]', '91330200MA00000029')
    await page.click('#org-edit-form button[type=submit]')
    await page.waitForSelector('#org-edit-form .notice.error')
    t.match(await page.textContent('#org-edit-form .notice.error'), /body\.creditCode/)

    await page.click(`#orgs-table button[data-keys="${candidate.id}"]`)
    await page.waitForSelector(`#keys-table tr[data-key="${spare.keyId}"]`)
    t.equal(await page.$$eval('#keys-table tbody tr', (trs) => trs.length), 2, 'both keys listed, without secrets')
    t.notMatch(await page.textContent('#keys-panel'), spare.key, 'never the secret')
    await page.click(`#keys-table button[data-revoke="${spare.keyId}"]`)
    await page.waitForSelector(`#keys-table tr[data-key="${spare.keyId}"] [data-key-state=revoked]`)
    const refused = await h.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${spare.key}` } })
    t.equal(refused.statusCode, 401, 'the revoked key no longer works')
    await shot(page, '32-admin-keys')
    await page.setViewportSize(PHONE)
    await english(page)
    await page.waitForSelector('#orgs-table')
    await fitsPhone(t, page, 'the organisations', '33-phone-admin-orgs-en')
    await page.context().close()
  })

  await t.test("the enterprise's search facets fit a 390 px screen", async (t) => {
    const page = await signIn(browser, base, member.key, PHONE)
    const fits = async (what: string) => {
      const o = await overflow(page)
      t.ok(o.scroll <= o.viewport, `${what}: no horizontal scrolling (${o.scroll} px in ${o.viewport})`)
      const widest = await page.$$eval('.facets button.chip, #results .hit', (els) => Math.max(...els.map((b) => b.getBoundingClientRect().right)))
      t.ok(widest <= PHONE.width, `${what}: every facet and hit inside the screen (rightmost edge ${Math.round(widest)} px)`)
      const l = await phoneLayout(page)
      t.ok(l.navRight <= PHONE.width && !l.navScrolls, `${what}: every menu item on the screen, none scrolled away (rightmost edge ${Math.round(l.navRight)} px)`)
    }
    // The whole inventory first, as the page opens; then a query, in both languages.
    await page.goto(`${base}#/search`)
    await page.waitForSelector('#results .hit')
    await page.waitForSelector('button.chip[data-facet=applicants]')
    await fits('the page as it opens')
    await shot(page, '34-phone-search-facets')
    await page.fill('#search-form [name=q]', '图像')
    await page.click('#search-form button[type=submit]')
    await page.waitForSelector('#results .hit')
    await fits('a query')
    await english(page)
    await page.waitForSelector('button.chip[data-facet=applicants]')
    await fits('in English')
    await page.locator('button.chip[data-facet=applicants]').first().click()
    await page.waitForSelector('button.chip[data-facet=applicants][aria-pressed=true]')
    await fits('with a facet chosen')
    await shot(page, '35-phone-search-facets-en')
    await page.context().close()
  })
})
