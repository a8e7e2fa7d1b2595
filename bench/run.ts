/**
 * The benchmark: `npm run bench [-- options]`. Progress on stderr; a results table and the full
 * JSON on stdout (the JSON is also written to bench/out/, which is not committed).
 *
 *   --sizes 10000,100000,1000000   corpus sizes of the in-process steps (default all three)
 *   --e2e-size 100000              size of the end-to-end step through the real service
 *                                  (default 100000 when it is among --sizes; 0 skips it)
 *   --needs 100                    needs posted one at a time in the end-to-end step
 *   --wait-value                   in the end-to-end step, also wait (after the import is done)
 *                                  until the value profiles it queued are computed, and report
 *                                  the CPU a patent costs with them
 *   --redis-memory                 in the end-to-end step, account Redis memory by key family
 *                                  after the import (and the value profiles, with --wait-value)
 *   --analyse-max 100000           sizes up to this are analysed with jieba (analyse + index);
 *                                  larger ones index terms composed from cached clause analyses
 *   --pool-threads 2               analysis-pool sizes measured, e.g. 1,2 (empty: none)
 *   --intake-only 20000            also import this many patents into a service started with
 *                                  ROLE=api (no workers: the import intake alone, no indexing)
 *   --search-size 100000,1350000   the search step (issue 15, bench/search.ts): the embedded
 *                                  search built in-process at these sizes and queried with
 *                                  typical searches; alone, it skips the other steps unless
 *                                  --sizes is given too
 *   --search-legacy 100000         the search adapter before issue 15 at these sizes, beside it
 *                                  (default: the search sizes up to 300000)
 *   --search-legacy-sample 4       at legacy sizes above 100000, time every n-th query only
 *   --search-batch 500             patents per upsert while the search step builds (default 1000,
 *                                  the rebuild's scan; an index job upserts 500): the step reports
 *                                  the longest upsert, the event loop's longest delay and the seals
 *   --search-with-matcher          build the matcher's index in the same process as the search
 *                                  (the RSS of a ROLE=all process)
 *   --scale-out 100000             the scale-out step (issue 15, bench/scale-out.ts; root only):
 *                                  an API host and worker hosts as network namespaces sharing
 *                                  one Redis host, this many patents imported per run
 *   --scale-workers 1,2,3          the numbers of worker hosts, one run each
 *   --scale-kill                   in the run with the most workers, SIGKILL one mid-import
 *   --restart 300000               restart to /ready through the service after importing this
 *                                  many patents: from its snapshots, and rebuilt from Redis
 *   --programme 1350000            the same at the programme's size with every figure of issue 15:
 *                                  import rate, Redis memory per patent, RSS, searches through the
 *                                  API with and without filters, --needs needs to ready, restart
 *                                  from snapshots and rebuilt (add --search-legacy 1350000 for the
 *                                  search adapter before issue 15 on the same data, in the same run)
 *   --snapshot                     in each in-process step and search step, also save the index
 *                                  (the matcher's, the search's) to a snapshot file and load it
 *                                  into a new index (bench/snapshot.ts)
 *   --rescore-size 100000          the reverse-matching step (issue 15 item 4, bench/rescore.ts):
 *                                  this many patents indexed, --rescore-needs open needs
 *                                  (default 10000) prepared, then --rescore-batches batches of 500
 *                                  new patents (default 10; --rescore-batch-size sets the 500)
 *                                  re-scored against all of them, the old
 *                                  full-match path timed on every --rescore-old-every-th need
 *                                  (default 50); alone, it skips the other steps unless --sizes is given;
 *                                  tolerant as the service rescores, or exact with --rescore-exact
 *   --rescore-e2e 100000           reverse matching end to end (issue 15 item 4, bench/rescore-e2e.ts):
 *                                  --rescore-e2e-inventory patents imported first (default 0),
 *                                  --rescore-e2e-needs open needs (default 10000) stated through
 *                                  the service, then this many patents imported while a need is
 *                                  stated every 2 s: the import, when re-scoring was done, the
 *                                  needs' latency meanwhile
 *   --throughput 10000             search throughput through the service with this many patents
 *                                  (bench/throughput.ts): autocannon with --throughput-connections
 *                                  (default 50) for --throughput-seconds (default 10), beside a
 *                                  bare Fastify hello world measured the same way in the same run
 *
 * Each in-process size runs in a child process of its own so that its memory figure is its own.
 * See bench/RESULTS.md for the recorded figures and bench/corpus.ts for the synthetic corpus.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { log } from './stats.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    'e2e-size': { type: 'string' },
    needs: { type: 'string', default: '100' },
    'wait-value': { type: 'boolean', default: false },
    'redis-memory': { type: 'boolean', default: false },
    'analyse-max': { type: 'string', default: '100000' },
    'pool-threads': { type: 'string', default: '2' },
    'intake-only': { type: 'string' },
    'search-size': { type: 'string' },
    'search-legacy': { type: 'string' },
    'search-legacy-sample': { type: 'string', default: '4' },
    'search-with-matcher': { type: 'boolean', default: false },
    'search-batch': { type: 'string', default: '1000' },
    'scale-out': { type: 'string' },
    'scale-workers': { type: 'string', default: '1,2,3' },
    'scale-kill': { type: 'boolean', default: false },
    restart: { type: 'string' },
    programme: { type: 'string' },
    snapshot: { type: 'boolean', default: false },
    'rescore-size': { type: 'string' },
    'rescore-needs': { type: 'string', default: '10000' },
    'rescore-batches': { type: 'string', default: '10' },
    'rescore-old-every': { type: 'string', default: '50' },
    'rescore-batch-size': { type: 'string', default: '500' },
    'rescore-exact': { type: 'boolean', default: false },
    'rescore-e2e': { type: 'string' },
    'rescore-e2e-needs': { type: 'string', default: '10000' },
    'rescore-e2e-inventory': { type: 'string', default: '0' },
    throughput: { type: 'string' },
    'throughput-connections': { type: 'string', default: '50' },
    'throughput-seconds': { type: 'string', default: '10' },
    impl: { type: 'string' },
    'sample-every': { type: 'string' },
    child: { type: 'string' },
    size: { type: 'string' },
  },
})
const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number)

if (values.child !== undefined) {
  // ---- a child step: print its JSON as the last line of stdout
  let result: unknown
  if (values.child === 'inproc') {
    const { runInproc } = await import('./inproc.js')
    result = await runInproc({
      size: Number(values.size),
      analyseMax: Number(values['analyse-max']),
      naturalMax: 100_000,
      poolThreads: list(values['pool-threads']!),
      snapshot: values.snapshot!,
    })
  } else if (values.child === 'rescore') {
    const { runRescoreBench } = await import('./rescore.js')
    result = await runRescoreBench({
      size: Number(values.size),
      needs: Number(values['rescore-needs']),
      batches: Number(values['rescore-batches']),
      batchSize: Number(values['rescore-batch-size']),
      oldEvery: Number(values['rescore-old-every']),
      exact: values['rescore-exact']!,
    })
  } else if (values.child === 'search') {
    const { runSearchBench } = await import('./search.js')
    result = await runSearchBench({
      size: Number(values.size),
      impl: values.impl as 'embedded' | 'legacy',
      sampleEvery: Number(values['sample-every'] ?? 1),
      withMatcher: values['search-with-matcher']!,
      snapshot: values.snapshot!,
      batch: Number(values['search-batch']),
    })
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}

function child(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    p.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c))
    p.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0) return reject(new Error(`bench step ${args.join(' ')} exited with ${code}`))
      try {
        resolve(JSON.parse(last))
      } catch {
        reject(new Error(`bench step ${args.join(' ')} printed no result`))
      }
    })
  })
}

const searchSizes = list(values['search-size'] ?? '')
const scaleOut = values['scale-out'] !== undefined ? Number(values['scale-out']) : 0
const programme = values.programme !== undefined ? Number(values.programme) : 0
const restart = programme > 0 ? programme : values.restart !== undefined ? Number(values.restart) : 0
const rescoreSize = values['rescore-size'] !== undefined ? Number(values['rescore-size']) : 0
const throughput = values.throughput !== undefined ? Number(values.throughput) : 0
const rescoreE2e = values['rescore-e2e'] !== undefined ? Number(values['rescore-e2e']) : 0
const sizes = list(values.sizes ?? (searchSizes.length > 0 || scaleOut > 0 || restart > 0 || rescoreSize > 0 || throughput > 0 || rescoreE2e > 0 ? '' : '10000,100000,1000000'))
const legacySizes = values['search-legacy'] !== undefined ? list(values['search-legacy']) : searchSizes.filter((s) => s <= 300_000)
const e2eSize = values['e2e-size'] !== undefined ? Number(values['e2e-size']) : sizes.includes(100_000) ? 100_000 : 0
const started = new Date()
const t0 = performance.now()
const results: any = {
  date: started.toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: { nproc: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version },
  inproc: {} as Record<string, any>,
}

for (const size of sizes) {
  log(`--- in-process, ${size} patents`)
  const args = ['--child', 'inproc', '--size', String(size), '--analyse-max', values['analyse-max']!, '--pool-threads', values['pool-threads']!]
  results.inproc[size] = await child(values.snapshot ? [...args, '--snapshot'] : args)
}
if (e2eSize > 0) {
  log(`--- end to end through the service, ${e2eSize} patents`)
  const { runE2e } = await import('./e2e.js')
  results.e2e = await runE2e({ size: e2eSize, needs: Number(values.needs), waitValue: values['wait-value']!, memory: values['redis-memory']! })
}
if (restart > 0) {
  log(`--- ${programme > 0 ? 'the programme end to end' : 'restart to ready'}, ${restart} patents: from snapshots, and rebuilt from Redis`)
  const { runRestart } = await import('./restart.js')
  results.restart = await runRestart({ size: restart, programme: programme > 0, needs: Number(values.needs) })
}
if (scaleOut > 0) {
  log(`--- scale-out: an API host and ${values['scale-workers']} worker hosts, ${scaleOut} patents each run`)
  const { runScaleOut } = await import('./scale-out.js')
  results.scaleOut = await runScaleOut({ size: scaleOut, workers: list(values['scale-workers']!), needs: Number(values.needs), kill: values['scale-kill']! })
}
if (rescoreSize > 0) {
  log(`--- reverse matching, ${rescoreSize} patents, ${values['rescore-needs']} needs`)
  const args = ['--child', 'rescore', '--size', String(rescoreSize)]
  for (const k of ['rescore-needs', 'rescore-batches', 'rescore-old-every', 'rescore-batch-size'] as const) args.push(`--${k}`, values[k]!)
  if (values['rescore-exact']) args.push('--rescore-exact')
  results.rescore = await child(args)
}
if (rescoreE2e > 0) {
  log(`--- reverse matching end to end, ${rescoreE2e} patents imported while ${values['rescore-e2e-needs']} needs are open`)
  const { runRescoreE2e } = await import('./rescore-e2e.js')
  results.rescoreE2e = await runRescoreE2e({ size: rescoreE2e, needs: Number(values['rescore-e2e-needs']), inventory: Number(values['rescore-e2e-inventory']) })
}
if (throughput > 0) {
  log(`--- search throughput through the service, ${throughput} patents, beside a bare Fastify hello world`)
  const { runThroughput } = await import('./throughput.js')
  results.throughput = await runThroughput({ size: throughput, connections: Number(values['throughput-connections']), seconds: Number(values['throughput-seconds']) })
}
if (values['intake-only'] !== undefined) {
  log(`--- import intake alone (ROLE=api), ${values['intake-only']} patents`)
  const { runE2e } = await import('./e2e.js')
  results.intakeOnly = await runE2e({ size: Number(values['intake-only']), needs: 0, role: 'api' })
}
if (searchSizes.length + legacySizes.length > 0) {
  results.search = { embedded: {} as Record<string, any>, legacy: {} as Record<string, any>, agreement: {} as Record<string, any> }
  for (const size of [...new Set([...searchSizes, ...legacySizes])].sort((a, b) => a - b)) {
    for (const impl of ['legacy', 'embedded'] as const) {
      if (!(impl === 'legacy' ? legacySizes : searchSizes).includes(size)) continue
      const sample = impl === 'legacy' && size > 100_000 ? values['search-legacy-sample']! : '1'
      log(`--- search, ${impl}, ${size} patents${sample !== '1' ? ` (every ${sample}th query)` : ''}`)
      const args = ['--child', 'search', '--impl', impl, '--size', String(size), '--sample-every', sample, '--search-batch', values['search-batch']!]
      if (values['search-with-matcher'] && impl === 'embedded') args.push('--search-with-matcher')
      if (values.snapshot && impl === 'embedded') args.push('--snapshot')
      results.search[impl][size] = await child(args)
    }
    const { agreement } = await import('./search.js')
    const [a, b] = [results.search.embedded[size], results.search.legacy[size]]
    if (a !== undefined && b !== undefined) results.search.agreement[size] = agreement(a.rows, b.rows)
  }
}
results.totalSec = Math.round((performance.now() - t0) / 1000)

// ---- targets
const at = (n: number) => results.inproc[n]
/**
 * Each row is an issue target as this bench reads it, or (`info`) a stricter reading of one,
 * printed beside it so that a reader can judge both (see bench/RESULTS.md).
 */
const targetsSearch = () => {
  for (const s of searchSizes) {
    const r = results.search?.embedded[s]
    add(`search p95 ≤ 100 ms, typical queries (${s})`, r?.searchMs?.all?.p95, 100, 'lower', 'ms')
    add(`search process RSS ≤ 4 GB (${s}${values['search-with-matcher'] ? ', with the matcher' : ', search alone'})`, r?.memoryAfterGcMB?.rss, 4096, 'lower', 'MB')
  }
}
const targets: Array<{ target: string; value: string; met: boolean | undefined; info: boolean }> = []
const add = (target: string, value: number | undefined, limit: number, better: 'lower' | 'higher', unit: string, info = false) => {
  if (value === undefined || Number.isNaN(value)) return
  targets.push({ target, value: `${value} ${unit}`, met: better === 'lower' ? value <= limit : value >= limit, info })
}
add('match p95 at 100k ≤ 50 ms', at(100_000)?.matchMs?.p95, 50, 'lower', 'ms')
add('match p95 at 1M ≤ 300 ms', at(1_000_000)?.matchMs?.p95, 300, 'lower', 'ms')
if (at(100_000)?.naturalTfIdf) {
  const nat = at(100_000).naturalTfIdf.queryMs
  results.speedupVsNatural100k = {
    byNaturalMedian: Math.round(nat.p50 / at(100_000).matchMs.p95),
    byNaturalMean: Math.round(nat.mean / at(100_000).matchMs.p95),
    medianToMedian: Math.round(nat.p50 / at(100_000).matchMs.p50),
  }
  const same = at(100_000).naturalTfIdf.sameNeeds.speedup
  add("≥ 50× natural's TfIdf at 100k: total time of the same needs", same.total, 50, 'higher', '×')
  add("≥ 50× natural's TfIdf at 100k: median need's ratio", same.median, 50, 'higher', '×', true)
  add("≥ 50× natural's TfIdf at 100k: slowest need's ratio", same.min, 50, 'higher', '×', true)
  add("≥ 50× natural's TfIdf at 100k: natural's median / our p95 over all 358 needs", results.speedupVsNatural100k.byNaturalMedian, 50, 'higher', '×', true)
}
const big = at(100_000) ?? at(sizes.filter((s) => s <= 100_000).at(-1)!)
for (const s of sizes) add(`index build ≥ 5,000/s: from analysed terms (${s})`, at(s)?.indexFromTerms?.perSec, 5000, 'higher', '/s')
if (big?.analyseIndexPool2) add(`index build ≥ 5,000/s: jieba analysis included, pool of 2 (${big.size})`, big.analyseIndexPool2.perSec, 5000, 'higher', '/s', true)
if (big?.analyseIndex1Thread) add(`index build ≥ 5,000/s: jieba analysis included, 1 thread (${big.size})`, big.analyseIndex1Thread.perSec, 5000, 'higher', '/s', true)
add('worker RSS at 1M ≤ 4 GB', at(1_000_000)?.memoryAfterGcMB?.rss, 4096, 'lower', 'MB')
add(`need → matches ready p95 ≤ 1 s (${e2eSize})`, results.e2e?.needToMatchesMs?.p95, 1000, 'lower', 'ms')
targetsSearch()
if (results.rescore !== undefined) {
  const r = results.rescore
  const perBatch = r.totals.preparedMs / r.batches.length
  const indexPerBatch = r.batches.reduce((s: number, b: any) => s + b.indexMs, 0) / r.batches.length
  add(`re-scoring a batch of 500 against ${r.needs} needs within indexing it (${r.size}; mean ms, indexing from terms ${Math.round(indexPerBatch)} ms)`, Math.round(perBatch), Math.round(indexPerBatch), 'lower', 'ms', true)
}
results.targets = targets

// ---- print
const rows: string[] = []
rows.push('| size | analyse+index 1 thread /s | analyse+index pool 1 /s | pool 2 /s | index from terms /s | match p50 ms | match p95 ms | natural TfIdf ms/query (median) | RSS after gc MB |')
rows.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
if (sizes.length === 0) rows.splice(0, 2)
for (const s of sizes) {
  const r = at(s)
  rows.push(
    `| ${s.toLocaleString('en')} | ${r.analyseIndex1Thread?.perSec ?? '—'} | ${r.analyseIndexPool1?.perSec ?? '—'} | ${r.analyseIndexPool2?.perSec ?? '—'} | ${r.indexFromTerms.perSec} (${r.indexFromTerms.termsSource}) | ${r.matchMs.p50} | ${r.matchMs.p95} | ${r.naturalTfIdf ? `${r.naturalTfIdf.queryMs.p50} (n=${r.naturalTfIdf.queryMs.n})` : '—'} | ${r.memoryAfterGcMB.rss} |`,
  )
}
if (results.search !== undefined) {
  rows.push('')
  rows.push('| search | size | build /s | p50 ms | p95 ms | max ms | no filter p95 | filtered p95 | empty q p95 | CPU ms/query p50 / p95 | RSS after gc MB | peak RSS MB | agrees with legacy (same total / same top 20 / top-10 overlap) |')
  rows.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const impl of ['legacy', 'embedded'] as const) {
    for (const [size, r] of Object.entries(results.search[impl] as Record<string, any>)) {
      const ag = impl === 'embedded' ? results.search.agreement[size] : undefined
      const m = r.searchMs
      rows.push(
        `| ${impl} | ${Number(size).toLocaleString('en')} | ${r.indexPerSec} | ${m.all.p50} (n=${m.all.n}) | ${m.all.p95} | ${m.all.max} | ${m.textNoFilter.p95} | ${m.textFiltered.p95} | ${m.empty.p95} | ${r.cpuMs.all.p50} / ${r.cpuMs.all.p95} | ${r.memoryAfterGcMB.rss} | ${r.peakRssMB} | ${ag ? `${ag.sameTotal} / ${ag.sameTop20} / ${ag.overlapTop10}` : '—'} |`,
      )
    }
  }
}
if (results.search !== undefined && Object.keys(results.search.embedded).length > 0) {
  rows.push('')
  rows.push('| search build | size | batch | build wall s | longest upsert ms | upserts > 50 ms | event-loop delay max / p99 ms | longest GC pause ms | seals | seal ms, sum / wall | longest seal slice ms (less GC; CPU) | slices > 20 ms | longest swap ms | seal steps |')
  rows.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const [size, r] of Object.entries(results.search.embedded as Record<string, any>)) {
    const b = r.buildBlocking
    rows.push(
      `| embedded | ${Number(size).toLocaleString('en')} | ${b.batch} | ${b.wallBuildSec} | ${b.longestUpsertMs} | ${b.upsertsOver50ms} | ${b.eventLoopDelayMaxMs} / ${b.eventLoopDelayP99Ms} | ${b.gcLongestMs} | ${b.seals} | ${b.sealMs} / ${b.sealWallMs ?? '—'} | ${b.sealLongestSliceMs ?? b.sealLongestStepMs}${b.sealLongestSliceLessGcMs !== undefined ? ` (${b.sealLongestSliceLessGcMs}; ${b.sealLongestSliceCpuMs})` : ''} | ${b.sealSlicesOver20ms ?? '—'} | ${b.sealLongestSwapMs ?? '—'} | ${b.sealSteps ?? '—'} |`,
    )
  }
}
if (results.rescore !== undefined) {
  rows.push('')
  rows.push('| batch | index 500 ms | re-score, prepared ms | longest run of 20 needs ms | prepared again | current matches scored too | needs with new matches | re-score, full match ms (est.) | its page of 200 needs ms (est.) |')
  rows.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const b of results.rescore.batches) rows.push(`| ${b.batch} | ${b.indexMs} | ${b.preparedMs} | ${b.pageMaxMs} | ${b.preparedAgain} | ${b.scoredWithCurrent} | ${b.needsWithNewMatches} | ${b.oldMsEstimated} (n=${b.oldSampled}) | ${b.oldPageMsEstimated} |`)
}
rows.push('')
rows.push('| target | reading | measured | met |')
rows.push('| --- | --- | ---: | :---: |')
for (const t of targets) rows.push(`| ${t.target} | ${t.info ? 'stricter (info)' : 'target'} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`)
process.stdout.write(`${rows.join('\n')}\n\n${JSON.stringify(results, null, 2)}\n`)
mkdirSync(new URL('./out/', import.meta.url), { recursive: true })
writeFileSync(new URL(`./out/results-${started.toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify(results, null, 2))
log(`done in ${results.totalSec} s`)
