import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { MatchIndex, type MatchablePatent, type MatchResult, type NeedQuery, type Rescored } from '../../src/domain/matching/index.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'
import { needOf, readJsonl, type CorpusDoc, type Query } from '../../scripts/eval-metrics.js'
import { toMatchable } from '../../scripts/eval.js'

const analyzer = createAnalyzer(loadAnalysisResources())

let serial = 500000
function patent(i: number): MatchablePatent {
  return {
    publicationNumber: `CN${serial++}A`,
    title: `${['图像', '数据', '文本', '电池'][i % 4]}处理方法${i}`,
    abstract: `一种${i % 3 ? '图像' : '文本'}处理方法，对${i % 5 ? '目标' : '数据'}进行${i % 7 ? '识别' : '检索'}，${i % 11 ? '提高准确率' : '降低能耗'}。`,
    keywords: i % 6 === 0 ? ['识别'] : [],
    ipc: [['G06V10/82'], ['G06T5/70', 'G06V10/82'], ['G06F16/35'], ['H01M4/525'], []][i % 5]!,
    applicants: [],
    legalStatus: i % 13 === 0 ? 'lapsed' : 'granted',
    status: 'listed',
    transferModes: i % 4 === 0 ? ['assignment'] : [],
  }
}

const NEEDS: NeedQuery[] = [
  { title: '图像目标识别', description: '识别道路图像中的目标，提高准确率' },
  { title: '文本数据检索', ipc: ['G06F16'] },
  { title: '图像处理', transferModes: ['license'] },
  { title: '电池能耗', ipc: ['H01M'], keywords: ['能耗'] },
]

const pubs = (rs: MatchResult[]) => new Set(rs.map((r) => r.publicationNumber))
/** The stated tolerance of reverse matching from prepared needs against a full match (README, Matching). */
const TOLERANCE = { score: 0.01, evidence: 0.02 }

/** What reverse matching stores: the current matches not scored (their scores following the need's best, unless all were scored) and the scored ones, the best 100. */
function storedAfter(index: MatchIndex, current: MatchResult[], got: Rescored, scored: ReadonlySet<string>): MatchResult[] {
  const kept = got.all ? [] : current.filter((m) => !scored.has(m.publicationNumber)).map((m) => ({ ...m, score: index.calibrated(m.evidence, m.explanation.titleCoverage, got.best) }))
  return [...kept, ...got.results].sort((a, b) => b.evidence - a.evidence || (a.publicationNumber < b.publicationNumber ? -1 : 1)).slice(0, 100)
}

/** An evaluation set's needs prepared on its corpus less `heldOut`, with their full matches. */
function preparedOn(dir: string, set: string, heldOut: (i: number) => boolean) {
  const corpus = readJsonl<CorpusDoc>(join(dir, 'corpus.jsonl')).map(toMatchable)
  const queries = readJsonl<Query>(join(dir, 'queries.jsonl')).filter((_, i) => set === 'real-needs-dev' || i % 6 === 0)
  const index = new MatchIndex(analyzer)
  for (const [i, p] of corpus.entries()) if (!heldOut(i)) index.upsert(p)
  const needs = queries.map(needOf)
  return {
    index,
    needs,
    held: corpus.filter((_, i) => heldOut(i)),
    base: corpus.filter((_, i) => !heldOut(i)).length,
    prepared: needs.map((need) => index.prepare(need).prepared),
    stored: needs.map((need) => index.match(need, { limit: 100 })),
  }
}

t.test('right after preparing, rescoring a set gives exactly what match(need, { only }) gives', async (t) => {
  const index = new MatchIndex(analyzer)
  const all = Array.from({ length: 400 }, (_, i) => patent(i))
  for (const p of all) index.upsert(p)
  for (const need of NEEDS) {
    const prepared = index.prepare(need).prepared
    for (const only of [new Set(all.map((p) => p.publicationNumber)), new Set(all.filter((_, i) => i % 7 === 2).map((p) => p.publicationNumber))]) {
      const got = index.rescore(prepared, index.scoringSet(only), { limit: 1000 })
      t.ok(got !== undefined, 'holds')
      t.same(got!.results, index.match(need, { only, limit: 1000 }), `${need.title}: the same results, scores, evidence and explanations`)
    }
  }
})

t.test('after patents are added: exact, or it says the prepared need no longer holds', async (t) => {
  const index = new MatchIndex(analyzer, { preparedDrift: 0.05 })
  const all = Array.from({ length: 440 }, (_, i) => patent(i))
  for (const p of all.slice(0, 400)) index.upsert(p)
  const prepared = NEEDS.map((need) => index.prepare(need).prepared)
  // 20 more: within 5 % of 400
  const added = all.slice(400, 420)
  for (const p of added) index.upsert(p)
  let held = 0
  NEEDS.forEach((need, k) => {
    const only = new Set([...added.map((p) => p.publicationNumber), ...pubs(index.match(need, { limit: 50 }))])
    const got = index.rescore(prepared[k]!, index.scoringSet(only), { limit: 1000 })
    if (got === undefined) return
    held++
    const full = index.match(need, { only, limit: 1000 })
    t.same(got.results.map((r) => r.publicationNumber), full.map((r) => r.publicationNumber), `${need.title}: the same order`)
    const off = Math.max(0, ...got.results.map((r, i) => Math.abs(r.evidence - full[i]!.evidence)))
    t.ok(off <= TOLERANCE.evidence, `${need.title}: evidence within ${TOLERANCE.evidence} (text read live; the neighbours' votes as kept)`)
  })
  t.ok(held > 0, 'some prepared needs hold')
  // 40 more in all: over 5 % of the 400 it was prepared with
  for (const p of all.slice(420)) index.upsert(p)
  for (const [k, need] of NEEDS.entries()) t.equal(index.rescore(prepared[k]!, index.scoringSet(added.map((p) => p.publicationNumber))), undefined, `${need.title}: prepared again after the collection moved`)
  // a changed neighbour
  const fresh = index.prepare(NEEDS[0]!).prepared
  const neighbour = index.match(NEEDS[0]!, { limit: 1 })[0]!.publicationNumber
  index.upsert({ ...all.find((p) => p.publicationNumber === neighbour)!, abstract: '一种电池。' })
  t.equal(index.rescore(fresh, index.scoringSet([neighbour])), undefined, 'a kept document changed: prepared again')
})

t.test('what a need read of its documents before is taken again, and changes nothing, step after step', async (t) => {
  const index = new MatchIndex(analyzer)
  const all = Array.from({ length: 600 }, (_, i) => patent(i))
  for (const p of all.slice(0, 400)) index.upsert(p)
  // the same need twice: one keeps what it read, the other reads every document again each time
  const states = NEEDS.map((need) => {
    const { prepared: kept, results } = index.prepare(need, { limit: 100 })
    return { need, kept, fresh: index.prepare(need, { limit: 100 }).prepared, current: results.map((r) => r.publicationNumber) }
  })
  let compared = 0
  for (let step = 0; step < 8; step++) {
    const added = all.slice(400 + step * 25, 425 + step * 25)
    for (const p of added) index.upsert(p)
    // one of them changed: its old doc gone, a new one in its place
    const changed = all[(step * 37) % 400]!
    index.upsert({ ...changed, abstract: `${changed.abstract}另有改进。` })
    const set = index.scoringSet([...added, changed].map((p) => p.publicationNumber))
    for (const st of states) {
      st.fresh.read = undefined
      st.fresh.watched = undefined
      const a = index.rescore(st.kept, set, { limit: 100, also: st.current, tolerant: true })
      const b = index.rescore(st.fresh, set, { limit: 100, also: st.current, tolerant: true })
      t.same(a, b, `${st.need.title}, step ${step}: the same results, scores and evidence`)
      if (a === undefined || b === undefined) continue
      if (a.all && a.results.length > 0) compared++
      const scored = new Set([...added.map((p) => p.publicationNumber), changed.publicationNumber, ...(a.all ? st.current : [])])
      st.current = [...st.current.filter((pub) => !scored.has(pub)), ...a.results.map((r) => r.publicationNumber)].slice(0, 100)
    }
  }
  t.ok(compared > 0, `current matches scored again with what was read before (${compared} times): the check is not empty`)
})

t.test('passing over the patents that cannot reach a need loses none that would enter its matches', async (t) => {
  const index = new MatchIndex(analyzer)
  // most patents far from every need, as in an inventory
  const far = ['轴承润滑', '齿轮箱', '混凝土配方', '农药制剂', '纺织染色', '阀门密封']
  const all = Array.from({ length: 600 }, (_, i) =>
    i < 150
      ? patent(i)
      : { ...patent(i), title: `${far[i % far.length]}装置${i}`, abstract: `一种${far[(i * 5) % far.length]}结构，${far[(i * 7) % far.length]}${i % 3 ? '寿命长' : '成本低'}。`, keywords: [] },
  )
  for (const p of all) index.upsert(p)
  let passedOver = 0
  let entered = 0
  // lists of 10, 50 and 100: their last is the entry, the first high enough that most sets cannot reach it
  for (const [need, above] of NEEDS.flatMap((need) => [10, 50, 100].map((k) => [need, index.match(need, { limit: 100 })[k - 1]?.evidence ?? -Infinity] as const))) {
    for (let from = 0; from < all.length; from += 25) {
      const pubsOfSet = all.slice(from, from + 25).map((p) => p.publicationNumber)
      const gated = index.prepare(need).prepared
      const ungated = index.prepare(need).prepared
      const set = index.scoringSet(pubsOfSet)
      const reaches = index.reaches(gated, set, above)
      const got = index.rescore(gated, set, { limit: 100, above, tolerant: true })!
      // no entry: every patent of the set with evidence is scored
      const every = index.rescore(ungated, set, { limit: 100, above: -Infinity, tolerant: true })!
      const entering = (rs: MatchResult[]) => rs.filter((r) => r.evidence >= above).map((r) => `${r.publicationNumber} ${r.evidence}`)
      t.same(entering(got.results), entering(every.results), `${need.title}, patents ${from}…: the same entering patents`)
      t.equal(got.all, every.all, `${need.title}, patents ${from}…: the neighbours moved for both or neither`)
      if (!reaches) {
        passedOver++
        t.same(got.results, [], `${need.title}, patents ${from}…: passed over, nothing scored`)
      }
      entered += entering(every.results).length
    }
  }
  t.ok(passedOver > 0 && entered > 0, `some sets passed over (${passedOver}), some patents entering (${entered}): the check is not empty`)
})

/**
 * The stated tolerance (README, Matching): on the shared evaluation sets, needs prepared on a
 * corpus less 4.5 % of it, then that 4.5 % added in six steps (to 0.25, 0.5, 0.75, 1, 2, 4.5 %); at each step
 * what reverse matching stores (the added patents scored by the prepared path, the matches of
 * the preparation kept with their evidence and recalibrated) against match(need, { only }) over
 * the same patents. A need whose prepared state no longer holds is prepared again (exact).
 */
const EVAL = fileURLToPath(new URL('../../../shared/eval', import.meta.url))
for (const set of ['real-needs-dev', 'cn-g06f-dev']) {
  const dir = join(EVAL, set)
  t.test(`${set}: reverse matching from prepared needs is within the stated tolerance of a full match`, { skip: !existsSync(dir) && 'no evaluation data' }, async (t) => {
    const { index, needs, held: heldOut, base, prepared, stored } = preparedOn(dir, set, (i) => i % 22 === 5)
    needs.slice(0, 5).forEach((need, k) => {
      const only = pubs(stored[k]!)
      t.same(index.rescore(prepared[k]!, index.scoringSet(only), { limit: 100 })!.results, index.match(need, { only, limit: 100 }), 'exact right after preparing')
    })
    let added: string[] = []
    for (const share of [0.0025, 0.005, 0.0075, 0.01, 0.02, 0.045]) {
      const more = heldOut.slice(added.length, Math.round((share / 0.045) * heldOut.length))
      for (const p of more) index.upsert(p)
      added = [...added, ...more.map((p) => p.publicationNumber)]
      const fresh = more.map((p) => p.publicationNumber)
      const batch = index.scoringSet(fresh)
      let score = 0
      let evidence = 0
      let orderDiffers = 0
      let stale = 0
      let moved = 0
      needs.forEach((need, k) => {
        const only = new Set([...fresh, ...pubs(stored[k]!)])
        const got = index.rescore(prepared[k]!, batch, { limit: 100, also: pubs(stored[k]!) })
        if (got === undefined) {
          // prepared again, as the service does: exact
          stale++
          const again = index.prepare(need, { limit: 100, only })
          prepared[k] = again.prepared
          stored[k] = again.results
          return
        }
        if (got.all) moved++
        const merged = storedAfter(index, stored[k]!, got, new Set(fresh))
        stored[k] = merged
        const full = index.match(need, { only, limit: 100 })
        if (merged.slice(0, 10).map((r) => r.publicationNumber).join() !== full.slice(0, 10).map((r) => r.publicationNumber).join()) orderDiffers++
        const byPub = new Map(full.map((r) => [r.publicationNumber, r]))
        for (const r of merged) {
          const f = byPub.get(r.publicationNumber)
          if (f === undefined) continue
          score = Math.max(score, Math.abs(f.score - r.score))
          evidence = Math.max(evidence, Math.abs(f.evidence - r.evidence))
        }
      })
      t.comment(
        `${set}: ${needs.length} needs, ${added.length} patents added (${((100 * added.length) / base).toFixed(1)} %): ` +
          `${stale} prepared again, ${moved} with their current matches scored again; over all of them max |Δscore| ${score.toExponential(1)}, max |Δevidence| ${evidence.toExponential(1)}, top-10 order differs for ${orderDiffers}`,
      )
      t.ok(score <= TOLERANCE.score, `score within ${TOLERANCE.score}`)
      t.ok(evidence <= TOLERANCE.evidence, `evidence within ${TOLERANCE.evidence}`)
    }
  })
}

t.test('tolerant: goes on past the drift, stale only past the tolerated drift, never with a kept document changed', async (t) => {
  const index = new MatchIndex(analyzer, { preparedDrift: 0.05, toleratedDrift: 0.5 })
  const all = Array.from({ length: 1000 }, (_, i) => patent(i))
  for (const p of all.slice(0, 400)) index.upsert(p)
  const prepared = NEEDS.map((need) => index.prepare(need).prepared)
  const current = NEEDS.map((need) => index.match(need, { limit: 100 }))
  // 100 more in steps of 20 (within 5 % of the collection each): past 5 % of 400, within half of it
  for (let from = 400; from < 500; from += 20) {
    const step = all.slice(from, from + 20)
    for (const p of step) index.upsert(p)
    for (const [k, need] of NEEDS.entries()) {
      if (from === 420) t.equal(index.rescore(prepared[k]!, index.scoringSet(step.map((p) => p.publicationNumber))), undefined, `${need.title}: exact scoring says it no longer holds`)
      const got = index.rescore(prepared[k]!, index.scoringSet(step.map((p) => p.publicationNumber)), { tolerant: true, limit: 100, also: pubs(current[k]!) })
      t.ok(got !== undefined && !got.stale, `${need.title}: tolerant scoring goes on, not stale`)
      const fresh = new Set(step.map((p) => p.publicationNumber))
      current[k] = storedAfter(index, current[k]!, got!, fresh)
    }
  }
  for (const [k, need] of NEEDS.entries()) {
    const full = index.match(need, { limit: 5 })
    t.same(current[k]!.slice(0, 5).map((r) => r.publicationNumber), full.map((r) => r.publicationNumber), `${need.title}: the same top five as a full match`)
  }
  // 300 more: past half of the 400 it was prepared with
  for (const p of all.slice(500, 800)) index.upsert(p)
  const later = all.slice(780, 800).map((p) => p.publicationNumber)
  for (const [k, need] of NEEDS.entries()) t.equal(index.rescore(prepared[k]!, index.scoringSet(later), { tolerant: true })?.stale, true, `${need.title}: stale past the tolerated drift`)
  const fresh = index.prepare(NEEDS[0]!).prepared
  const neighbour = index.match(NEEDS[0]!, { limit: 1 })[0]!.publicationNumber
  index.upsert({ ...all.find((p) => p.publicationNumber === neighbour)!, abstract: '一种电池。' })
  t.equal(index.rescore(fresh, index.scoringSet([neighbour]), { tolerant: true }), undefined, 'a kept document changed: prepared again, tolerant or not')
})

/**
 * The stated tolerance of tolerant reverse matching (README, Matching): on the shared evaluation
 * sets, needs prepared on half the corpus and never prepared again while the other half is added
 * in steps of 5 % of it (each within the share a tolerant rescoring takes), to 100 % growth; at
 * 5, 25, 50, 75 and 100 % what reverse matching stores against a full match over the whole
 * index: of the top five, at least 95 % the same patents; of the top twenty's scores, at least
 * 95 % within 0.02; none stale.
 */
const TOLERANT = { topFive: 0.95, scoresWithin: 0.02, share: 0.95 }
for (const [set, steps] of [['real-needs-dev', 20], ['cn-g06f-dev', 20], ['real-needs-dev', 4], ['cn-g06f-dev', 4]] as const) {
  const dir = join(EVAL, set)
  t.test(`${set}: tolerant reverse matching up to a doubling of the collection in ${steps} steps is within the stated tolerance of a full match`, { skip: !existsSync(dir) && 'no evaluation data' }, async (t) => {
    const { index, needs, held: heldOut, base, prepared, stored } = preparedOn(dir, set, (i) => i % 2 === 1)
    let added = 0
    let passedOver = 0
    for (let step = 1; step <= steps; step++) {
      const more = heldOut.slice(added, Math.round((step / steps) * heldOut.length))
      for (const p of more) index.upsert(p)
      added += more.length
      const fresh = new Set(more.map((p) => p.publicationNumber))
      const batch = index.scoringSet(fresh)
      const compare = steps < 20 || step === 1 || step % 5 === 0
      let stale = 0
      let same = 0
      let topFive = 0
      let within = 0
      let compared = 0
      needs.forEach((need, k) => {
        // as the service: a full list takes nothing below its last, and a need no patent of the batch can reach is passed over
        const above = stored[k]!.length === 100 ? stored[k]!.at(-1)!.evidence : -Infinity
        if (!index.reaches(prepared[k]!, batch, above)) passedOver++
        const got = index.rescore(prepared[k]!, batch, { limit: 100, also: pubs(stored[k]!), above, tolerant: true })
        if (got === undefined || got.stale) {
          stale++
          return
        }
        stored[k] = storedAfter(index, stored[k]!, got, fresh)
        if (!compare) return
        const full = index.match(need, { limit: 100 })
        const five = new Set(full.slice(0, 5).map((r) => r.publicationNumber))
        same += stored[k]!.slice(0, 5).filter((r) => five.has(r.publicationNumber)).length
        topFive += Math.min(5, full.length)
        const byPub = new Map(full.map((r) => [r.publicationNumber, r]))
        for (const r of stored[k]!.slice(0, 20)) {
          const f = byPub.get(r.publicationNumber)
          if (f === undefined) continue
          compared++
          if (Math.abs(f.score - r.score) <= TOLERANT.scoresWithin) within++
        }
      })
      const growth = `${Math.round((100 * added) / base)} %`
      t.equal(stale, 0, `${growth}: none stale`)
      if (!compare) continue
      t.comment(`${set}, ${growth} added: top five ${(same / topFive).toFixed(3)} the same, ${(within / compared).toFixed(3)} of the top 20's scores within ${TOLERANT.scoresWithin}, ${stale} stale`)
      t.ok(same / topFive >= TOLERANT.topFive, `${growth}: top five within the tolerance`)
      t.ok(within / compared >= TOLERANT.share, `${growth}: scores within the tolerance`)
    }
    t.comment(`${set}: ${passedOver} of ${steps * needs.length} rescorings passed over (no patent of the step could reach the need)`)
  })
}
