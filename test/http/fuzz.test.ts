/**
 * Property-based tests: random and malformed input at the import and need routes never gives a
 * 500, and never leaves a partial or invalid record behind.
 */
import t from 'tap'
import fc from 'fast-check'
import { needInputSchema } from '../../src/domain/need.js'
import { patentInputSchema } from '../../src/domain/patent.js'
import { auth, build } from '../helper.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 60)

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.object())
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('图像识别', '  ', '', '锂电池健康状态', 'x'.repeat(600)))

const needBody = fc.record(
  {
    title: fc.oneof(text, junk),
    description: maybe(fc.oneof(text, junk)),
    keywords: maybe(fc.oneof(fc.array(text, { maxLength: 4 }), junk)),
    ipc: maybe(fc.oneof(fc.array(fc.constantFrom('G06F16/35', 'g06n', 'X99', 'H04L9/32', ''), { maxLength: 3 }), junk)),
    transferModes: maybe(fc.oneof(fc.array(fc.constantFrom('license', 'assignment', 'equity', 'rent'), { maxLength: 3 }), junk)),
    province: maybe(fc.oneof(text, junk)),
    industry: maybe(fc.oneof(text, junk)),
    extra: maybe(junk),
  },
  { requiredKeys: [] },
)

const patentRecord = fc.record(
  {
    publicationNumber: fc.oneof(fc.integer({ min: 100000000, max: 100000040 }).map((n) => `CN${n}A`), fc.string({ maxLength: 12 }), junk),
    title: fc.oneof(text, junk),
    abstract: fc.oneof(text, junk),
    ipc: maybe(fc.oneof(fc.array(fc.constantFrom('G06F16/35', 'G06N3/08', 'bogus'), { maxLength: 3 }), junk)),
    legalStatus: maybe(fc.oneof(fc.constantFrom('granted', 'pending', 'lapsed', 'sold'), junk)),
    filingDate: maybe(fc.oneof(fc.constantFrom('2023-01-31', '2023-02-30', '20230101'), junk)),
    transferModes: maybe(fc.oneof(fc.array(fc.constantFrom('license', 'equity', 'gift'), { maxLength: 2 }), junk)),
    language: maybe(fc.oneof(fc.constantFrom('zh', 'en', 'fr'), junk)),
    unknownField: maybe(junk),
  },
  { requiredKeys: [] },
)
const line = fc.oneof(
  { weight: 5, arbitrary: patentRecord.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.json() },
)

t.test('random need bodies: 201 with exactly the valid need, or 400 and nothing stored', async (t) => {
  const { app, container } = await build(t)
  await fc.assert(
    fc.asyncProperty(needBody, async (body) => {
      const before = (await container.stores.needs.openIds()).length
      const res = await app.inject({ method: 'POST', url: '/v1/needs', headers: auth, payload: body })
      if (res.statusCode >= 500) throw new Error(`500 for ${JSON.stringify(body)}: ${res.body}`)
      // What the server receives: JSON drops keys whose value is undefined.
      const valid = needInputSchema.safeParse(JSON.parse(JSON.stringify(body)))
      if (valid.success) {
        if (res.statusCode !== 201) throw new Error(`valid need refused: ${res.body}`)
        const stored = await container.stores.needs.get(res.json().id)
        if (stored?.title !== valid.data.title) throw new Error('stored need differs from the input')
      } else {
        if (res.statusCode !== 400) throw new Error(`invalid need got ${res.statusCode}`)
        if (res.json().error.details.length === 0) throw new Error('400 without field details')
        if ((await container.stores.needs.openIds()).length !== before) throw new Error('an invalid need was stored')
      }
    }),
    { numRuns: RUNS },
  )
  t.pass(`${RUNS} random need bodies`)
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

t.test('random NDJSON imports: every line accounted for, only valid records stored, whole', async (t) => {
  const { app, container } = await build(t)
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 25 }), async (lines) => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/patents/import',
        headers: { ...auth, 'content-type': 'application/x-ndjson' },
        payload: lines.join('\n'),
      })
      if (res.statusCode !== 202) throw new Error(`import answered ${res.statusCode}: ${res.body}`)
      const body = res.json() as { accepted: number; rejectedTotal: number; rejected: Array<{ line: number }> }
      const nonEmpty = lines.filter((l) => l.trim() !== '').length
      if (body.accepted + body.rejectedTotal !== nonEmpty) throw new Error(`lines lost: ${JSON.stringify(body)}`)
      const expectedValid = lines.flatMap((l) => {
        try {
          const r = patentInputSchema.safeParse(JSON.parse(l))
          return r.success ? [r.data] : []
        } catch {
          return []
        }
      })
      if (body.accepted !== expectedValid.length) throw new Error(`accepted ${body.accepted}, expected ${expectedValid.length}`)
      for (const input of expectedValid) {
        const stored = await container.stores.patents.get(input.publicationNumber)
        if (stored === undefined) throw new Error(`valid ${input.publicationNumber} not stored`)
        if (!patentInputSchema.safeParse({ ...input }).success) throw new Error('stored an invalid record')
      }
    }),
    { numRuns: Math.ceil(RUNS / 2) },
  )
  // Every stored record is whole and valid.
  for await (const batch of container.stores.patents.scan(100)) {
    for (const { patent } of batch) {
      const { status: _s, ownerOrgId: _o, createdAt: _c, updatedAt: _u, language, ...rest } = patent
      const check = patentInputSchema.safeParse({ ...rest, ...(language === 'mixed' ? {} : { language }) })
      t.ok(check.success, `${patent.publicationNumber} is whole and valid`)
    }
  }
})
