import t, { type Test } from 'tap'
import { withCreditCodeCheckChar } from '../../src/domain/credit-code.js'
import { auth, build, type Harness } from '../helper.js'

/** A valid unified social credit code for the n-th test enterprise. */
const creditCode = (n: number) => withCreditCodeCheckChar(`91330100MA${String(n).padStart(7, '0')}`)

async function org(h: Harness, body: Record<string, unknown>, withKey = true) {
  const res = await h.app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: body })
  if (res.statusCode !== 201) throw new Error(res.body)
  const o = res.json()
  if (!withKey) return { id: o.id as string, h: {} }
  const { key } = (await h.app.inject({ method: 'POST', url: `/v1/orgs/${o.id}/keys`, headers: auth })).json()
  return { id: o.id as string, h: { authorization: `Bearer ${key}` } }
}

async function setup(t: Test, now?: () => Date, env: Record<string, string> = {}) {
  const h = await build(t, env, now === undefined ? {} : { now })
  const office = await org(h, { name: '浙江省知识产权局', kind: 'provincial-office', province: '浙江' })
  const round = (await h.app.inject({ method: 'POST', url: '/v1/rounds', headers: auth, payload: { name: '2026 年第一批', deadline: '2099-06-15' } })).json()
  let n = 0
  const enterprise = async (province = '浙江') =>
    (await org(h, { name: `企业${++n}`, kind: 'enterprise', province, creditCode: creditCode(n), flags: ['specialised-sme'] }, false)).id
  const recommend = (enterpriseId: string, roundId = round.id as string, headers = office.h) =>
    h.app.inject({ method: 'POST', url: '/v1/pool/recommendations', headers, payload: { enterpriseId, roundId } })
  return { h, office, round, enterprise, recommend }
}

t.test('enterprise profiles carry a credit code checked per GB 32100-2015', async (t) => {
  const h = await build(t)
  const good = await h.app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: '甲', kind: 'enterprise', province: '浙江', creditCode: '91350100M000100Y43', patentsHeld: 12 } })
  t.equal(good.statusCode, 201)
  t.equal(good.json().patentsHeld, 12)
  const bad = await h.app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name: '乙', kind: 'enterprise', creditCode: '91350100M000100Y44' } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error.details[0].path, 'body.creditCode')
  t.match(bad.json().error.details[0].message, /check character/)
})

t.test("the 301st recommendation of a default province is refused, saying how many places remain", async (t) => {
  const s = await setup(t, undefined, { RATE_LIMIT_MAX: '100000' })
  const ids: string[] = []
  for (let i = 0; i < 301; i++) ids.push(await s.enterprise())
  for (let i = 0; i < 300; i++) {
    const res = await s.recommend(ids[i]!)
    if (res.statusCode !== 201) t.fail(`recommendation ${i + 1}: ${res.body}`)
  }
  const refused = await s.recommend(ids[300]!)
  t.equal(refused.statusCode, 409)
  t.equal(refused.json().error.code, 'quota_exceeded')
  t.match(refused.json().error.message, /quota of 300/)
  t.match(refused.json().error.message, /0 places/)
  const again = await s.recommend(ids[0]!)
  t.equal(again.json().error.code, 'already_in_pool')

  // Each graduation lets the province add exactly two more, by rolling.
  const graduate = (id: string) =>
    s.h.app.inject({ method: 'POST', url: `/v1/pool/enterprises/${id}/graduation`, headers: s.office.h, payload: { evidence: { newPatentIntensiveProducts: 1, description: '新产品认定' } } })
  t.equal((await graduate(ids[0]!)).statusCode, 201)
  const extra = [ids[300]!, await s.enterprise(), await s.enterprise()]
  const first = await s.recommend(extra[0]!)
  t.equal(first.statusCode, 201)
  t.equal(first.json().addedByRolling, true)
  t.equal((await s.recommend(extra[1]!)).statusCode, 201)
  const third = await s.recommend(extra[2]!)
  t.equal(third.statusCode, 409)
  t.match(third.json().error.message, /2 × 1 graduated − 2 added = 0/)
  t.equal((await graduate(ids[1]!)).statusCode, 201)
  t.equal((await s.recommend(extra[2]!)).statusCode, 201, 'a second graduation: two more places')

  const notEligible = await s.h.app.inject({
    method: 'POST',
    url: `/v1/pool/enterprises/${ids[2]}/graduation`,
    headers: s.office.h,
    payload: { evidence: { salesGrowth: 30, profitGrowth: 5 } },
  })
  t.equal(notEligible.statusCode, 409)
  t.equal(notEligible.json().error.code, 'not_eligible')
})

t.test('a large province has 500 places; a passed deadline is refused; other provinces are out of reach', async (t) => {
  const s = await setup(t, undefined, { POOL_LARGE_PROVINCES: '浙江,深圳' })
  const late = (await s.h.app.inject({ method: 'POST', url: '/v1/rounds', headers: auth, payload: { name: '过期批次', deadline: '2024-06-15' } })).json()
  const refused = await s.recommend(await s.enterprise(), late.id)
  t.equal(refused.statusCode, 409)
  t.equal(refused.json().error.code, 'deadline_passed')
  t.match(refused.json().error.message, /2024-06-15/)
  const ok = await s.recommend(await s.enterprise())
  t.equal(ok.statusCode, 201)
  const pool = (await s.h.app.inject({ method: 'GET', url: '/v1/stats', headers: s.office.h })).json()
  const zj = pool.pool.find((p: { provinceCode: string }) => p.provinceCode === '330000')
  t.equal(zj.quota, 500)
  t.equal(zj.placesLeft.value, 499)

  const elsewhere = await s.recommend(await s.enterprise('江苏'))
  t.equal(elsewhere.statusCode, 409, `an enterprise of another province (${elsewhere.body})`)
  t.equal(elsewhere.json().error.code, 'province_mismatch')
  const otherStats = await s.h.app.inject({ method: 'GET', url: '/v1/stats?province=江苏', headers: s.office.h })
  t.equal(otherStats.statusCode, 404, "another province's figures are not this office's")
})

t.test('an enterprise idle for two years is flagged; a violation withdraws at once; banks read the list only', async (t) => {
  let clock = new Date('2026-01-10T02:00:00Z')
  const s = await setup(t, () => clock)
  const idle = await s.enterprise()
  const busy = await s.enterprise()
  const cheat = await s.enterprise()
  for (const id of [idle, busy, cheat]) t.equal((await s.recommend(id)).statusCode, 201)
  await s.h.app.inject({ method: 'POST', url: `/v1/pool/enterprises/${busy}/progress`, headers: s.office.h, payload: { kind: 'new-patent-intensive-product', evidence: { description: '专利密集型产品备案' } } })
  const violation = await s.h.app.inject({
    method: 'POST',
    url: `/v1/pool/enterprises/${cheat}/violations`,
    headers: s.office.h,
    payload: { violation: 'data-fraud', evidence: { description: '上报数据造假', reference: '浙知〔2026〕12号' } },
  })
  t.equal(violation.statusCode, 201)

  const pool = s.h.container.services.pool
  clock = new Date('2028-01-09T02:00:00Z')
  t.same(await pool.checkWithdrawals(), [], 'one day short of two years: nothing flagged')
  clock = new Date('2028-01-10T02:00:00Z')
  const flagged = await pool.checkWithdrawals()
  t.same(flagged.map((e) => e.enterpriseId), [idle], 'the idle enterprise is flagged; the one with a new product is not')
  t.same(await pool.checkWithdrawals(), [], 'flagged once')

  const bank = await org(s.h, { name: '某银行', kind: 'financial-institution' })
  const list = await s.h.app.inject({ method: 'GET', url: '/v1/pool', headers: bank.h })
  t.equal(list.statusCode, 200)
  const byId = new Map(list.json().items.map((e: { enterpriseId: string }) => [e.enterpriseId, e]))
  t.equal((byId.get(cheat) as { status: string }).status, 'withdrawn', 'the violation withdrew it')
  t.ok((byId.get(idle) as { flag?: unknown }).flag, 'the flag is visible')
  t.equal((await s.h.app.inject({ method: 'GET', url: '/v1/stats', headers: bank.h })).statusCode, 403, 'a bank sees no figures')
  t.equal((await s.h.app.inject({ method: 'GET', url: '/v1/patents/search', headers: bank.h })).statusCode, 403, 'nor the inventory')
})

t.test('a provincial office lists its own province’s pool only; a bank lists every province’s', async (t) => {
  const s = await setup(t)
  const jiangsu = await org(s.h, { name: '江苏省知识产权局', kind: 'provincial-office', province: '江苏' })
  const zj = await s.enterprise('浙江')
  const js = await s.enterprise('江苏')
  t.equal((await s.recommend(zj)).statusCode, 201)
  t.equal((await s.recommend(js, s.round.id, jiangsu.h)).statusCode, 201)
  const ids = async (headers: { authorization?: string }, query = '') => {
    const res = await s.h.app.inject({ method: 'GET', url: `/v1/pool${query}`, headers })
    t.equal(res.statusCode, 200)
    return res.json().items.map((e: { enterpriseId: string }) => e.enterpriseId)
  }
  const other = `?province=${encodeURIComponent('江苏')}`
  t.same(await ids(s.office.h), [zj], 'its own province by default')
  t.same(await ids(s.office.h, other), [], 'another province: nothing, not an error')
  t.same(await ids(jiangsu.h), [js])
  const bank = await org(s.h, { name: '某银行', kind: 'financial-institution' })
  t.same(await ids(bank.h), [zj, js], 'a bank: every province')
  t.same(await ids(bank.h, other), [js], 'filtered by province when it asks')
  t.same(await ids(auth, other), [js], 'the admin likewise')
})

t.test('GET /v1/stats and its CSV agree with the events of a seeded scenario', async (t) => {
  const s = await setup(t)
  const a = await s.enterprise()
  const b = await s.enterprise()
  await s.recommend(a)
  await s.recommend(b)
  await s.h.app.inject({ method: 'POST', url: `/v1/pool/enterprises/${a}/graduation`, headers: s.office.h, payload: { evidence: { industrialisationRateBefore: 20, industrialisationRateAfter: 35 } } })
  const ent = await org(s.h, { name: '需求企业', kind: 'enterprise', province: '浙江', creditCode: creditCode(900) })
  for (const title of ['图像识别', '锂电池管理', '区块链溯源']) await s.h.app.inject({ method: 'POST', url: '/v1/needs', headers: ent.h, payload: { title, province: '浙江' } })
  await s.h.app.inject({ method: 'POST', url: '/v1/needs', headers: ent.h, payload: { title: '江苏的需求', province: '江苏' } })

  const year = new Date().getUTCFullYear()
  const res = await s.h.app.inject({ method: 'GET', url: `/v1/stats?year=${year}`, headers: s.office.h })
  t.equal(res.statusCode, 200)
  const stats = res.json()
  t.same(stats.scope.province, '浙江省', 'shown by its full name')
  t.same(stats.scope.provinceCode, '330000')
  t.equal(stats.funnel.needs.value, 3, 'three needs in 浙江 (the 江苏 one is not counted)')
  t.equal(stats.funnel.needs.eventIds.length, 3, 'each traced to its event')
  const zj = stats.pool.find((p: { provinceCode: string }) => p.provinceCode === '330000')
  t.equal(zj.recommended.value, 2)
  t.equal(zj.graduated.value, 1)
  t.equal(zj.in.value, 1)
  t.equal(zj.placesLeft.value, 298)
  t.equal(zj.rollingAllowance.value, 2)

  const report = await s.h.app.inject({ method: 'GET', url: `/v1/stats/report?year=${year}`, headers: s.office.h })
  t.equal(report.statusCode, 200)
  t.match(report.headers['content-type'], /text\/markdown/)
  t.match(report.body, `# 浙江省 ${year} 年度专利产业化绩效评价报告`)
  t.match(report.body, /\| 企业技术需求 needs stated \| 3 \| 0 \| \+3 \| 3 \|/, 'three needs this year, none the year before')
  t.match(report.body, /\| 培育出库 graduated \| 1 \|/)

  const thisYear = await s.h.app.inject({ method: 'GET', url: '/v1/stats/report', headers: s.office.h })
  t.equal(thisYear.statusCode, 200, 'the year may be left out')
  t.match(thisYear.body, `# 浙江省 ${new Date().getUTCFullYear()} 年度`, 'the current year by default')

  const csv = await s.h.app.inject({ method: 'GET', url: `/v1/stats?year=${year}`, headers: { ...s.office.h, accept: 'text/csv' } })
  t.match(csv.headers['content-type'], /text\/csv/)
  t.ok(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a BOM, so that Chinese Excel reads UTF-8')
  t.match(csv.headers['content-disposition'], /^attachment; filename="stats\.csv"; filename\*=UTF-8''stats-/)
  const rows = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','))
  t.same(rows[0], ['section', 'subject', 'figure', 'value', 'event_ids'])
  const find = (section: string, figure: string) => rows.find((r) => r[0] === section && r[2] === figure)
  t.equal(Number(find('funnel', 'needs')?.[3]), stats.funnel.needs.value)
  t.equal(Number(rows.find((r) => r[0] === 'pool' && r[2] === 'graduated')?.[3]), zj.graduated.value)
})
