/**
 * The authorization matrix, generated: every /v1 route × every role × the caller's own and
 * another organisation's object. Expectations follow the matrix in src/domain/access.ts (the
 * README's table): a role without the action gets 403; with scope `own`, another
 * organisation's object is 404, exactly like a missing one. A route that this file has no
 * request for fails the suite, so a new route cannot ship without a rule and a check.
 */
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { scopeOf, type Action } from '../../src/domain/access.js'
import { ORG_KINDS, type OrgKind, type Role } from '../../src/domain/org.js'
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
  const h: Harness = await build(t)
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

  // Objects owned by A and by B.
  const objects = { A: {} as Record<string, string>, B: {} as Record<string, string> }
  for (const side of ['A', 'B'] as const) {
    const o = objects[side]
    o.patent = freshPn()
    o.patentToWithdraw = freshPn()
    await asOrg('university', side, 'POST', '/v1/patents', patentBody(o.patent))
    await asOrg('university', side, 'POST', '/v1/patents', patentBody(o.patentToWithdraw))
    const imp = await asOrg('university', side, 'POST', '/v1/patents/import', JSON.stringify(patentBody(freshPn())), {
      'content-type': 'application/x-ndjson',
    })
    await waitForImport(h.app, imp.importId)
    o.import = imp.importId
    o.need = (await asOrg('enterprise', side, 'POST', '/v1/needs', { title: `图像识别需求 ${side}` })).id
    o.needToClose = (await asOrg('enterprise', side, 'POST', '/v1/needs', { title: `待关闭需求 ${side}` })).id
  }
  await eventually(async () => ((await h.container.stores.matches.get(objects.A.need!))?.state === 'ready' ? true : undefined))

  // Which organisation's objects a role's "own" means, per resource.
  const ownerKind: Partial<Record<Action, OrgKind>> = {
    'patents.read': 'university',
    'patents.update': 'university',
    'patents.withdraw': 'university',
    'imports.read': 'university',
    'needs.read': 'enterprise',
    'needs.update': 'enterprise',
    'needs.close': 'enterprise',
    'needs.matches': 'enterprise',
  }
  /** The object side a caller of this role hits when asking for its own (A) or another's (B). */
  const pick = (side: Side) => objects[side === 'own' ? 'A' : 'B']

  // One request per route; `side` chooses the object. Orgs: own = the caller's organisation.
  const requests: Record<string, (side: Side, caller: { role: Role; orgId?: string }) => Req> = {
    'POST /v1/orgs': () => ({ url: '/v1/orgs', payload: { name: `new ${randomUUID()}`, kind: 'university' } }),
    'GET /v1/orgs': () => ({ url: '/v1/orgs' }),
    'GET /v1/orgs/:id': (side, caller) => ({
      url: `/v1/orgs/${side === 'own' && caller.orgId !== undefined ? caller.orgId : orgs.university.B.id}`,
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
    'GET /v1/imports/:importId': (side) => ({ url: `/v1/imports/${pick(side).import}` }),
    'GET /v1/patents/:publicationNumber': (side) => ({ url: `/v1/patents/${pick(side).patent}` }),
    'PATCH /v1/patents/:publicationNumber': (side) => ({ url: `/v1/patents/${pick(side).patent}`, payload: { keywords: ['视觉'] } }),
    'DELETE /v1/patents/:publicationNumber': (side) => ({ url: `/v1/patents/${pick(side).patentToWithdraw}` }),
    'POST /v1/needs': () => ({ url: '/v1/needs', payload: { title: '新的需求' } }),
    'GET /v1/needs/:id': (side) => ({ url: `/v1/needs/${pick(side).need}` }),
    'PATCH /v1/needs/:id': (side) => ({ url: `/v1/needs/${pick(side).need}`, payload: { industry: '制造业' } }),
    'POST /v1/needs/:id/close': (side) => ({ url: `/v1/needs/${pick(side).needToClose}/close` }),
    'GET /v1/needs/:id/matches': (side) => ({ url: `/v1/needs/${pick(side).need}/matches` }),
    'POST /v1/interests': () => ({ url: '/v1/interests', payload: { publicationNumber: objects.B.patent } }),
    'GET /v1/interests': () => ({ url: '/v1/interests' }),
  }
  // Routes whose "other" object is not owned by anybody in particular: admin-only or list/create.
  const objectless = new Set(['POST /v1/orgs', 'GET /v1/orgs', 'POST /v1/orgs/:id/keys', 'GET /v1/orgs/:id/keys', 'DELETE /v1/orgs/:id/keys/:keyId'])

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
    const unauth = await inject(route.method, make('own', { role: 'admin' }))
    t.equal(unauth.statusCode, 401, `${name} without a key → 401`)

    for (const role of roles) {
      for (const side of ['own', 'other'] as Side[]) {
        const caller = role === 'admin' ? { role, key: ADMIN } : { role, orgId: orgs[role].A.id, key: orgs[role].A.key }
        const req = make(side, caller)
        const res = await inject(route.method, req, caller.key)
        const scope = scopeOf(role, action)
        const objectKind = ownerKind[action]
        let expected: 'allowed' | 403 | 404
        if (scope === undefined) expected = 403
        else if (scope === 'any' || side === 'own' || objectless.has(name)) expected = 'allowed'
        else if (objectKind !== undefined || action === 'orgs.read') expected = 404
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
