/**
 * Organisations and their API keys. A key is `pbk_<keyId>_<secret>`: shown once at creation,
 * stored only as a SHA-256 hash of the secret, revocable, and optionally expiring.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { authorize, type Principal } from '../domain/access.js'
import { NotFoundError } from '../domain/errors.js'
import type { ApiKeyInfo, ApiKeyRecord, KeyInput, Org, OrgInput } from '../domain/org.js'
import type { KeyStore, OrgStore } from '../domain/ports.js'

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
  now?: () => Date
}

export function createOrgsService(deps: OrgsDeps) {
  const now = () => deps.now?.() ?? new Date()
  const adminHash = Buffer.from(hashSecret(deps.adminToken), 'hex')

  const mustGet = async (id: string): Promise<Org> => {
    const org = await deps.orgs.get(id)
    if (org === undefined) throw new NotFoundError(`organisation ${id}`)
    return org
  }

  return {
    async create(input: OrgInput): Promise<Org> {
      const org: Org = { ...input, id: randomUUID(), createdAt: now().toISOString() }
      await deps.orgs.create(org)
      return org
    },

    async get(principal: Principal, id: string): Promise<Org> {
      await authorize(principal, 'orgs.read', { kind: 'organisation', id })
      return mustGet(id)
    },

    list: () => deps.orgs.list(),

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
      return org.province === undefined
        ? { role: org.kind, orgId: org.id, keyId: record.keyId }
        : { role: org.kind, orgId: org.id, keyId: record.keyId, province: org.province }
    },
  }
}

export type OrgsService = ReturnType<typeof createOrgsService>
