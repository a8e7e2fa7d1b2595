/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. the service run by the end-to-end step with
 * `BENCH_SERVICE_NODE_ARGS='--cpu-prof --cpu-prof-dir=bench/out/prof'`):
 *
 *   node --import tsx bench/profile.ts [--per N] [--top 40] [--cpu µs] [--from-import] FILE.cpuprofile…
 *
 * For each file (a process or a thread): busy time; self time by function (top N); and self time
 * by where in the service it is spent: the innermost frame of the project's own code (src/,
 * search-config/) on the stack, with the library the sample is in (its leaf frame's package, or
 * V8's own: GC, natives); and by stage of an import (`STAGES`). With `--per N` (patents
 * imported) every figure is also µs per patent; with `--cpu` (the CPU a patent cost, measured
 * apart: a profile samples wall time, which counts a thread the OS has descheduled as busy) the
 * stages share out that figure; `--from-import` leaves out the samples before the import began.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, top: { type: 'string', default: '40' }, cpu: { type: 'string' }, 'from-import': { type: 'boolean', default: false } } })
const per = values.per === undefined ? undefined : Number(values.per)
const top = Number(values.top)

const short = (url: string) => {
  if (url === '') return ''
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const m = /\/(src|search-config|bench|workers)\/(.*)$/.exec(url)
  return m ? `${m[1]}/${m[2]}` : url.replace(/^file:\/\//, '')
}
const pkg = (url: string) => {
  const nm = url.lastIndexOf('node_modules/')
  if (nm < 0) return undefined
  const rest = url.slice(nm + 'node_modules/'.length).split('/')
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
}
/**
 * The stages of an import, by the innermost frame on a sample's stack that names one (function
 * and file); samples with none go by their library (the Redis client's replies, BullMQ, GC).
 */
const STAGES: Array<[RegExp, string]> = [
  [/^readNdjson |^normaliseRecord |^records src\/http/, 'intake: read and parse NDJSON'],
  [/^putMany src\/adapters\/redis\/patent-store|^appendMany |^storeAndIndex |^progress src\/adapters\/redis\/import-store|^indexingQueued /, 'intake: store records, listings, queue'],
  [/^importRecords /, 'intake: validate (zod) and batch'],
  [/^\(anonymous\) src\/services\/inventory|^buildPatent |^sameContent /, 'intake: read existing, build, compare'],
  [/^upsert src\/domain\/matching\/match-index/, 'index: matcher'],
  [/^upsert src\/adapters\/embedded-search\/index/, 'index: embedded search'],
  [/^putTerms /, 'index: store terms'],
  [/ src\/adapters\/analysis-pool\//, 'index: to and from the analysis threads'],
  [/^indexPatents |^\(anonymous\) src\/services\/indexing/, 'index: read patents, publish, count'],
  [/^computeValueProfile |^computeIndicators /, 'value: compute profiles'],
  [/ src\/adapters\/redis\/value-store|^\(anonymous\) src\/adapters\/redis\/optimistic/, 'value: serialise and store profiles'],
  [/ src\/services\/value/, 'value: read patents and demand'],
  [/ src\/adapters\/bullmq\/| src\/roles\/worker/, 'jobs (BullMQ, handlers)'],
]
const own = (url: string) => pkg(url) === undefined && /\/(src|search-config)\//.test(url)

function summarise(file: string) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map<number, ProfileNode>()
  const parent = new Map<number, number>()
  for (const n of p.nodes) byId.set(n.id, n)
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<number, number>()
  // with --from-import, samples before the first one in the import's NDJSON reader (the start) are left out
  let first = 0
  if (values['from-import']) {
    const reader = new Set(p.nodes.filter((n) => n.callFrame.functionName === 'readNdjson').map((n) => n.id))
    const under = (id: number): boolean => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (reader.has(at)) return true
      return false
    }
    first = Math.max(0, p.samples.findIndex(under))
  }
  // each sample's delta is the time up to the next sample
  for (let i = first; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt)
  }
  let idle = 0
  let total = 0
  const byFunction = new Map<string, number>()
  const byPlace = new Map<string, number>()
  // inclusive time of the service's own functions: each function counted once a sample
  const inclusive = new Map<string, number>()
  const byStage = new Map<string, number>()
  for (const [id, us] of self) {
    const leaf = byId.get(id)!.callFrame
    if (leaf.functionName === '(idle)') continue
    let stage: string | undefined
    for (let at: number | undefined = id; at !== undefined && stage === undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame
      if (!own(cf.url)) continue
      const name = `${cf.functionName || '(anonymous)'} ${short(cf.url)}`
      stage = STAGES.find(([re]) => re.test(name))?.[1]
    }
    if (stage === undefined) {
      const lib = pkg(leaf.url)
      stage =
        leaf.functionName === '(garbage collector)' ? 'GC (pauses on this thread)'
        : lib === 'ioredis' ? 'Redis client (replies, sockets)'
        : lib === 'bullmq' ? 'jobs (BullMQ, handlers)'
        : /string_decoder/.test(leaf.url) ? 'intake: read and parse NDJSON'
        : 'other (start-up, HTTP, node internals)'
    }
    byStage.set(stage, (byStage.get(stage) ?? 0) + us)
  }
  for (const [id, us] of self) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame
      if (!own(cf.url)) continue
      const name = `${cf.functionName || '(anonymous)'} ${short(cf.url)}:${cf.lineNumber + 1}`
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + us)
    }
  }
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const f = n.callFrame
    total += us
    if (f.functionName === '(idle)') {
      idle += us
      continue
    }
    const fn = `${f.functionName || '(anonymous)'} ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us)
    // the library of the leaf, and the innermost frame of our own code
    const lib = f.url === '' ? (f.functionName.startsWith('(') ? f.functionName : `native ${f.functionName}`) : own(f.url) ? 'own code' : (pkg(f.url) ?? `node:${short(f.url)}`)
    let at: number | undefined = id
    let place = '(no frame of the service)'
    while (at !== undefined) {
      const cf = byId.get(at)!.callFrame
      if (own(cf.url)) {
        place = `${cf.functionName || '(anonymous)'} ${short(cf.url)}:${cf.lineNumber + 1}`
        break
      }
      at = parent.get(at)
    }
    const key = `${place} | ${lib}`
    byPlace.set(key, (byPlace.get(key) ?? 0) + us)
  }
  const busy = total - idle
  const fmt = (us: number) => {
    const ms = (us / 1000).toFixed(0).padStart(8)
    const share = ((us / busy) * 100).toFixed(1).padStart(5)
    return per === undefined ? `${ms} ms ${share} %` : `${ms} ms ${share} % ${(us / per).toFixed(1).padStart(7)} µs/patent`
  }
  const out: string[] = []
  out.push(`# ${file}`)
  out.push(`wall ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s${per === undefined ? '' : ` (${(busy / per).toFixed(1)} µs/patent over ${per})`}, idle ${(idle / 1e6).toFixed(1)} s`)
  out.push('', `## by stage${values.cpu === undefined ? '' : ` (µs a patent of ${values.cpu} µs of CPU measured, shared out as the profile's busy time)`}`)
  for (const [k, us] of [...byStage].sort((a, b) => b[1] - a[1])) {
    const share = us / busy
    out.push(`${(share * 100).toFixed(1).padStart(5)} %${values.cpu === undefined ? '' : ` ${(share * Number(values.cpu)).toFixed(0).padStart(5)} µs`}  ${k}`)
  }
  out.push('', '## self time by function')
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${fmt(us)}  ${k}`)
  out.push('', '## self time by the innermost frame of the service | the library it is in')
  for (const [k, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${fmt(us)}  ${k}`)
  out.push('', '## inclusive time of the service\'s own functions')
  for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${fmt(us)}  ${k}`)
  return out.join('\n')
}

for (const f of positionals) process.stdout.write(`${summarise(f)}\n\n`)
