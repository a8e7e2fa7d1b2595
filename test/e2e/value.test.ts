/**
 * Value profiles in the console (issue 17), in headless Chromium against the real app: the
 * university orders its inventory by demand and opens a profile; the enterprise opens the profile
 * of a match; the bank sees each pool enterprise's patents with their pledge grade and opens the
 * profile. Screenshots in both languages and at phone width: test/e2e/artifacts/.
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { withCreditCodeCheckChar } from '../../src/domain/credit-code.js'
import { apiOf, build, DEFECT_PATENT, eventually } from '../helper.js'
import { english, fitsPhone, launch, PHONE, shot, signIn } from './browser.js'


t.test('the university, the enterprise and the bank read value profiles', async (t) => {
  const h = await build(t, { RATE_LIMIT_MAX: '100000' })
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/`
  const { api, org } = apiOf(h)
  const university = await org({ name: '华东示例理工大学技术转移中心', kind: 'university', province: '浙江' })
  const member = await org({ name: '杭州示例智能制造有限公司', kind: 'enterprise', province: '浙江', creditCode: withCreditCodeCheckChar('91330100MA0000001') })
  const centre = await org({ name: '浙江省知识产权运营中心', kind: 'operations-centre', province: '浙江' })
  const office = await org({ name: '浙江省知识产权局', kind: 'provincial-office', province: '浙江' })
  const bank = await org({ name: '示例银行杭州分行', kind: 'financial-institution', province: '浙江' })
  await api('PUT', `/v1/orgs/${centre.id}/routing`, { provinces: ['浙江'] }, centre.key)
  const round = await api('POST', '/v1/rounds', { name: '2026 年第一批', deadline: '2099-12-31' })
  await api('POST', '/v1/pool/recommendations', { enterpriseId: member.id, roundId: round.id }, office.key)

  const asked = DEFECT_PATENT
  const title = asked.title
  const idle = { ...asked, publicationNumber: 'CN117000002B', title: '一种电容式土壤湿度传感器', abstract: '测量土壤湿度的电容式传感器。', ipc: ['G01N27/22'], maturity: 3, officeGrade: 2, claims: undefined }
  for (const p of [asked, idle]) await api('POST', '/v1/patents', p, university.key)
  const need = await api('POST', '/v1/needs', { title, description: '需要对工业零件表面缺陷进行自动检测' }, member.key)
  const pairing = await eventually(async () => ((await api('GET', '/v1/pairings', undefined, centre.key)).items as Array<{ id: string }>)[0], 60_000, 'the pairing')
  for (const to of ['contacted', 'nda-signed', 'negotiating', 'agreement-signed']) await api('POST', `/v1/pairings/${pairing.id}/transitions`, { to }, centre.key)
  // The console shows what the jobs stored: wait until the profile has the signed agreement.
  await eventually(async () => {
    const p = await api('GET', `/v1/patents/${asked.publicationNumber}/value`)
    const progress = p.state === 'ready' && p.dimensions.flatMap((d: { indicators: Array<{ id: string; value: unknown }> }) => d.indicators).find((i: { id: string }) => i.id === 'pairing-progress')
    return progress && progress.value === 'agreement-signed' ? p : undefined
  }, 60_000, 'the profile with the agreement')
  await eventually(async () => ((await api('GET', `/v1/patents/${idle.publicationNumber}/value`)).state === 'ready' ? true : undefined), 60_000, 'the idle patent profile')

  const browser = await launch(t)

  await t.test('university: the inventory by demand, a profile opened', async (t) => {
    const page = await signIn(browser, base, university.key)
    await page.click('nav a[href="#/value"]')
    await page.waitForSelector('#value-table')
    await page.selectOption('#value-filters select[name=order]', 'demand')
    await page.click('#value-filters button[type=submit]')
    await page.waitForSelector('#value-table tbody tr')
    const order = await page.$$eval('#value-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.pn))
    t.same(order, [asked.publicationNumber, idle.publicationNumber], 'the patent asked for first')
    t.match(await page.textContent(`#value-table tr[data-pn="${asked.publicationNumber}"]`), /需求 1 · 意向 0 · 对接 1/, 'its demand: the need and its pairing')
    await page.click(`#value-table tr[data-pn="${asked.publicationNumber}"] button[data-value]`)
    await page.waitForSelector('.value-profile')
    const profile = await page.textContent('.value-profile')
    t.match(profile, /许可转让/, 'both scenarios')
    t.match(profile, /质押融资/)
    t.match(profile, /技术成熟度/, 'the indicators by their Chinese names')
    t.match(profile, /TRL 6 \/ 9/)
    t.match(profile, /3 项，其中独立权利要求 2 项/, 'claims counted')
    t.match(profile, /最远到达/, 'how far its pairings went')
    t.match(profile, /标准要求但本平台没有数据/, 'what is not assessed')
    await shot(page, '40-university-value-tiers')
    await english(page)
    await page.waitForSelector('#value-table')
    await page.click(`#value-table tr[data-pn="${asked.publicationNumber}"] button[data-value]`)
    await page.waitForSelector('.value-profile')
    t.match(await page.textContent('.value-profile'), /technical maturity/, 'in English')
    await shot(page, '41-university-value-profile-en')
    await page.setViewportSize(PHONE)
    await fitsPhone(t, page, 'the tiers and the profile', '42-phone-university-value-en')
    await page.context().close()
  })

  await t.test('enterprise: the profile of a match', async (t) => {
    const page = await signIn(browser, base, member.key)
    await page.goto(`${base}#/need/${need.id}`)
    const button = `article.match[data-pn="${asked.publicationNumber}"] button[data-value]`
    await page.waitForSelector(button)
    await page.click(button)
    await page.waitForSelector(`article.match[data-pn="${asked.publicationNumber}"] .value-profile`)
    const profile = await page.textContent(`article.match[data-pn="${asked.publicationNumber}"] .value-profile`)
    t.match(profile, /法律价值/)
    t.match(profile, /其他机构的记录只显示数量/, 'no ids of other organisations’ records')
    await shot(page, '43-enterprise-match-value')
    await page.setViewportSize(PHONE)
    await fitsPhone(t, page, 'the profile', '44-phone-enterprise-match-value')
    await page.context().close()
  })

  await t.test('bank: the pool enterprise’s patent with its pledge grade and profile', async (t) => {
    const page = await signIn(browser, base, bank.key)
    await page.waitForSelector('#pool-table')
    const item = `#pool-table tr[data-enterprise="${member.id}"] li[data-pn="${asked.publicationNumber}"]`
    await page.waitForSelector(`${item} .badge.grade[data-scenario=pledge]`)
    await page.click(`${item} button[data-value]`)
    // the profile opens in a full-width row below the enterprise's
    await page.waitForSelector(`#pool-table tr.value-row .value-profile[data-pn="${asked.publicationNumber}"]`)
    t.match(await page.textContent('#pool-table tr.value-row .value-profile'), /质押融资/)
    await shot(page, '45-bank-pool-value')
    await page.setViewportSize(PHONE)
    await english(page)
    await page.waitForSelector(`${item} .badge.grade`)
    await page.click(`${item} button[data-value]`)
    await page.waitForSelector('#pool-table tr.value-row .value-profile')
    await fitsPhone(t, page, 'the pool with a profile open', '46-phone-bank-pool-value-en')
    await page.context().close()
  })
})
