/**
 * Value profiles through the real app and its workers on the real Redis: the demand indicators
 * move when a matching need is stated, an interest expressed, a pairing advanced or declined,
 * and a need closed; each move is traced to the record behind it; a profile not yet computed is
 * `pending`; the university's inventory orders by demand; a financial institution reads the
 * profiles of the patents the pool's enterprises obtained, and no others.
 */
import t from 'tap'
import { withCreditCodeCheckChar } from '../../src/domain/credit-code.js'
import { buildPatent } from '../../src/services/inventory.js'
import { apiOf, auth, build, DEFECT_PATENT, eventually } from '../helper.js'

type Indicator = { id: string; value: unknown; score: number | null; details?: Record<string, number>; basis: Record<string, unknown> }
type Profile = { state: string; scenarios: Record<string, { grade: number; score: number }>; dimensions: Array<{ indicators: Indicator[] }>; demand: Record<string, unknown> }

t.test('the demand indicators follow needs, interests and pairings', async (t) => {
  const h = await build(t)
  const { app } = h
  const { org } = apiOf(h)
  const university = await org({ name: '示例大学', kind: 'university', province: '浙江' })
  const enterprise = await org({ name: '示例科技有限公司', kind: 'enterprise', province: '浙江', creditCode: withCreditCodeCheckChar('91330100MA0000001') })
  const centre = await org({ name: '浙江运营中心', kind: 'operations-centre', province: '浙江' })
  const bank = await org({ name: '示例银行', kind: 'financial-institution', province: '浙江' })
  const office = await org({ name: '浙江省知识产权局', kind: 'provincial-office', province: '浙江' })
  t.equal((await app.inject({ method: 'PUT', url: `/v1/orgs/${centre.id}/routing`, headers: centre.h, payload: { provinces: ['浙江'] } })).statusCode, 200)

  const patent = DEFECT_PATENT
  const title = patent.title
  const other = { ...patent, publicationNumber: 'CN117000002B', title: '一种土壤湿度传感器', abstract: '测量土壤湿度的电容式传感器。', ipc: ['G01N27/22'] }
  for (const p of [patent, other]) t.equal((await app.inject({ method: 'POST', url: '/v1/patents', headers: university.h, payload: p })).statusCode, 201)

  const profile = async (who: { h: Record<string, string> } = { h: auth }) => (await app.inject({ method: 'GET', url: `/v1/patents/${patent.publicationNumber}/value`, headers: who.h })).json() as Profile
  const indicator = (p: Profile, id: string) => p.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!
  /** The profile once `ready(p)` holds: the jobs run in the background. */
  const until = (what: string, ready: (p: Profile) => boolean) => eventually(async () => {
    const p = await profile()
    return p.state === 'ready' && ready(p) ? p : undefined
  }, 30_000, what)

  const first = await until('the first profile', () => true)
  t.equal(indicator(first, 'maturity').value, 6, "the office's readiness level")
  t.same(indicator(first, 'claims').details, { count: 3, independent: 2 })
  t.equal(indicator(first, 'interests').value, 0)

  // A need that the patent answers: open and strongly matched, it is demand.
  const needId = (await app.inject({ method: 'POST', url: '/v1/needs', headers: enterprise.h, payload: { title, description: '需要对工业零件表面缺陷进行自动检测' } })).json().id as string
  const withNeed = await until('the need in the profile', (p) => indicator(p, 'matching-needs').value === 1)
  const needs = indicator(withNeed, 'matching-needs').basis.needs as Array<{ id: string; score: number }>
  t.equal(needs[0]!.id, needId, 'traced to the need (for the admin)')
  t.ok(needs[0]!.score >= 0.5, 'matched above the routing threshold')

  // The same need routed the patent to the centre: a pairing, recommended.
  const pairing = await eventually(async () => (await app.inject({ method: 'GET', url: '/v1/pairings', headers: centre.h })).json().items[0] as { id: string } | undefined, 30_000, 'the pairing')
  const recommended = await until('the pairing in the profile', (p) => indicator(p, 'pairing-progress').value === 'recommended')
  t.same((indicator(recommended, 'pairing-progress').basis.pairings as unknown[]).length, 1)

  const interest = (await app.inject({ method: 'POST', url: '/v1/interests', headers: enterprise.h, payload: { publicationNumber: patent.publicationNumber } })).json()
  const interested = await until('the interest in the profile', (p) => indicator(p, 'interests').value === 1)
  t.same(indicator(interested, 'interests').basis.interests, [{ id: interest.id, state: 'open' }], 'traced to the interest')
  t.ok(interested.scenarios.transfer!.score > first.scenarios.transfer!.score, 'demand raised the transfer score')

  const move = (to: string, extra: Record<string, unknown> = {}) => app.inject({ method: 'POST', url: `/v1/pairings/${pairing.id}/transitions`, headers: centre.h, payload: { to, ...extra } })
  t.equal((await move('contacted')).statusCode, 200)
  const contacted = await until('the pairing advanced', (p) => indicator(p, 'pairing-progress').value === 'contacted')
  t.match(indicator(contacted, 'pairing-progress').details, { recommended: 1, contacted: 1, 'nda-signed': 0 })
  t.equal(indicator(contacted, 'declines').value, 0, 'nothing declined yet')

  t.equal((await move('declined', { reason: 'price' })).statusCode, 200)
  const declined = await until('the decline in the profile', (p) => indicator(p, 'declines').value === 1)
  t.equal(indicator(declined, 'declines').details!.price, 1)
  t.equal(indicator(declined, 'declines').score, 0, 'its one pairing declined over the price')
  t.equal(indicator(declined, 'pairing-progress').value, 'contacted', 'how far it went stays')

  // What each reader sees of the records behind it.
  const asHolder = await profile(university)
  t.same(indicator(asHolder, 'matching-needs').basis.needs, [{ score: needs[0]!.score }], 'the holder sees the need only as a score')
  t.same(indicator(asHolder, 'interests').basis.interests, [{ id: interest.id, state: 'open' }], 'and its own interests')
  const asEnterprise = await profile(enterprise)
  t.equal(indicator(asEnterprise, 'interests').basis.interests, undefined, 'another organisation sees counts, no ids')
  t.equal(indicator(asEnterprise, 'interests').value, 1)

  // The inventory by demand: the patent asked for first.
  const ranked = (await app.inject({ method: 'GET', url: '/v1/patents/values?order=demand', headers: university.h })).json()
  t.same(ranked.items.map((i: { publicationNumber: string }) => i.publicationNumber), [patent.publicationNumber, other.publicationNumber])
  t.equal(ranked.total, 2)
  const unasked = (await app.inject({ method: 'GET', url: '/v1/patents/values?demand=without', headers: university.h })).json()
  t.same(unasked.items.map((i: { publicationNumber: string }) => i.publicationNumber), [other.publicationNumber], 'the patents nobody asks for yet')

  // A closed need is no longer demand.
  t.equal((await app.inject({ method: 'POST', url: `/v1/needs/${needId}/close`, headers: enterprise.h })).statusCode, 200)
  await until('the closed need gone from the profile', (p) => indicator(p, 'matching-needs').value === 0)

  // A patent stored without its jobs having run: pending, not computed on the request.
  const quiet = buildPatent({ ...other, publicationNumber: 'CN117000003B' } as never, undefined, { role: 'university', orgId: university.id, keyId: 'k' }, new Date().toISOString())
  await h.container.stores.patents.putMany([quiet])
  t.same((await app.inject({ method: 'GET', url: '/v1/patents/CN117000003B/value', headers: university.h })).json(), { publicationNumber: 'CN117000003B', state: 'pending' })

  // A bank: only the patents the pool's enterprises obtained.
  t.equal((await app.inject({ method: 'GET', url: `/v1/patents/${other.publicationNumber}/value`, headers: bank.h })).statusCode, 404, 'not obtained by the pool')
  const round = (await app.inject({ method: 'POST', url: '/v1/rounds', headers: auth, payload: { name: '2026 年第一批', deadline: '2099-06-15' } })).json()
  t.equal((await app.inject({ method: 'POST', url: '/v1/pool/recommendations', headers: office.h, payload: { enterpriseId: enterprise.id, roundId: round.id } })).statusCode, 201)
  const need2 = (await app.inject({ method: 'POST', url: '/v1/needs', headers: enterprise.h, payload: { title, description: '第二条需求：表面缺陷检测' } })).json().id as string
  const second = await eventually(async () => ((await app.inject({ method: 'GET', url: '/v1/pairings', headers: centre.h })).json().items as Array<{ id: string; needId: string }>).find((p) => p.needId === need2), 30_000, 'the second pairing')
  for (const to of ['contacted', 'nda-signed', 'negotiating', 'agreement-signed']) {
    t.equal((await app.inject({ method: 'POST', url: `/v1/pairings/${second.id}/transitions`, headers: centre.h, payload: { to } })).statusCode, 200, to)
  }
  const forBank = await eventually(async () => {
    const p = await profile(bank)
    return p.state === 'ready' && indicator(p, 'pairing-progress').value === 'agreement-signed' ? p : undefined
  }, 30_000, "the bank's view")
  t.ok(forBank.scenarios.pledge!.grade >= 1 && forBank.scenarios.pledge!.grade <= 5)
  const pool = (await app.inject({ method: 'GET', url: '/v1/pool', headers: bank.h })).json()
  t.match(pool.items[0].patents[0], { publicationNumber: patent.publicationNumber, value: { grade: forBank.scenarios.pledge!.grade } }, "the pool list carries the patent's pledge grade")
})
