/**
 * Organisations and their API keys. A key is `pbk_<keyId>_<secret>`: shown once at creation,
 * stored only as a SHA-256 hash of the secret, revocable, and optionally expiring.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { authorize, mayChangeOrgField, type Principal } from '../domain/access.js'
import { DomainError, NotFoundError, ValidationError, type ErrorDetail } from '../domain/errors.js'
import { z } from 'zod'
import type { ApiKeyInfo, ApiKeyRecord, KeyInput, Org, OrgInput, OrgKind, OrgPatch } from '../domain/org.js'
import { cursorCodec, sortedPage, type Page } from '../domain/paging.js'
import type { KeyStore, OrgStore } from '../domain/ports.js'
import { readPlace, type Place, type Regions } from '../domain/regions.js'

const KEY_FORMAT = /^pbk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex')

function info(k: ApiKeyRecord): ApiKeyInfo {
  const { secretHash: _h, ...rest } = k
  return rest
}

export interface OrgsDeps {
  orgs: OrgStore
  keys: KeyStore
  adminToken: string
  regions: Regions
  now?: () => Date
}

/** An organisation's place fields, all removed: what a changed place starts from. */
const withoutPlace = <T extends Place>(o: T): Omit<T, keyof Place> => {
  const { province: _p, provinceCode: _pc, city: _c, cityCode: _cc, ...rest } = o
  return rest
}

/** Where a page of organisations stops: names sort first, ids break ties. */
export const orgCursor = cursorCodec(z.strictObject({ name: z.string().max(300), id: z.string().min(1).max(100) }))
export type OrgPosition = { name: string; id: string }
export const orgPosition = (o: Org): OrgPosition => ({ name: o.name, id: o.id })
export const byName = (a: OrgPosition, b: OrgPosition) => a.name.localeCompare(b.name, 'zh-Hans-CN') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export function createOrgsService(deps: OrgsDeps) {
  const now = () => deps.now?.() ?? new Date()
  const adminHash = Buffer.from(hashSecret(deps.adminToken), 'hex')

  const mustGet = async (id: string): Promise<Org> => {
    const org = await deps.orgs.get(id)
    if (org === undefined) throw new NotFoundError(`organisation ${id}`)
    return org
  }

  return {
    /** Registers an organisation; its province (and city) are kept as codes beside their names. */
    async create(input: OrgInput): Promise<Org> {
      const place = readPlace(deps.regions, input, 'body')
      if (!place.ok) throw new ValidationError('the organisation is not valid', place.details)
      const org: Org = { ...withoutPlace(input), ...place.place, id: randomUUID(), createdAt: now().toISOString() }
      await deps.orgs.create(org)
      return org
    },

    /**
     * Changes fields of an organisation's registration: the admin any of them, an organisation
     * those of its own profile (`mayChangeOrgField`); `null` removes a field. The kind never
     * changes. A new province or city is read as at registration, the city against the province.
     */
    async update(principal: Principal, id: string, patch: OrgPatch): Promise<Org> {
      await authorize(principal, 'orgs.update', { kind: 'organisation', id })
      const existing = await mustGet(id)
      if (patch.kind !== undefined && patch.kind !== existing.kind) {
        throw new ValidationError(`an organisation's kind cannot change (this one is ${existing.kind}); register a new organisation instead`, [
          { path: 'body.kind', message: `cannot change from ${existing.kind} to ${patch.kind}`, zh: `机构类型不能更改（现为 ${existing.kind}），如需其他类型请另行登记机构`, value: patch.kind },
        ])
      }
      const refused: ErrorDetail[] = Object.keys(patch)
        .filter((field) => field !== 'kind' && !mayChangeOrgField(principal, field))
        .map((field) => ({ path: `body.${field}`, message: 'only the admin changes this field', zh: '此项只能由管理员修改' }))
      if (refused.length > 0) {
        throw new DomainError('forbidden', `an organisation may change only its profile (city, size, industry, flags, patents held); ask the admin for the rest`, refused)
      }
      const { kind: _k, province, city, ...rest } = patch
      let org: Org = { ...existing, updatedAt: now().toISOString() }
      for (const [field, value] of Object.entries(rest)) {
        if (value === null) delete (org as Record<string, unknown>)[field]
        else (org as Record<string, unknown>)[field] = value
      }
      if (province !== undefined || city !== undefined) {
        // Each as changed, or as on record; the city is read against the province.
        const provinceIn = province === undefined ? (existing.provinceCode ?? existing.province) : (province ?? undefined)
        const cityIn = city === undefined ? (existing.cityCode ?? existing.city) : (city ?? undefined)
        const place = readPlace(deps.regions, { province: provinceIn, city: cityIn }, 'body')
        if (!place.ok) throw new ValidationError('the changed organisation is not valid', place.details)
        org = { ...withoutPlace(org), ...place.place } as Org
      }
      await deps.orgs.put(org)
      return org
    },

    async get(principal: Principal, id: string): Promise<Org> {
      await authorize(principal, 'orgs.read', { kind: 'organisation', id })
      return mustGet(id)
    },

    /**
     * Every organisation, by name (then id), a page at a time, optionally of one kind or matching a
     * text in its name. Organisations number in the thousands, not millions: a page is cut from
     * the whole list, read in one go.
     */
    async list(filter: { kind?: OrgKind; q?: string }, page: { limit: number; cursor?: OrgPosition | undefined }): Promise<Page<Org>> {
      const q = filter.q?.normalize('NFKC').toLowerCase()
      const all = (await deps.orgs.list())
        .filter((o) => (filter.kind === undefined || o.kind === filter.kind) && (q === undefined || o.name.normalize('NFKC').toLowerCase().includes(q)))
        .sort(byName)
      return sortedPage(all, page, orgPosition, byName, orgCursor)
    },

    /** Issues a key for the organisation; the returned `key` is never shown again. */
    async createKey(orgId: string, input: KeyInput): Promise<ApiKeyInfo & { key: string }> {
      await mustGet(orgId)
      const keyId = randomBytes(8).toString('hex')
      const secret = randomBytes(32).toString('base64url')
      const record: ApiKeyRecord = { keyId, orgId, secretHash: hashSecret(secret), createdAt: now().toISOString() }
      if (input.name !== undefined) record.name = input.name
      if (input.expiresAt !== undefined) record.expiresAt = new Date(input.expiresAt).toISOString()
      await deps.keys.put(record)
      return { ...info(record), key: `pbk_${keyId}_${secret}` }
    },

    async listKeys(orgId: string): Promise<ApiKeyInfo[]> {
      await mustGet(orgId)
      return (await deps.keys.listForOrg(orgId)).map(info).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    },

    async revokeKey(orgId: string, keyId: string): Promise<ApiKeyInfo> {
      const record = await deps.keys.get(keyId)
      if (record === undefined || record.orgId !== orgId) throw new NotFoundError(`key ${keyId}`)
      if (record.revokedAt === undefined) {
        record.revokedAt = now().toISOString()
        await deps.keys.put(record)
      }
      return info(record)
    },

    /** The principal a bearer token stands for, or undefined for an unknown, revoked or expired key. */
    async authenticate(token: string): Promise<Principal | undefined> {
      const tokenHash = Buffer.from(hashSecret(token), 'hex')
      if (timingSafeEqual(tokenHash, adminHash)) return { role: 'admin' }
      const m = KEY_FORMAT.exec(token)
      if (m === null) return undefined
      const record = await deps.keys.get(m[1]!)
      if (record === undefined) return undefined
      const given = Buffer.from(hashSecret(m[2]!), 'hex')
      if (!timingSafeEqual(given, Buffer.from(record.secretHash, 'hex'))) return undefined
      if (record.revokedAt !== undefined) return undefined
      if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now().getTime()) return undefined
      const org = await deps.orgs.get(record.orgId)
      if (org === undefined) return undefined
      const principal: Principal = { role: org.kind, orgId: org.id, keyId: record.keyId }
      if (org.province !== undefined) principal.province = org.province
      if (org.provinceCode !== undefined) principal.provinceCode = org.provinceCode
      return principal
    },
  }
}

export type OrgsService = ReturnType<typeof createOrgsService>
