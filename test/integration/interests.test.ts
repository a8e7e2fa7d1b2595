/**
 * Interests answered by the patent's university, through the real app on the real Redis:
 * accepting opens a pairing with the operations centre of the enterprise's province (visible to
 * it, announced on its stream, the university the actor of its first audit entry), declining
 * records a reason; both sides read the outcome; answers are final; one interest per enterprise,
 * patent and need.
 */
import t, { type Test } from 'tap'
import { auth, build, samplePatents, waitForImport } from '../helper.js'

interface Org {
  id: string
  h: Record<string, string>
}

async function setup(t: Test) {
  const harness = await build(t)
  const { app } = harness
  const org = async (name: string, kind: string, province?: string): Promise<Org> => {
    const o = (await app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name, kind, ...(province ? { province } : {}) } })).json()
    const { key } = (await app.inject({ method: 'POST', url: `/v1/orgs/${o.id}/keys`, headers: auth })).json()
    return { id: o.id, h: { authorization: `Bearer ${key}` } }
  }
  const centre = await org('浙江知识产权运营中心', 'operations-centre', '浙江')
  const otherCentre = await org('江苏运营中心', 'operations-centre', '江苏')
  const university = await org('示例大学', 'university', '浙江')
  const otherUniversity = await org('另一所大学', 'university', '江苏')
  const enterprise = await org('示例科技有限公司', 'enterprise', '浙江')
  const farEnterprise = await org('广州示例有限公司', 'enterprise', '广东')
  // No match reaches a minimum score of 1: the only pairings are those the university opens.
  for (const [c, province] of [[centre, '浙江'], [otherCentre, '江苏']] as const) {
    const res = await app.inject({ method: 'PUT', url: `/v1/orgs/${c.id}/routing`, headers: c.h, payload: { provinces: [province], minScore: 1 } })
    t.equal(res.statusCode, 200, res.body)
  }
  const imp = await app.inject({
    method: 'POST',
    url: '/v1/patents/import',
    headers: { ...university.h, 'content-type': 'application/x-ndjson' },
    payload: samplePatents().map((p) => JSON.stringify(p)).join('\n'),
  })
  await waitForImport(app, imp.json().importId)
  const pns = samplePatents().map((p) => p.publicationNumber as string)
  const need = async (who: Org, title: string) =>
    (await app.inject({ method: 'POST', url: '/v1/needs', headers: who.h, payload: { title, description: '利用图像识别进行缺陷检测' } })).json().id as string
  const interest = (who: Org, body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/interests', headers: who.h, payload: body })
  const answer = (who: Org | { h: Record<string, string> }, id: string, verb: 'accept' | 'decline', body?: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/v1/interests/${id}/${verb}`, headers: who.h, ...(body === undefined ? {} : { payload: body }) })
  return { harness, app, centre, otherCentre, university, otherUniversity, enterprise, farEnterprise, pns, need, interest, answer }
}

t.test('accepting opens a pairing with the centre of the enterprise province, seen by all three, announced to the centre', async (t) => {
  const s = await setup(t)
  const needId = await s.need(s.enterprise, '图像识别缺陷检测')
  const made = await s.interest(s.enterprise, { publicationNumber: s.pns[0], needId, message: '希望许可', disclosure: 'identity' })
  t.equal(made.statusCode, 201, made.body)
  const interest = made.json()
  t.equal(interest.state, 'open', 'a new interest is open')
  const asUniversity = (await s.app.inject({ method: 'GET', url: `/v1/interests/${interest.id}`, headers: s.university.h })).json()
  t.match(asUniversity, { hasNeed: true, enterprise: { name: '示例科技有限公司' } }, 'the university sees the name disclosed, and that there is a need')
  t.notOk(asUniversity.need, 'but not the need itself')

  const before = await s.harness.container.eventLog.head()
  const accepted = await s.answer(s.university, interest.id, 'accept', { note: '欢迎洽谈' })
  t.equal(accepted.statusCode, 200, accepted.body)
  const a = accepted.json()
  t.equal(a.state, 'accepted')
  t.equal(a.answer.actor.orgId, s.university.id, 'the university answered')
  t.equal(a.answer.centreOrgId, s.centre.id, 'the centre of the enterprise province (浙江) takes it')
  t.equal(a.answer.centre.name, '浙江知识产权运营中心')
  t.type(a.answer.pairingId, 'string')
  t.ok(Date.parse(a.answer.at) > 0, 'when')

  const inbox = (await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.centre.h })).json().items
  t.equal(inbox.length, 1, 'the centre has the pairing in its inbox')
  t.match(inbox[0], { id: a.answer.pairingId, needId, publicationNumber: s.pns[0], state: 'recommended', interestId: interest.id, pushed: true })
  t.equal(inbox[0].enterprise.name, '示例科技有限公司', 'the centre sees the enterprise')
  const history = (await s.app.inject({ method: 'GET', url: `/v1/pairings/${a.answer.pairingId}/history`, headers: s.centre.h })).json().items
  t.same(history.map((e: { from: string | null; to: string }) => [e.from, e.to]), [[null, 'recommended']], 'it starts as the workflow first state')
  t.match(history[0], { actor: { role: 'university', orgId: s.university.id }, note: '欢迎洽谈' }, 'its first audit entry is the university’s')
  const events = (await s.harness.container.eventLog.readAfter(before, 100)).filter((e) => e.type === 'pairing.created')
  t.equal(events.length, 1, 'announced once on the stream')
  t.same(events[0]!.recipients, [s.centre.id], 'to that centre')
  t.match(events[0]!.data, { pairingId: a.answer.pairingId, needId, publicationNumber: s.pns[0] })
  t.same((await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.otherCentre.h })).json().items, [], 'another province’s centre sees nothing')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/needs/${needId}`, headers: s.centre.h })).statusCode, 200, 'the centre may read the need it carries')

  const mine = (await s.app.inject({ method: 'GET', url: '/v1/interests', headers: s.enterprise.h })).json().items
  t.match(mine[0], { id: interest.id, state: 'accepted', answer: { centre: { name: '浙江知识产权运营中心' } } }, 'the enterprise sees the outcome')
  const forNeed = (await s.app.inject({ method: 'GET', url: `/v1/interests?needId=${needId}`, headers: s.enterprise.h })).json().items
  t.equal(forNeed.length, 1, 'and finds it by its need')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/interests/${interest.id}`, headers: s.university.h })).json().state, 'accepted', 'so does the university')
  const enterprisePairings = (await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.enterprise.h })).json().items
  t.equal(enterprisePairings[0]?.id, a.answer.pairingId, 'the pairing is the enterprise’s too')

  const again = await s.answer(s.university, interest.id, 'accept')
  t.equal(again.statusCode, 409, 'an answer is final')
  t.equal(again.json().error.code, 'interest_answered')
  const declineAfter = await s.answer(s.university, interest.id, 'decline', { reason: 'in-negotiation' })
  t.equal(declineAfter.statusCode, 409)
  t.equal(declineAfter.json().error.code, 'interest_answered')
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.centre.h })).json().items.length, 1, 'still one pairing')
})

t.test('declining records a reason; bad answers are 400 with field paths; who may answer', async (t) => {
  const s = await setup(t)
  const needId = await s.need(s.enterprise, '图像识别')
  const id = (await s.interest(s.enterprise, { publicationNumber: s.pns[1], needId })).json().id as string

  const noReason = await s.answer(s.university, id, 'decline', {})
  t.equal(noReason.statusCode, 400)
  t.equal(noReason.json().error.details[0].path, 'body.reason')
  const badReason = await s.answer(s.university, id, 'decline', { reason: 'bored' })
  t.equal(badReason.statusCode, 400)
  const otherNoNote = await s.answer(s.university, id, 'decline', { reason: 'other' })
  t.equal(otherNoNote.statusCode, 400)
  t.equal(otherNoNote.json().error.details[0].path, 'body.note', '"other" needs a note')
  const badId = await s.answer(s.university, 'nope', 'decline', { reason: 'other', note: 'x' })
  t.equal(badId.statusCode, 400)
  t.equal(badId.json().error.details[0].path, 'path.id')

  const stranger = await s.answer(s.otherUniversity, id, 'decline', { reason: 'not-offered' })
  t.equal(stranger.statusCode, 404, 'another university: as if there were no such interest')
  t.equal(stranger.json().error.code, 'not_found')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/interests/${id}`, headers: s.otherUniversity.h })).statusCode, 404)
  for (const [who, h] of [['enterprise', s.enterprise.h], ['centre', s.centre.h], ['admin', auth]] as const) {
    for (const verb of ['accept', 'decline'] as const) {
      const res = await s.answer({ h }, id, verb, verb === 'decline' ? { reason: 'not-offered' } : undefined)
      t.equal(res.statusCode, 403, `${who} may not ${verb}`)
      t.equal(res.json().error.code, 'forbidden')
    }
  }

  const declined = await s.answer(s.university, id, 'decline', { reason: 'in-negotiation', note: '已与其他企业洽谈' })
  t.equal(declined.statusCode, 200, declined.body)
  t.match(declined.json(), { state: 'declined', answer: { reason: 'in-negotiation', note: '已与其他企业洽谈', actor: { orgId: s.university.id } } })
  t.notOk(declined.json().answer.pairingId, 'no pairing')
  const seen = (await s.app.inject({ method: 'GET', url: `/v1/interests/${id}`, headers: s.enterprise.h })).json()
  t.match(seen, { state: 'declined', answer: { reason: 'in-negotiation', note: '已与其他企业洽谈' } }, 'the enterprise sees why')
  const declinedList = (await s.app.inject({ method: 'GET', url: '/v1/interests?state=declined', headers: s.university.h })).json().items
  t.same(declinedList.map((i: { id: string }) => i.id), [id], 'filtered by state')
  const twice = await s.answer(s.university, id, 'decline', { reason: 'not-offered' })
  t.equal(twice.statusCode, 409)
  t.equal(twice.json().error.code, 'interest_answered')
  t.same((await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.centre.h })).json().items, [], 'declining opens nothing')
})

t.test('no centre for the province, no need: 409 saying so, the interest stays open', async (t) => {
  const s = await setup(t)
  const far = await s.need(s.farEnterprise, '图像识别')
  const id = (await s.interest(s.farEnterprise, { publicationNumber: s.pns[0], needId: far })).json().id as string
  const res = await s.answer(s.university, id, 'accept')
  t.equal(res.statusCode, 409)
  t.equal(res.json().error.code, 'no_centre_for_province')
  t.match(res.json().error.message, /广东省/, 'naming the province')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/interests/${id}`, headers: s.university.h })).json().state, 'open', 'still open')

  const bare = (await s.interest(s.enterprise, { publicationNumber: s.pns[2] })).json().id as string
  const noNeed = await s.answer(s.university, bare, 'accept')
  t.equal(noNeed.statusCode, 409)
  t.equal(noNeed.json().error.code, 'interest_without_need')
  t.equal((await s.answer(s.university, bare, 'decline', { reason: 'insufficient-information' })).statusCode, 200, 'it can be declined')

  const closing = await s.need(s.enterprise, '将关闭的需求')
  const onClosed = (await s.interest(s.enterprise, { publicationNumber: s.pns[3], needId: closing })).json().id as string
  await s.app.inject({ method: 'POST', url: `/v1/needs/${closing}/close`, headers: s.enterprise.h })
  const closed = await s.answer(s.university, onClosed, 'accept')
  t.equal(closed.statusCode, 409)
  t.equal(closed.json().error.code, 'need_closed')
})

t.test('one interest per enterprise, patent and need', async (t) => {
  const s = await setup(t)
  const needId = await s.need(s.enterprise, '图像识别')
  const first = await s.interest(s.enterprise, { publicationNumber: s.pns[0], needId })
  t.equal(first.statusCode, 201)
  const second = await s.interest(s.enterprise, { publicationNumber: s.pns[0], needId, message: '再次表达' })
  t.equal(second.statusCode, 409, 'the same interest again')
  t.equal(second.json().error.code, 'already_exists')
  t.match(second.json().error.message, first.json().id, 'naming the interest held')
  t.match(second.json().error.details[0], { path: 'body.publicationNumber', value: first.json().id })
  t.equal((await s.interest(s.enterprise, { publicationNumber: s.pns[0] })).statusCode, 201, 'without a need it is another interest')
  t.equal((await s.interest(s.enterprise, { publicationNumber: s.pns[0] })).statusCode, 409, 'once')
  const other = await s.need(s.enterprise, '另一个需求')
  t.equal((await s.interest(s.enterprise, { publicationNumber: s.pns[0], needId: other })).statusCode, 201, 'for another need too')
  t.equal((await s.interest(s.farEnterprise, { publicationNumber: s.pns[0] })).statusCode, 201, 'another enterprise holds its own')
  // Sent at once, many times: one is stored.
  const burst = await Promise.all(Array.from({ length: 8 }, () => s.interest(s.enterprise, { publicationNumber: s.pns[4], needId })))
  t.same(burst.map((r) => r.statusCode).sort(), [201, ...Array(7).fill(409)], 'concurrent duplicates: one created')
  const all = (await s.app.inject({ method: 'GET', url: '/v1/interests', headers: s.enterprise.h })).json().items
  t.equal(all.length, 4)
})

t.test('a need’s disclosure is read back and changed without matching again', async (t) => {
  const s = await setup(t)
  const needId = await s.need(s.enterprise, '图像识别')
  const before = (await s.app.inject({ method: 'GET', url: `/v1/needs/${needId}`, headers: s.enterprise.h })).json()
  const changed = await s.app.inject({ method: 'PATCH', url: `/v1/needs/${needId}`, headers: s.enterprise.h, payload: { disclosure: 'identity-and-need' } })
  t.equal(changed.statusCode, 200, changed.body)
  t.equal(changed.json().disclosure, 'identity-and-need')
  t.equal(changed.json().version, before.version, 'the same version: its matches stand')
  const bad = await s.app.inject({ method: 'PATCH', url: `/v1/needs/${needId}`, headers: s.enterprise.h, payload: { disclosure: 'everything' } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error.details[0].path, 'body.disclosure')
})
