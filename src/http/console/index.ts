/**
 * The web console: static HTML, CSS and ES modules (no build step) served from `public/` at `/`,
 * outside /v1 and without a key. The browser keeps the organisation's key in sessionStorage and
 * sends it as `Authorization: Bearer` on its API calls.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import fastifyStatic from '@fastify/static'

export const CONSOLE_ROOT = fileURLToPath(new URL('./public/', import.meta.url))
/** The demo inventory a TTO can download from the upload page (real records; see test/fixtures/README.md). */
const SAMPLE_INVENTORY = new URL('../../../test/fixtures/sample-inventory.csv', import.meta.url)

export const consoleRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, {
    root: CONSOLE_ROOT,
    prefix: '/',
    index: ['index.html'],
    // The files change with the code: the browser revalidates (ETag) rather than caching for long.
    cacheControl: true,
    maxAge: 0,
    schemaHide: true,
  })
  app.get('/samples/inventory.csv', { schema: { hide: true } }, async (_request, reply) => {
    const body = await readFile(SAMPLE_INVENTORY).catch(() => undefined)
    if (body === undefined) return reply.callNotFound()
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="sample-inventory.csv"').send(body)
  })
}
