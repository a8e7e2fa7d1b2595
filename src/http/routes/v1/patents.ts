/**
 * `/v1/patents`: the university inventory (list, read, change, withdraw, bulk import), search,
 * and the decline feedback of a patent's pairings.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { Transform, type Readable } from 'node:stream'
import { z } from 'zod'
import { DomainError, ValidationError } from '../../../domain/errors.js'
import { LEGAL_STATUSES, patentInputSchema, patentPatchSchema, publicationNumberSchema, TRANSFER_MODES } from '../../../domain/patent.js'
import { importOutcomeSchema } from '../../../domain/imports.js'
import { searchResultSchema } from '../../../domain/search.js'
import { HeaderError, readCsv, readNdjson } from '../../../adapters/import-formats.js'
import type { InventoryService } from '../../../services/inventory.js'
import { patentFeedbackSchema, type PairingsService } from '../../../services/pairings.js'
import type { SearchService } from '../../../services/search.js'
import { errorResponses, patentSchema } from '../../schemas.js'

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

export interface PatentRoutesOptions {
  inventory: InventoryService
  search: SearchService
  pairings: Pick<PairingsService, 'feedback'>
  /** Largest import body (IMPORT_MAX_BYTES). */
  importMaxBytes: number
}

export const patentRoutes: FastifyPluginAsync<PatentRoutesOptions> = async (app, { inventory, search, pairings, importMaxBytes: maxBytes }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const pnParams = z.object({ publicationNumber: publicationNumberSchema })

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
        response: { 200: searchResultSchema, ...errorResponses },
      },
    },
    async (request) => search.search(request.query),
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

  r.get(
    '/patents/:publicationNumber/feedback',
    {
      config: { access: 'patents.feedback' },
      schema: {
        summary: "Why enterprises passed over a patent: decline reasons of its pairings, for its university",
        params: pnParams,
        response: { 200: patentFeedbackSchema, ...errorResponses },
      },
    },
    async (request) => pairings.feedback(request.principal, request.params.publicationNumber),
  )
}
