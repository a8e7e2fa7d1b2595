/** The facts beside every hit, match and pairing: kind from the kind code, term from the law or the record. */
import t from 'tap'
import { patentFacts, patentKind } from '../../src/domain/patent-facts.js'
import type { Patent } from '../../src/domain/patent.js'

const base: Patent = {
  publicationNumber: 'CN117151122A',
  title: '一种零件缺陷检测方法',
  abstract: '…',
  keywords: [],
  ipc: [],
  applicants: ['浙江某大学'],
  inventors: [],
  language: 'zh',
  legalStatus: 'granted',
  transferModes: ['license'],
  status: 'listed',
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:00Z',
}

t.test('the kind of a Chinese patent from its kind code; other offices unknown', async (t) => {
  t.equal(patentKind('CN117151122A'), 'invention')
  t.equal(patentKind('CN112233445B'), 'invention')
  t.equal(patentKind('CN1234567C'), 'invention', 'granted inventions before 2007')
  t.equal(patentKind('CN215000001U'), 'utility-model')
  t.equal(patentKind('CN2500001Y'), 'utility-model')
  t.equal(patentKind('CN306000001S'), 'design')
  t.equal(patentKind('US11234567B2'), 'unknown')
  t.equal(patentKind('CN117151122'), 'unknown', 'no kind code: nothing guessed')
})

t.test('the term: a recorded expiry wins; else the statutory term from the filing date', async (t) => {
  const today = new Date('2026-12-01T00:00:00Z')
  t.match(patentFacts({ ...base, filingDate: '2023-01-05' }, { id: 'u1', name: '浙江某大学' }, today), {
    kind: 'invention',
    expiryDate: '2043-01-05',
    expirySource: 'filing-date',
    yearsLeft: 16.1,
    holder: { id: 'u1', name: '浙江某大学' },
  })
  t.match(patentFacts({ ...base, publicationNumber: 'CN215000001U', filingDate: '2020-03-01' }, undefined, today), { kind: 'utility-model', expiryDate: '2030-03-01', yearsLeft: 3.2 })
  t.match(patentFacts({ ...base, publicationNumber: 'CN306000001S', filingDate: '2021-06-01' }, undefined, today), { expiryDate: '2036-06-01' }, 'designs filed from 2021-06-01: 15 years')
  t.match(patentFacts({ ...base, publicationNumber: 'CN306000002S', filingDate: '2021-05-31' }, undefined, today), { expiryDate: '2031-05-31' }, 'before: 10 years')
  t.match(patentFacts({ ...base, filingDate: '2003-01-05', expiryDate: '2025-06-30' }, undefined, today), { expiryDate: '2025-06-30', expirySource: 'recorded', yearsLeft: 0 }, 'expired: 0 left')
  const none = patentFacts({ ...base, publicationNumber: 'US11234567B2', filingDate: '2020-01-01' }, undefined, today)
  t.equal(none.expiryDate, undefined, 'no term guessed where the kind is unknown')
  t.equal(none.holder, undefined)
})
