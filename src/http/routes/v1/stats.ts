/** `/v1/stats`: the programme's figures (JSON or CSV) and a province's annual report. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { reportDocx } from '../../../adapters/report-docx.js'
import { reportHtml, reportMarkdown } from '../../../domain/report.js'
import { statsSchema } from '../../../domain/stats.js'
import type { PoolService } from '../../../services/pool.js'
import { attachment, sendCsv } from '../../downloads.js'
import { errorResponses } from '../../schemas.js'

const REPORT_FORMATS = ['md', 'html', 'docx'] as const
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

export const statsRoutes: FastifyPluginAsync<{ pool: Pick<PoolService, 'stats' | 'statsToCsv' | 'annualReport'> }> = async (app, { pool }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/stats/report',
    {
      config: { access: 'stats.read' },
      schema: {
        description: "A provincial office its province's report (the admin any province's, or the country's): the year's figures beside the year before's, with the number of events behind each, as Markdown, as an HTML page with a print stylesheet (to print or save as PDF), or as a Word document a civil servant can file (`format`); universities are named. Without `year`, the current year to date.",
        summary:
          "A province's annual evaluation report: the year's figures beside the year before, with the events behind each; Markdown, an HTML page to print or save as PDF, or a Word document (format=md|html|docx)",
        querystring: z.strictObject({
          province: z.string().min(1).max(50).optional(),
          year: z.coerce.number().int().min(2000).max(2100).optional().describe('the year reported (default: the current year, to date)'),
          format: z.enum(REPORT_FORMATS).optional().describe('md (default), html (with a print stylesheet) or docx'),
        }),
        response: {
          200: {
            content: {
              'text/markdown': { schema: z.string() },
              'text/html': { schema: z.string() },
              [DOCX]: { schema: z.string().describe('the Word document (binary)') },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { province, year = new Date().getUTCFullYear(), format = 'md' } = request.query
      const report = await pool.annualReport(request.principal, { ...(province ? { province } : {}), year })
      const name = `${report.province}-${report.year}-年度绩效评价报告`
      const attach = (ext: string) => attachment(`report-${report.year}.${ext}`, `${name}.${ext}`)
      if (format === 'html') return reply.type('text/html; charset=utf-8').header('content-disposition', attach('html')).send(reportHtml(report))
      if (format === 'docx') return reply.type(DOCX).header('content-disposition', attach('docx')).send((await reportDocx(report)) as unknown as string)
      return reply.type('text/markdown; charset=utf-8').send(reportMarkdown(report))
    },
  )

  r.get(
    '/stats',
    {
      config: { access: 'stats.read' },
      schema: {
        description: "The programme's figures for a province and year (the admin: any, or all): the matching funnel (needs, matches, pairings by stage) and the pool (recommended, graduated, in, places left), each figure with the ids of the events behind it so that it can be checked. `Accept: text/csv` gives one row a figure, in UTF-8 with BOM.",
        summary: "The programme's figures per province and year, each with the events behind it; Accept: text/csv for CSV",
        querystring: z.strictObject({
          province: z.string().min(1).max(50).optional(),
          year: z.coerce.number().int().min(2000).max(2100).optional(),
        }),
        response: {
          200: {
            content: {
              'application/json': { schema: statsSchema },
              'text/csv': { schema: z.string().describe('one row a figure: section,subject,figure,value,event_ids (ids joined by ;)') },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { province, year } = request.query
      const stats = await pool.stats(request.principal, { ...(province ? { province } : {}), ...(year === undefined ? {} : { year }) })
      if ((request.headers.accept ?? '').includes('text/csv')) {
        return sendCsv(reply, pool.statsToCsv(stats), 'stats.csv', `stats-${stats.scope.province ?? 'all'}-${stats.scope.year ?? 'all'}.csv`)
      }
      return stats
    },
  )
}
