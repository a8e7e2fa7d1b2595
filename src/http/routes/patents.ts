import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { Transform, type Readable } from 'node:stream'
import { z } from 'zod'
import type { Container } from '../../container.js'
import { DomainError, UnavailableError, ValidationError } from '../../domain/errors.js'
import { LEGAL_STATUSES, patentInputSchema, patentPatchSchema, publicationNumberSchema, TRANSFER_MODES } from '../../domain/patent.js'
import { HeaderError, readCsv, readNdjson } from '../../adapters/import-formats.js'
import { errorResponses, importOutcomeSchema, importStatusSchema, patentSchema } from '../schemas.js'

const CSV_FIELDS = new Set(Object.keys(patentInputSchema.shape))

class TooLarge extends DomainError {
  constructor(limit: number) {
    super('payload_too_large', `the import body is larger than ${limit} bytes: split it into several imports`)
  }
}

/** Counts bytes as they stream and stops the body at the limit. */
function limitBytes(limit: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length
      if (seen > limit) done(new TooLarge(limit))
      else done(null, chunk)
    },
  })
}

export const patentRoutes: FastifyPluginAsync<{ container: Container }> = async (app, { container }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { inventory } = container.services
  const search = container.search
  const pnParams = z.object({ publicationNumber: publicationNumberSchema })
  const maxBytes = container.config.IMPORT_MAX_BYTES

  // Import bodies are streamed to the reader, never buffered whole.
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson', 'text/csv'], (_req, payload, done) => done(null, payload))

  r.post(
    '/patents/import',
    {
      bodyLimit: maxBytes,
      config: { access: 'patents.import' },
      schema: {
        summary: 'Bulk import of patents as NDJSON or CSV; valid records are stored even when others are rejected',
        consumes: ['application/x-ndjson', 'text/csv'],
        response: { 202: importOutcomeSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      const declared = Number(request.headers['content-length'] ?? 0)
      if (declared > maxBytes) throw new TooLarge(maxBytes)
      // An aborted upload's error goes on to the limiter; the limiter's errors (its own, or the
      // reader's) reach the reader, which listens (see import-formats). The request itself is not
      // destroyed, so the client still receives the answer (413 with its reason).
      const source = request.body as Readable
      const body = source.pipe(limitBytes(maxBytes))
      source.on('error', (err) => body.destroy(err))
      const records = type === 'text/csv' ? readCsv(body, CSV_FIELDS) : readNdjson(body)
      try {
        const outcome = await inventory.importRecords(records, request.principal)
        return reply.code(202).send(outcome)
      } catch (err) {
        if (err instanceof HeaderError) throw new ValidationError(err.message, err.details)
        throw err
      }
    },
  )

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

  r.get(
    '/patents/search',
    {
      config: { access: 'patents.search' },
      schema: {
        summary: 'Search the inventory: free text (Chinese or English), filters, paging, highlights, facets',
        querystring: z.strictObject({
          q: z.string().max(1000).default(''),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          offset: z.coerce.number().int().min(0).max(10_000).default(0),
          ipc: z.string().trim().regex(/^[A-Ha-h](\d{2}([A-Za-z](\d{1,4}(\/\d{1,6})?)?)?)?$/, 'expected an IPC prefix such as G06F or G06F16').optional(),
          applicant: z.string().min(1).max(300).optional(),
          transferMode: z.enum(TRANSFER_MODES).optional(),
          legalStatus: z.enum(LEGAL_STATUSES).optional(),
        }),
        response: {
          200: z.object({
            total: z.number().int(),
            hits: z.array(
              z.object({
                publicationNumber: z.string(),
                title: z.string(),
                applicants: z.array(z.string()),
                ipc: z.array(z.string()),
                highlights: z.object({ title: z.string().optional(), abstract: z.string().optional() }),
              }),
            ),
            facets: z.object({
              legalStatus: z.record(z.string(), z.number()),
              transferModes: z.record(z.string(), z.number()),
              ipcClass: z.record(z.string(), z.number()),
              applicants: z.record(z.string(), z.number()),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { q, limit, offset, ...filters } = request.query
      const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined))
      if (typeof clean.ipc === 'string') clean.ipc = clean.ipc.toUpperCase()
      // A worker-only process serves no API (main.ts builds none); its container has no search.
      if (search === undefined) throw new UnavailableError('this process holds no search index (ROLE=worker)')
      return search.search({ q, limit, offset, filters: clean })
    },
  )

  r.post(
    '/patents',
    { config: { access: 'patents.create' }, schema: { summary: 'List one patent', body: patentInputSchema, response: { 201: patentSchema, ...errorResponses } } },
    async (request, reply) => reply.code(201).send(await inventory.create(request.body, request.principal)),
  )

  r.get(
    '/patents/:publicationNumber',
    { config: { access: 'patents.read' }, schema: { params: pnParams, response: { 200: patentSchema, ...errorResponses } } },
    async (request) => inventory.get(request.principal, request.params.publicationNumber),
  )

  r.patch(
    '/patents/:publicationNumber',
    {
      config: { access: 'patents.update' },
      schema: { summary: 'Change a patent', params: pnParams, body: patentPatchSchema, response: { 200: patentSchema, ...errorResponses } },
    },
    async (request) => inventory.update(request.principal, request.params.publicationNumber, request.body),
  )

  r.delete(
    '/patents/:publicationNumber',
    {
      config: { access: 'patents.withdraw' },
      schema: {
        summary: 'Withdraw a patent from the market (kept on record, gone from search and matching)',
        params: pnParams,
        response: { 200: patentSchema, ...errorResponses },
      },
    },
    async (request) => inventory.withdraw(request.principal, request.params.publicationNumber),
  )
}
