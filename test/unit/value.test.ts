/**
 * Value profiles checked by hand (the arithmetic is in the comments): a fixture patent with only
 * its record, a utility model with every indicator filled, and a lapsed patent held at grade 1.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { patentSchema, type Patent } from '../../src/domain/patent.js'
import { classificationBreadth, computeValueProfile, fromStored, INDICATOR_IDS, profileFor, readClaims, SCENARIOS, VALUE_WEIGHTS, valueProfileSchema, type ValueProfile } from '../../src/domain/value.js'

const fixtures = readFileSync(new URL('../fixtures/patents-sample.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>)
const fixture = (pn: string): Patent =>
  patentSchema.parse({ keywords: [], ipc: [], applicants: [], inventors: [], transferModes: [], status: 'listed', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z', ...fixtures.find((f) => f.publicationNumber === pn)! })
const indicator = (p: ValueProfile, id: string) => p.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!
const none = { needs: [], interests: [], pairings: [] }

t.test('the weights: every indicator weighed in both scenarios, each scenario adding up to 100', async (t) => {
  for (const s of SCENARIOS) t.equal(INDICATOR_IDS.reduce((n, id) => n + VALUE_WEIGHTS.indicators[id].weights[s], 0), 100, s)
})

t.test('claims read from a numbered claims text; a claim citing no other is independent', async (t) => {
  t.same(readClaims('1. 一种装置，包括A。2. 根据权利要求1所述的装置，其中……3. 一种方法，使用权利要求1的装置……4.如权利要求3所述的方法。'), { count: 4, independent: [1], numbered: true })
  t.same(readClaims('1. A device comprising 2.5 mm plates. 2. The device of claim 1. 3. A method of making plates.'), { count: 3, independent: [1, 3], numbered: true }, '2.5 is not a claim number')
  t.same(readClaims('一种工业零件表面缺陷检测方法，其特征在于……'), { count: 1, independent: [1], numbered: false }, 'the main claim only')
  t.same(classificationBreadth(['G06F16/35', 'G06F40/284', 'G06F16/3329', 'H04L9/00']), { subclasses: ['G06F', 'H04L'], mainGroups: ['G06F16', 'G06F40', 'H04L9'], extraGroups: 1 })
})

t.test('CN117151122A from its record alone: no claims, readiness or office grade on record', async (t) => {
  const p = computeValueProfile({ patent: fixture('CN117151122A'), ...none }, new Date('2025-01-16T00:00:00Z'))
  // granted invention filed 2020-01-16: term to 2040-01-16, 15.0 years left → min(1, 15/10) = 1
  t.equal(indicator(p, 'remaining-term').value, 15)
  t.equal(indicator(p, 'remaining-term').score, 1)
  t.equal(indicator(p, 'patent-type').value, 'invention')
  // G06F16 and G06F40: one subclass, one more main group → 1 + 0.5 = 1.5 units of 3 → 0.5
  t.same(indicator(p, 'classification-breadth').details, { subclasses: 1, mainGroups: 2, units: 1.5 })
  t.equal(indicator(p, 'classification-breadth').score, 0.5)
  for (const id of ['claims', 'maturity', 'office-grade', 'declines']) t.equal(indicator(p, id).assessed, false, `${id} has no data`)
  // transfer: weights with data 10 + 8 + 5 + 8 + 14 + 10 + 9 = 64 (coverage 0.64);
  // points (10·1 + 8·1 + 5·1 + 8·0.5) / 64 · 100 = 42.1875; grade 3 (40 ≤ 42.19 < 60)
  t.same(p.scenarios.transfer, { score: 42.19, grade: 3, coverage: 0.64, byDimension: { legal: 35.94, technical: 6.25, economic: 0 } })
  t.equal(indicator(p, 'legal-status').points.transfer, 15.63, '10 / 64 · 100')
  // pledge: 18 + 15 + 9 + 8 + 7 + 4 + 6 = 67; (18 + 15 + 9 + 4) / 67 · 100 = 68.66 → grade 4
  t.same(p.scenarios.pledge, { score: 68.66, grade: 4, coverage: 0.67, byDimension: { legal: 62.69, technical: 5.97, economic: 0 } })
  t.same(p.demand, { matchingNeeds: 0, interests: 0, pairings: 0, signals: 0 })
  t.same(p.notAssessed.map((n) => n.id), ['validity-challenges', 'litigation', 'family', 'citations', 'substitutes', 'market-size', 'policy-fit', 'revenue'], 'what the standard weighs and the service cannot know')
})

const utility: Patent = {
  ...fixture('CN117151122A'),
  publicationNumber: 'CN212345678U',
  title: '一种机器人夹爪装置',
  filingDate: '2021-03-01',
  ipc: ['B25J9/16', 'B25J11/00', 'G05B19/418'],
  claims: '1. 一种夹爪装置，其特征在于，包括A。2. 根据权利要求1所述的装置，其特征在于还包括B。3. 一种控制方法，使用C。4. 如权利要求3所述的方法，其中D。',
  maturity: 6,
  officeGrade: 4,
  ownerOrgId: 'university-1',
}
const demand = {
  needs: [{ needId: 'need-1', score: 0.8 }, { needId: 'need-2', score: 0.55 }],
  interests: [{ id: 'interest-1', state: 'open' as const }],
  pairings: [
    { id: 'pairing-1', state: 'negotiating' as const, entered: ['recommended', 'contacted', 'nda-signed', 'negotiating'] as const },
    { id: 'pairing-2', state: 'declined' as const, reason: 'price' as const, entered: ['recommended', 'declined'] as const },
    { id: 'pairing-3', state: 'declined' as const, reason: 'region' as const, entered: ['recommended', 'contacted', 'declined'] as const },
  ],
}

t.test('a utility model with every indicator: each value, score and contribution', async (t) => {
  const p = computeValueProfile({ patent: utility, ...demand }, new Date('2025-03-01T00:00:00Z'))
  // term to 2031-03-01: 6.0 years → 0.6; utility model → 0.6
  t.equal(indicator(p, 'remaining-term').score, 0.6)
  t.equal(indicator(p, 'patent-type').score, 0.6)
  // 4 claims, independent 1 and 3 → 0.5 · 4/10 + 0.5 · 2/3 = 0.533
  t.same(indicator(p, 'claims').details, { count: 4, independent: 2 })
  t.equal(indicator(p, 'claims').score, 0.533)
  // B25J (9, 11: one more group) and G05B → 2 + 0.5 = 2.5 units → 0.833
  t.equal(indicator(p, 'classification-breadth').score, 0.833)
  t.equal(indicator(p, 'maturity').score, 0.667, 'TRL 6 of 9')
  t.equal(indicator(p, 'office-grade').score, 0.75, 'grade 4: (4 − 1) / 4')
  t.equal(indicator(p, 'matching-needs').score, 0.4, '2 needs of 5')
  t.equal(indicator(p, 'interests').score, 0.333, '1 interest of 3')
  t.equal(indicator(p, 'pairing-progress').value, 'negotiating')
  t.same(indicator(p, 'pairing-progress').details, { recommended: 3, contacted: 2, 'nda-signed': 1, negotiating: 1, 'agreement-signed': 0, recorded: 0, industrialised: 0 })
  t.equal(indicator(p, 'pairing-progress').score, 0.75)
  // declined: price (about the patent) and region (not) of 3 pairings → 1 − 1/3
  t.equal(indicator(p, 'declines').value, 1)
  t.equal(indicator(p, 'declines').score, 0.667)
  // transfer: 10 + 4.8 + 3 + 3.733 + 6.667 + 11.333 + 5.25 + 5.6 + 3.333 + 6.75 + 3.333 = 63.8 → grade 4
  t.same(p.scenarios.transfer, { score: 63.8, grade: 4, coverage: 1, byDimension: { legal: 21.53, technical: 18, economic: 24.27 } })
  // pledge: 18 + 9 + 5.4 + 4.267 + 6.667 + 11.333 + 3.75 + 2.8 + 1.333 + 4.5 + 2 = 69.05 → grade 4
  t.same(p.scenarios.pledge, { score: 69.05, grade: 4, coverage: 1, byDimension: { legal: 36.67, technical: 18, economic: 14.38 } })
  t.equal(indicator(p, 'maturity').points.transfer, 11.33)
  t.same(p.demand, { matchingNeeds: 2, interests: 1, pairings: 3, furthestStage: 'negotiating', signals: 6 })
  t.same(indicator(p, 'matching-needs').basis.needs, [{ id: 'need-1', score: 0.8 }, { id: 'need-2', score: 0.55 }], 'traced to the needs')
  t.same(indicator(p, 'declines').basis.pairings, [{ id: 'pairing-2', state: 'declined', reason: 'price' }, { id: 'pairing-3', state: 'declined', reason: 'region' }], 'traced to the pairings')

  const holder = profileFor(p, 'holder')
  t.same(indicator(holder, 'matching-needs').basis, { needs: [{ score: 0.8 }, { score: 0.55 }], withheld: true }, 'the holder does not see which needs: they are confidential')
  t.same(indicator(holder, 'interests').basis.interests, [{ id: 'interest-1', state: 'open' }], 'the holder sees its interests')
  const other = profileFor(p, 'counts')
  t.same(indicator(other, 'declines').basis, { withheld: true }, 'another organisation sees the counts only')
  t.equal(indicator(other, 'declines').value, 1)
  t.equal(other.ownerOrgId, undefined)
})

t.test('a lapsed patent is grade 1 whatever its points, and says why', async (t) => {
  const p = computeValueProfile({ patent: { ...utility, legalStatus: 'lapsed' }, ...demand }, new Date('2025-03-01T00:00:00Z'))
  t.equal(indicator(p, 'remaining-term').value, 0)
  for (const s of SCENARIOS) {
    t.equal(p.scenarios[s].grade, 1, s)
    t.equal(p.scenarios[s].cappedBy, 'legal-status')
  }
  const fx = computeValueProfile({ patent: fixture('CN118379729A'), ...none }, new Date('2025-03-01T00:00:00Z'))
  t.equal(fx.scenarios.transfer.grade, 1)
})

t.test('a profile stored by earlier versions, without the texts that follow from its ids or whole, reads back the same', async (t) => {
  const p = computeValueProfile({ patent: fixture('CN117151122A'), ...none }, new Date('2025-01-16T00:00:00Z'))
  // the compact form stores wrote before they kept a computation's input instead
  const { notAssessed: _n, ...rest } = p
  const compact = { ...rest, dimensions: p.dimensions.map((d) => ({ id: d.id, indicators: d.indicators.map(({ dimension: _d, name: _m, standard: _s, source: _src, ...own }) => own) })) }
  t.same(fromStored(JSON.parse(JSON.stringify(compact))), p, 'read back: the same profile')
  t.same(valueProfileSchema.parse(fromStored(compact)), p, 'and a valid one')
  t.same(fromStored(JSON.parse(JSON.stringify(p))), p, 'a profile stored whole reads as it was')
})
