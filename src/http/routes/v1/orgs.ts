/** `/v1/orgs`: organisations, their API keys, and an operations centre's routing. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { apiKeyInfoSchema, keyInputSchema, ORG_KINDS, orgInputSchema, orgPatchSchema, orgSchema } from '../../../domain/org.js'
import { FORMER_LIST_LIMIT, pageQueryShape, pageSchema } from '../../../domain/paging.js'
import { routingInputSchema, routingSchema } from '../../../domain/pairing.js'
import { orgCursor, type OrgsService } from '../../../services/orgs.js'
import type { PairingsService } from '../../../services/pairings.js'
import { errorResponses } from '../../schemas.js'

export interface OrgRoutesOptions {
  orgs: OrgsService
  /** An operations centre's routing is kept with its pairings. */
  pairings: Pick<PairingsService, 'setRouting' | 'getRouting'>
}

export const orgRoutes: FastifyPluginAsync<OrgRoutesOptions> = async (app, { orgs, pairings }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const idParams = z.object({ id: z.uuid('expected an organisation id') })

  r.post(
    '/orgs',
    {
      config: { access: 'orgs.create' },
      schema: { description: 'The admin registers an organisation of one of five kinds; an enterprise also gives its profile (credit code, province, city, size, flags, industry). Provinces and cities are accepted as 广东, 广东省, Guangdong or 440000 and kept as GB/T 2260 codes, shown by name (`province`, `provinceCode`); an unknown province is a 400 with a hint. Keys are issued separately.', summary: 'Register an organisation (admin)', body: orgInputSchema.meta({ examples: [{"name": "杭州示例智能制造有限公司", "kind": "enterprise", "province": "浙江", "city": "杭州", "size": "small", "flags": ["specialised-sme"], "industry": "智能制造"}] }), response: { 201: orgSchema, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await orgs.create(request.body)),
  )

  r.get(
    '/orgs',
    {
      config: { access: 'orgs.list' },
      schema: {
        description: 'The admin: organisations by name, a page at a time (`limit` default 100, the most; `cursor` from `nextCursor`); `kind` and `q` (text in the name) filter.',
        summary: 'Every organisation (admin), by name, a page at a time',
        querystring: z.strictObject({
          kind: z.enum(ORG_KINDS).optional(),
          q: z.string().trim().min(1).max(100).optional().describe('text in the name'),
          ...pageQueryShape(orgCursor, FORMER_LIST_LIMIT),
        }),
        response: { 200: pageSchema(orgSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { kind, q, ...page } = request.query
      return orgs.list({ ...(kind === undefined ? {} : { kind }), ...(q === undefined ? {} : { q }) }, page)
    },
  )

  r.get(
    '/orgs/:id',
    { config: { access: 'orgs.read' }, schema: { summary: 'An organisation, by its id', description: "The admin any; an organisation its own record (404 for another's).", params: idParams, response: { 200: orgSchema, ...errorResponses } } },
    async (request) => orgs.get(request.principal, request.params.id),
  )

  r.patch(
    '/orgs/:id',
    {
      config: { access: 'orgs.update' },
      schema: {
        description: 'The admin may change any field but `kind`; an organisation only its own profile fields (`city`, `size`, `industry`, `flags`, `patentsHeld`), with 403 naming a field it may not change. `null` removes a field. A different `kind` is a 400.',
        summary: "Change an organisation's registration: the admin any field but its kind; an organisation its own profile (city, size, industry, flags, patents held). null removes a field",
        params: idParams,
        body: orgPatchSchema.meta({ examples: [{"city": "杭州", "size": "small", "flags": ["specialised-sme"], "industry": "智能制造"}] }),
        response: { 200: orgSchema, ...errorResponses },
      },
    },
    async (request) => orgs.update(request.principal, request.params.id, request.body),
  )

  r.post(
    '/orgs/:id/keys',
    {
      config: { access: 'keys.create' },
      schema: {
        description: "The admin issues a key `pbk_<keyId>_<secret>` for the organisation, optionally named and expiring; the key is in this answer only (it is stored hashed). The key carries the organisation's role in every request.",
        summary: 'Issue an API key for an organisation (admin); the key is shown only in this response',
        params: idParams,
        body: keyInputSchema.meta({ examples: [{"name": "技术转移中心导入脚本", "expiresAt": "2027-12-31T23:59:59+08:00"}] }).nullish(),
        response: { 201: apiKeyInfoSchema.extend({ key: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await orgs.createKey(request.params.id, request.body ?? {})),
  )

  r.get(
    '/orgs/:id/keys',
    {
      config: { access: 'keys.list' },
      schema: { description: "The admin: each key's id, name, creation, expiry, last use and whether it is revoked; never the secret.", summary: "An organisation's keys, without secrets (admin)", params: idParams, response: { 200: z.object({ items: z.array(apiKeyInfoSchema) }), ...errorResponses } },
    },
    async (request) => ({ items: await orgs.listKeys(request.params.id) }),
  )

  r.delete(
    '/orgs/:id/keys/:keyId',
    {
      config: { access: 'keys.revoke' },
      schema: {
        description: 'The admin revokes a key: the next request with it answers 401.',
        summary: 'Revoke a key (admin); it stops working at once',
        params: idParams.extend({ keyId: z.string().regex(/^[0-9a-f]{16}$/, 'expected a key id') }),
        response: { 200: apiKeyInfoSchema, ...errorResponses },
      },
    },
    async (request) => orgs.revokeKey(request.params.id, request.params.keyId),
  )

  r.put(
    '/orgs/:id/routing',
    {
      config: { access: 'routing.set' },
      schema: {
        description: 'An operations centre sets which matches become its pairings: `provinces` (any form, kept as codes; empty for all), `ipcPrefixes`, `minScore` (default 0.5, where a match is strong), `maxPerNeed`, a `dailyCap` of pushes, and `delivery` immediate or as a digest every `digestHours`. Needs already matched are routed anew.',
        summary: "An operations centre's scope: which matches become its pairings, and how they are pushed",
        params: idParams,
        body: routingInputSchema.meta({ examples: [{"provinces": ["浙江", "上海"], "ipcPrefixes": ["G06F", "H01M"], "maxPerNeed": 5, "dailyCap": 50, "delivery": "digest", "digestHours": 24}] }),
        response: { 200: routingSchema, ...errorResponses },
      },
    },
    async (request) => pairings.setRouting(request.principal, request.params.id, request.body),
  )

  r.get(
    '/orgs/:id/routing',
    { config: { access: 'routing.read' }, schema: { summary: "An operations centre's routing", description: "The centre's own routing (404 until it has set one), with `provinceCodes` beside the province names.", params: idParams, response: { 200: routingSchema, ...errorResponses } } },
    async (request) => pairings.getRouting(request.principal, request.params.id),
  )
}
