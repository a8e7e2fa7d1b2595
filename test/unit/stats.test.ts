import { parse } from 'csv-parse/sync'
import t from 'tap'
import { computeStats, PAIRING_STATES, statsToCsv, type Figure, type ProgrammeEvent, type Stats } from '../../src/domain/stats.js'

const OFFICE_ZJ = { role: 'provincial-office', orgId: 'office-zj' }
const OFFICE_JS = { role: 'provincial-office', orgId: 'office-js' }

/** A small programme in 浙江 and 江苏 over 2024–2025; times are China time unless marked Z. */
const EVENTS: ProgrammeEvent[] = [
  { id: 'P1', at: '2024-01-10T09:00:00+08:00', type: 'patent-listed', publicationNumber: 'CN1A', universityOrgId: 'uni-zju', province: '浙江' },
  { id: 'P2', at: '2024-01-10T09:00:01+08:00', type: 'patent-listed', publicationNumber: 'CN2A', universityOrgId: 'uni-zju', province: '浙江' },
  { id: 'P3', at: '2024-02-01T09:00:00+08:00', type: 'patent-listed', publicationNumber: 'CN3A', universityOrgId: 'uni-nju', province: '江苏' },
  { id: 'P4', at: '2024-03-01T09:00:00+08:00', type: 'patent-listed', publicationNumber: 'CN1A', universityOrgId: 'uni-zju', province: '浙江' }, // re-import
  { id: 'N1', at: '2024-03-01T10:00:00+08:00', type: 'need-created', needId: 'n1', orgId: 'ent-1', province: '浙江' },
  { id: 'N2', at: '2024-03-02T10:00:00+08:00', type: 'need-created', needId: 'n2', orgId: 'ent-2', province: '浙江' },
  { id: 'N3', at: '2024-03-03T10:00:00+08:00', type: 'need-created', needId: 'n3', orgId: 'ent-3', province: '江苏' },
  { id: 'M1', at: '2024-03-05T10:00:00+08:00', type: 'match-computed', needId: 'n1', publicationNumber: 'CN1A' },
  { id: 'M2', at: '2024-03-05T10:00:01+08:00', type: 'match-computed', needId: 'n1', publicationNumber: 'CN3A', universityOrgId: 'uni-nju' },
  { id: 'M3', at: '2024-03-06T10:00:00+08:00', type: 'match-computed', needId: 'n1', publicationNumber: 'CN1A' }, // recomputed
  { id: 'M4', at: '2024-03-07T10:00:00+08:00', type: 'match-computed', needId: 'n3', publicationNumber: 'CN2A' },
  // p1: n1 × CN1A, province and university found through the need and the listing.
  { id: 'PC1', at: '2024-04-01T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: null, to: 'recommended', needId: 'n1', publicationNumber: 'CN1A' },
  { id: 'PC2', at: '2024-04-02T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: 'recommended', to: 'contacted' },
  { id: 'PC3', at: '2024-05-01T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: 'contacted', to: 'nda-signed' },
  { id: 'PC4', at: '2024-06-01T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: 'nda-signed', to: 'negotiating' },
  { id: 'PC5', at: '2024-12-31T23:30:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: 'negotiating', to: 'agreement-signed' },
  { id: 'PC6', at: '2025-02-01T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: 'agreement-signed', to: 'recorded' },
  { id: 'PC7', at: '2025-08-01T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', from: 'recorded', to: 'industrialised' },
  // p2: n1 × CN3A, declined.
  { id: 'PC8', at: '2024-04-03T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p2', from: null, to: 'recommended', needId: 'n1', publicationNumber: 'CN3A', universityOrgId: 'uni-nju', province: '浙江' },
  { id: 'PC9', at: '2024-04-10T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p2', from: 'recommended', to: 'declined' },
  // p3: n3 × CN2A in 江苏, contacted half an hour into 2025 China time (still 2024 in UTC).
  { id: 'PC10', at: '2024-05-01T10:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p3', from: null, to: 'recommended', needId: 'n3', publicationNumber: 'CN2A' },
  { id: 'PC11', at: '2024-12-31T16:30:00Z', type: 'pairing-state-changed', pairingId: 'p3', from: 'recommended', to: 'contacted' },
  // The pool.
  { id: 'R1', at: '2024-06-01T10:00:00+08:00', type: 'recommended', actor: OFFICE_ZJ, province: '浙江', enterpriseId: 'ent-1', roundId: 'round-2024', addedByRolling: false },
  { id: 'R2', at: '2024-06-01T10:00:01+08:00', type: 'recommended', actor: OFFICE_ZJ, province: '浙江', enterpriseId: 'ent-2', roundId: 'round-2024', addedByRolling: false },
  { id: 'R3', at: '2024-06-02T10:00:00+08:00', type: 'recommended', actor: OFFICE_JS, province: '江苏', enterpriseId: 'ent-3', roundId: 'round-2024', addedByRolling: false },
  {
    id: 'G1',
    at: '2025-03-01T10:00:00+08:00',
    type: 'graduated',
    actor: OFFICE_ZJ,
    province: '浙江',
    enterpriseId: 'ent-1',
    evidence: { newPatentIntensiveProducts: 1 },
    reasons: ['1 new patent-intensive product'],
  },
  {
    id: 'V1',
    at: '2025-04-01T10:00:00+08:00',
    type: 'violation-recorded',
    actor: { role: 'admin' },
    province: '浙江',
    enterpriseId: 'ent-2',
    violation: 'data-fraud',
    evidence: { description: 'falsified sales figures' },
  },
  { id: 'N4', at: '2025-01-05T10:00:00+08:00', type: 'need-created', needId: 'n4', orgId: 'ent-1', province: '浙江' },
]

const ids = (f: Figure) => f.eventIds
const reached = (s: Stats) => Object.fromEntries(PAIRING_STATES.map((st) => [st, ids(s.funnel.pairings.reached[st])]))
const inState = (s: Stats) => Object.fromEntries(PAIRING_STATES.map((st) => [st, ids(s.funnel.pairings.inState[st])]))
const none = Object.fromEntries(PAIRING_STATES.map((st) => [st, [] as string[]]))

t.test('浙江 in 2024, checked by hand', async (t) => {
  const s = computeStats({ events: EVENTS, province: '浙江', year: 2024 })
  t.same(s.scope, { province: '浙江', year: 2024, from: '2023-12-31T16:00:00.000Z', to: '2024-12-31T16:00:00.000Z' })
  t.same(ids(s.funnel.needs), ['N1', 'N2'])
  t.same(ids(s.funnel.matches), ['M1', 'M2'], 'a recomputed match counts once; n3 is in 江苏')
  t.same(reached(s), { ...none, recommended: ['PC1', 'PC8'], contacted: ['PC2'], 'nda-signed': ['PC3'], negotiating: ['PC4'], 'agreement-signed': ['PC5'], declined: ['PC9'] })
  t.same(inState(s), { ...none, 'agreement-signed': ['PC5'], declined: ['PC9'] })
  t.same(ids(s.funnel.agreements), ['PC5'], '23:30 on 31 December in China is still 2024')
  t.same(ids(s.funnel.industrialised), [])
  t.equal(s.pool.length, 1)
  const pool = s.pool[0]
  t.equal(pool?.province, '浙江')
  t.same(pool && ids(pool.recommended), ['R1', 'R2'])
  t.same(pool && ids(pool.in), ['R1', 'R2'])
  t.same(pool && [pool.quota, pool.placesLeft.value, pool.rollingAllowance.value, pool.graduated.value, pool.withdrawn.value], [300, 298, 0, 0, 0])
  t.same(
    s.universities.map((u) => [u.universityOrgId, ids(u.patentsListed), ids(u.transferredOrLicensed)]),
    [['uni-zju', ['P1', 'P2'], ['PC5']]],
    'a re-imported patent counts once; p1 belongs to the university that listed CN1A',
  )
})

t.test('浙江 in 2025, checked by hand', async (t) => {
  const s = computeStats({ events: EVENTS, province: '浙江', year: 2025 })
  t.same(ids(s.funnel.needs), ['N4'])
  t.same(ids(s.funnel.matches), [])
  t.same(reached(s), { ...none, recorded: ['PC6'], industrialised: ['PC7'] })
  t.same(inState(s), { ...none, industrialised: ['PC7'], declined: ['PC9'] }, 'stocks include pairings from earlier years')
  t.same(ids(s.funnel.agreements), [], 'p1 counted its agreement in 2024')
  t.same(ids(s.funnel.industrialised), ['PC7'])
  const pool = s.pool[0]
  t.same(pool && [ids(pool.graduated), ids(pool.withdrawn), ids(pool.in), ids(pool.recommended)], [['G1'], ['V1'], [], []])
  t.same(pool && [pool.placesLeft.value, pool.rollingAllowance.value], [298, 2])
  t.same(
    s.universities.map((u) => [u.universityOrgId, u.patentsListed.value, u.transferredOrLicensed.value]),
    [['uni-zju', 0, 0]],
  )
})

t.test('江苏 in 2024: midnight in China decides the year', async (t) => {
  const s = computeStats({ events: EVENTS, province: '江苏', year: 2024 })
  t.same(ids(s.funnel.needs), ['N3'])
  t.same(ids(s.funnel.matches), ['M4'])
  t.same(reached(s), { ...none, recommended: ['PC10'] }, 'PC11 is 2025 in China')
  t.same(inState(s), { ...none, recommended: ['PC10'] })
  t.same(s.pool.map((p) => [p.province, ids(p.in)]), [['江苏', ['R3']]])
  t.same(s.universities.map((u) => [u.universityOrgId, ids(u.patentsListed)]), [['uni-nju', ['P3']]])
})

t.test('the whole programme, all years', async (t) => {
  const s = computeStats({ events: EVENTS, largeProvinces: new Set(['江苏']) })
  t.same(s.scope, { province: null, year: null, from: null, to: null })
  t.equal(s.funnel.needs.value, 4)
  t.same(ids(s.funnel.matches), ['M1', 'M2', 'M4'])
  t.same(ids(s.funnel.pairings.reached.recommended), ['PC1', 'PC8', 'PC10'])
  t.same(ids(s.funnel.pairings.reached.contacted), ['PC2', 'PC11'])
  t.same(ids(s.funnel.agreements), ['PC5'])
  t.same(ids(s.funnel.industrialised), ['PC7'])
  t.same(
    s.pool.map((p) => [p.province, p.quota, p.in.value, p.placesLeft.value]),
    [
      ['江苏', 500, 1, 499],
      ['浙江', 300, 0, 298],
    ],
  )
  t.same(
    s.universities.map((u) => [u.universityOrgId, u.patentsListed.value, u.transferredOrLicensed.value]),
    [
      ['uni-nju', 1, 0],
      ['uni-zju', 2, 1],
    ],
  )
})

t.test('every number traces back to recorded events', async (t) => {
  const known = new Map(EVENTS.map((e) => [e.id, e]))
  for (const args of [{}, { year: 2024 }, { year: 2025 }, { province: '浙江' }, { province: '江苏', year: 2025 }]) {
    const s = computeStats({ events: EVENTS, ...args })
    const flows: Figure[] = [
      s.funnel.needs,
      s.funnel.matches,
      s.funnel.agreements,
      s.funnel.industrialised,
      ...PAIRING_STATES.map((st) => s.funnel.pairings.reached[st]),
      ...s.pool.flatMap((p) => [p.recommended, p.addedByRolling, p.graduated, p.withdrawn]),
      ...s.universities.flatMap((u) => [u.patentsListed, u.transferredOrLicensed]),
    ]
    const stocks: Figure[] = [...PAIRING_STATES.map((st) => s.funnel.pairings.inState[st]), ...s.pool.flatMap((p) => [p.in, p.flagged])]
    for (const f of [...flows, ...stocks]) {
      t.equal(f.value, f.eventIds.length)
      for (const id of f.eventIds) {
        const e = known.get(id)
        t.ok(e, `${id} is a recorded event`)
        if (!e || args.year === undefined) continue
        const year = new Date(Date.parse(e.at) + 8 * 3600_000).getUTCFullYear()
        if (flows.includes(f)) t.equal(year, args.year, `${id} falls in ${args.year}`)
        else t.ok(year <= args.year, `${id} is not after ${args.year}`)
      }
    }
  }
})

/** The figures of the JSON, walked independently of the CSV writer. */
function expectedRows(s: Stats): string[][] {
  const rows: string[][] = []
  const fig = (section: string, subject: string, name: string, f: Figure) => rows.push([section, subject, name, String(f.value), f.eventIds.join(';')])
  fig('funnel', '', 'needs', s.funnel.needs)
  fig('funnel', '', 'matches', s.funnel.matches)
  fig('funnel', '', 'pairings', s.funnel.pairings.reached.recommended)
  fig('funnel', '', 'agreements', s.funnel.agreements)
  fig('funnel', '', 'industrialised', s.funnel.industrialised)
  for (const st of PAIRING_STATES) fig('pairings-reached', '', st, s.funnel.pairings.reached[st])
  for (const st of PAIRING_STATES) fig('pairings-in-state', '', st, s.funnel.pairings.inState[st])
  for (const p of s.pool) {
    rows.push(['pool', p.province, 'quota', String(p.quota), ''])
    for (const name of ['recommended', 'addedByRolling', 'graduated', 'withdrawn', 'in', 'flagged', 'placesLeft', 'rollingAllowance'] as const) {
      fig('pool', p.province, name, p[name])
    }
  }
  for (const u of s.universities) {
    fig('university', u.universityOrgId, 'patentsListed', u.patentsListed)
    fig('university', u.universityOrgId, 'transferredOrLicensed', u.transferredOrLicensed)
  }
  return rows
}

t.test('the CSV holds exactly the numbers of the JSON', async (t) => {
  for (const args of [{ province: '浙江', year: 2024 }, { province: '浙江', year: 2025 }, {}]) {
    const s = computeStats({ events: EVENTS, ...args })
    const csv = statsToCsv(s)
    t.ok(csv.endsWith('\r\n'))
    const rows = parse(csv) as string[][]
    t.same(rows[0], ['section', 'subject', 'figure', 'value', 'event_ids'])
    t.same(rows[1], ['scope', '', 'province', args.province ?? '', ''])
    t.same(rows[2], ['scope', '', 'year', args.year === undefined ? '' : String(args.year), ''])
    t.same(rows.slice(3), expectedRows(s))
  }
  const csv = statsToCsv(computeStats({ events: EVENTS, province: '浙江', year: 2024 }))
  t.match(csv, /\r\nfunnel,,needs,2,N1;N2\r\n/)
  t.match(csv, /\r\npool,浙江,placesLeft,298,R1;R2\r\n/)
  t.match(csv, /\r\nuniversity,uni-zju,transferredOrLicensed,1,PC5\r\n/)
})

t.test('CSV cells are quoted and never run as formulas', async (t) => {
  const events: ProgrammeEvent[] = [
    { id: 'a,b', at: '2024-01-01T10:00:00+08:00', type: 'patent-listed', publicationNumber: 'CN9A', universityOrgId: '=HYPERLINK("x")' },
  ]
  const rows = parse(statsToCsv(computeStats({ events }))) as string[][]
  t.same(rows.at(-2), ['university', `'=HYPERLINK("x")`, 'patentsListed', '1', 'a,b'])
})

t.test("a need moved to another province counts there with its matches and pairings (issue 16: needs 0 beside matches 40)", async (t) => {
  // n9 is stated in 浙江, then its enterprise changes the need's province to 江苏; matches computed
  // after the change carry 江苏, a pairing made before it carries 浙江.
  const events: ProgrammeEvent[] = [
    { id: 'N9', at: '2024-03-01T10:00:00+08:00', type: 'need-created', needId: 'n9', orgId: 'ent-9', province: '浙江', provinceCode: '330000' },
    { id: 'M9a', at: '2024-03-01T10:01:00+08:00', type: 'match-computed', needId: 'n9', publicationNumber: 'CN1A', province: '浙江', provinceCode: '330000' },
    { id: 'PC9a', at: '2024-03-01T10:02:00+08:00', type: 'pairing-state-changed', pairingId: 'p9', from: null, to: 'recommended', needId: 'n9', publicationNumber: 'CN1A', province: '浙江', provinceCode: '330000' },
    { id: 'MV9', at: '2024-03-02T10:00:00+08:00', type: 'need-moved', needId: 'n9', province: '江苏省', provinceCode: '320000' },
    { id: 'M9b', at: '2024-03-02T10:01:00+08:00', type: 'match-computed', needId: 'n9', publicationNumber: 'CN2A', province: '江苏省', provinceCode: '320000' },
    { id: 'M9c', at: '2024-03-02T10:01:00+08:00', type: 'match-computed', needId: 'n9', publicationNumber: 'CN3A', province: '江苏省', provinceCode: '320000' },
  ]
  const js = computeStats({ events, province: '320000', provinceName: '江苏省', year: 2024 })
  t.same(ids(js.funnel.needs), ['N9'], 'the need counts where it is now')
  t.same(ids(js.funnel.matches), ['M9a', 'M9b', 'M9c'], 'with every match of it')
  t.same(ids(js.funnel.pairings.reached.recommended), ['PC9a'], 'and its pairing')
  const zj = computeStats({ events, province: '330000', provinceName: '浙江省', year: 2024 })
  t.same([zj.funnel.needs.value, zj.funnel.matches.value, zj.funnel.pairings.reached.recommended.value], [0, 0, 0], 'nothing of it is left in 浙江')
  // Events recorded before moves were: the matches' own province shows where the need went.
  const older = computeStats({ events: events.filter((e) => e.type !== 'need-moved'), province: '320000', provinceName: '江苏省', year: 2024 })
  t.same([older.funnel.needs.value, older.funnel.matches.value], [1, 3], 'a move told only by later matches is followed too')
  // At the end of a year before the move, the need was still in 浙江.
  const before = computeStats({ events: events.map((e) => (e.id === 'N9' || e.id === 'M9a' || e.id === 'PC9a' ? { ...e, at: e.at.replace('2024', '2023') } : e)), province: '330000', year: 2023 })
  t.same([before.funnel.needs.value, before.funnel.matches.value], [1, 1], 'a year before the move counts it where it was then')
})

t.test('patents listed in batches count patents, each batch event once, beside events of one patent each (recorded before)', async (t) => {
  const events: ProgrammeEvent[] = [
    { id: 'P1', at: '2024-01-10T09:00:00+08:00', type: 'patent-listed', publicationNumber: 'CN1A', universityOrgId: 'uni-zju', province: '浙江' },
    { id: 'B1', at: '2024-02-10T09:00:00+08:00', type: 'patents-listed', publicationNumbers: ['CN1A', 'CN2A', 'CN3A'], universityOrgId: 'uni-zju', province: '浙江' },
    { id: 'B2', at: '2024-03-10T09:00:00+08:00', type: 'patents-listed', publicationNumbers: ['CN2A', 'CN3A'], universityOrgId: 'uni-zju', province: '浙江' },
    { id: 'B3', at: '2024-03-11T09:00:00+08:00', type: 'patents-listed', publicationNumbers: ['CN9A'], universityOrgId: 'uni-nju', province: '江苏' },
    { id: 'B4', at: '2025-01-10T09:00:00+08:00', type: 'patents-listed', publicationNumbers: ['CN4A', 'CN1A'], universityOrgId: 'uni-zju', province: '浙江' },
    { id: 'PC1', at: '2024-04-01T09:00:00+08:00', type: 'pairing-state-changed', pairingId: 'p1', needId: 'n1', publicationNumber: 'CN3A', from: 'negotiating', to: 'agreement-signed' },
  ]
  const in2024 = computeStats({ events, year: 2024 })
  t.same(
    in2024.universities.map((u) => [u.universityOrgId, u.patentsListed.value, u.patentsListed.eventIds, u.transferredOrLicensed.value]),
    [
      ['uni-nju', 1, ['B3'], 0],
      ['uni-zju', 3, ['P1', 'B1'], 1],
    ],
    'B2 lists nothing new; the pairing of a patent a batch listed counts for its university',
  )
  const zj2025 = computeStats({ events, province: '浙江', year: 2025 })
  t.same(zj2025.universities.map((u) => [u.universityOrgId, u.patentsListed.value, u.patentsListed.eventIds]), [['uni-zju', 2, ['B4']]], 'each year counts the patents listed in it')
})
