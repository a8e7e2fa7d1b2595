/** Organisations that use the service, and the API keys issued to them. */
import { z } from 'zod'
import './zod-messages.js'
import { creditCodeSchema } from './credit-code.js'

export const ORG_KINDS = ['enterprise', 'university', 'operations-centre', 'provincial-office', 'financial-institution'] as const
export type OrgKind = (typeof ORG_KINDS)[number]
export type Role = OrgKind | 'admin'

export const ENTERPRISE_FLAGS = ['high-tech', 'specialised-sme', 'little-giant'] as const
export const ENTERPRISE_SIZES = ['micro', 'small', 'medium', 'large'] as const
export type EnterpriseFlag = (typeof ENTERPRISE_FLAGS)[number]
export type EnterpriseSize = (typeof ENTERPRISE_SIZES)[number]

export const orgInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  kind: z.enum(ORG_KINDS),
  /** Any way of writing a province: 广东, 广东省, Guangdong, 440000 (see `domain/regions.ts`). */
  province: z.string().trim().min(1).max(50).optional(),
  /** A city by name or code; one the region table does not know is kept as written. */
  city: z.string().trim().min(1).max(50).optional(),
  /** Unified social credit code (统一社会信用代码), checked per GB 32100-2015. */
  creditCode: creditCodeSchema.optional(),
  size: z.enum(ENTERPRISE_SIZES).optional(),
  flags: z.array(z.enum(ENTERPRISE_FLAGS)).max(ENTERPRISE_FLAGS.length).optional(),
  industry: z.string().trim().min(1).max(100).optional(),
  /** Patents the enterprise holds. */
  patentsHeld: z.number().int().min(0).max(1_000_000).optional(),
})
export type OrgInput = z.infer<typeof orgInputSchema>

/**
 * A change of an organisation: any field of its registration; `null` removes an optional one.
 * `kind` is accepted only unchanged (the service refuses another kind); who may change which
 * field is declared in `domain/access.ts` (`mayChangeOrgField`).
 */
const f = orgInputSchema.shape
export const orgPatchSchema = z
  .strictObject({
    name: f.name.optional(),
    kind: f.kind.optional(),
    province: f.province.unwrap().nullable().optional(),
    city: f.city.unwrap().nullable().optional(),
    creditCode: f.creditCode.unwrap().nullable().optional(),
    size: f.size.unwrap().nullable().optional(),
    flags: f.flags.unwrap().nullable().optional(),
    industry: f.industry.unwrap().nullable().optional(),
    patentsHeld: f.patentsHeld.unwrap().nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'name at least one field to change')
export type OrgPatch = z.infer<typeof orgPatchSchema>

/** An organisation as stored: what it was registered with, and its id. */
export const orgSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ORG_KINDS),
  /** The province's full name (广东省), for display. */
  province: z.string().optional(),
  /** The province's GB/T 2260 code (440000): what comparisons use. */
  provinceCode: z.string().optional(),
  city: z.string().optional(),
  /** The city's code, when the region table knows the city. */
  cityCode: z.string().optional(),
  creditCode: z.string().optional(),
  size: z.enum(ENTERPRISE_SIZES).optional(),
  flags: z.array(z.enum(ENTERPRISE_FLAGS)).optional(),
  industry: z.string().optional(),
  patentsHeld: z.number().optional(),
  createdAt: z.string(),
  /** When the organisation was last changed (absent until it is). */
  updatedAt: z.string().optional(),
})
export type Org = z.infer<typeof orgSchema>

export const keyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  /** When the key stops working (ISO date-time); never when absent. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
})
export type KeyInput = z.infer<typeof keyInputSchema>

/** What is stored of a key: never the secret, only its hash. */
export const apiKeyRecordSchema = z.object({
  keyId: z.string(),
  orgId: z.string(),
  name: z.string().optional(),
  secretHash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
})
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>

/** A key as shown after creation: id and metadata, no secret. */
export const apiKeyInfoSchema = apiKeyRecordSchema.omit({ secretHash: true })
export type ApiKeyInfo = z.infer<typeof apiKeyInfoSchema>
