/**
 * The authorization matrix, generated: every /v1 route × every role × the caller's own and
 * another organisation's object. Expectations follow the matrix in src/domain/access.ts (the
 * README's table): a role without the action gets 403; with scope `own`, another
 * organisation's object is 404, exactly like a missing one. A route that this file has no
 * request for fails the suite, so a new route cannot ship without a rule and a check.
 */
import t from 'tap'
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { scopeOf, type Action } from '../../src/domain/access.js'
import { ORG_KINDS, type OrgKind, type Role } from '../../src/domain/org.js'
import { webhookMessageId } from '../../src/domain/webhooks.js'
import { ADMIN, build, eventually, waitForImport, type Harness } from '../helper.js'

interface Req {
  url: string
  payload?: unknown
  headers?: Record<string, string>
}
type Side = 'own' | 'other'

let serial = 0
const freshPn = () => `CN${String(700000000 + ++serial)}A`
const patentBody = (pn: string) => ({
  publicationNumber: pn,
  title: '一种基于深度学习的图像识别方法',
  abstract: '本发明公开了一种基于深度学习的图像识别方法，用于工业缺陷检测。',
  ipc: ['G06V10/82'],
  transferModes: ['license'],
})

t.test('every route × every role × own and other object', async (t) => {
  // Webhooks point at a closed loopback port: whatever they deliver (pairing events) goes nowhere.
  const h: Harness = await build(t, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
  const inject = (method: string, req: Req, key?: string) =>
    h.app.inject({
      method: method as 'GET',
      url: req.url,
      ...(req.payload === undefined ? {} : { payload: req.payload as string }),
      headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...(req.headers ?? {}) },
    })
  const admin = async (method: string, url: string, payload?: unknown) => {
    const res = await inject(method, { url, payload }, ADMIN)
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.body}`)
    return res.json()
  }

  // Two organisations of every kind, A (the caller's own) and B (another), each with a key.
  const orgs = {} as Record<OrgKind, Record<'A' | 'B', { id: string; key: string }>>
  for (const kind of ORG_KINDS) {
    orgs[kind] = {} as Record<'A' | 'B', { id: string; key: string }>
    for (const side of ['A', 'B'] as const) {
      const org = await admin('POST', '/v1/orgs', { name: `${kind} ${side}`, kind, province: side === 'A' ? '浙江' : '江苏' })
      const { key } = await admin('POST', `/v1/orgs/${org.id}/keys`, { name: 'matrix' })
      orgs[kind][side] = { id: org.id, key }
    }
  }
  const asOrg = async (kind: OrgKind, side: 'A' | 'B', method: string, url: string, payload?: unknown, headers?: Record<string, string>) => {
    const res = await inject(method, { url, payload, ...(headers ? { headers } : {}) }, orgs[kind][side].key)
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.body}`)
    return res.json()
  }

  // Each side's operations centre takes the needs of its own province.
  for (const side of ['A', 'B'] as const) {
    await asOrg('operations-centre', side, 'PUT', `/v1/orgs/${orgs['operations-centre'][side].id}/routing`, {
      provinces: [side === 'A' ? '浙江' : '江苏'],
      minScore: 0,
      maxPerNeed: 20,
    })
  }

  // Objects owned by A and by B.
  const objects = { A: {} as Record<string, string>, B: {} as Record<string, string> }
  const pools = { A: [] as string[], B: [] as string[] }
  for (const side of ['A', 'B'] as const) {
    const o = objects[side]
    o.patent = freshPn()
    o.patentToWithdraw = freshPn()
    await asOrg('university', side, 'POST', '/v1/patents', patentBody(o.patent))
    await asOrg('university', side, 'POST', '/v1/patents', patentBody(o.patentToWithdraw))
    const imported = freshPn()
    const imp = await asOrg('university', side, 'POST', '/v1/patents/import', JSON.stringify(patentBody(imported)), {
      'content-type': 'application/x-ndjson',
    })
    await waitForImport(h.app, imp.importId)
    o.import = imp.importId
    const province = side === 'A' ? '浙江' : '江苏'
    o.need = (await asOrg('enterprise', side, 'POST', '/v1/needs', { title: `图像识别需求 ${side}`, province })).id
    o.needToClose = (await asOrg('enterprise', side, 'POST', '/v1/needs', { title: `待关闭需求 ${side}` })).id
    const more: string[] = []
    for (let i = 0; i < 2; i++) more.push((await asOrg('enterprise', side, 'POST', '/v1/needs', { title: `深度学习图像识别 ${i}`, province })).id)
    o.importedPatent = patentBody(imported).publicationNumber
    // Interests of the side's enterprise in the side's patents: one to read, one to accept, one to decline.
    o.interest = (await asOrg('enterprise', side, 'POST', '/v1/interests', { publicationNumber: o.patent })).id
    o.interestToAccept = (await asOrg('enterprise', side, 'POST', '/v1/interests', { publicationNumber: o.patent, needId: o.need })).id
    o.interestToDecline = (await asOrg('enterprise', side, 'POST', '/v1/interests', { publicationNumber: o.patent, needId: more[0] })).id
  }
  // Pairings: for each side, one that involves A's (or B's) centre, enterprise and university at once.
  for (const side of ['A', 'B'] as const) {
    const items = await eventually(async () => {
      const list = (await inject('GET', { url: '/v1/pairings' }, orgs['operations-centre'][side].key)).json().items as Array<{
        id: string
        needId: string
        publicationNumber: string
      }>
      return list.length >= 4 && list.some((p) => p.needId === objects[side].need && p.publicationNumber === objects[side].patent) ? list : undefined
    }, 30_000, `pairings of centre ${side}`)
    objects[side].pairing = items.find((p) => p.needId === objects[side].need && p.publicationNumber === objects[side].patent)!.id
    pools[side] = items.map((p) => p.id).filter((id) => id !== objects[side].pairing)
  }

  // Webhooks of each side's centre: one to read, a pool to delete, and one logged delivery.
  const webhookPools = { A: [] as string[], B: [] as string[] }
  for (const side of ['A', 'B'] as const) {
    const register = async () => (await asOrg('operations-centre', side, 'POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/matrix' })).id as string
    objects[side].webhook = await register()
    for (let i = 0; i < 3; i++) webhookPools[side].push(await register())
    objects[side].delivery = webhookMessageId(objects[side].webhook!, '1-0')
    await h.container.stores.webhooks.putDelivery({
      endpointId: objects[side].webhook!,
      eventId: '1-0',
      type: 'pairing.created',
      webhookId: objects[side].delivery!,
      body: '{"type":"pairing.created","data":{}}',
      createdAt: new Date().toISOString(),
    })
  }

  // The cultivation pool: a round, and enterprises of each side's province, some already in its pool.
  const round = (await admin('POST', '/v1/rounds', { name: '矩阵批次', deadline: '2099-12-31' })).id as string
  const toRecommend: string[] = []
  const inPool = { A: [] as string[], B: [] as string[] }
  let enterprises = 0
  const newEnterprise = async (province: string) =>
    (await admin('POST', '/v1/orgs', { name: `培育企业 ${++enterprises}`, kind: 'enterprise', province })).id as string
  for (let i = 0; i < 4; i++) toRecommend.push(await newEnterprise('浙江'))
  for (const side of ['A', 'B'] as const) {
    for (let i = 0; i < 13; i++) {
      const id = await newEnterprise(side === 'A' ? '浙江' : '江苏')
      await asOrg('provincial-office', side, 'POST', '/v1/pool/recommendations', { enterpriseId: id, roundId: round })
      inPool[side].push(id)
    }
  }

  // A financial institution reads the value profile of a patent the pool's enterprises obtained:
  // A's enterprise enters A's pool and its pairing on A's patent reaches a signed agreement.
  await asOrg('provincial-office', 'A', 'POST', '/v1/pool/recommendations', { enterpriseId: orgs.enterprise.A.id, roundId: round })
  for (const to of ['contacted', 'nda-signed', 'negotiating', 'agreement-signed']) {
    await asOrg('operations-centre', 'A', 'POST', `/v1/pairings/${objects.A.pairing}/transitions`, { to })
  }

  // The live stream never ends: ask a real socket for its status, then hang up.
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (h.app.server.address() as AddressInfo).port
  const streamStatus = (req: Req, key?: string) =>
    new Promise<{ statusCode: number; body: string; json: () => { error: { code: string } } }>((resolve, reject) => {
      const r = http.get(`http://127.0.0.1:${port}${req.url}`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        if (res.statusCode === 200) {
          resolve({ statusCode: 200, body: '', json: () => ({ error: { code: '' } }) })
          r.destroy()
          return
        }
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body, json: () => JSON.parse(body) }))
      })
      r.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)))
    })

  // Which organisation's objects a role's "own" means, per resource.
  const ownerKind: Partial<Record<Action, OrgKind>> = {
    'patents.read': 'university',
    'patents.update': 'university',
    'patents.withdraw': 'university',
    'patents.relist': 'university',
    'imports.read': 'university',
    'needs.read': 'enterprise',
    'needs.update': 'enterprise',
    'needs.close': 'enterprise',
    'needs.matches': 'enterprise',
    'pairings.read': 'operations-centre',
    'pairings.history': 'operations-centre',
    'pairings.transition': 'operations-centre',
    'routing.set': 'operations-centre',
    'routing.read': 'operations-centre',
    'patents.feedback': 'university',
    'patents.value': 'university',
    'interests.read': 'enterprise',
    'interests.accept': 'university',
    'interests.decline': 'university',
    'pool.decide': 'provincial-office',
    'pool.read': 'provincial-office',
    'stats.read': 'provincial-office',
    'webhooks.read': 'operations-centre',
    'webhooks.delete': 'operations-centre',
    'webhooks.enable': 'operations-centre',
    'webhooks.deliveries': 'operations-centre',
    'webhooks.redeliver': 'operations-centre',
  }
  /** The object side a caller of this role hits when asking for its own (A) or another's (B). */
  const pick = (side: Side) => objects[side === 'own' ? 'A' : 'B']

  // One request per route; `side` chooses the object. Orgs: own = the caller's organisation.
  const requests: Record<string, (side: Side, caller: { role: Role; orgId?: string }) => Req> = {
    'POST /v1/orgs': () => ({ url: '/v1/orgs', payload: { name: `new ${randomUUID()}`, kind: 'university' } }),
    'GET /v1/orgs': () => ({ url: '/v1/orgs' }),
    'GET /v1/me': () => ({ url: '/v1/me' }),
    'GET /v1/meta': () => ({ url: '/v1/meta' }),
    'GET /v1/orgs/:id': (side, caller) => ({
      url: `/v1/orgs/${side === 'own' && caller.orgId !== undefined ? caller.orgId : orgs.university.B.id}`,
    }),
    // A field of the profile, which an organisation may change of its own.
    'PATCH /v1/orgs/:id': (side, caller) => ({
      url: `/v1/orgs/${side === 'own' && caller.orgId !== undefined ? caller.orgId : orgs.university.B.id}`,
      payload: { industry: '制造业' },
    }),
    'POST /v1/orgs/:id/keys': () => ({ url: `/v1/orgs/${orgs.university.B.id}/keys`, payload: { name: 'extra' } }),
    'GET /v1/orgs/:id/keys': () => ({ url: `/v1/orgs/${orgs.university.B.id}/keys` }),
    'DELETE /v1/orgs/:id/keys/:keyId': () => ({ url: `/v1/orgs/${orgs.university.B.id}/keys/${'0'.repeat(16)}` }),
    'GET /v1/patents/search': () => ({ url: '/v1/patents/search?q=图像识别' }),
    'POST /v1/patents': () => ({ url: '/v1/patents', payload: patentBody(freshPn()) }),
    'POST /v1/patents/import': () => ({
      url: '/v1/patents/import',
      payload: JSON.stringify(patentBody(freshPn())),
      headers: { 'content-type': 'application/x-ndjson' },
    }),
    'GET /v1/imports': () => ({ url: '/v1/imports' }),
    'GET /v1/patents/import/template': () => ({ url: '/v1/patents/import/template?format=csv' }),
    'GET /v1/imports/:importId': (side) => ({ url: `/v1/imports/${pick(side).import}` }),
    'GET /v1/imports/:importId/rejected': (side) => ({ url: `/v1/imports/${pick(side).import}/rejected` }),
    'GET /v1/patents/:publicationNumber': (side) => ({ url: `/v1/patents/${pick(side).patent}` }),
    'PATCH /v1/patents/:publicationNumber': (side) => ({ url: `/v1/patents/${pick(side).patent}`, payload: { keywords: ['视觉'] } }),
    'DELETE /v1/patents/:publicationNumber': (side) => ({ url: `/v1/patents/${pick(side).patentToWithdraw}` }),
    // Re-listing the patent to withdraw: listed or withdrawn, re-listing it answers 200.
    'POST /v1/patents/:publicationNumber/relist': (side) => ({ url: `/v1/patents/${pick(side).patentToWithdraw}/relist` }),
    // The caller's own inventory (the admin's: all): nobody else's patents to refuse.
    'GET /v1/patents': () => ({ url: '/v1/patents?limit=5' }),
    'POST /v1/needs': () => ({ url: '/v1/needs', payload: { title: '新的需求' } }),
    'GET /v1/needs': () => ({ url: '/v1/needs' }),
    'GET /v1/needs/:id': (side) => ({ url: `/v1/needs/${pick(side).need}` }),
    'PATCH /v1/needs/:id': (side) => ({ url: `/v1/needs/${pick(side).need}`, payload: { industry: '制造业' } }),
    'POST /v1/needs/:id/close': (side) => ({ url: `/v1/needs/${pick(side).needToClose}/close` }),
    'GET /v1/needs/:id/matches': (side) => ({ url: `/v1/needs/${pick(side).need}/matches` }),
    // One interest per enterprise, patent and need: each side its own patent.
    'POST /v1/interests': (side) => ({ url: '/v1/interests', payload: { publicationNumber: pick(side).importedPatent } }),
    'GET /v1/interests': () => ({ url: '/v1/interests' }),
    'GET /v1/interests/:id': (side) => ({ url: `/v1/interests/${pick(side).interest}` }),
    // Only A's university answers, once each, and only its own (its patent's) interests.
    'POST /v1/interests/:id/accept': (side) => ({ url: `/v1/interests/${pick(side).interestToAccept}/accept`, payload: {} }),
    'POST /v1/interests/:id/decline': (side) => ({ url: `/v1/interests/${pick(side).interestToDecline}/decline`, payload: { reason: 'in-negotiation' } }),
    'POST /v1/webhooks': () => ({ url: '/v1/webhooks', payload: { url: 'http://127.0.0.1:9/matrix' } }),
    'GET /v1/webhooks': () => ({ url: '/v1/webhooks' }),
    'GET /v1/webhooks/:id': (side) => ({ url: `/v1/webhooks/${pick(side).webhook}` }),
    // Each allowed delete uses up a webhook of the pool; refused ones leave it.
    'DELETE /v1/webhooks/:id': (side) => ({ url: `/v1/webhooks/${webhookPools[side === 'own' ? 'A' : 'B'][0]}` }),
    'POST /v1/webhooks/:id/enable': (side) => ({ url: `/v1/webhooks/${pick(side).webhook}/enable` }),
    'GET /v1/webhooks/:id/deliveries': (side) => ({ url: `/v1/webhooks/${pick(side).webhook}/deliveries` }),
    'POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver': (side) => ({
      url: `/v1/webhooks/${pick(side).webhook}/deliveries/${pick(side).delivery}/redeliver`,
    }),
    'GET /v1/patents/:publicationNumber/feedback': (side) => ({ url: `/v1/patents/${pick(side).patent}/feedback` }),
    'GET /v1/patents/:publicationNumber/value': (side) => ({ url: `/v1/patents/${pick(side).patent}/value` }),
    'GET /v1/patents/values': () => ({ url: '/v1/patents/values?order=demand' }),
    'PUT /v1/orgs/:id/routing': (side) => ({
      url: `/v1/orgs/${orgs['operations-centre'][side === 'own' ? 'A' : 'B'].id}/routing`,
      payload: { provinces: [side === 'own' ? '浙江' : '江苏'], minScore: 0, maxPerNeed: 20 },
    }),
    'GET /v1/orgs/:id/routing': (side) => ({ url: `/v1/orgs/${orgs['operations-centre'][side === 'own' ? 'A' : 'B'].id}/routing` }),
    'GET /v1/pairings': () => ({ url: '/v1/pairings' }),
    'GET /v1/pairings/stream': () => ({ url: '/v1/pairings/stream' }),
    'GET /v1/pairings/:id': (side) => ({ url: `/v1/pairings/${pick(side).pairing}` }),
    'GET /v1/pairings/:id/history': (side) => ({ url: `/v1/pairings/${pick(side).pairing}/history` }),
    'POST /v1/rounds': () => ({ url: '/v1/rounds', payload: { name: '新批次', deadline: '2099-06-30' } }),
    'GET /v1/rounds': () => ({ url: '/v1/rounds' }),
    // A's office recommends enterprises of its own province; each accepted one is used up.
    'POST /v1/pool/recommendations': () => ({ url: '/v1/pool/recommendations', payload: { enterpriseId: toRecommend[0], roundId: round } }),
    'GET /v1/pool': () => ({ url: '/v1/pool' }),
    // The office's directory: the enterprises of its province (another province's are simply not listed).
    'GET /v1/pool/candidates': () => ({ url: `/v1/pool/candidates?q=${encodeURIComponent('培育企业')}` }),
    // The last of each side's pool enterprises: decisions use up the first ones.
    'GET /v1/pool/enterprises/:id': (side) => ({ url: `/v1/pool/enterprises/${inPool[side === 'own' ? 'A' : 'B'].at(-1)}` }),
    'POST /v1/pool/enterprises/:id/graduation': (side) => ({
      url: `/v1/pool/enterprises/${inPool[side === 'own' ? 'A' : 'B'][0]}/graduation`,
      payload: { evidence: { newPatentIntensiveProducts: 1 } },
    }),
    'POST /v1/pool/enterprises/:id/violations': (side) => ({
      url: `/v1/pool/enterprises/${inPool[side === 'own' ? 'A' : 'B'][0]}/violations`,
      payload: { violation: 'tax-evasion', evidence: { description: '税务处罚决定书' } },
    }),
    'POST /v1/pool/enterprises/:id/progress': (side) => ({
      url: `/v1/pool/enterprises/${inPool[side === 'own' ? 'A' : 'B'][0]}/progress`,
      payload: { kind: 'new-patent-intensive-product', evidence: { description: '产品备案' } },
    }),
    'POST /v1/pool/enterprises/:id/withdrawal': (side) => ({
      url: `/v1/pool/enterprises/${inPool[side === 'own' ? 'A' : 'B'][0]}/withdrawal`,
      payload: { reason: 'other', note: '企业申请退出' },
    }),
    'GET /v1/stats/report': (side) => ({ url: `/v1/stats/report?year=2026&province=${encodeURIComponent(side === 'own' ? '浙江' : '江苏')}` }),
    'GET /v1/stats': (side) => ({ url: `/v1/stats?province=${encodeURIComponent(side === 'own' ? '浙江' : '江苏')}` }),
    // Each allowed move uses up a fresh pairing of the pool; refused ones leave it as it was.
    'POST /v1/pairings/:id/transitions': (side) => ({ url: `/v1/pairings/${pools[side === 'own' ? 'A' : 'B'][0]}/transitions`, payload: { to: 'contacted' } }),
  }
  // Routes whose "other" object is not owned by anybody in particular: admin-only or list/create.
  const objectless = new Set(['GET /v1/patents/values', 'GET /v1/me', 'POST /v1/orgs', 'GET /v1/orgs', 'GET /v1/pool/candidates', 'POST /v1/orgs/:id/keys', 'GET /v1/orgs/:id/keys', 'DELETE /v1/orgs/:id/keys/:keyId'])

  const v1 = h.app.routeTable.filter((r) => r.url.startsWith('/v1/'))
  t.ok(v1.length >= 20, `${v1.length} routes under /v1`)
  const roles: Role[] = ['admin', ...ORG_KINDS]
  for (const route of v1) {
    const name = `${route.method} ${route.url}`
    const make = requests[name]
    if (make === undefined) {
      t.fail(`${name} has no request in the matrix test: add one, and its rule in src/domain/access.ts`)
      continue
    }
    const action = route.access as Action
    t.ok(action, `${name} names its action`)
    const unauth = name === 'GET /v1/pairings/stream' ? await streamStatus(make('own', { role: 'admin' })) : await inject(route.method, make('own', { role: 'admin' }))
    t.equal(unauth.statusCode, 401, `${name} without a key → 401`)

    for (const role of roles) {
      for (const side of ['own', 'other'] as Side[]) {
        const caller = role === 'admin' ? { role, key: ADMIN } : { role, orgId: orgs[role].A.id, key: orgs[role].A.key }
        const req = make(side, caller)
        const res = name === 'GET /v1/pairings/stream' ? await streamStatus(req, caller.key) : await inject(route.method, req, caller.key)
        if (name === 'POST /v1/pairings/:id/transitions' && res.statusCode === 200) pools[side === 'own' ? 'A' : 'B'].shift()
        if (name === 'DELETE /v1/webhooks/:id' && res.statusCode === 200) webhookPools[side === 'own' ? 'A' : 'B'].shift()
        if (name === 'POST /v1/pool/recommendations' && res.statusCode === 201) toRecommend.shift()
        // Decisions that take an enterprise out of the pool use it up.
        if (/\/(graduation|violations|withdrawal)$/.test(route.url) && res.statusCode === 201) inPool[side === 'own' ? 'A' : 'B'].shift()
        const scope = scopeOf(role, action)
        const objectKind = ownerKind[action]
        let expected: 'allowed' | 403 | 404
        if (scope === undefined) expected = 403
        // `routed`: A's centre takes A's province, so A's need is routed to it and B's is not.
        else if (scope === 'any' || side === 'own' || objectless.has(name)) expected = 'allowed'
        else if (objectKind !== undefined || action === 'orgs.read' || action === 'orgs.update') expected = 404
        else expected = 'allowed'
        // Deleting an unknown key id is a 404 even for the admin: allowed past the role check.
        const okStatus = name === 'DELETE /v1/orgs/:id/keys/:keyId' ? [404] : [200, 201, 202]
        const label = `${name} as ${role} on ${side} object → ${expected}`
        if (expected === 'allowed') t.ok(okStatus.includes(res.statusCode), `${label} (got ${res.statusCode} ${res.statusCode >= 300 ? res.body : ''})`)
        else {
          t.equal(res.statusCode, expected, `${label} (got ${res.statusCode})`)
          t.equal(res.json().error.code, expected === 403 ? 'forbidden' : 'not_found')
          if (expected === 404) t.notMatch(res.body, /图像识别需求|待关闭需求/, 'a 404 reveals nothing of the object')
        }
      }
    }
  }
})
