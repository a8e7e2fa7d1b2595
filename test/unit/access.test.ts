/**
 * authorize() per kind of object: the caller's own, another organisation's, routed, by province,
 * the admin, and the acts only an organisation may take. The HTTP side of the same rules is
 * test/http/access-matrix.test.ts.
 */
import t from 'tap'
import { authorize, disclosureTo, listScope, permits, seesActorOrgs, type Principal, type Resource } from '../../src/domain/access.js'
import { DomainError, NotFoundError } from '../../src/domain/errors.js'

const ADMIN: Principal = { role: 'admin' }
const org = (role: Exclude<Principal['role'], 'admin'>, orgId: string, province?: string): Principal =>
  province === undefined ? { role, orgId, keyId: `k-${orgId}` } : { role, orgId, keyId: `k-${orgId}`, province }
const UNI_A = org('university', 'uni-a')
const ENT_A = org('enterprise', 'ent-a')
const CENTRE_A = org('operations-centre', 'centre-a')
const OFFICE_ZJ = org('provincial-office', 'office-zj', '浙江')

/** What authorize answered: 'ok', or the error's code and message. */
async function outcome(principal: Principal, action: Parameters<typeof authorize>[1], resource?: Resource) {
  try {
    await authorize(principal, action, resource)
    return 'ok'
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    return { code: err.code, message: err.message }
  }
}
const notFound = (what: string) => ({ code: 'not_found', message: new NotFoundError(what).message })

t.test('a role the matrix does not list for the action is refused (403) before any object is looked at', async (t) => {
  t.match(await outcome(ENT_A, 'patents.update'), { code: 'forbidden', message: /enterprise may not do this \(patents\.update\)/ })
  const patent: Resource = { kind: 'patent', publicationNumber: 'CN1A', ownerOrgId: 'ent-a', status: 'listed' }
  t.match(await outcome(ENT_A, 'patents.update', patent), { code: 'forbidden' }, 'even on an object it would own')
  t.equal(await permits(ENT_A, 'patents.update', patent), false)
  t.equal(await outcome(UNI_A, 'patents.update'), 'ok', 'without an object: the role check alone')
})

t.test('organisation-only acts: the admin, who belongs to none, is refused', async (t) => {
  t.match(await outcome(ADMIN, 'interests.create'), { code: 'forbidden' })
  t.match(await outcome(ADMIN, 'webhooks.create'), { code: 'forbidden' })
  t.match(await outcome(ADMIN, 'interests.create', { kind: 'need', id: 'n1', ownerOrgId: 'ent-a' }), { code: 'forbidden' })
  t.equal(await outcome(ENT_A, 'interests.create', { kind: 'need', id: 'n1', ownerOrgId: 'ent-a' }), 'ok', 'an enterprise on its own need')
  t.same(await outcome(ENT_A, 'interests.create', { kind: 'need', id: 'n2', ownerOrgId: 'ent-b' }), notFound('need n2'))
})

t.test('the admin may take every other action on every object', async (t) => {
  const objects: Resource[] = [
    { kind: 'organisation', id: 'uni-b' },
    { kind: 'patent', publicationNumber: 'CN1A', ownerOrgId: 'uni-b', status: 'withdrawn' },
    { kind: 'import', importId: 'i1', ownerOrgId: 'uni-b' },
    { kind: 'need', id: 'n1', ownerOrgId: 'ent-b' },
    { kind: 'pairing', id: 'p1', centreOrgId: 'centre-b' },
    { kind: 'webhook', id: 'w1', orgId: 'centre-b' },
    { kind: 'pool-entry', enterpriseId: 'e1', province: '江苏' },
    { kind: 'figures', province: '江苏' },
  ]
  const actions = ['orgs.read', 'patents.withdraw', 'imports.read', 'needs.update', 'pairings.transition', 'webhooks.delete', 'pool.decide', 'stats.read'] as const
  for (const [i, resource] of objects.entries()) t.equal(await outcome(ADMIN, actions[i]!, resource), 'ok', `${actions[i]} on ${resource.kind}`)
})

t.test('own objects pass, another organisation’s answer 404 with the words used for a missing one', async (t) => {
  const cases: Array<[Principal, Parameters<typeof authorize>[1], Resource, Resource, string]> = [
    [UNI_A, 'orgs.read', { kind: 'organisation', id: 'uni-a' }, { kind: 'organisation', id: 'uni-b' }, 'organisation uni-b'],
    [UNI_A, 'patents.update', { kind: 'patent', publicationNumber: 'CN1A', ownerOrgId: 'uni-a', status: 'listed' }, { kind: 'patent', publicationNumber: 'CN2A', ownerOrgId: 'uni-b', status: 'listed' }, 'patent CN2A'],
    [UNI_A, 'patents.withdraw', { kind: 'patent', publicationNumber: 'CN1A', ownerOrgId: 'uni-a', status: 'listed' }, { kind: 'patent', publicationNumber: 'CN2A', status: 'listed' }, 'patent CN2A'],
    [UNI_A, 'imports.read', { kind: 'import', importId: 'i1', ownerOrgId: 'uni-a' }, { kind: 'import', importId: 'i2', ownerOrgId: 'uni-b' }, 'import i2'],
    [ENT_A, 'needs.update', { kind: 'need', id: 'n1', ownerOrgId: 'ent-a' }, { kind: 'need', id: 'n2', ownerOrgId: 'ent-b' }, 'need n2'],
    [CENTRE_A, 'webhooks.read', { kind: 'webhook', id: 'w1', orgId: 'centre-a' }, { kind: 'webhook', id: 'w2', orgId: 'centre-b' }, 'webhook w2'],
    [CENTRE_A, 'routing.set', { kind: 'organisation', id: 'centre-a' }, { kind: 'organisation', id: 'centre-b' }, 'organisation centre-b'],
  ]
  for (const [principal, action, own, other, what] of cases) {
    t.equal(await outcome(principal, action, own), 'ok', `${action}: own ${own.kind}`)
    t.same(await outcome(principal, action, other), notFound(what), `${action}: another's ${other.kind}`)
  }
})

t.test('patents: an `any` scope shows listed patents to all, a withdrawn one only to its university', async (t) => {
  const listed: Resource = { kind: 'patent', publicationNumber: 'CN1A', ownerOrgId: 'uni-b', status: 'listed' }
  const withdrawn: Resource = { kind: 'patent', publicationNumber: 'CN2A', ownerOrgId: 'uni-b', status: 'withdrawn' }
  for (const p of [ENT_A, UNI_A, CENTRE_A]) {
    t.equal(await outcome(p, 'patents.read', listed), 'ok', `${p.role} reads a listed patent`)
    t.same(await outcome(p, 'patents.read', withdrawn), notFound('patent CN2A'), `${p.role} does not see another's withdrawn patent`)
  }
  t.equal(await outcome(org('university', 'uni-b'), 'patents.read', withdrawn), 'ok', 'its university still does')
})

t.test('pairings: each party sees those it takes part in, in its own role', async (t) => {
  const p: Resource = { kind: 'pairing', id: 'p1', centreOrgId: 'centre-a', universityOrgId: 'uni-a', enterpriseOrgId: 'ent-a' }
  for (const principal of [CENTRE_A, UNI_A, ENT_A]) t.equal(await outcome(principal, 'pairings.read', p), 'ok', principal.role)
  for (const principal of [org('operations-centre', 'centre-b'), org('university', 'uni-b'), org('enterprise', 'ent-b')]) {
    t.same(await outcome(principal, 'pairings.history', p), notFound('pairing p1'), `another ${principal.role}`)
  }
  // the ids match, the role does not: an organisation takes part only as what it is
  t.same(await outcome(org('enterprise', 'centre-a'), 'pairings.read', p), notFound('pairing p1'))
  const unowned: Resource = { kind: 'pairing', id: 'p2', centreOrgId: 'centre-a' }
  t.same(await outcome(UNI_A, 'pairings.read', unowned), notFound('pairing p2'), 'a pairing without a university is nobody’s as university')
  t.equal(await outcome(CENTRE_A, 'pairings.transition', unowned), 'ok')
})

t.test('needs: an operations centre reads one routed to it, and only reads it', async (t) => {
  const asked: string[] = []
  const need = (routedTo: string[]): Extract<Resource, { kind: 'need' }> => ({
    kind: 'need',
    id: 'n1',
    ownerOrgId: 'ent-b',
    routedTo: async (centre) => {
      asked.push(centre)
      return routedTo.includes(centre)
    },
  })
  t.equal(await outcome(CENTRE_A, 'needs.read', need(['centre-a'])), 'ok', 'routed to it')
  t.same(await outcome(CENTRE_A, 'needs.read', need(['centre-b'])), notFound('need n1'), 'routed elsewhere')
  t.same(await outcome(CENTRE_A, 'needs.read', { kind: 'need', id: 'n1', ownerOrgId: 'ent-b' }), notFound('need n1'), 'no routing known')
  t.match(await outcome(CENTRE_A, 'needs.update', need(['centre-a'])), { code: 'forbidden' }, 'routed is read-only')
  t.same(asked, ['centre-a', 'centre-a'])
  asked.length = 0
  t.equal(await outcome(ENT_A, 'needs.read', { ...need([]), ownerOrgId: 'ent-a' }), 'ok')
  t.same(await outcome(ENT_A, 'needs.read', need(['centre-a'])), notFound('need n1'), 'being routed is nothing to another enterprise')
  t.same(asked, [], 'routing is asked only for a routed scope')
})

t.test('a provincial office’s own is its province: pool entries and figures', async (t) => {
  t.equal(await outcome(OFFICE_ZJ, 'pool.decide', { kind: 'pool-entry', enterpriseId: 'e1', province: '浙江' }), 'ok')
  t.same(await outcome(OFFICE_ZJ, 'pool.decide', { kind: 'pool-entry', enterpriseId: 'e2', province: '江苏' }), notFound('enterprise e2 in the pool'))
  t.equal(await outcome(OFFICE_ZJ, 'stats.read', { kind: 'figures', province: '浙江' }), 'ok')
  t.same(await outcome(OFFICE_ZJ, 'stats.read', { kind: 'figures', province: '江苏' }), notFound('figures of 江苏'))
  t.same(await outcome(OFFICE_ZJ, 'stats.read', { kind: 'figures', province: undefined }), notFound('figures of the whole country'))
  const noProvince = org('provincial-office', 'office-x')
  t.same(await outcome(noProvince, 'stats.read', { kind: 'figures', province: undefined }), notFound('figures of the whole country'), 'an office without a province holds none')
  t.equal(await permits(noProvince, 'pool.list', { kind: 'pool-entry', enterpriseId: 'e1', province: '浙江' }), false)
  const bank = org('financial-institution', 'bank-a', '浙江')
  t.equal(await permits(bank, 'pool.list', { kind: 'pool-entry', enterpriseId: 'e2', province: '江苏' }), true, 'a bank reads the whole pool')
  t.match(await outcome(bank, 'pool.decide', { kind: 'pool-entry', enterpriseId: 'e1', province: '浙江' }), { code: 'forbidden' })
})

t.test('a list shows the admin everything and an organisation its own, as the party its role takes', async (t) => {
  t.equal(listScope(ADMIN, 'pairings.list'), 'all')
  t.same(listScope(CENTRE_A, 'pairings.list'), { orgId: 'centre-a', party: 'centre' })
  t.same(listScope(UNI_A, 'interests.list'), { orgId: 'uni-a', party: 'university' })
  t.same(listScope(ENT_A, 'pairings.list'), { orgId: 'ent-a', party: 'enterprise' })
  t.same(listScope(CENTRE_A, 'webhooks.list'), { orgId: 'centre-a', party: 'centre' })
  t.equal(listScope(OFFICE_ZJ, 'rounds.list'), 'all', 'an `any` scope lists everything')
  t.throws(() => listScope(UNI_A, 'webhooks.list'), { code: 'forbidden' }, 'a role the matrix does not list is refused')
})

t.test('a university sees an enterprise only as far as it disclosed itself; the other parties see all', async (t) => {
  for (const level of ['none', 'identity', 'identity-and-need'] as const) t.equal(disclosureTo(UNI_A, level), level)
  t.equal(disclosureTo(UNI_A, undefined), 'none', 'nothing chosen discloses nothing')
  for (const p of [ADMIN, ENT_A, CENTRE_A]) t.equal(disclosureTo(p, 'none'), 'identity-and-need')
  t.notOk(seesActorOrgs(UNI_A))
  t.ok(seesActorOrgs(CENTRE_A))
})
