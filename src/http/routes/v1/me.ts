/**
 * `GET /v1/me`: who the caller's key stands for. The web console signs in with a key alone and
 * needs to know the role and organisation behind it to show the right pages.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ORG_KINDS, orgSchema } from '../../../domain/org.js'
import type { OrgsService } from '../../../services/orgs.js'
import { errorResponses } from '../../schemas.js'

const meSchema = z.object({
  role: z.enum(['admin', ...ORG_KINDS]),
  orgId: z.string().optional(),
  keyId: z.string().optional(),
  org: orgSchema.optional(),
})

export const meRoutes: FastifyPluginAsync<{ orgs: Pick<OrgsService, 'get'> }> = async (app, { orgs }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.get(
    '/me',
    {
      config: { access: 'me.read' },
      schema: { description: 'Any valid key. The admin key answers `{role: "admin"}`; an organisation key its role, organisation id, key id and the organisation record. The console reads it to choose its pages.', summary: "The caller: its role and organisation (the key's own)", response: { 200: meSchema, ...errorResponses } },
    },
    async (request) => {
      const p = request.principal
      if (p.role === 'admin') return { role: 'admin' as const }
      const org = await orgs.get(p, p.orgId)
      return { role: p.role, orgId: p.orgId, keyId: p.keyId, org }
    },
  )
}
