/**
 * What real enterprise needs ask of the matcher: evidence first (classes reorder text evidence,
 * never replace it; a patent without codes is not held back), the need's technical content over
 * its boilerplate, calibrated scores with "no strong match", readable explanations.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { MatchIndex, STRONG_MATCH, strengthOf, type MatchablePatent } from '../../src/domain/matching/index.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'
import { parseNeedLanguage } from '../../src/domain/text/need-language.js'

const analyzer = createAnalyzer(loadAnalysisResources())

/** The real computing patents of the fixtures (all carry IPC codes). */
const fixtures: MatchablePatent[] = readFileSync(new URL('../fixtures/patents-sample.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => {
    const r = JSON.parse(l) as Partial<MatchablePatent> & Pick<MatchablePatent, 'publicationNumber' | 'title' | 'abstract'>
    return { keywords: [], ipc: [], applicants: [], legalStatus: 'granted', status: 'listed', transferModes: [], ...r } as MatchablePatent
  })

const TEA: MatchablePatent = {
  publicationNumber: 'CN800000001A',
  title: '一种红茶萎凋发酵一体化加工工艺',
  abstract: '本发明公开了一种红茶加工工艺，鲜叶经萎凋、揉捻后在控温控湿条件下发酵，再经烘干制得红茶，发酵均匀，茶叶品质稳定。',
  keywords: [],
  ipc: [],
  applicants: ['某农业大学'],
  legalStatus: 'granted',
  status: 'listed',
  transferModes: [],
}

function index(patents: MatchablePatent[]): MatchIndex {
  const idx = new MatchIndex(analyzer)
  for (const p of patents) idx.upsert(p)
  return idx
}

t.test('a need is strong when any of its matches reaches the threshold, not only the first by evidence', async (t) => {
  t.equal(strengthOf([]), 'none')
  t.equal(strengthOf([0.45, STRONG_MATCH, 0.2]), 'strong')
  t.equal(strengthOf([0.45, 0.3]), 'weak')
})

t.test('a black-tea need against computing patents: nothing strong, and no class lift without shared words', async (t) => {
  const idx = index(fixtures)
  const need = { title: '红茶加工工艺优化', description: '需求内容：提高红茶萎凋、揉捻、发酵工序的自动化水平，稳定茶叶品质。预期目标：形成标准化加工工艺。' }
  const rs = idx.match(need, { limit: 10 })
  t.equal(strengthOf(rs.map((r) => r.score)), rs.length === 0 ? 'none' : 'weak', 'the best computing patent is not a strong match')
  for (const r of rs) t.ok(r.score < STRONG_MATCH, `${r.publicationNumber} stays below the strong threshold (${r.score.toFixed(3)})`)

  // with a tea patent in the inventory (no codes), it comes first, on its text alone
  const withTea = index([...fixtures, TEA]).match(need, { limit: 10 })
  t.equal(withTea[0]?.publicationNumber, TEA.publicationNumber, 'the uncoded tea patent ranks first')
  t.ok(withTea[0]!.explanation.matchedTerms.includes('红茶'), 'and 红茶 is what matched')
  t.ok(withTea[0]!.score > (withTea[1]?.score ?? 0), 'with the highest probability')
})

t.test('a patent without codes competes on its text: the same text scores the same with or without codes nearby', async (t) => {
  const coded = { ...TEA, publicationNumber: 'CN800000002A', ipc: ['A23F3/08'] }
  const uncoded = { ...TEA, publicationNumber: 'CN800000003A' }
  const rs = index([...fixtures, coded, uncoded]).match({ title: '红茶发酵工艺' }, { limit: 5 })
  const a = rs.find((r) => r.publicationNumber === coded.publicationNumber)!
  const b = rs.find((r) => r.publicationNumber === uncoded.publicationNumber)!
  t.ok(a && b, 'both found')
  t.ok(Math.abs(a.evidence - b.evidence) / a.evidence < 1e-9, 'uncoded gets the coded neighbours’ class level: same evidence')
})

t.test('the need language: boilerplate sections, firm facts and generic words weigh less than the technology', async (t) => {
  const terms = analyzer.readNeed({
    title: '干熄焦废水处理',
    description: '需求内容：焦化废水深度处理成本高。\n预期目标：实现产业化。\n现有工作基础：公司注册资金1100万元，拥有研发中心。',
  })
  const w = (x: string) => terms.get(x)?.weight ?? 0
  t.ok(w('废水') > w('成本'), 'a title word outweighs a description word')
  t.ok(w('成本') > w('产业化'), 'the problem outweighs a generic need word in the goals')
  t.ok(w('焦化') > w('注册资金'), 'the technology outweighs the firm’s facts')
  t.equal(terms.get('废水')?.surface, '废水', 'whole words keep their written form')

  const lang = parseNeedLanguage('[sections]\n预期目标 0.35\n[facts]\n万元\n[generic]\n研究\n技术 0.5\n')
  t.equal(lang.sections.get('预期目标'), 0.35)
  t.same(lang.facts, ['万元'])
  t.equal(lang.generic.get('研究'), 0.15, 'a generic word without a factor gets the default')
  t.equal(lang.generic.get('技术'), 0.5)
  t.throws(() => parseNeedLanguage('研究\n'), /outside/, 'a word outside any part is refused')
})

t.test('explanations a person can read: words as written, shares in percent', async (t) => {
  const en: MatchablePatent = { ...TEA, publicationNumber: 'US0000009', title: 'Fermenting black tea leaves', abstract: 'Withered tea leaves are rolled and fermented under controlled humidity.' }
  const [r] = index([...fixtures, en]).match({ title: 'fermentation of black tea' }, { limit: 1 })
  t.equal(r?.publicationNumber, en.publicationNumber)
  for (const term of r!.explanation.matchedTerms) t.ok(/^(fermentation|black|tea)$/.test(term), `${term} is a word of the need`)
  const shares = Object.values(r!.explanation.signals)
  t.ok(shares.every((s) => s >= 0 && s <= 100 && Math.round(s * 10) === s * 10), 'percentages with one decimal')
})
