/**
 * Who may do what: the authorization matrix, enforced in one place.
 *
 * Each /v1 route names one action. The matrix says which roles may take it at all (otherwise
 * 403) and whether the object must be the caller's own; object-level checks answer 404 for an
 * object the caller may not see, exactly as for one that does not exist. Admin may do everything.
 * Ownership always comes from the key, never from the request body.
 */
import { NotFoundError } from './errors.js'
import type { OrgKind, Role } from './org.js'

export type Principal =
  | { role: 'admin'; orgId?: undefined; keyId?: string; province?: undefined }
  | { role: OrgKind; orgId: string; keyId: string; province?: string }

/**
 * `any`: every object of the kind; `own`: only the caller's organisation's objects (for a pairing:
 * the pairings its organisation takes part in); `routed`: objects routed to the caller (a need
 * with a pairing for this operations centre).
 */
export type Scope = 'any' | 'own' | 'routed'

export const MATRIX = {
  'orgs.create': {},
  'orgs.list': {},
  'orgs.read': { enterprise: 'own', university: 'own', 'operations-centre': 'own', 'provincial-office': 'own', 'financial-institution': 'own' },
  'me.read': { enterprise: 'own', university: 'own', 'operations-centre': 'own', 'provincial-office': 'own', 'financial-institution': 'own' },
  'meta.read': { enterprise: 'any', university: 'any', 'operations-centre': 'any', 'provincial-office': 'any', 'financial-institution': 'any' },
  'keys.create': {},
  'keys.list': {},
  'keys.revoke': {},
  'patents.search': { enterprise: 'any', university: 'any', 'operations-centre': 'any' },
  'patents.read': { enterprise: 'any', university: 'any', 'operations-centre': 'any' },
  'patents.create': { university: 'own' },
  'patents.import': { university: 'own' },
  'patents.update': { university: 'own' },
  'patents.withdraw': { university: 'own' },
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
  'patents.feedback': { university: 'own' },
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
export const ORGANISATION_ONLY: ReadonlySet<Action> = new Set<Action>(['interests.create', 'webhooks.create'])

/** The scope of the action for a role, or undefined when the role may not take it. */
export function scopeOf(role: Role, action: Action): Scope | undefined {
  if (role === 'admin') return ORGANISATION_ONLY.has(action) ? undefined : 'any'
  return (MATRIX[action] as Partial<Record<OrgKind, Scope>>)[role]
}

/** Whether the role may take the action at all (on some object). */
export function roleMay(role: Role, action: Action): boolean {
  return scopeOf(role, action) !== undefined
}

/**
 * Object-level check: the object is visible when the action's scope for the caller is `any`, or
 * `own` and the object belongs to the caller's organisation, or `routed` and the caller has
 * established (`routed`) that the object is routed to it. Otherwise: not found.
 */
export function assertOwn(principal: Principal, action: Action, ownerOrgId: string | undefined, what: string, routed = false): void {
  const scope = scopeOf(principal.role, action)
  if (scope === 'any') return
  if (scope === 'own' && ownerOrgId !== undefined && ownerOrgId === principal.orgId) return
  if (scope === 'routed' && routed) return
  throw new NotFoundError(what)
}

/** The matrix as a Markdown table, for the README. */
export function matrixMarkdown(): string {
  const roles: OrgKind[] = ['enterprise', 'university', 'operations-centre', 'provincial-office', 'financial-institution']
  const head = `| action | ${roles.join(' | ')} | admin |\n| --- |${roles.map(() => ' --- |').join('')} --- |`
  const rows = ACTIONS.map((a) => `| \`${a}\` | ${[...roles, 'admin' as const].map((r) => scopeOf(r, a) ?? '—').join(' | ')} |`)
  return [head, ...rows].join('\n')
}
