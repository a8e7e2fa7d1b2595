/**
 * Property-based tests: random and malformed input at the import and need routes never gives a
 * 500, and never leaves a partial or invalid record behind. What the service stores is read back
 * through the API and compared with what this file expects of the input, by rules written out
 * here from the contract (trimmed text, upper-case IPC codes without spaces, lists without
 * duplicates, defaults), never with the output of the service's own schemas: a schema that
 * let a wrong record through, or a store that kept it wrongly, would pass a comparison with
 * itself.
 */
import t from 'tap'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { auth, build } from '../helper.js'
import type { App } from '../../src/http/app.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 60)
// One seed a run, the same in every run unless FUZZ_SEED says otherwise, so that CI cannot fail at
// random; fast-check prints the seed and the counterexample of a failure, and FUZZ_SEED replays it.
// Other seeds are for looking for trouble: FUZZ_SEED=$RANDOM npx tap test/http/fuzz.test.ts
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261201) })

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 })
/** Now and then, a field the record should not have. */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })
/** Mostly `good`, sometimes `bad`. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 4, arbitrary: good as fc.Arbitrary<T | U> }, { weight: 1, arbitrary: bad })
const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.object())
/** A required field that is wrong or missing. */
const missing = fc.oneof(junk, fc.constant(undefined))
const goodText = fc.oneof(fc.constantFrom('图像识别', '  锂电池健康状态  ', '\t深度学习\n', 'x'.repeat(500), 'TiO2 涂层'), fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''))
const text = fc.oneof(goodText, fc.string({ maxLength: 40 }), fc.constantFrom('', '  ', 'x'.repeat(501)))

/**
 * Provinces as people write them, and what each is read as (full name, GB/T 2260 code), written
 * out here rather than taken from the region table. Any other text is no province: the random
 * ones start with 火星, which no province does.
 */
const PROVINCES: Record<string, [string, string]> = {
  浙江: ['浙江省', '330000'],
  ' 广东省 ': ['广东省', '440000'],
  Guangdong: ['广东省', '440000'],
  guangdong: ['广东省', '440000'],
  '440000': ['广东省', '440000'],
  '44': ['广东省', '440000'],
  'Inner Mongolia': ['内蒙古自治区', '150000'],
  广西壮族自治区: ['广西壮族自治区', '450000'],
  北京: ['北京市', '110000'],
  'Hong Kong': ['香港特别行政区', '810000'],
}
const province = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...Object.keys(PROVINCES)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `火星${s}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '  ', 'x'.repeat(51)) },
  // junk but text, which might by chance name a province (11, 44)
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.object()) },
)

const needBody = fc.record(
  {
    title: mostly(text, missing),
    description: maybe(mostly(text, junk)),
    keywords: maybe(mostly(fc.array(mostly(goodText, text), { maxLength: 4 }), junk)),
    ipc: maybe(mostly(fc.array(fc.constantFrom('G06F16/35', 'g06n', ' h04l 9/32 ', 'X99', 'H04L9/32', 'G06F16/35', ''), { maxLength: 3 }), junk)),
    transferModes: maybe(mostly(fc.array(fc.constantFrom('license', 'assignment', 'equity', 'license', 'rent'), { maxLength: 3 }), junk)),
    province: maybe(province),
    industry: maybe(mostly(text, junk)),
    extra: rarely(junk),
  },
  { requiredKeys: ['title', 'extra'] },
)

const PNS = fc.integer({ min: 100000000, max: 100000040 }).map((n) => `CN${n}A`)
/** Office forms: any width, case or spacing (README, "Inventory files"). */
const officePn = PNS.chain((pn) => fc.constantFrom(pn, ` ${pn} `, pn.toLowerCase(), `${pn.slice(0, 2)} ${pn.slice(2, -1)} ${pn.slice(-1)}`, pn.normalize('NFKC').replace(/[A-Z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))))
const patentRecord = fc.record(
  {
    publicationNumber: mostly(officePn, fc.oneof(fc.string({ maxLength: 12 }), fc.constant('CN-100000001A'), missing)),
    title: mostly(mostly(goodText, text), missing),
    abstract: mostly(mostly(goodText, text), missing),
    ipc: maybe(
      mostly(
        fc.oneof(fc.array(fc.constantFrom('G06F16/35', 'G06N3/08', 'g06n 3/08', 'Ｇ０６Ｆ１６／３５', 'G06F0016350000', 'bogus'), { maxLength: 3 }), fc.constantFrom('G06F16/35; G06N3/08', 'G06F16/35，g06n3/08', ';')),
        junk,
      ),
    ),
    legalStatus: maybe(mostly(fc.constantFrom('granted', 'Granted', ' pending ', '授权', '失效', 'sold'), junk)),
    filingDate: maybe(mostly(fc.constantFrom('2023-01-31', '2024-02-29', '2023/1/5', '2023年12月8日', '20240510', '2023.3.4', '2023-02-30', '2023-13-01', 'yesterday'), junk)),
    transferModes: maybe(mostly(fc.oneof(fc.array(fc.constantFrom('license', 'LICENSE', '许可', 'equity', 'gift'), { maxLength: 2 }), fc.constantFrom('许可、转让', 'license|equity')), junk)),
    language: maybe(mostly(fc.constantFrom('zh', 'EN', '中文', 'fr'), junk)),
    unknownField: rarely(junk),
  },
  { requiredKeys: ['publicationNumber', 'title', 'abstract', 'unknownField'] },
)
const line = fc.oneof(
  { weight: 5, arbitrary: patentRecord.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.json() },
)

// What the contract makes of an input, written out here ---------------------------------------

type Expected<T> = { ok: true; value: T } | { ok: false; why: string }
const bad = (why: string): { ok: false; why: string } => ({ ok: false, why })
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
/** A string field: trimmed, within its lengths. */
const trimmed = (v: unknown, min: number, max: number) => (typeof v === 'string' && v.trim().length >= min && v.trim().length <= max ? v.trim() : undefined)
/** An IPC code as stored: upper case, no spaces, e.g. G06F16/35. */
const ipcCode = (v: unknown) => {
  if (typeof v !== 'string') return undefined
  const code = v.trim().toUpperCase().replace(/\s+/g, '')
  return /^[A-H]\d{2}[A-Z](\d{1,4}(\/\d{1,6})?)?$/.test(code) ? code : undefined
}
/** Each item through `item`, or undefined when one fails or there are too many. */
function listOf<T>(v: unknown, max: number, item: (x: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(v) || v.length > max) return undefined
  const out = v.map(item)
  return out.every((x) => x !== undefined) ? (out as T[]) : undefined
}
const unique = <T>(xs: T[]) => [...new Set(xs)]
const TRANSFER_MODES = ['assignment', 'license', 'open-license', 'equity']
const transferMode = (v: unknown) => (typeof v === 'string' && TRANSFER_MODES.includes(v) ? v : undefined)
const calendarDate = (v: unknown) => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined
  const d = new Date(`${v}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v ? v : undefined
}
/** Unknown fields are refused by name. */
const unknownKeys = (o: Record<string, unknown>, known: string[]) => Object.keys(o).filter((k) => !known.includes(k))

interface ExpectedNeed {
  title: string
  description?: string
  keywords: string[]
  ipc: string[]
  transferModes: string[]
  province?: string
  provinceCode?: string
  industry?: string
  /** What universities see: as given, `none` when not. */
  disclosure: string
  state: 'open'
  version: 1
}
const NEED_FIELDS = ['title', 'description', 'keywords', 'ipc', 'transferModes', 'province', 'industry', 'disclosure']
function expectNeed(body: unknown): Expected<ExpectedNeed> {
  if (!isObject(body)) return bad('not an object')
  const unknown = unknownKeys(body, NEED_FIELDS)
  if (unknown.length > 0) return bad(`unknown ${unknown.join(', ')}`)
  const need: ExpectedNeed = { title: '', keywords: [], ipc: [], transferModes: [], disclosure: 'none', state: 'open', version: 1 }
  const title = trimmed(body.title, 1, 500)
  if (title === undefined) return bad('title')
  need.title = title
  if (body.description !== undefined) {
    const description = trimmed(body.description, 0, 20_000)
    if (description === undefined) return bad('description')
    need.description = description
  }
  if (body.keywords !== undefined) {
    const keywords = listOf(body.keywords, 50, (k) => trimmed(k, 1, 100))
    if (keywords === undefined) return bad('keywords')
    need.keywords = keywords
  }
  if (body.ipc !== undefined) {
    const ipc = listOf(body.ipc, 50, ipcCode)
    if (ipc === undefined) return bad('ipc')
    need.ipc = unique(ipc)
  }
  if (body.transferModes !== undefined) {
    const modes = listOf(body.transferModes, 4, transferMode)
    if (modes === undefined) return bad('transferModes')
    need.transferModes = unique(modes)
  }
  if (body.province !== undefined) {
    const read = typeof body.province === 'string' && trimmed(body.province, 1, 50) !== undefined ? PROVINCES[body.province] : undefined
    if (read === undefined) return bad('province')
    need.province = read[0]
    need.provinceCode = read[1]
  }
  if (body.industry !== undefined) {
    const v = trimmed(body.industry, 1, 100)
    if (v === undefined) return bad('industry')
    need.industry = v
  }
  if (body.disclosure !== undefined) {
    if (typeof body.disclosure !== 'string' || !['none', 'identity', 'identity-and-need'].includes(body.disclosure)) return bad('disclosure')
    need.disclosure = body.disclosure
  }
  return { ok: true, value: need }
}

/** The fields of a record as the service should read them (before defaults), by the README's rules. */
type Given = Partial<Record<'publicationNumber' | 'title' | 'abstract' | 'legalStatus' | 'filingDate' | 'language', string> & Record<'ipc' | 'transferModes', string[]>>
interface ExpectedPatent {
  publicationNumber: string
  title: string
  abstract: string
  keywords: string[]
  ipc: string[]
  applicants: string[]
  inventors: string[]
  /** Given, or detected from the text (then zh, en or mixed). */
  language: 'zh' | 'en' | 'detected'
  legalStatus: string
  filingDate?: string
  transferModes: string[]
  status: 'listed'
}
const PATENT_FIELDS = ['publicationNumber', 'applicationNumber', 'title', 'abstract', 'claims', 'keywords', 'ipc', 'applicants', 'inventors', 'language', 'legalStatus', 'filingDate', 'publicationDate', 'grantDate', 'expiryDate', 'transferModes']
const LEGAL_STATUSES = ['pending', 'granted', 'lapsed', 'expired', 'invalidated']
/** The office words this file sends (README, "Inventory files"), and the codes they stand for. */
const WORDS: Record<string, Record<string, string>> = {
  legalStatus: { 授权: 'granted', 失效: 'lapsed' },
  transferModes: { 许可: 'license', 转让: 'assignment' },
  language: { 中文: 'zh' },
}
/** A value in the office's words: the code it stands for, case and width aside; else the text, trimmed. */
const word = (field: string, v: string) => {
  const key = v.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
  return WORDS[field]?.[key] ?? ([...LEGAL_STATUSES, ...TRANSFER_MODES, 'zh', 'en'].includes(key) ? key : v.trim())
}
/** 2021-3-4, 2021/3/4, 2021.3.4, 2021年3月4日, 20210304 → 2021-03-04 when that day exists; else as written. */
const officeDate = (v: string) => {
  const s = v.normalize('NFKC').trim()
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (m === null) return v
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`
  return calendarDate(iso) ?? v
}
/** G06F 16/35, ｇ０６ｆ１６／３５ and the zero-padded G06F0016350000 → G06F16/35. */
const officeIpc = (v: string) => {
  const s = v.normalize('NFKC').toUpperCase().replace(/\s+/g, '')
  const padded = /^([A-H]\d{2}[A-Z])(\d{4})(\d{6})$/.exec(s)
  return padded === null ? s : `${padded[1]}${Number(padded[2])}/${padded[3]!.replace(/0+$/, '').padEnd(2, '0')}`
}
/** A list: an array, or text separated by ; ； , ， 、 or |. */
const officeList = (v: unknown, item: (x: string) => string): unknown[] | undefined => {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? item(x) : x))
  if (typeof v === 'string') return v.split(/[;；,，、|\n]+/).map((x) => x.trim()).filter((x) => x !== '').map(item)
  return undefined
}

/** Whether a first line starting with "[" opens a JSON array of records: it is no JSON value alone, or it is a non-empty array of objects. */
function pretendsToBeArray(first: string): boolean {
  try {
    const v: unknown = JSON.parse(first)
    return Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))
  } catch {
    return true
  }
}

/**
 * What the service should make of an NDJSON record. Unknown fields are refused by name; blank
 * values (null, empty or spaces) are absent fields; values neither text nor a list are left as they are.
 */
function expectGiven(record: unknown): Expected<Given> {
  if (!isObject(record)) return bad('not an object')
  const unknown = unknownKeys(record, PATENT_FIELDS)
  if (unknown.length > 0) return bad(`unknown ${unknown.join(', ')}`)
  const present = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '')))
  const g: Given = {}
  const pn = present.publicationNumber
  const number = typeof pn === 'string' ? pn.normalize('NFKC').toUpperCase().replace(/[\s.]+/g, '') : undefined
  if (number === undefined || !/^[A-Z]{2}[0-9A-Z]{3,20}$/.test(number)) return bad('publicationNumber')
  g.publicationNumber = number
  for (const [key, max] of [['title', 500], ['abstract', 20_000]] as const) {
    const v = trimmed(present[key], 1, max)
    if (v === undefined) return bad(key)
    g[key] = v
  }
  if (present.ipc !== undefined) {
    const ipc = listOf(officeList(present.ipc, officeIpc), 100, (c) => (typeof c === 'string' && /^[A-H]\d{2}[A-Z](\d{1,4}(\/\d{1,6})?)?$/.test(c) ? c : undefined))
    if (ipc === undefined) return bad('ipc')
    g.ipc = ipc
  }
  if (present.transferModes !== undefined) {
    const modes = listOf(officeList(present.transferModes, (x) => word('transferModes', x)), 4, transferMode)
    if (modes === undefined) return bad('transferModes')
    g.transferModes = modes
  }
  if (present.legalStatus !== undefined) {
    const v = typeof present.legalStatus === 'string' ? word('legalStatus', present.legalStatus) : undefined
    if (v === undefined || !LEGAL_STATUSES.includes(v)) return bad('legalStatus')
    g.legalStatus = v
  }
  if (present.language !== undefined) {
    const v = typeof present.language === 'string' ? word('language', present.language) : undefined
    if (v !== 'zh' && v !== 'en') return bad('language')
    g.language = v
  }
  if (present.filingDate !== undefined) {
    const d = typeof present.filingDate === 'string' ? calendarDate(officeDate(present.filingDate)) : undefined
    if (d === undefined) return bad('filingDate')
    g.filingDate = d
  }
  for (const key of ['applicationNumber', 'claims', 'keywords', 'applicants', 'inventors', 'publicationDate', 'grantDate', 'expiryDate']) {
    if (present[key] !== undefined) throw new Error(`the generator wrote ${key}: expectGiven has no rule for it`)
  }
  return { ok: true, value: g }
}
/** The stored patent of these fields: defaults for the absent ones, lists without duplicates. */
function stored(g: Given): ExpectedPatent {
  const p: ExpectedPatent = {
    publicationNumber: g.publicationNumber!,
    title: g.title!,
    abstract: g.abstract!,
    keywords: [],
    ipc: unique(g.ipc ?? []),
    applicants: [],
    inventors: [],
    language: g.language === 'zh' || g.language === 'en' ? g.language : 'detected',
    legalStatus: g.legalStatus ?? 'pending',
    transferModes: unique(g.transferModes ?? []),
    status: 'listed',
  }
  if (g.filingDate !== undefined) p.filingDate = g.filingDate
  return p
}

/** The stored need or patent as the API returns it, in the fields this file expects. */
const needAsRead = (n: Record<string, unknown>) => {
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = n
  return rest
}
async function patentAsRead(app: App, pn: string) {
  const res = await app.inject({ method: 'GET', url: `/v1/patents/${pn}`, headers: auth })
  if (res.statusCode !== 200) throw new Error(`GET /v1/patents/${pn}: ${res.statusCode} ${res.body}`)
  const { createdAt: _c, updatedAt: _u, ...rest } = res.json() as Record<string, unknown>
  return rest
}
function samePatent(actual: Record<string, unknown>, expected: ExpectedPatent, context: string) {
  const { language, ...rest } = actual
  const { language: wanted, ...wantedRest } = expected
  assert.deepEqual(rest, wantedRest, `${context}: the stored patent differs from the input`)
  if (wanted === 'detected') assert.ok(['zh', 'en', 'mixed'].includes(String(language)), `${context}: detected language ${String(language)}`)
  else assert.equal(language, wanted, `${context}: language`)
}

t.test('random need bodies: 201 and GET gives back exactly the expected need, or 400 and nothing stored', async (t) => {
  const { app, container } = await build(t)
  let created = 0
  await fc.assert(
    fc.asyncProperty(needBody, async (body) => {
      const before = (await container.stores.needs.openIds()).length
      const res = await app.inject({ method: 'POST', url: '/v1/needs', headers: auth, payload: body })
      if (res.statusCode >= 500) throw new Error(`500 for ${JSON.stringify(body)}: ${res.body}`)
      // What the server receives: JSON drops keys whose value is undefined.
      const expected = expectNeed(JSON.parse(JSON.stringify(body)))
      if (expected.ok) {
        if (res.statusCode !== 201) throw new Error(`a valid need was refused: ${res.body}`)
        created++
        const id = (res.json() as { id: string }).id
        const read = await app.inject({ method: 'GET', url: `/v1/needs/${id}`, headers: auth })
        if (read.statusCode !== 200) throw new Error(`GET /v1/needs/${id}: ${read.statusCode} ${read.body}`)
        assert.deepEqual(needAsRead(read.json() as Record<string, unknown>), expected.value, `need ${id} as read differs from the input ${JSON.stringify(body)}`)
      } else {
        if (res.statusCode !== 400) throw new Error(`an invalid need (${expected.why}) got ${res.statusCode}: ${res.body}`)
        const details = (res.json() as { error: { details: Array<{ path: string }> } }).error.details
        if (details.length === 0 || details.some((d) => !d.path.startsWith('body'))) throw new Error(`400 without field paths under body: ${res.body}`)
        if ((await container.stores.needs.openIds()).length !== before) throw new Error('an invalid need was stored')
      }
    }),
    { numRuns: RUNS },
  )
  t.ok(created > 0, `${created} of ${RUNS} random needs were valid and read back as expected`)
})

t.test('malformed JSON bodies are 400, never 500', async (t) => {
  const { app } = await build(t)
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 50 }), async (raw) => {
      const res = await app.inject({ method: 'POST', url: '/v1/needs', headers: { ...auth, 'content-type': 'application/json' }, payload: raw })
      if (res.statusCode >= 500) throw new Error(`500 for ${JSON.stringify(raw)}`)
    }),
    { numRuns: RUNS },
  )
  t.pass('no 500')
})

t.test('random NDJSON imports, merged or replaced: every line accounted for, only valid records stored, each as expected', async (t) => {
  const { app, container } = await build(t)
  /** The fields each publication number holds now. */
  const latest = new Map<string, Given>()
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 25 }), fc.constantFrom('merge', 'replace', undefined), async (lines, mode) => {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/patents/import${mode === undefined ? '' : `?mode=${mode}`}`,
        headers: { ...auth, 'content-type': 'application/x-ndjson' },
        payload: lines.join('\n'),
      })
      const nonEmpty = lines.filter((l) => l.trim() !== '').length
      if (nonEmpty === 0) {
        // the README: an empty file is a 400
        if (res.statusCode !== 400) throw new Error(`an import without records answered ${res.statusCode}: ${res.body}`)
        return
      }
      // The README: a body that is plainly one JSON array (its first line "[" and more, or a line of
      // objects in brackets) is refused with a hint to send one object per line.
      const first = lines.find((l) => l.trim() !== '')!.trim()
      if (first.startsWith('[') && pretendsToBeArray(first)) {
        if (res.statusCode !== 400 || !/JSON array/.test(res.body)) throw new Error(`a JSON array body answered ${res.statusCode}: ${res.body}`)
        return
      }
      if (res.statusCode !== 202) throw new Error(`import answered ${res.statusCode}: ${res.body}`)
      const body = res.json() as { accepted: number; rejectedTotal: number; rejected: Array<{ line: number }>; warnings: Array<{ line: number }> }
      const expected = lines.map((l, i) => {
        if (l.trim() === '') return { line: i + 1, result: undefined }
        let value: unknown
        try {
          value = JSON.parse(l)
        } catch {
          return { line: i + 1, result: bad('not JSON') }
        }
        return { line: i + 1, result: expectGiven(value) }
      })
      // A number met twice in a file: the later line wins (and a warning names it).
      const last = new Map<string, { line: number; given: Given }>()
      for (const e of expected) if (e.result?.ok === true) last.set(e.result.value.publicationNumber!, { line: e.line, given: e.result.value })
      const valid = expected.filter((e) => e.result?.ok === true).length
      const rejectedLines = expected.filter((e) => e.result?.ok === false).map((e) => e.line)
      if (body.accepted !== last.size) throw new Error(`accepted ${body.accepted}, expected ${last.size}: ${res.body}`)
      assert.deepEqual(body.rejected.map((r) => r.line).sort((a, b) => a - b), rejectedLines, 'the rejected lines are the invalid ones')
      assert.equal(body.warnings.length, valid - last.size, 'one warning for each record a later line supersedes')
      // merge (the default): the fields given change, the others stay; replace: the record is the patent.
      for (const [pn, { given }] of last) latest.set(pn, mode === 'replace' ? given : { ...(latest.get(pn) ?? {}), ...given })
      for (const pn of last.keys()) samePatent(await patentAsRead(app, pn), stored(latest.get(pn)!), `${pn} after the import (${mode ?? 'merge'})`)
    }),
    { numRuns: Math.ceil(RUNS / 2) },
  )
  // Nothing else was stored, and every stored record is still as the imports left it.
  const pns: string[] = []
  for await (const batch of container.stores.patents.scan(100)) pns.push(...batch.map(({ patent }) => patent.publicationNumber))
  t.same(pns.sort(), [...latest.keys()].sort(), 'the stored patents are exactly the valid records imported')
  for (const [pn, given] of latest) samePatent(await patentAsRead(app, pn), stored(given), pn)
  t.ok(latest.size > 0, `${latest.size} patents stored, each as expected`)
})
