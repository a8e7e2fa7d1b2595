/**
 * `/v1/patents`: the university inventory (list, read, change, withdraw, re-list, bulk import), search,
 * and the decline feedback of a patent's pairings.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { Transform, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import { z } from 'zod'
import ExcelJS from 'exceljs'
import { loadSheetVocabulary } from '../../../../search-config/import-sheet.js'
import {
  HeaderError,
  MEDIA_TYPES,
  checkDeclared,
  decode,
  detectEncoding,
  formFile,
  peek,
  readCsv,
  readNdjson,
  readXlsx,
  type ImportFormat,
  type ReadFacts,
} from '../../../adapters/import-formats.js'
import { DomainError, ValidationError, excerpt } from '../../../domain/errors.js'
import { fileFactsSchema, importOutcomeSchema } from '../../../domain/imports.js'
import { importTemplate, rowDetails } from '../../../domain/office-sheet.js'
import { LEGAL_STATUSES, patentInputSchema, patentPatchSchema, publicationNumberSchema, TRANSFER_MODES } from '../../../domain/patent.js'
import { searchResultSchema, type SearchResult } from '../../../domain/search.js'
import { pageQueryShape, pageSchema, scorePageQuery } from '../../../domain/paging.js'
import { inventoryCursor, type InventoryService } from '../../../services/inventory.js'
import { patentFeedbackSchema, type PairingsService } from '../../../services/pairings.js'
import type { SearchService } from '../../../services/search.js'
import { valueAnswerSchema, valueListItemSchema, type ValueService } from '../../../services/value.js'
import { SCENARIOS } from '../../../domain/value.js'
import { attachment, sendCsv } from '../../downloads.js'
import { errorResponses, patentListItemSchema, patentSchema } from '../../schemas.js'

const vocabulary = loadSheetVocabulary()

const importQuery = z.strictObject({
  mode: z.enum(['merge', 'replace']).default('merge').describe('merge: change the fields a record gives, keep the others; replace: the record is the whole patent'),
  sheet: z.string().min(1).max(100).optional().describe('the .xlsx sheet to read (default: the first)'),
})

const pick = (o: Record<string, string>, keys: string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== '').map((k) => [k, o[k]]))

/** The query's parameters that the URL actually gave (not their defaults), so a form's fields fill the rest. */
const stripDefaults = (query: Record<string, unknown>, url: string | undefined) => {
  const given = new URLSearchParams(url?.split('?')[1] ?? '')
  return Object.fromEntries(Object.entries(query).filter(([k]) => given.has(k)))
}

const ipcPrefix = z.string().trim().regex(/^[A-Ha-h](\d{2}([A-Za-z](\d{1,4}(\/\d{1,6})?)?)?)?$/, 'expected an IPC prefix such as G06F or G06F16')


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
  value: Pick<ValueService, 'get' | 'list'>
  /** Largest import body (IMPORT_MAX_BYTES). */
  importMaxBytes: number
}

export const patentRoutes: FastifyPluginAsync<PatentRoutesOptions> = async (app, { inventory, search, pairings, value, importMaxBytes: maxBytes }) => {
  /**
   * The body each search result was sent as, validated and serialised by the response schema and
   * encoded once: a result the search service answers again from its recent ones (the same
   * object) is sent as that body. Validating and serialising a page again was most of a repeated
   * search's cost.
   */
  const sentBodies = new WeakMap<SearchResult, Buffer>()
  const r = app.withTypeProvider<ZodTypeProvider>()
  const pnParams = z.object({ publicationNumber: publicationNumberSchema })

  // Import bodies are streamed to the reader, never buffered whole: in their own context, every
  // media type arrives as the raw stream (a JSON array too, which gets a hint, not a parse).
  await app.register(async (imports) => {
    imports.removeAllContentTypeParsers()
    imports.addContentTypeParser('*', (_req, payload, done) => done(null, payload))
    imports.withTypeProvider<ZodTypeProvider>().post(
      '/patents/import',
      {
        bodyLimit: maxBytes,
        config: { access: 'patents.import' },
        schema: {
          summary:
            'Bulk import of patents as NDJSON, CSV (UTF-8, GB18030/GBK or UTF-16, detected or as charset says) or Excel .xlsx, ' +
            'with Chinese or English column names; valid records are stored even when others are rejected',
          description:
            'The body is the file itself, or a browser form (multipart/form-data) whose field `file` is the file (its type taken from its name: .xlsx, .csv, .ndjson); ' +
            'the form may give `mode`, `sheet` and `charset` as fields before the file.',
          consumes: [...Object.keys(MEDIA_TYPES), 'multipart/form-data'],
          querystring: importQuery,
          body: z
            .unknown()
            .describe(
              'The file as it is, streamed: an .xlsx workbook, a CSV with a header row, or NDJSON (one JSON object a line); or a multipart form whose field `file` is one of them. ' +
                'Columns may be the API field names or the Chinese names offices use (公开号/公告号/公开（公告）号, 申请号, 专利名称/发明名称, 摘要, 主权项/权利要求, IPC分类号/主分类号, 申请人/专利权人, 发明人, 法律状态, 申请日, 公开日, 授权日, 关键词, 转化方式 …; see search-config/import-columns.tsv).',
            ),
          response: { 202: importOutcomeSchema.extend({ file: fileFactsSchema }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const [mediaType = '', ...params] = (request.headers['content-type'] ?? '').split(';').map((p) => p.trim())
        const form = mediaType.toLowerCase() === 'multipart/form-data'
        let format: ImportFormat | undefined = MEDIA_TYPES[mediaType.toLowerCase()]
        if (format === undefined && !form) {
          throw new DomainError(
            'unsupported_media_type',
            `an import is sent as ${[...Object.keys(MEDIA_TYPES), 'multipart/form-data'].join(', ')}; this one was "${excerpt(mediaType, 60) || 'without a content-type'}"`,
            [{ path: 'headers.content-type', message: 'unsupported media type', zh: '不支持的文件类型：请上传 .xlsx、CSV 或 NDJSON 文件' }],
          )
        }
        let charset = params.find((p) => /^charset=/i.test(p))?.slice('charset='.length).replace(/^"|"$/g, '')
        const declared = Number(request.headers['content-length'] ?? 0)
        if (declared > maxBytes) throw new TooLarge(maxBytes)
        // An aborted upload's error goes on to the limiter; the limiter's errors (its own, or the
        // reader's) reach the reader, which listens (see import-formats). The request itself is not
        // destroyed, so the client still receives the answer (413 with its reason).
        const source = request.body as Readable
        let limited: Readable = source.pipe(limitBytes(maxBytes))
        source.on('error', (err) => limited.destroy(err))
        let query = request.query
        if (form) {
          // A browser's form: the file is one part of it; fields before it may say how to read it.
          const part = await formFile(limited, request.headers)
          const fields = importQuery.safeParse({ ...pick(part.fields, ['mode', 'sheet']), ...stripDefaults(request.query, request.raw.url) })
          if (!fields.success) throw new ValidationError('a field of the form is not valid', fields.error.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message })))
          query = fields.data
          format = part.format
          charset = part.fields.charset ?? part.charset ?? charset
          limited = part.stream
        }
        const file: ReadFacts = { format: format! }
        // Read lazily, inside the import: an upload cut off or refused at its first bytes is an
        // import too, failed, with the reason, in the office's history.
        async function* records() {
          const { head, stream } = await peek(limited, 64 * 1024)
          checkDeclared(format!, head)
          if (format === 'xlsx') return yield* readXlsx(stream, vocabulary, file, query.sheet)
          const { encoding, source: how } = detectEncoding(head, charset)
          Object.assign(file, { encoding, encodingSource: how })
          const text = decode(stream, encoding)
          yield* format === 'csv' ? readCsv(text, vocabulary, file) : readNdjson(text, vocabulary)
        }
        try {
          const outcome = await inventory.importRecords(records(), request.principal, {
            mode: query.mode,
            header: () => file.header,
            describe: (issues, value) => rowDetails(issues, value, vocabulary, file.columns),
          })
          const { header: _header, ...facts } = file
          return reply.code(202).send({ ...outcome, file: facts })
        } catch (err) {
          if (err instanceof HeaderError) throw new ValidationError(err.message, err.details)
          throw err
        }
      },
    )
  })

  r.get(
    '/patents/import/template',
    {
      config: { access: 'patents.import' },
      schema: {
        description: "A university key. The template's columns are the Chinese names offices use (公开号, 专利名称, 摘要 …), from the same table the import reads (`search-config/import-columns.tsv`); the example row imports as it is.",
        summary: 'The inventory template, with Chinese column names and one example row (.xlsx or CSV in UTF-8 with BOM, which Excel opens)',
        querystring: z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx') }),
        produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv'],
        response: { 200: z.string().describe('the template file (.xlsx, or CSV text)'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { header, example } = importTemplate(vocabulary)
      if (request.query.format === 'csv') {
        const csv = stringify([header, example], { record_delimiter: '\r\n' })
        return sendCsv(reply, csv, 'patent-inventory-template.csv', '专利清单模板.csv')
      }
      const workbook = new ExcelJS.Workbook()
      const sheet = workbook.addWorksheet('专利清单')
      sheet.addRow(header).font = { bold: true }
      sheet.addRow(example)
      sheet.columns.forEach((c) => (c.width = 18))
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', attachment('patent-inventory-template.xlsx', '专利清单模板.xlsx'))
        // a Buffer is sent as it is (Fastify serializes objects only); the schema's string is for the document
        .send(Buffer.from(await workbook.xlsx.writeBuffer()) as unknown as string)
    },
  )

  r.get(
    '/patents/search',
    {
      config: { access: 'patents.search' },
      schema: {
        description: 'Enterprises, universities and operations centres. `q` in Chinese (segmented with jieba) or English (stemmed), matched in title, abstract and keywords with BM25; filters by IPC prefix at any level, applicant, transfer mode and legal status; `<em>` highlights of the matched words in title and abstract; facet counts of legal status, transfer modes, IPC class and applicants. Withdrawn patents are never found.',
        summary: 'Search the inventory: free text (Chinese or English), filters, paging, highlights, facets',
        querystring: z.strictObject({
          q: z.string().max(1000).default(''),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          offset: z.coerce.number().int().min(0).max(10_000).default(0),
          ipc: ipcPrefix.optional(),
          applicant: z.string().min(1).max(300).optional(),
          transferMode: z.enum(TRANSFER_MODES).optional(),
          legalStatus: z.enum(LEGAL_STATUSES).optional(),
        }),
        response: { 200: searchResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await search.search(request.query)
      // a search asked again within a moment is answered with the same result: its body as first sent
      let body = sentBodies.get(result)
      if (body === undefined) {
        body = Buffer.from(reply.serialize(result) as string)
        sentBodies.set(result, body)
      }
      // a Buffer is sent as it is (Fastify serializes objects only); the schema's type is the result's
      return reply.type('application/json; charset=utf-8').send(body as unknown as SearchResult)
    },
  )

  r.get(
    '/patents',
    {
      config: { access: 'patents.list' },
      schema: {
        description: "A university key: its own patents, newest first (the admin: all, or one owner's). Paged by cursor (`limit` default 20); filters by listing status, legal status, transfer mode, IPC prefix and text in the title or numbers. Without filters a page says the `total`; with them a page reads on for at most 2,000 patents and may come back short with a `nextCursor`.",
        summary:
          "The inventory, newest first, page by page: a university's own patents (the admin: all, or one owner's). " +
          'Without filters a page says the total; with filters a page reads at most 2,000 patents and may hold fewer than `limit` while `nextCursor` goes on',
        querystring: z.strictObject({
          ...pageQueryShape(inventoryCursor),
          owner: z.string().min(1).max(100).optional().describe("the admin: one organisation's patents (`admin`: the admin's own)"),
          status: patentSchema.shape.status.optional().describe('listed: on the market; withdrawn: taken off it'),
          legalStatus: z.enum(LEGAL_STATUSES).optional(),
          transferMode: z.enum(TRANSFER_MODES).optional(),
          ipc: ipcPrefix.optional(),
          q: z.string().max(200).optional().describe('text in the title, publication number or application number'),
        }),
        response: { 200: pageSchema(patentListItemSchema), ...errorResponses },
      },
    },
    async (request) => inventory.list(request.principal, request.query),
  )

  r.post(
    '/patents',
    { config: { access: 'patents.create' }, schema: { description: "A university key. The patent belongs to the key's university; 409 `already_exists` when the publication number is listed already (change it with PATCH, or re-import it). Indexing for search and matching runs in the background.", summary: 'List one patent', body: patentInputSchema.meta({ examples: [{"publicationNumber": "CN117151122A", "applicationNumber": "CN202310012345.6", "title": "一种基于深度学习的零件缺陷检测方法", "abstract": "采集零件图像，经卷积神经网络识别划痕与凹坑……", "ipc": ["G06T7/00", "G06N3/08"], "applicants": ["浙江某大学"], "inventors": ["张三", "李四"], "legalStatus": "granted", "filingDate": "2023-01-05", "transferModes": ["license", "assignment"]}] }), response: { 201: patentSchema, ...errorResponses } } },
    async (request, reply) => reply.code(201).send(await inventory.create(request.body, request.principal)),
  )

  r.get(
    '/patents/:publicationNumber',
    { config: { access: 'patents.read' }, schema: { summary: 'A patent as listed', description: 'Any role that searches: the record as listed. A withdrawn patent is seen only by its university (404 for others).', params: pnParams, response: { 200: patentSchema, ...errorResponses } } },
    async (request) => inventory.get(request.principal, request.params.publicationNumber),
  )

  r.patch(
    '/patents/:publicationNumber',
    {
      config: { access: 'patents.update' },
      schema: { description: 'Its university changes the fields it sends; search and matching follow, and open needs are scored again against it.', summary: 'Change a patent', params: pnParams, body: patentPatchSchema.meta({ examples: [{"legalStatus": "granted", "grantDate": "2024-05-10", "transferModes": ["license", "open-license"]}] }), response: { 200: patentSchema, ...errorResponses } },
    },
    async (request) => inventory.update(request.principal, request.params.publicationNumber, request.body),
  )

  r.delete(
    '/patents/:publicationNumber',
    {
      config: { access: 'patents.withdraw' },
      schema: {
        description: 'Its university withdraws it: the record stays (and its pairings), but it leaves search and matching and is offered to no one; `POST …/relist` puts it back.',
        summary: 'Withdraw a patent from the market (kept on record, gone from search and matching)',
        params: pnParams,
        response: { 200: patentSchema, ...errorResponses },
      },
    },
    async (request) => inventory.withdraw(request.principal, request.params.publicationNumber),
  )

  r.post(
    '/patents/:publicationNumber/relist',
    {
      config: { access: 'patents.relist' },
      schema: {
        description: 'Its university lists it again; it is indexed anew and open needs are scored against it.',
        summary: 'Put a withdrawn patent back on the market (searchable and matched again); a listed one stays as it is',
        params: pnParams,
        response: { 200: patentSchema, ...errorResponses },
      },
    },
    async (request) => inventory.relist(request.principal, request.params.publicationNumber),
  )

  r.get(
    '/patents/:publicationNumber/feedback',
    {
      config: { access: 'patents.feedback' },
      schema: {
        description: "Its university: the patent's pairings counted, the decline reasons counted, and the notes operations centres wrote, to see why enterprises pass it over.",
        summary: "Why enterprises passed over a patent: decline reasons of its pairings, for its university",
        params: pnParams,
        response: { 200: patentFeedbackSchema, ...errorResponses },
      },
    },
    async (request) => pairings.feedback(request.principal, request.params.publicationNumber),
  )

  r.get(
    '/patents/values',
    {
      config: { access: 'patents.values' },
      schema: {
        description:
          "A university key: its own patents' value profiles (the admin: all, or one owner's), best first — by a scenario's grade and score (`order=grade`, the default), " +
          'or by demand (`order=demand`: open needs strongly matching, interests and pairings together, then the transfer grade); filters `minGrade` and `demand` (`with`, `without`). ' +
          'Patents whose profile is not computed yet are not listed. Paged by cursor; the first page without filters says the `total`.',
        summary: "The inventory's value profiles, best first by grade or by demand: which patents to promote first",
        querystring: z.strictObject({
          ...scorePageQuery,
          owner: z.string().min(1).max(100).optional().describe("the admin: one organisation's patents (`admin`: the admin's own)"),
          order: z.enum(['grade', 'demand']).default('grade'),
          scenario: z.enum(SCENARIOS).default('transfer').describe('whose weights grade it: transfer (许可转让) or pledge (质押融资)'),
          minGrade: z.coerce.number().int().min(1).max(5).optional(),
          demand: z.enum(['with', 'without']).optional().describe('with: patents some need, interest or pairing asks for; without: none yet'),
        }),
        response: { 200: pageSchema(valueListItemSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...query } = request.query
      return value.list(request.principal, query, { limit, cursor })
    },
  )

  r.get(
    '/patents/:publicationNumber/value',
    {
      config: { access: 'patents.value' },
      schema: {
        description:
          'Enterprises, universities and operations centres (any listed patent); financial institutions (the patents the cultivation pool\'s enterprises obtained). ' +
          'The profile after GB/T 42748-2023: legal, technical and economic indicators, each with its value, the data it rests on and its points in each scenario, ' +
          'the grade (1–5) per scenario (transfer or licence; pledge financing), and what the standard weighs that the service cannot know. ' +
          'Computed by a job when the patent, its matching needs, interests or pairings change, and daily; `state: pending` before its first computation. ' +
          "Ids of the records behind demand are shown to the patent's university (its interests and pairings) and the admin (the needs too).",
        summary: "A patent's value profile (GB/T 42748-2023): indicators, their sources and contributions, the grade per scenario",
        params: pnParams,
        response: { 200: valueAnswerSchema, ...errorResponses },
      },
    },
    async (request) => value.get(request.principal, request.params.publicationNumber),
  )
}
