/**
 * Who may do what: the authorization matrix, and the one point that enforces it.
 *
 * Each /v1 route names one action. The matrix says which roles may take it at all (otherwise
 * 403) and on which objects: `any`, the caller's `own`, or those `routed` to it. What `own` and
 * `routed` mean for each kind of object is declared beside the matrix (RESOLVERS), and services
 * ask `authorize(principal, action, resource)` and nothing else. An object the caller may not see
 * answers 404, exactly as one that does not exist. Admin may do everything. Ownership always
 * comes from the key, never from the request body.
 */
import { ForbiddenError, NotFoundError } from './errors.js'
import type { DisclosureLevel, Need } from './need.js'
import type { OrgKind, Role } from './org.js'
import type { Interest } from './interest.js'
import type { Pairing } from './pairing.js'
import type { Patent } from './patent.js'
import type { ValueEvidence } from './value.js'
import type { EnterprisePoolState } from './pool.js'
import type { ImportStatus } from './ports.js'
import { regionKey } from './regions.js'
import type { WebhookEndpoint } from './webhooks.js'

export type Principal =
  | { role: 'admin'; orgId?: undefined; keyId?: string; province?: undefined; provinceCode?: undefined }
  /** `province` and `provinceCode`: the organisation's, as on record (see `domain/regions.ts`). */
  | { role: OrgKind; orgId: string; keyId: string; province?: string; provinceCode?: string }

/** The caller as an event records it: its role, and its organisation when it has one. */
export function actorOf(principal: Principal): { role: Role; orgId?: string } {
  return principal.orgId === undefined ? { role: principal.role } : { role: principal.role, orgId: principal.orgId }
}

/**
 * `any`: every object of the kind; `own`: only the caller's organisation's objects (for a pairing:
 * the pairings its organisation takes part in; for a provincial office: its province's); `routed`:
 * objects routed to the caller (a need with a pairing for this operations centre). RESOLVERS
 * below says what each means for each kind of object.
 */
export type Scope = 'any' | 'own' | 'routed'

export const MATRIX = {
  'orgs.create': {},
  'orgs.list': {},
  'orgs.read': { enterprise: 'own', university: 'own', 'operations-centre': 'own', 'provincial-office': 'own', 'financial-institution': 'own' },
  'orgs.update': { enterprise: 'own', university: 'own', 'operations-centre': 'own', 'provincial-office': 'own', 'financial-institution': 'own' },
  'me.read': { enterprise: 'own', university: 'own', 'operations-centre': 'own', 'provincial-office': 'own', 'financial-institution': 'own' },
  'meta.read': { enterprise: 'any', university: 'any', 'operations-centre': 'any', 'provincial-office': 'any', 'financial-institution': 'any' },
  'keys.create': {},
  'keys.list': {},
  'keys.revoke': {},
  'patents.search': { enterprise: 'any', university: 'any', 'operations-centre': 'any' },
  'patents.read': { enterprise: 'any', university: 'any', 'operations-centre': 'any' },
  'patents.list': { university: 'own' },
  'patents.create': { university: 'own' },
  'patents.import': { university: 'own' },
  'patents.update': { university: 'own' },
  'patents.withdraw': { university: 'own' },
  'patents.relist': { university: 'own' },
  'imports.read': { university: 'own' },
  'imports.list': { university: 'own' },
  'needs.create': { enterprise: 'own' },
  'needs.list': { enterprise: 'own' },
  'needs.read': { enterprise: 'own', 'operations-centre': 'routed' },
  'needs.update': { enterprise: 'own' },
  'needs.close': { enterprise: 'own' },
  'needs.matches': { enterprise: 'own' },
  'interests.create': { enterprise: 'own' },
  'interests.list': { enterprise: 'own', university: 'own' },
  'interests.read': { enterprise: 'own', university: 'own' },
  'interests.accept': { university: 'own' },
  'interests.decline': { university: 'own' },
  'patents.feedback': { university: 'own' },
  'patents.value': { enterprise: 'any', university: 'any', 'operations-centre': 'any', 'financial-institution': 'routed' },
  'patents.values': { university: 'own' },
  'routing.set': { 'operations-centre': 'own' },
  'routing.read': { 'operations-centre': 'own' },
  'pairings.list': { enterprise: 'own', university: 'own', 'operations-centre': 'own' },
  'pairings.read': { enterprise: 'own', university: 'own', 'operations-centre': 'own' },
  'pairings.history': { enterprise: 'own', university: 'own', 'operations-centre': 'own' },
  'pairings.transition': { 'operations-centre': 'own' },
  'pairings.stream': { 'operations-centre': 'own' },
  'rounds.create': {},
  'rounds.list': { 'provincial-office': 'any' },
  'pool.recommend': { 'provincial-office': 'own' },
  'pool.decide': { 'provincial-office': 'own' },
  'pool.list': { 'provincial-office': 'own', 'financial-institution': 'any' },
  'pool.read': { 'provincial-office': 'own' },
  'pool.candidates': { 'provincial-office': 'own' },
  'stats.read': { 'provincial-office': 'own' },
  'webhooks.create': { 'operations-centre': 'own' },
  'webhooks.list': { 'operations-centre': 'own' },
  'webhooks.read': { 'operations-centre': 'own' },
  'webhooks.delete': { 'operations-centre': 'own' },
  'webhooks.enable': { 'operations-centre': 'own' },
  'webhooks.deliveries': { 'operations-centre': 'own' },
  'webhooks.redeliver': { 'operations-centre': 'own' },
} as const satisfies Record<string, Partial<Record<OrgKind, Scope>>>

export type Action = keyof typeof MATRIX
export const ACTIONS = Object.keys(MATRIX) as Action[]

/**
 * Acts that only an organisation can take in its own name: the admin, who belongs to none,
 * may not take them (it would have to name the organisation in the body).
 */
export const ORGANISATION_ONLY: ReadonlySet<Action> = new Set<Action>(['interests.create', 'interests.accept', 'interests.decline', 'webhooks.create'])

/** The scope of the action for a role, or undefined when the role may not take it. */
export function scopeOf(role: Role, action: Action): Scope | undefined {
  if (role === 'admin') return ORGANISATION_ONLY.has(action) ? undefined : 'any'
  return (MATRIX[action] as Partial<Record<OrgKind, Scope>>)[role]
}

/**
 * What an object-level check needs to know of an object, by kind. Services pass the stored
 * object itself with its kind (`{ ...need, kind: 'need' }`); only the fields named here are read.
 */
export type Resource =
  | { kind: 'organisation'; id: string }
  | ({ kind: 'patent' } & Pick<Patent, 'publicationNumber' | 'ownerOrgId' | 'status'> & {
        /** Whether an enterprise of the cultivation pool obtained the patent; asked only for a `routed` scope (a financial institution). */
        routedTo?: (orgId: string) => Promise<boolean>
      })
  | ({ kind: 'import' } & Pick<ImportStatus, 'importId' | 'ownerOrgId'>)
  | ({ kind: 'need' } & Pick<Need, 'id' | 'ownerOrgId'> & {
        /** Whether the need is routed to this operations centre; asked only for a `routed` scope. */
        routedTo?: (centreOrgId: string) => Promise<boolean>
      })
  | ({ kind: 'pairing' } & Pick<Pairing, 'id' | 'centreOrgId' | 'universityOrgId' | 'enterpriseOrgId'>)
  | ({ kind: 'interest' } & Pick<Interest, 'id' | 'universityOrgId' | 'enterpriseOrgId'>)
  | ({ kind: 'webhook' } & Pick<WebhookEndpoint, 'id' | 'orgId'>)
  | ({ kind: 'pool-entry' } & Pick<EnterprisePoolState, 'enterpriseId' | 'province' | 'provinceCode'>)
  /** An enterprise as a candidate for the pool: its registration's province decides whose it is. */
  | { kind: 'enterprise'; id: string; province?: string | undefined; provinceCode?: string | undefined }
  /** A province's figures (its code, and its name for the 404); no province: the whole country's. */
  | { kind: 'figures'; province: string | undefined; provinceCode?: string | undefined }

type OrgPrincipal = Extract<Principal, { role: OrgKind }>

interface Resolver<R> {
  /** What the 404 names: the same words as for a missing object. */
  name(r: R): string
  /** Whether the object is the caller's own. */
  own(p: OrgPrincipal, r: R): boolean
  /** Whether the object is routed to the caller; a kind without one is routed to nobody. */
  routed?(p: OrgPrincipal, r: R): Promise<boolean>
  /** Whether an `any` scope shows the object; every object when absent. */
  any?(p: OrgPrincipal, r: R): boolean
}

const ours = (p: OrgPrincipal, orgId: string | undefined) => orgId !== undefined && orgId === p.orgId
// Provinces compare by code (regionKey). An organisation without a province on record holds none.
const ourProvince = (p: OrgPrincipal, r: { province?: string | undefined; provinceCode?: string | undefined }) => {
  const theirs = regionKey(r)
  return theirs !== undefined && theirs === regionKey(p)
}

/** The side an organisation takes in a pairing or an interest, by its role. */
export type Party = 'centre' | 'university' | 'enterprise'
const PARTY: Partial<Record<OrgKind, Party>> = { 'operations-centre': 'centre', university: 'university', enterprise: 'enterprise' }

/** Which of a pairing's organisations each party is. */
const PAIRING_PARTY = { centre: 'centreOrgId', university: 'universityOrgId', enterprise: 'enterpriseOrgId' } as const
/** Which of an interest's organisations each party is: its enterprise, the patent's university (no centre takes part). */
const INTEREST_PARTY = { university: 'universityOrgId', enterprise: 'enterpriseOrgId' } as const

/** Per kind of object: what `own` (and `routed`) means. A provincial office's `own` is its province. */
const RESOLVERS: { [K in Resource['kind']]: Resolver<Extract<Resource, { kind: K }>> } = {
  organisation: { name: (r) => `organisation ${r.id}`, own: (p, r) => ours(p, r.id) },
  patent: {
    name: (r) => `patent ${r.publicationNumber}`,
    own: (p, r) => ours(p, r.ownerOrgId),
    // A withdrawn patent is off the market: only its university still sees it.
    any: (p, r) => r.status !== 'withdrawn' || ours(p, r.ownerOrgId),
    // A financial institution's: the patents the cultivation pool's enterprises obtained.
    routed: async (p, r) => (await r.routedTo?.(p.orgId)) ?? false,
  },
  import: { name: (r) => `import ${r.importId}`, own: (p, r) => ours(p, r.ownerOrgId) },
  need: {
    name: (r) => `need ${r.id}`,
    own: (p, r) => ours(p, r.ownerOrgId),
    routed: async (p, r) => (await r.routedTo?.(p.orgId)) ?? false,
  },
  pairing: {
    name: (r) => `pairing ${r.id}`,
    own: (p, r) => {
      const party = PARTY[p.role]
      return party !== undefined && ours(p, r[PAIRING_PARTY[party]])
    },
  },
  interest: {
    name: (r) => `interest ${r.id}`,
    own: (p, r) => {
      const party = PARTY[p.role]
      return party !== undefined && party !== 'centre' && ours(p, r[INTEREST_PARTY[party]])
    },
  },
  webhook: { name: (r) => `webhook ${r.id}`, own: (p, r) => ours(p, r.orgId) },
  'pool-entry': { name: (r) => `enterprise ${r.enterpriseId} in the pool`, own: ourProvince },
  // A provincial office's directory of candidates: the enterprises registered in its province.
  enterprise: { name: (r) => `enterprise ${r.id}`, own: ourProvince },
  figures: { name: (r) => `figures of ${r.province ?? 'the whole country'}`, own: ourProvince },
}

/** Whether the caller may take the action on this object (false also when its role may not take it at all). */
export async function permits(principal: Principal, action: Action, resource: Resource): Promise<boolean> {
  const scope = scopeOf(principal.role, action)
  if (scope === undefined) return false
  if (principal.role === 'admin') return true
  const resolver = RESOLVERS[resource.kind] as Resolver<Resource>
  if (scope === 'any') return resolver.any?.(principal, resource) ?? true
  if (scope === 'own') return resolver.own(principal, resource)
  return (await resolver.routed?.(principal, resource)) ?? false
}

/**
 * The one authorization point. Without a resource: whether the role may take the action at all
 * (403 otherwise; every route asks this first). With one: whether the caller may take it on that
 * object (404 otherwise, as for a missing object).
 */
export async function authorize(principal: Principal, action: Action, resource?: Resource): Promise<void> {
  if (scopeOf(principal.role, action) === undefined) throw new ForbiddenError(`a key of a ${principal.role} may not do this (${action})`)
  if (resource !== undefined && !(await permits(principal, action, resource))) {
    throw new NotFoundError((RESOLVERS[resource.kind] as Resolver<Resource>).name(resource))
  }
}

/**
 * What a list action shows the caller: `all` objects of the kind, or those of its organisation,
 * which takes part as `party` where the kind has sides (pairings, interests). Services pick the
 * index that answers it; the role itself is never asked outside this file.
 */
export type ListScope = 'all' | { orgId: string; party?: Party }

export function listScope(principal: Principal, action: Action): ListScope {
  const scope = scopeOf(principal.role, action)
  if (scope === undefined) throw new ForbiddenError(`a key of a ${principal.role} may not do this (${action})`)
  if (principal.role === 'admin' || scope === 'any') return 'all'
  const party = PARTY[principal.role]
  return party === undefined ? { orgId: principal.orgId } : { orgId: principal.orgId, party }
}

/**
 * How much of an enterprise's need and identity a pairing or an interest shows the caller: the
 * university on the other side sees only what the enterprise chose to disclose; the enterprise
 * itself, the centre that brokers the pairing and the admin see all.
 */
export function disclosureTo(principal: Principal, chosen: DisclosureLevel | undefined): DisclosureLevel {
  return principal.role === 'university' ? (chosen ?? 'none') : 'identity-and-need'
}

/**
 * Which fields of its own registration an organisation may change (`orgs.update`): its profile —
 * city, size, industry, flags, patents held. Its name, credit code and province are its identity
 * and its place in the programme (a provincial office's province is what it may see; an
 * enterprise's decides which office recommends it), so only the admin changes them; the kind of
 * an organisation never changes.
 */
export const SELF_EDITABLE_ORG_FIELDS: ReadonlySet<string> = new Set(['city', 'size', 'industry', 'flags', 'patentsHeld'])

export function mayChangeOrgField(principal: Principal, field: string): boolean {
  if (field === 'kind') return false
  return principal.role === 'admin' || SELF_EDITABLE_ORG_FIELDS.has(field)
}

/**
 * How much of the records behind a value profile the caller sees: the admin all of them; the
 * patent's university the ids of its interests and pairings (it reads those anyway) but not of the
 * needs that match (confidential: it sees a need only as far as one is disclosed to it); everyone
 * else the values and counts only.
 */
export function valueEvidenceTo(principal: Principal, patent: Pick<Patent, 'ownerOrgId'>): ValueEvidence {
  if (principal.role === 'admin') return 'all'
  return principal.role === 'university' && ours(principal, patent.ownerOrgId) ? 'holder' : 'counts'
}

/** Whether an event's actor shows the caller its organisation, or only its role (for a university, which sees no other party's ids). */
export function seesActorOrgs(principal: Principal): boolean {
  return principal.role !== 'university'
}

/** The matrix as a Markdown table, for the README. */
export function matrixMarkdown(): string {
  const roles: OrgKind[] = ['enterprise', 'university', 'operations-centre', 'provincial-office', 'financial-institution']
  const head = `| action | ${roles.join(' | ')} | admin |\n| --- |${roles.map(() => ' --- |').join('')} --- |`
  const rows = ACTIONS.map((a) => `| \`${a}\` | ${[...roles, 'admin' as const].map((r) => scopeOf(r, a) ?? '—').join(' | ')} |`)
  return [head, ...rows].join('\n')
}
