import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Container } from '../../container.js'
import { keyInputSchema, orgInputSchema } from '../../domain/org.js'
import { errorResponses, keyInfoSchema, orgSchema } from '../schemas.js'

export const orgRoutes: FastifyPluginAsync<{ container: Container }> = async (app, { container }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const orgs = container.services.orgs
  const idParams = z.object({ id: z.uuid('expected an organisation id') })

  r.post(
    '/orgs',
    {
      config: { access: 'orgs.create' },
      schema: { summary: 'Register an organisation (admin)', body: orgInputSchema, response: { 201: orgSchema, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await orgs.create(request.body)),
  )

  r.get(
    '/orgs',
    { config: { access: 'orgs.list' }, schema: { summary: 'Every organisation (admin)', response: { 200: z.object({ items: z.array(orgSchema) }) } } },
    async () => ({ items: await orgs.list() }),
  )

  r.get(
    '/orgs/:id',
    { config: { access: 'orgs.read' }, schema: { params: idParams, response: { 200: orgSchema, ...errorResponses } } },
    async (request) => orgs.get(request.principal, request.params.id),
  )

  r.post(
    '/orgs/:id/keys',
    {
      config: { access: 'keys.create' },
      schema: {
        summary: 'Issue an API key for an organisation (admin); the key is shown only in this response',
        params: idParams,
        body: keyInputSchema.nullish(),
        response: { 201: keyInfoSchema.extend({ key: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await orgs.createKey(request.params.id, request.body ?? {})),
  )

  r.get(
    '/orgs/:id/keys',
    {
      config: { access: 'keys.list' },
      schema: { summary: "An organisation's keys, without secrets (admin)", params: idParams, response: { 200: z.object({ items: z.array(keyInfoSchema) }), ...errorResponses } },
    },
    async (request) => ({ items: await orgs.listKeys(request.params.id) }),
  )

  r.delete(
    '/orgs/:id/keys/:keyId',
    {
      config: { access: 'keys.revoke' },
      schema: {
        summary: 'Revoke a key (admin); it stops working at once',
        params: idParams.extend({ keyId: z.string().regex(/^[0-9a-f]{16}$/, 'expected a key id') }),
        response: { 200: keyInfoSchema, ...errorResponses },
      },
    },
    async (request) => orgs.revokeKey(request.params.id, request.params.keyId),
  )
}
