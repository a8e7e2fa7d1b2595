/** `/v1/imports`: the state and counts of a university's bulk imports (started at /v1/patents/import). */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { InventoryService } from '../../../services/inventory.js'
import { errorResponses, importStatusSchema } from '../../schemas.js'

export const importRoutes: FastifyPluginAsync<{ inventory: InventoryService }> = async (app, { inventory }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/imports',
    {
      config: { access: 'imports.list' },
      schema: {
        summary: "The caller's imports, newest first, each with its state and counts (kept 30 days)",
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(importStatusSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await inventory.listImports(request.principal, request.query.limit) }),
  )

  r.get(
    '/imports/:importId',
    { config: { access: 'imports.read' }, schema: { params: z.object({ importId: z.string().min(1).max(100) }), response: { 200: importStatusSchema, ...errorResponses } } },
    async (request) => inventory.importStatus(request.principal, request.params.importId),
  )
}
