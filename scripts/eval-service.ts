/**
 * The same evaluation as `npm run eval`, but through a running service: imports the corpus with
 * `POST /v1/patents/import`, states every query as a need with `POST /v1/needs`, waits for the
 * workers' matches and scores what `GET /v1/needs/{id}/matches` serves.
 *
 *   REDIS_PREFIX=eval ADMIN_TOKEN=<key> npm start            # a service with an empty inventory
 *   ADMIN_TOKEN=<key> npm run eval:service -- <dataset dir> [--url http://127.0.0.1:3000]
 *
 * Prints `{"method":"patent-bridge-service","queries","ndcg10","recall100","mrr"}`: it equals the
 * `patent-bridge` line of `npm run eval` on the same data when the service's matcher is the same.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { evaluate, readJsonl, readQrels, type CorpusDoc, type Query } from './eval.js'

const log = (msg: string): void => void process.stderr.write(`${msg}\n`)

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string', default: 'http://127.0.0.1:3000' }, concurrency: { type: 'string', default: '4' } },
  })
  const dir = positionals[0]
  const key = process.env.ADMIN_TOKEN
  if (dir === undefined || key === undefined) {
    log('usage: ADMIN_TOKEN=<admin key> npm run eval:service -- <dataset dir> [--url http://127.0.0.1:3000]')
    process.exit(2)
  }
  const base = values.url!.replace(/\/$/, '')
  const headers = { authorization: `Bearer ${key}` }
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': type }) }, ...(body === undefined ? {} : { body }) })
    const json = (await res.json()) as Record<string, unknown>
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }

  const corpus = readJsonl<CorpusDoc>(join(dir, 'corpus.jsonl'))
  const queries = readJsonl<Query>(join(dir, 'queries.jsonl'))
  const qrels = readQrels(join(dir, 'qrels.tsv'))
  const ndjson = corpus
    .map((d) => JSON.stringify({ publicationNumber: d.id, title: d.title, abstract: d.abstract, keywords: d.keywords ?? [], ipc: d.cpc ?? [], ...(d.lang === 'zh' || d.lang === 'en' ? { language: d.lang } : {}) }))
    .join('\n')
  let t0 = performance.now()
  const imported = await call('POST', '/v1/patents/import', ndjson, 'application/x-ndjson')
  log(`import: ${String(imported.accepted)} accepted, ${String(imported.rejectedTotal)} rejected`)
  for (;;) {
    const status = await call('GET', `/v1/imports/${String(imported.importId)}`)
    if (status.state === 'done') break
    if (status.state === 'failed') throw new Error(`import failed: ${String(status.error)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  log(`import done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  t0 = performance.now()
  const runs = new Map<string, string[]>()
  const pending = [...queries]
  const worker = async () => {
    for (let q = pending.shift(); q !== undefined; q = pending.shift()) {
      const need = await call('POST', '/v1/needs', JSON.stringify({ title: q.text }))
      for (;;) {
        const set = await call('GET', `/v1/needs/${String(need.id)}/matches?limit=100`)
        if (set.state === 'ready') {
          runs.set(q.id, (set.matches as Array<{ publicationNumber: string }>).map((m) => m.publicationNumber))
          break
        }
        await new Promise((r) => setTimeout(r, 20))
      }
      if (runs.size % 50 === 0) log(`${runs.size}/${queries.length} needs matched`)
    }
  }
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker))
  log(`matches of ${runs.size} needs ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  process.stdout.write(`${JSON.stringify({ method: 'patent-bridge-service', ...evaluate(runs, qrels) })}\n`)
}

await main()
