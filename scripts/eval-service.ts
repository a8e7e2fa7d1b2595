/**
 * The same evaluation as `npm run eval`, but through a running service, as its users meet it:
 * a university imports the corpus (`POST /v1/patents/import`), an enterprise states every query as
 * a need (`POST /v1/needs`) and reads what `GET /v1/needs/{id}/matches` serves once the workers are
 * done, and an operations centre on the routing defaults receives pairings (`GET /v1/pairings`).
 *
 *   REDIS_PREFIX=eval-$RANDOM ADMIN_TOKEN=<key> RATE_LIMIT_MAX=100000 npm start   # a fresh, empty service
 *   ADMIN_TOKEN=<key> npm run eval:service -- <dataset dir> [--url http://127.0.0.1:3000] [--concurrency 4] [--json] [--timeout 600]
 *
 * ONE data set per service. Data sets share patents (cn-g06f-dev's 3,601 are inside
 * real-needs-dev's corpus), and a service keeps every inventory it was given, so a second set run
 * against the same service would be matched against the first one's patents too. Start a fresh
 * service on an empty `REDIS_PREFIX` for each set; the script refuses more than one directory,
 * and refuses a service whose inventory is not empty (`GET /v1/patents/search` total).
 * Without a directory it takes the one set under ../shared/eval, or lists them when there are more.
 * `RATE_LIMIT_MAX` is optional: the organisations' keys are rate limited, and the script waits
 * out every 429 (`retry-after`), which only makes the run slower.
 *
 * Prints two rows (stdout; `--json`: one JSON line each), progress to stderr:
 * - `patent-bridge-service`: `reportLine` of the served matches, exactly as `npm run eval` prints
 *   `patent-bridge`, so the two are equal when the service runs the working tree's matcher;
 * - `centre-pairings`: the push figures of the pairings the centre actually received, counted
 *   like the prediction in the row above (`receivedFigures`).
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { toRouting, type Routing } from '../src/domain/pairing.js'
import { needOf, readJsonl, readJudgements, receivedFigures, reportLine, selectPushes, type CorpusDoc, type Query, type Ranked } from './eval-metrics.js'
import { dataSets, EVAL_ROOT, formatRow } from './eval.js'

const log = (msg: string): void => void process.stderr.write(`${msg}\n`)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const USAGE = `usage: ADMIN_TOKEN=<admin key> npm run eval:service -- <dataset dir> [--url http://127.0.0.1:3000] [--concurrency 4] [--json] [--timeout 600]

Run ONE data set per service: start a fresh service on an empty prefix for each, e.g.
  REDIS_PREFIX=eval-$RANDOM ADMIN_TOKEN=<admin key> RATE_LIMIT_MAX=100000 npm start
Data sets share patent ids, and the service keeps every inventory it was given.`

/** Records per import request: well under IMPORT_MAX_RECORDS, and progress shows per chunk. */
const IMPORT_CHUNK = 5000
/** How long the centre's pairings must stay unchanged to count as settled. */
const SETTLE_MS = 2000

/** A non-2xx answer: the script prints it as it came and stops. */
class ServiceError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: ${status} ${body}`)
  }
}

/** A need's served matches, as the route answers them (the fields the eval reads). */
interface MatchesView {
  state: 'pending' | 'ready'
  matches: Array<{ publicationNumber: string; score: number }>
}
interface PairingView {
  id: string
  needId?: string
  publicationNumber: string
  score: number
  pushed: boolean
}

function client(base: string, timeoutMs: number) {
  let warnedRateLimit = false
  /** One request; waits out 429 (per-key rate limit) instead of failing, within the timeout. */
  return async function call<T>(key: string, method: string, path: string, body?: string, type = 'application/json'): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      let res: Response
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': type }) },
          ...(body === undefined ? {} : { body }),
        })
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause
        throw new Error(`${method} ${base}${path}: cannot reach the service (${cause?.code ?? cause?.message ?? String(e)})`)
      }
      const text = await res.text()
      if (res.status === 429 && Date.now() < deadline) {
        const wait = Math.max(1, Number(res.headers.get('retry-after')) || 1)
        if (!warnedRateLimit) {
          log(`rate limited (429) on ${method} ${path}: waiting ${wait} s and retrying; start the service with RATE_LIMIT_MAX=100000 to avoid this`)
          warnedRateLimit = true
        }
        await sleep(wait * 1000)
        continue
      }
      if (res.status < 200 || res.status >= 300) throw new ServiceError(method, path, res.status, text)
      return (text === '' ? {} : JSON.parse(text)) as T
    }
  }
}

/** The record the import contract takes for a corpus line (README: id → publicationNumber, cpc → ipc, lang → language). */
function toImportRecord(d: CorpusDoc): Record<string, unknown> {
  return {
    publicationNumber: d.id,
    title: d.title,
    abstract: d.abstract,
    ...(d.keywords && d.keywords.length > 0 ? { keywords: d.keywords } : {}),
    ...(d.cpc && d.cpc.length > 0 ? { ipc: d.cpc } : {}),
    ...(d.lang === 'zh' || d.lang === 'en' ? { language: d.lang } : {}),
    ...(d.applicants && d.applicants.length > 0 ? { applicants: d.applicants } : {}),
  }
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.max(1, n) }, async () => {
      while (next < items.length) await fn(items[next++]!)
    }),
  )
}

const pct = (sorted: number[], p: number): string => ((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) / 1000).toFixed(2)

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      concurrency: { type: 'string', default: '4' },
      timeout: { type: 'string', default: '600' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    log(USAGE)
    return
  }
  const adminKey = process.env.ADMIN_TOKEN
  if (adminKey === undefined || adminKey === '') {
    log(`ADMIN_TOKEN is not set.\n\n${USAGE}`)
    process.exit(2)
  }
  const dirs = positionals.length > 0 ? positionals : dataSets(EVAL_ROOT)
  if (dirs.length !== 1) {
    log(
      dirs.length === 0
        ? `no data set given, and none under ${EVAL_ROOT}.\n\n${USAGE}`
        : `refusing ${dirs.length} data sets in one run: they share patent ids, and one service keeps every inventory it is given, ` +
            `so each set must run against its own freshly started service with an empty REDIS_PREFIX. Run one at a time:\n` +
            dirs.map((d) => `  ADMIN_TOKEN=<admin key> npm run eval:service -- ${d} --url <that service>`).join('\n') +
            `\n\n${USAGE}`,
    )
    process.exit(2)
  }
  const dir = dirs[0]!
  const name = dir.replace(/\/+$/, '').split('/').pop()!
  const base = values.url!.replace(/\/+$/, '')
  const concurrency = Number(values.concurrency)
  const timeoutMs = Number(values.timeout) * 1000
  const call = client(base, timeoutMs)

  const corpus = readJsonl<CorpusDoc>(join(dir, 'corpus.jsonl'))
  const queries = readJsonl<Query>(join(dir, 'queries.jsonl'))
  const judgements = readJudgements(dir)
  const ipcOf = new Map(corpus.map((d) => [d.id, d.cpc ?? []]))
  log(`${name}: ${corpus.length} patents, ${queries.length} needs, ${judgements.grades.size} judged (${judgements.complete ? 'relevance by rule' : 'by hand'})`)
  log(`${name}: this data set needs its own freshly started service on an empty REDIS_PREFIX (service: ${base})`)

  // The service answers, the key is the admin's, and the inventory is empty.
  const ready = await fetch(`${base}/ready`).catch((e: unknown) => {
    throw new Error(`GET ${base}/ready: cannot reach the service (${String((e as { cause?: { code?: string } }).cause?.code ?? e)})`)
  })
  if (ready.status !== 200) throw new ServiceError('GET', '/ready', ready.status, await ready.text())
  const me = await call<{ role: string }>(adminKey, 'GET', '/v1/me')
  if (me.role !== 'admin') {
    log(`ADMIN_TOKEN is a key of role "${me.role}", not the admin key the service was started with.`)
    process.exit(2)
  }
  const inventory = await call<{ total: number }>(adminKey, 'GET', '/v1/patents/search?limit=1')
  if (inventory.total > 0) {
    log(
      `refusing: the service already lists ${inventory.total} patents. Figures are only comparable on an empty inventory holding ` +
        `this data set alone: start a fresh service on an empty REDIS_PREFIX (REDIS_PREFIX=eval-$RANDOM … npm start).`,
    )
    process.exit(2)
  }

  // One university, one enterprise and one operations centre for this run, each with its own key.
  const stamp = new Date().toISOString()
  const orgWithKey = async (kind: string): Promise<{ id: string; key: string }> => {
    const org = await call<{ id: string }>(adminKey, 'POST', '/v1/orgs', JSON.stringify({ name: `eval ${name} ${kind} ${stamp}`, kind }))
    const { key } = await call<{ key: string }>(adminKey, 'POST', `/v1/orgs/${org.id}/keys`, JSON.stringify({ name: `eval-service ${name}` }))
    return { id: org.id, key }
  }
  const university = await orgWithKey('university')
  const enterprise = await orgWithKey('enterprise')
  const centre = await orgWithKey('operations-centre')
  // The defaults, as a new centre has them; before any need, so every need is routed to it.
  const routing = await call<Routing>(centre.key, 'PUT', `/v1/orgs/${centre.id}/routing`, '{}')
  const local = toRouting({})
  if (routing.minScore !== local.minScore || routing.maxPerNeed !== local.maxPerNeed) {
    log(`warning: the service's routing defaults (score ≥ ${routing.minScore}, ≤ ${routing.maxPerNeed}) differ from the working tree's (${local.minScore}, ${local.maxPerNeed}): is it running older code?`)
  }
  log(`orgs: university ${university.id}, enterprise ${enterprise.id}, centre ${centre.id} (routing score ≥ ${routing.minScore}, ≤ ${routing.maxPerNeed} a need)`)

  // The corpus, as the university lists it, in chunks; each import is polled until indexed.
  let t0 = performance.now()
  let rejectedTotal = 0
  for (let i = 0; i < corpus.length; i += IMPORT_CHUNK) {
    const chunk = corpus.slice(i, i + IMPORT_CHUNK)
    const ndjson = chunk.map((d) => JSON.stringify(toImportRecord(d))).join('\n')
    const outcome = await call<{ importId: string; accepted: number; rejected: Array<{ line: number; errors: Array<{ path: string; message: string }> }>; rejectedTotal: number }>(
      university.key,
      'POST',
      '/v1/patents/import',
      ndjson,
      'application/x-ndjson',
    )
    rejectedTotal += outcome.rejectedTotal
    for (const r of outcome.rejected.slice(0, 5)) {
      log(`  rejected ${chunk[r.line - 1]?.id ?? `line ${r.line}`}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`)
    }
    log(`import ${i / IMPORT_CHUNK + 1}: records ${i + 1}–${i + chunk.length}, ${outcome.accepted} accepted, ${outcome.rejectedTotal} rejected`)
    const deadline = Date.now() + timeoutMs
    let lastLog = Date.now()
    for (;;) {
      const status = await call<{ state: string; total: number; indexed: number; error?: string }>(university.key, 'GET', `/v1/imports/${outcome.importId}`)
      if (status.state === 'done') break
      if (status.state === 'failed') throw new Error(`import ${outcome.importId} failed: ${status.error ?? 'no reason given'}`)
      if (Date.now() > deadline) throw new Error(`import ${outcome.importId} not done after ${values.timeout} s (${status.state}, ${status.indexed}/${status.total} indexed)`)
      if (Date.now() - lastLog > 5000) {
        log(`  ${status.state}: ${status.indexed}/${status.total} indexed`)
        lastLog = Date.now()
      }
      await sleep(250)
    }
  }
  log(`import done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  if (rejectedTotal > 0) log(`warning: ${rejectedTotal} records rejected: the service's inventory is not the whole corpus, figures will differ from npm run eval`)

  // Every query as the enterprise's need; its matches read as the enterprise reads them.
  t0 = performance.now()
  const servedOf = new Map<string, Ranked[]>()
  const queryOfNeed = new Map<string, string>()
  const latencies: number[] = []
  await pool(queries, concurrency, async (q) => {
    const started = performance.now()
    const need = await call<{ id: string }>(enterprise.key, 'POST', '/v1/needs', JSON.stringify(needOf(q)))
    queryOfNeed.set(need.id, q.id)
    const deadline = Date.now() + timeoutMs
    // Start soon (a match takes milliseconds), then back off so that slow queues cost few requests.
    for (let wait = 50; ; wait = Math.min(1000, wait * 1.5)) {
      await sleep(wait)
      const set = await call<MatchesView>(enterprise.key, 'GET', `/v1/needs/${need.id}/matches?limit=100`)
      if (set.state === 'ready') {
        servedOf.set(
          q.id,
          set.matches.map((m) => ({ id: m.publicationNumber, score: m.score, ipc: ipcOf.get(m.publicationNumber) ?? [] })),
        )
        break
      }
      if (Date.now() > deadline) throw new Error(`the matches of need ${need.id} (query ${q.id}) are not ready after ${values.timeout} s`)
    }
    latencies.push(performance.now() - started)
    if (servedOf.size % 50 === 0) log(`${servedOf.size}/${queries.length} needs matched`)
  })
  // In the data set's order, as npm run eval builds its runs: the sums behind the figures then add up alike.
  const runs = new Map(queries.flatMap((q) => (servedOf.has(q.id) ? [[q.id, servedOf.get(q.id)!] as const] : [])))
  latencies.sort((a, b) => a - b)
  log(`matches of ${runs.size} needs ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (stated → ready: p50 ${pct(latencies, 0.5)} s, p95 ${pct(latencies, 0.95)} s)`)

  // Routing runs as a job after each need's matches are stored: wait until the centre's inbox stops changing.
  t0 = performance.now()
  const settleDeadline = Date.now() + Math.min(timeoutMs, 120_000)
  let items: PairingView[] = []
  let stableSince = Date.now()
  for (let last = -1; ; ) {
    items = (await call<{ items: PairingView[] }>(centre.key, 'GET', '/v1/pairings')).items
    if (items.length !== last) {
      last = items.length
      stableSince = Date.now()
    } else if (Date.now() - stableSince >= SETTLE_MS) break
    if (Date.now() > settleDeadline) {
      log(`warning: the centre's pairings still changing after ${((performance.now() - t0) / 1000).toFixed(0)} s; counting the ${items.length} there now`)
      break
    }
    await sleep(250)
  }
  log(`centre: ${items.length} pairings, settled in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  // The centre's pairings by the data set's query id; every matched need counts, paired or not.
  const received = new Map<string, Ranked[]>([...runs.keys()].map((qid) => [qid, []]))
  let foreign = 0
  let held = 0
  for (const p of items) {
    const qid = p.needId === undefined ? undefined : queryOfNeed.get(p.needId)
    if (qid === undefined || !received.has(qid)) {
      foreign++
      continue
    }
    if (!p.pushed) held++
    received.get(qid)!.push({ id: p.publicationNumber, score: p.score, ipc: ipcOf.get(p.publicationNumber) ?? [] })
  }
  if (foreign > 0) log(`warning: ${foreign} pairings are on needs this run did not state (not counted): the service was not fresh`)
  if (held > 0) log(`note: ${held} pairings are held back (pushed: false) by the centre's daily cap or digest; counted as received (they are in its inbox)`)
  // What the served matches predict the centre receives, against what it did receive.
  const predicted = selectPushes(runs, routing)
  const differing = [...received].filter(([qid, got]) => {
    const want = new Set((predicted.get(qid) ?? []).map((r) => r.id))
    return got.length !== want.size || got.some((r) => !want.has(r.id))
  })
  if (differing.length > 0) {
    log(`warning: for ${differing.length} needs the centre's pairings differ from the routing of the served matches, e.g. ${differing[0]![0]}`)
  } else log('centre: pairings equal the routing of the served matches for every need')

  const print = (row: Record<string, unknown>, text: string): void => void process.stdout.write(`${values.json ? JSON.stringify(row) : text}\n`)
  const served = reportLine(name, 'patent-bridge-service', runs, judgements, true)
  print(served, formatRow(served))
  // Push figures only: formatRow's push line, under this row's own method name.
  const paired = { dataset: name, method: 'centre-pairings', push: receivedFigures(received, judgements, routing) }
  const pushLine = formatRow({ ...paired, method: '' }).split('\n')[1]!.replace(/^\s*pushes\s+/, '')
  print(paired, `${name}  ${paired.method.padEnd(22)} ${pushLine}`)
}

try {
  await main()
} catch (e) {
  if (e instanceof ServiceError) log(`service error: ${e.method} ${e.path} answered ${e.status}\n${e.body}`)
  else log(e instanceof Error ? e.message : String(e))
  process.exit(1)
}
