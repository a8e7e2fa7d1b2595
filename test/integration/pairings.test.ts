import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PAIRING_STATES, TRANSITIONS, type PairingState } from '../../src/domain/pairing.js'
import { eventFields, eventStreamKey } from '../../src/adapters/redis/event-log.js'
import { ADMIN, auth, build, eventually, samplePatents, waitForImport, type Harness } from '../helper.js'

interface Org {
  id: string
  key: string
  h: Record<string, string>
}

async function setup(t: Test, routing: Record<string, unknown> = { minScore: 0.1, maxPerNeed: 3 }, needExtra: Record<string, unknown> = {}) {
  const harness = await build(t)
  const { app } = harness
  const org = async (name: string, kind: string, province?: string): Promise<Org> => {
    const o = (await app.inject({ method: 'POST', url: '/v1/orgs', headers: auth, payload: { name, kind, ...(province ? { province } : {}) } })).json()
    const { key } = (await app.inject({ method: 'POST', url: `/v1/orgs/${o.id}/keys`, headers: auth })).json()
    return { id: o.id, key, h: { authorization: `Bearer ${key}` } }
  }
  const centre = await org('浙江知识产权运营中心', 'operations-centre', '浙江')
  const otherCentre = await org('江苏运营中心', 'operations-centre', '江苏')
  const university = await org('示例大学', 'university', '浙江')
  const enterprise = await org('示例科技有限公司', 'enterprise', '浙江')
  const set = await app.inject({ method: 'PUT', url: `/v1/orgs/${centre.id}/routing`, headers: centre.h, payload: routing })
  t.equal(set.statusCode, 200, set.body)
  await app.inject({ method: 'PUT', url: `/v1/orgs/${otherCentre.id}/routing`, headers: otherCentre.h, payload: { provinces: ['江苏'] } })
  const imp = await app.inject({
    method: 'POST',
    url: '/v1/patents/import',
    headers: { ...university.h, 'content-type': 'application/x-ndjson' },
    payload: samplePatents().map((p) => JSON.stringify(p)).join('\n'),
  })
  await waitForImport(app, imp.json().importId)
  const need = await app.inject({
    method: 'POST',
    url: '/v1/needs',
    headers: enterprise.h,
    payload: { title: '图像识别技术', description: '利用图像识别进行缺陷检测', province: '浙江', ...needExtra },
  })
  const needId = need.json().id as string
  const pairings = async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/pairings', headers: centre.h })
    return res.json().items as Array<{ id: string; state: string; needId: string; score: number; pushed: boolean; publicationNumber: string }>
  }
  await eventually(async () => ((await pairings()).length > 0 ? true : undefined), 20_000, 'pairings')
  // The route-pairings job may still be adding pairings one by one: routing again (idempotent)
  // completes the set, so `items` is all of them.
  await harness.container.services.pairings.routeNeed({ needId })
  const items = await pairings()
  return { harness, app, centre, otherCentre, university, enterprise, needId, items }
}

const move = (h: Harness, org: Org, id: string, body: Record<string, unknown>) =>
  h.app.inject({ method: 'POST', url: `/v1/pairings/${id}/transitions`, headers: org.h, payload: body })

t.test('matches in a centre scope become pairings, once; the workflow can be walked and its history read', async (t) => {
  const s = await setup(t)
  t.ok(s.items.length >= 1 && s.items.length <= 3, 'at most maxPerNeed pairings')
  for (const p of s.items) {
    t.equal(p.state, 'recommended')
    t.ok(p.score >= 0.1)
    t.equal(p.needId, s.needId)
  }
  const other = await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.otherCentre.h })
  t.same(other.json().items, [], 'a centre scoped to another province gets none')

  // Routing again (re-scoring) updates, never duplicates.
  await s.harness.container.services.pairings.routeNeed({ needId: s.needId })
  const again = await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.centre.h })
  t.equal(again.json().items.length, s.items.length, 'no duplicate pairings')

  const id = s.items[0]!.id
  const path: PairingState[] = ['contacted', 'nda-signed', 'negotiating', 'agreement-signed', 'recorded', 'industrialised']
  let from: PairingState = 'recommended'
  for (const to of path) {
    // Every illegal move from here is refused, naming the allowed next states.
    for (const illegal of PAIRING_STATES.filter((x) => !TRANSITIONS[from].includes(x))) {
      const body = illegal === 'declined' ? { to: illegal, reason: 'price' } : { to: illegal }
      const res = await move(s.harness, s.centre, id, body)
      t.equal(res.statusCode, 409, `${from} → ${illegal} refused`)
      t.equal(res.json().error.code, 'illegal_transition')
      for (const allowed of TRANSITIONS[from]) t.match(res.json().error.message, allowed)
    }
    const res = await move(s.harness, s.centre, id, { to, note: `step ${to}` })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().state, to)
    from = to
  }
  const history = (await s.app.inject({ method: 'GET', url: `/v1/pairings/${id}/history`, headers: s.centre.h })).json().items
  t.same(
    history.map((e: { from: string | null; to: string }) => [e.from, e.to]),
    [[null, 'recommended'], ...path.map((to, i) => [i === 0 ? 'recommended' : path[i - 1], to])],
  )
  t.equal(history[1].actor.orgId, s.centre.id)
  t.equal(history[1].note, 'step contacted')

  const enterpriseView = await s.app.inject({ method: 'GET', url: `/v1/pairings/${id}`, headers: s.enterprise.h })
  t.equal(enterpriseView.json().state, 'industrialised', 'the enterprise follows its pairing')
  const otherView = await s.app.inject({ method: 'GET', url: `/v1/pairings/${id}`, headers: s.otherCentre.h })
  t.equal(otherView.statusCode, 404, "another centre cannot see it")
  const otherMove = await move(s.harness, s.otherCentre, id, { to: 'withdrawn' })
  t.equal(otherMove.statusCode, 404)
})

t.test('declining needs a reason; a pairing declined as not relevant is never pushed again; TTOs see why', async (t) => {
  const s = await setup(t)
  const id = s.items[0]!.id
  const noReason = await move(s.harness, s.centre, id, { to: 'declined' })
  t.equal(noReason.statusCode, 400)
  t.equal(noReason.json().error.details[0].path, 'body.reason')
  const otherNoNote = await move(s.harness, s.centre, id, { to: 'declined', reason: 'other' })
  t.equal(otherNoNote.statusCode, 400, '"other" needs a note')
  const declined = await move(s.harness, s.centre, id, { to: 'declined', reason: 'not-relevant', note: '方向不符' })
  t.equal(declined.json().state, 'declined')
  t.equal(declined.json().reason, 'not-relevant')
  const final = await move(s.harness, s.centre, id, { to: 'contacted' })
  t.equal(final.statusCode, 409)
  t.match(final.json().error.message, /final/)

  const before = await s.harness.container.eventLog.head()
  await s.harness.container.services.pairings.routeNeed({ needId: s.needId })
  const after = await s.harness.container.eventLog.readAfter(before, 100)
  t.same(after.filter((e) => e.type === 'pairing.created'), [], 'nothing pushed again')
  const p = (await s.app.inject({ method: 'GET', url: `/v1/pairings/${id}`, headers: s.centre.h })).json()
  t.equal(p.state, 'declined', 'still declined after re-routing')

  const feedback = await s.app.inject({ method: 'GET', url: `/v1/patents/${s.items[0]!.publicationNumber}/feedback`, headers: s.university.h })
  t.equal(feedback.statusCode, 200)
  t.equal(feedback.json().declined['not-relevant'], 1)
  t.same(feedback.json().notes, ['方向不符'])
})

t.test('a centre reads each pairing with the patent’s facts and why it matched', async (t) => {
  const s = await setup(t)
  const full = (await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.centre.h })).json().items
  for (const p of full) {
    t.match(p.patent, { publicationNumber: p.publicationNumber, title: String, holder: { id: s.university.id, name: '示例大学' }, legalStatus: String, transferModes: Array })
    t.ok(p.explanation?.matchedTerms.length > 0, 'the need’s words the patent has')
    // the classes it shows carry their titles, joined as the pairing is read
    for (const code of [...p.explanation.sharedClasses, ...p.explanation.inferredClasses]) t.match(p.explanation.classTitles?.[code], { prefix: String, zh: String, en: String }, `${code} titled`)
  }
  t.ok(full.some((p: { explanation: { inferredClasses: string[]; sharedClasses: string[] } }) => p.explanation.inferredClasses.length + p.explanation.sharedClasses.length > 0), 'some pairing shows classes')
  const one = (await s.app.inject({ method: 'GET', url: `/v1/pairings/${full[0].id}`, headers: s.centre.h })).json()
  t.same(one.patent, full[0].patent, 'the same facts on the pairing itself')
  const matches = (await s.app.inject({ method: 'GET', url: `/v1/needs/${s.needId}/matches`, headers: s.enterprise.h })).json().matches
  t.match(matches[0].patent, { holder: { name: '示例大学' }, kind: String }, 'and beside each of the enterprise’s matches')
})

t.test('a university sees the enterprise and need only as far as disclosed; a centre reads needs routed to it', async (t) => {
  const s = await setup(t)
  const hidden = (await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.university.h })).json().items
  t.ok(hidden.length > 0)
  for (const p of hidden) {
    t.notOk(p.enterprise, 'no enterprise identity by default')
    t.notOk(p.need)
    t.notOk(p.needId)
    t.notOk(p.explanation, 'no explanation: it quotes the need')
    t.type(p.patent?.title, 'string', 'the university’s own patent, with its facts')
  }
  // the patent's facts are the university's own record (its title may share the need's words)
  const withoutPatent = hidden.map(({ patent: _own, ...rest }: Record<string, unknown>) => rest)
  t.notMatch(JSON.stringify(withoutPatent), /图像识别技术|示例科技/, 'nothing of the need or enterprise leaks')

  await s.app.inject({ method: 'PATCH', url: `/v1/needs/${s.needId}`, headers: s.enterprise.h, payload: { disclosure: 'identity' } })
  const named = (await s.app.inject({ method: 'GET', url: '/v1/pairings', headers: s.university.h })).json().items
  t.equal(named[0].enterprise.name, '示例科技有限公司')
  t.notOk(named[0].need, 'the need stays hidden')

  const routed = await s.app.inject({ method: 'GET', url: `/v1/needs/${s.needId}`, headers: s.centre.h })
  t.equal(routed.statusCode, 200, 'the centre reads a need routed to it')
  const notRouted = await s.app.inject({ method: 'GET', url: `/v1/needs/${s.needId}`, headers: s.otherCentre.h })
  t.equal(notRouted.statusCode, 404, 'another centre does not')
  const matches = await s.app.inject({ method: 'GET', url: `/v1/needs/${s.needId}/matches`, headers: s.centre.h })
  t.equal(matches.statusCode, 403, "a centre does not read the enterprise's full match list")
})

t.test('volume control: a daily cap holds pairings back; digest mode sends one message', async (t) => {
  const capped = await setup(t, { minScore: 0.1, maxPerNeed: 3, dailyCap: 1 })
  t.ok(capped.items.length >= 2, 'several pairings')
  t.equal(capped.items.filter((p) => p.pushed).length, 1, 'only one pushed today')
  const events = await capped.harness.container.eventLog.readAfter('0-0', 100)
  t.equal(events.filter((e) => e.type === 'pairing.created').length, 1)

  const digest = await setup(t, { minScore: 0.1, maxPerNeed: 3, delivery: 'digest', digestHours: 24 })
  const none = await digest.harness.container.eventLog.readAfter('0-0', 100)
  t.same(none.filter((e) => e.type === 'pairing.created'), [], 'nothing pushed one by one')
  const sent = await digest.harness.container.services.pairings.digest()
  t.equal(sent, 1)
  const digests = (await digest.harness.container.eventLog.readAfter('0-0', 100)).filter((e) => e.type === 'pairing.digest')
  t.equal(digests.length, 1)
  t.equal((digests[0]!.data.pairings as unknown[]).length, digest.items.length)
  t.same(digests[0]!.recipients, [digest.centre.id])
  t.equal(await digest.harness.container.services.pairings.digest(), 0, 'not again within the period')
})

/** Reads SSE messages from a live server until `count` arrived. */
function readEvents(url: string, key: string, lastEventId: string | undefined, count: number) {
  return new Promise<Array<{ id: string; event: string; data: { type: string; data: Record<string, unknown> } }>>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'text/event-stream' }
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
    const req = http.get(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`))
      let buf = ''
      const out: Array<{ id: string; event: string; data: { type: string; data: Record<string, unknown> } }> = []
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const f: Record<string, string> = {}
          for (const line of block.split('\n')) {
            const m = /^(\w+): ?(.*)$/.exec(line)
            if (m) f[m[1]!] = (f[m[1]!] ?? '') + m[2]
          }
          if (f.data === undefined || f.id === undefined) continue
          out.push({ id: f.id, event: f.event ?? 'message', data: JSON.parse(f.data) })
          if (out.length >= count) {
            req.destroy()
            resolve(out)
          }
        }
      })
    })
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)))
    setTimeout(() => {
      req.destroy()
      reject(new Error(`only part of ${count} events arrived`))
    }, 15_000).unref()
  })
}

t.test('the live stream replays missed events after Last-Event-ID', async (t) => {
  const s = await setup(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/v1/pairings/stream`
  const first = await readEvents(`${url}?after=0-0`, s.centre.key, undefined, s.items.length)
  t.ok(first.every((e) => e.event === 'pairing.created'))
  t.same(new Set(first.map((e) => e.data.data.pairingId)), new Set(s.items.map((p) => p.id)))
  const lastSeen = first[first.length - 1]!.id

  // Disconnected: two changes happen.
  const id = s.items[0]!.id
  await move(s.harness, s.centre, id, { to: 'contacted' })
  await move(s.harness, s.centre, id, { to: 'nda-signed' })
  const resumed = await readEvents(url, s.centre.key, lastSeen, 2)
  t.same(
    resumed.map((e) => [e.event, e.data.data.to]),
    [
      ['pairing.updated', 'contacted'],
      ['pairing.updated', 'nda-signed'],
    ],
  )
  // Live: a change after connecting arrives too.
  const livePromise = readEvents(url, s.centre.key, resumed[1]!.id, 1)
  await new Promise((r) => setTimeout(r, 300))
  await move(s.harness, s.centre, id, { to: 'negotiating' })
  const liveEvents = await livePromise
  t.equal(liveEvents[0]!.data.data.to, 'negotiating')

  const others = await new Promise<number>((resolve) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${s.enterprise.key}` } }, (res) => {
      resolve(res.statusCode ?? 0)
      req.destroy()
    })
  })
  t.equal(others, 403, "an enterprise has no pairing stream")
  void ADMIN
})

t.test('resuming from an old id goes past pages of other centres’ events and ends in live events', async (t) => {
  const s = await setup(t)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/v1/pairings/stream`
  // 1,200 events of another centre after this one's: more than two replay pages with nothing for it
  const key = eventStreamKey(s.harness.container.config.REDIS_PREFIX)
  const multi = s.harness.container.redis.multi()
  for (let i = 0; i < 1200; i++) multi.xadd(key, '*', ...eventFields({ type: 'pairing.updated', recipients: ['another-centre'], at: new Date().toISOString(), data: { i } }))
  await multi.exec()
  await move(s.harness, s.centre, s.items[0]!.id, { to: 'contacted' })
  const events = await readEvents(`${url}?after=0-0`, s.centre.key, undefined, s.items.length + 1)
  t.equal(events.length, s.items.length + 1, 'the replay reaches the event after the other centre’s')
  t.equal(events.at(-1)!.data.data.to, 'contacted')
  // and then follows live
  const live = readEvents(url, s.centre.key, events.at(-1)!.id, 1)
  await new Promise((r) => setTimeout(r, 300))
  await move(s.harness, s.centre, s.items[0]!.id, { to: 'nda-signed' })
  t.equal((await live)[0]!.data.data.to, 'nda-signed', 'live events follow')
})
