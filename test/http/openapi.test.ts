/**
 * The OpenAPI document describes every operation (issue 16): a summary, a description and a tag
 * each; every /v1 operation lists the refusals any /v1 route can give (400, 401, 403, 429, 503);
 * every JSON body has an example; the bulk import lists the media types it reads.
 */
import t from 'tap'
import { build } from '../helper.js'
import { TAGS } from '../../src/http/openapi.js'

t.test('every operation has a summary, a description, a tag and its error answers', async (t) => {
  const h = await build(t)
  const res = await h.app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json() as { tags: Array<{ name: string; description: string }>; paths: Record<string, Record<string, { summary?: string; description?: string; tags?: string[]; responses: Record<string, unknown>; requestBody?: { content: Record<string, unknown> } }>> }
  t.same(doc.tags.map((x) => x.name), TAGS.map((x) => x.name), 'the resources, each with its description')
  const known = new Set<string>(TAGS.map((x) => x.name))
  let operations = 0
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      operations++
      const name = `${method.toUpperCase()} ${path}`
      t.ok((op.summary ?? '').length > 10, `${name} has a summary`)
      t.ok((op.description ?? '').length > 30, `${name} has a description`)
      t.ok(op.tags?.length === 1 && known.has(op.tags[0]!), `${name} has a known tag (${op.tags})`)
      const json = op.requestBody?.content['application/json'] as { example?: unknown; examples?: unknown } | undefined
      if (json !== undefined) t.ok(json.example !== undefined || json.examples !== undefined, `${name} shows an example body`)
      if (path.startsWith('/v1/')) {
        for (const status of ['400', '401', '403', '429', '503']) t.ok(op.responses[status] !== undefined, `${name} lists ${status}`)
      }
    }
  }
  t.ok(operations >= 56, `${operations} operations`)
  const imp = doc.paths['/v1/patents/import']!.post!
  t.ok(imp.requestBody !== undefined, 'the import body is documented')
  for (const type of ['text/csv', 'application/x-ndjson', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'multipart/form-data']) {
    t.ok(imp.requestBody?.content[type] !== undefined, `the import reads ${type}`)
  }
})
