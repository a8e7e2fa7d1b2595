/** `/v1/imports`: the state and counts of a university's bulk imports (started at /v1/patents/import). */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { stringify } from 'csv-stringify/sync'
import { z } from 'zod'
import { rejectedSheet } from '../../../domain/imports.js'
import type { InventoryService } from '../../../services/inventory.js'
import { readerLanguage, sendCsv } from '../../downloads.js'
import { errorResponses, importStatusSchema } from '../../schemas.js'

export const importRoutes: FastifyPluginAsync<{ inventory: InventoryService }> = async (app, { inventory }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/imports',
    {
      config: { access: 'imports.list' },
      schema: {
        description: "A university key: its own imports; the admin: the admin's. An upload cut off before its answer is found here too, `failed` with the reason and what it kept. `limit` up to 200.",
        summary: "The caller's imports, newest first, each with its state and counts (kept 30 days)",
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(importStatusSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await inventory.listImports(request.principal, request.query.limit) }),
  )

  r.get(
    '/imports/:importId',
    { config: { access: 'imports.read' }, schema: { summary: 'An import: its state and counts as it is indexed', description: "The contract's `{importId, state, total, indexed}` and more: `receiving` while the body is read, `indexing` until every stored record is indexed, then `done`; `failed` with `error` when the body could not be read to its end. Once the body is read, the answer's `accepted`, `created`, `updated`, `unchanged` are kept with it. Another organisation's import answers 404.", params: z.object({ importId: z.string().min(1).max(100) }), response: { 200: importStatusSchema, ...errorResponses } } },
    async (request) => inventory.importStatus(request.principal, request.params.importId),
  )

  r.get(
    '/imports/:importId/rejected',
    {
      config: { access: 'imports.read' },
      schema: {
        description: "For the office to correct and send again: the first column is the line (the Excel row for .xlsx), then the file's own header and cells exactly as written (decoded from GBK or UTF-16 where the file was; a cell Excel would run as a formula is prefixed with `'`), then the errors. `lang` chooses the errors' language; without it, `Accept-Language`, else Chinese. Up to 20,000 rows (32 MiB) of an import are kept, as long as the import.",
        summary: "An import's rejected rows as CSV (UTF-8 with BOM, which Excel opens): the line, the file's columns with the values as written, and the errors in Chinese or English",
        params: z.object({ importId: z.string().min(1).max(100) }),
        querystring: z.strictObject({ lang: z.enum(['zh', 'en']).optional().describe('the language of the errors (default: from Accept-Language, else Chinese)') }),
        produces: ['text/csv'],
        response: { 200: z.string().describe('CSV'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { header, rows, total } = await inventory.rejectedRows(request.principal, request.params.importId)
      const lang = readerLanguage(request.query.lang, request.headers['accept-language'])
      const csv = stringify(rejectedSheet(header, rows, lang, Math.max(0, total - rows.length)), { record_delimiter: '\r\n' })
      const name = lang === 'zh' ? `导入被拒绝的行-${request.params.importId.slice(0, 8)}.csv` : `rejected-rows-${request.params.importId.slice(0, 8)}.csv`
      return sendCsv(reply, csv, 'rejected-rows.csv', name)
    },
  )
}
