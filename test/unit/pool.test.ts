import t from 'tap'
import {
  addCalendarYears,
  chinaDate,
  checkGraduation,
  checkRecommendation,
  dueForWithdrawal,
  enterpriseState,
  GRADUATION_RATE_RISE_POINTS,
  placesLeft,
  poolCounts,
  provinceQuota,
  VIOLATIONS,
  type PoolEvent,
  type RecommendationRound,
} from '../../src/domain/pool.js'

const FIRST_ROUND: RecommendationRound = { id: 'round-2024', name: '2024 national round', deadline: '2024-06-15' }
const OFFICE = { role: 'provincial-office', orgId: 'office-zj' }
const ADMIN = { role: 'admin' }

let serial = 0
const nextId = () => `ev-${++serial}`

/** A recommendation event, recorded the way the service does: only after checkRecommendation allows it. */
function recommend(
  events: PoolEvent[],
  province: string,
  enterpriseId: string,
  opts: { at?: string; quota?: number; round?: RecommendationRound } = {},
) {
  const at = opts.at ?? '2024-06-01T10:00:00+08:00'
  const decision = checkRecommendation({
    events,
    province,
    enterpriseId,
    round: opts.round ?? FIRST_ROUND,
    now: new Date(at),
    quota: opts.quota ?? 300,
  })
  if (decision.ok) {
    events.push({ id: nextId(), at, actor: OFFICE, province, enterpriseId, type: 'recommended', roundId: FIRST_ROUND.id, addedByRolling: decision.addedByRolling })
  }
  return decision
}

function graduate(events: PoolEvent[], province: string, enterpriseId: string, at = '2025-03-01T10:00:00+08:00') {
  const evidence = { newPatentIntensiveProducts: 1 }
  events.push({ id: nextId(), at, actor: OFFICE, province, enterpriseId, type: 'graduated', evidence, reasons: checkGraduation(evidence).reasons })
}

t.test('provinceQuota: 300 by default, 500 for a large province', async (t) => {
  const large = new Set(['广东', '江苏'])
  t.equal(provinceQuota('浙江', large), 300)
  t.equal(provinceQuota('广东', large), 500)
  t.equal(provinceQuota('广东', new Set()), 300)
})

t.test('the 300th recommendation of a default province is accepted, the 301st refused', async (t) => {
  const events: PoolEvent[] = []
  for (let i = 1; i <= 299; i++) t.ok(recommend(events, '浙江', `zj-${i}`).ok, `recommendation ${i}`)
  // Another province's recommendations do not use 浙江's places.
  for (let i = 1; i <= 5; i++) recommend(events, '江西', `jx-${i}`)
  const d300 = recommend(events, '浙江', 'zj-300')
  t.ok(d300.ok)
  t.equal(d300.ok && d300.addedByRolling, false)
  t.equal(d300.places.quotaPlacesLeft, 1, 'one place was left before the 300th')

  const d301 = recommend(events, '浙江', 'zj-301')
  t.notOk(d301.ok)
  if (!d301.ok) {
    t.equal(d301.code, 'quota_exceeded')
    t.equal(d301.placesLeft, 0)
    t.equal(
      d301.message,
      'province 浙江 has used 300 of its quota of 300 recommendations: 0 places left; ' +
        'rolling additions allowed after graduations: 2 × 0 graduated − 0 added = 0; 0 places remain',
    )
  }
  t.equal(events.filter((e) => e.province === '浙江').length, 300)
  t.equal(placesLeft(events, '江西', 300).quotaPlacesLeft, 295)
})

t.test('a large province may recommend 500', async (t) => {
  const quota = provinceQuota('广东', new Set(['广东']))
  const events: PoolEvent[] = []
  for (let i = 1; i <= 500; i++) recommend(events, '广东', `gd-${i}`, { quota })
  t.equal(events.length, 500)
  const d = recommend(events, '广东', 'gd-501', { quota })
  t.notOk(d.ok)
  if (!d.ok) {
    t.equal(d.code, 'quota_exceeded')
    t.match(d.message, /used 500 of its quota of 500/)
  }
})

t.test('deadline: the whole deadline day in China time, not a day more', async (t) => {
  const at = (now: string) => checkRecommendation({ events: [], province: '浙江', enterpriseId: 'e1', round: FIRST_ROUND, now: new Date(now), quota: 300 })
  t.ok(at('2024-06-15T00:00:00+08:00').ok, 'start of the deadline day')
  t.ok(at('2024-06-15T23:30:00+08:00').ok, 'late on the deadline day (15:30 UTC)')
  t.ok(at('2024-06-15T15:59:59Z').ok, 'the last second of the day in China')
  for (const now of ['2024-06-15T16:00:00Z', '2024-06-16T00:00:00+08:00', '2024-06-16T09:00:00+08:00', '2025-01-01T00:00:00Z']) {
    const d = at(now)
    t.notOk(d.ok, now)
    if (!d.ok) {
      t.equal(d.code, 'deadline_passed')
      t.match(d.message, /deadline of round '2024 national round' \(round-2024\) was 2024-06-15/)
      t.match(d.message, /300 places remain for province 浙江/)
      t.equal(d.placesLeft, 300)
    }
  }
})

t.test('the deadline applies to rolling additions too', async (t) => {
  const events: PoolEvent[] = []
  recommend(events, '浙江', 'a', { quota: 1 })
  graduate(events, '浙江', 'a')
  const late = recommend(events, '浙江', 'b', { quota: 1, at: '2025-04-01T10:00:00+08:00' })
  t.notOk(late.ok)
  if (!late.ok) {
    t.equal(late.code, 'deadline_passed')
    t.equal(late.placesLeft, 2)
  }
  const rollingRound = { id: 'rolling-2025', deadline: '2025-06-30' }
  const ok = recommend(events, '浙江', 'b', { quota: 1, at: '2025-04-01T10:00:00+08:00', round: rollingRound })
  t.ok(ok.ok && ok.addedByRolling)
})

t.test('rolling additions: each graduation raises the allowance by exactly two', async (t) => {
  const quota = 3
  const events: PoolEvent[] = []
  for (const id of ['a', 'b', 'c', 'd', 'e']) recommend(events, '浙江', id, { quota })
  t.equal(events.length, 3, 'quota of 3 used, d and e refused')
  const allowance = () => placesLeft(events, '浙江', quota).rollingPlacesLeft
  t.equal(allowance(), 0)

  graduate(events, '浙江', 'a')
  t.equal(allowance(), 2)
  t.equal(poolCounts({ events, province: '浙江', quota }).rollingAllowance.value, 2)
  graduate(events, '浙江', 'b')
  t.equal(allowance(), 4)
  graduate(events, '浙江', 'c')
  t.equal(allowance(), 6)

  const round = { id: 'r', deadline: '2030-12-31' }
  const at = '2025-05-01T10:00:00+08:00'
  for (let i = 1; i <= 6; i++) {
    const d = recommend(events, '浙江', `rolling-${i}`, { quota, round, at })
    t.ok(d.ok && d.addedByRolling, `rolling addition ${i}`)
  }
  const seventh = recommend(events, '浙江', 'rolling-7', { quota, round, at })
  t.notOk(seventh.ok)
  if (!seventh.ok) {
    t.equal(seventh.code, 'quota_exceeded')
    t.match(seventh.message, /2 × 3 graduated − 6 added = 0/)
  }
  // A rolling addition that graduates raises the allowance like any other.
  graduate(events, '浙江', 'rolling-1', '2025-09-01T10:00:00+08:00')
  t.equal(allowance(), 2)

  // Withdrawals do not.
  events.push({ id: nextId(), at: '2025-09-02T10:00:00+08:00', actor: ADMIN, province: '浙江', enterpriseId: 'rolling-2', type: 'withdrawn', reason: 'other' })
  t.equal(allowance(), 2)

  const counts = poolCounts({ events, province: '浙江', quota })
  t.equal(counts.graduated.value, 4)
  t.equal(counts.addedByRolling.value, 6)
  t.equal(counts.rollingAllowance.value, 2)
  t.equal(counts.rollingAllowance.formula, '2 × 4 graduated − 6 added by rolling = 2')
  t.equal(counts.placesLeft.value, 0)
  t.equal(counts.in.value, 4, 'rolling-3 … rolling-6 remain')
})

t.test('rolling allowance earned before the quota is full is kept for later', async (t) => {
  const quota = 2
  const events: PoolEvent[] = []
  recommend(events, '浙江', 'a', { quota })
  graduate(events, '浙江', 'a', '2024-06-02T10:00:00+08:00')
  const b = recommend(events, '浙江', 'b', { quota, at: '2024-06-03T10:00:00+08:00' })
  t.ok(b.ok && !b.addedByRolling, 'still within the quota: an ordinary recommendation')
  const c = recommend(events, '浙江', 'c', { quota, at: '2024-06-03T10:00:00+08:00' })
  t.ok(c.ok && c.addedByRolling)
  t.ok(recommend(events, '浙江', 'd', { quota, at: '2024-06-03T10:00:00+08:00' }).ok)
  t.notOk(recommend(events, '浙江', 'e', { quota, at: '2024-06-03T10:00:00+08:00' }).ok)
})

t.test('one stay per enterprise, in its own province', async (t) => {
  const events: PoolEvent[] = []
  recommend(events, '浙江', 'a')
  const again = recommend(events, '浙江', 'a')
  t.equal(!again.ok && again.code, 'already_in_pool')
  graduate(events, '浙江', 'a', '2024-06-05T10:00:00+08:00')
  const back = recommend(events, '浙江', 'a', { at: '2024-06-10T10:00:00+08:00' })
  t.equal(!back.ok && back.code, 'left_pool')
  t.match(!back.ok && back.message, /left the pool \(graduated\) on 2024-06-05/)
  const elsewhere = checkRecommendation({
    events,
    province: '浙江',
    enterpriseId: 'js-1',
    enterpriseProvince: '江苏',
    round: FIRST_ROUND,
    now: new Date('2024-06-01T10:00:00+08:00'),
    quota: 300,
  })
  t.equal(!elsewhere.ok && elsewhere.code, 'province_mismatch')
})

t.test('graduation criteria and their thresholds', async (t) => {
  t.equal(GRADUATION_RATE_RISE_POINTS, 10)
  t.ok(checkGraduation({ industrialisationRateBefore: 20, industrialisationRateAfter: 30 }).eligible, 'a rise of exactly 10 points')
  t.ok(checkGraduation({ industrialisationRateBefore: 20.1, industrialisationRateAfter: 30.1 }).eligible, 'no rounding trap')
  t.notOk(checkGraduation({ industrialisationRateBefore: 20, industrialisationRateAfter: 29.9 }).eligible)
  t.notOk(checkGraduation({ industrialisationRateAfter: 90 }).eligible, 'a rate without its starting point proves no rise')
  t.ok(checkGraduation({ newPatentIntensiveProducts: 1 }).eligible)
  t.notOk(checkGraduation({ newPatentIntensiveProducts: 0 }).eligible)
  t.ok(checkGraduation({ salesGrowth: 20, profitGrowth: 20 }).eligible)
  t.notOk(checkGraduation({ salesGrowth: 50, profitGrowth: 19.9 }).eligible, 'both must grow substantially')
  t.notOk(checkGraduation({ salesGrowth: 50 }).eligible)

  const all = checkGraduation({ industrialisationRateBefore: 20, industrialisationRateAfter: 35, newPatentIntensiveProducts: 2, salesGrowth: 25, profitGrowth: 30 })
  t.same(all.reasons, [
    'patent industrialisation rate rose from 20% to 35% (15 points, at least 10)',
    '2 new patent-intensive products',
    'sales of recognised patent-intensive products grew 25% and profit 30% (at least 20% and 20%)',
  ])
  const none = checkGraduation({})
  t.notOk(none.eligible)
  t.equal(none.reasons.length, 0)
  t.equal(none.unmet.length, 3)
})

t.test('withdrawal after two years without substantive progress', async (t) => {
  const events: PoolEvent[] = []
  recommend(events, '浙江', 'idle', { at: '2024-06-01T10:00:00+08:00' })
  recommend(events, '浙江', 'paired', { at: '2024-06-01T10:00:00+08:00' })
  // 2024-05-31T16:30Z is already 1 June in China.
  recommend(events, '浙江', 'late-night', { at: '2024-05-31T16:30:00Z' })
  const progress = ({ enterpriseId }: { enterpriseId: string }) => ({ agreementSignedOrLater: enterpriseId === 'paired', newProduct: false })
  const due = (now: string) => dueForWithdrawal({ events, now: new Date(now), progress }).map((d) => d.enterpriseId)

  t.same(due('2026-05-31T23:59:59+08:00'), [], 'one day (and a second) before: not due')
  t.same(due('2026-05-31T16:00:00Z'), ['idle', 'late-night'], 'on the day in China time: due')
  t.same(due('2027-01-01T00:00:00Z'), ['idle', 'late-night'])
  const first = dueForWithdrawal({ events, now: new Date('2026-06-01T08:00:00+08:00'), progress })[0]
  t.same(first && { dueOn: first.dueOn, province: first.province, flagged: first.flagged }, { dueOn: '2026-06-01', province: '浙江', flagged: false })

  t.same(
    dueForWithdrawal({ events, now: new Date('2026-06-01T08:00:00+08:00'), progress: { agreementSignedOrLater: new Set(['idle']), newProduct: new Set(['late-night']) } }).map((d) => d.enterpriseId),
    ['paired'],
    'precomputed sets work the same way',
  )

  // A recorded new patent-intensive product is progress.
  events.push({
    id: nextId(),
    at: '2025-01-10T10:00:00+08:00',
    actor: OFFICE,
    province: '浙江',
    enterpriseId: 'late-night',
    type: 'progress-recorded',
    kind: 'new-patent-intensive-product',
    evidence: { description: 'recognised product 2025-001' },
  })
  t.same(due('2026-06-01T08:00:00+08:00'), ['idle'])

  // The job flags it; it stays due (and in the pool) until withdrawn.
  events.push({ id: nextId(), at: '2026-06-01T02:00:00+08:00', actor: { role: 'system' }, province: '浙江', enterpriseId: 'idle', type: 'withdrawal-flagged', reason: 'no-progress', dueOn: '2026-06-01' })
  const flagged = dueForWithdrawal({ events, now: new Date('2026-06-02T00:00:00+08:00'), progress })
  t.same(flagged.map((d) => [d.enterpriseId, d.flagged]), [['idle', true]])
  t.equal(enterpriseState(events, 'idle')?.status, 'in')
  t.equal(poolCounts({ events, province: '浙江', quota: 300 }).flagged.value, 1)
  events.push({ id: nextId(), at: '2026-06-10T10:00:00+08:00', actor: OFFICE, province: '浙江', enterpriseId: 'idle', type: 'withdrawn', reason: 'no-progress' })
  t.same(due('2026-06-11T00:00:00+08:00'), [])
  t.equal(enterpriseState(events, 'idle')?.status, 'withdrawn')
})

t.test('two years counted on the calendar', async (t) => {
  t.equal(addCalendarYears('2024-06-01', 2), '2026-06-01')
  t.equal(addCalendarYears('2024-02-29', 2), '2026-02-28')
  t.equal(addCalendarYears('2024-02-29', 4), '2028-02-29')
  t.equal(chinaDate('2024-06-15T15:59:59Z'), '2024-06-15')
  t.equal(chinaDate('2024-06-15T16:00:00Z'), '2024-06-16')
})

t.test('a recorded violation withdraws at once', async (t) => {
  t.same([...VIOLATIONS], ['major-safety-accident', 'serious-dishonesty', 'tax-evasion', 'data-fraud', 'abnormal-patent-filing'])
  for (const violation of VIOLATIONS) {
    const events: PoolEvent[] = []
    recommend(events, '浙江', 'x')
    const id = nextId()
    events.push({
      id,
      at: '2024-09-01T10:00:00+08:00',
      actor: ADMIN,
      province: '浙江',
      enterpriseId: 'x',
      type: 'violation-recorded',
      violation,
      evidence: { description: 'decision of the tax bureau', reference: 'doc-1' },
    })
    const s = enterpriseState(events, 'x')
    t.equal(s?.status, 'withdrawn', violation)
    t.equal(s?.exit?.eventId, id)
    const counts = poolCounts({ events, province: '浙江', quota: 300 })
    t.same(counts.withdrawn.eventIds, [id])
    t.equal(counts.in.value, 0)
    t.equal(counts.placesLeft.value, 299, 'the place stays used')
    t.same(dueForWithdrawal({ events, now: new Date('2030-01-01') }), [])
  }
})

t.test('pool counts per year: flows in the year, stocks at its end, traceable', async (t) => {
  const events: PoolEvent[] = []
  const round = { id: 'r', deadline: '2030-12-31' }
  recommend(events, '浙江', 'a', { quota: 2, round, at: '2024-03-01T10:00:00+08:00' })
  recommend(events, '浙江', 'b', { quota: 2, round, at: '2024-12-31T23:30:00+08:00' }) // 2024 in China, 2024-12-31T15:30Z
  graduate(events, '浙江', 'a', '2025-01-01T00:10:00+08:00') // 2025 in China, still 2024 in UTC
  recommend(events, '浙江', 'c', { quota: 2, round, at: '2025-02-01T10:00:00+08:00' })
  const [ra, rb, ga, rc] = events.map((e) => e.id)

  const y2024 = poolCounts({ events, province: '浙江', quota: 2, year: 2024 })
  t.same(y2024.recommended.eventIds, [ra, rb])
  t.same(y2024.graduated.eventIds, [])
  t.same(y2024.in.eventIds, [ra, rb])
  t.equal(y2024.placesLeft.value, 0)
  t.equal(y2024.rollingAllowance.value, 0)

  const y2025 = poolCounts({ events, province: '浙江', quota: 2, year: 2025 })
  t.same(y2025.recommended.eventIds, [rc])
  t.same(y2025.addedByRolling.eventIds, [rc])
  t.same(y2025.graduated.eventIds, [ga])
  t.same(y2025.in.eventIds, [rb, rc])
  t.equal(y2025.rollingAllowance.value, 1)
  t.same(y2025.rollingAllowance.eventIds, [ga, rc])
  t.same(y2025.placesLeft.eventIds, [ra, rb])

  // Events that do not apply change nothing and count nowhere.
  events.push({ id: 'stray', at: '2025-03-01T10:00:00+08:00', actor: OFFICE, province: '浙江', enterpriseId: 'never-in', type: 'graduated', evidence: {}, reasons: [] })
  t.equal(poolCounts({ events, province: '浙江', quota: 2, year: 2025 }).graduated.value, 1)
})
