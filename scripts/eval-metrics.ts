/**
 * What the evaluation measures, shared by `npm run eval` (in process) and `npm run eval:service`
 * (through a running service). Pure: rankings and judgements in, figures out.
 *
 * A data set is judged one of two ways (see ../shared/eval/README.md):
 * - `judged.tsv`: pairs judged by hand, grade 0 included. A patent not listed for a need is
 *   **unjudged**: never counted as relevant, and counted apart so that a gain that rests on
 *   unjudged patents shows.
 * - `qrels.tsv` alone: relevance defined by rule (shared CPC subgroups), so every pair not
 *   listed is known not to be relevant: nothing is unjudged.
 */
import { readFileSync } from 'node:fs'
import { inScope, toRouting, type Routing } from '../src/domain/pairing.js'

export interface CorpusDoc {
  id: string
  title: string
  abstract: string
  keywords?: string[]
  cpc?: string[]
  lang?: string
  applicants?: string[]
}

/** A need: `title` and `text` (real needs), or `text` alone (then it is the title). */
export interface Query {
  id: string
  title?: string
  text: string
}

/** The need as an enterprise would state it: title, and the free text as its description. */
export function needOf(q: Query): { title: string; description?: string } {
  return q.title !== undefined && q.title.trim() !== '' ? { title: q.title, description: q.text } : { title: q.text }
}

export interface Judgements {
  /** need id → patent id → grade (0, 1 or 2). */
  grades: Map<string, Map<string, number>>
  /** True when unlisted pairs are known not to be relevant (a qrels-only set). */
  complete: boolean
}

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

function readTsv(file: string): Map<string, Map<string, number>> {
  const q = new Map<string, Map<string, number>>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [qid, pid, grade] = line.trim().split('\t')
    if (!qid || !pid || grade === undefined) continue
    let m = q.get(qid)
    if (!m) q.set(qid, (m = new Map()))
    m.set(pid, Number(grade))
  }
  return q
}

/** `judged.tsv` when the set has one (hand judgements, grade 0 included), else `qrels.tsv`. */
export function readJudgements(dir: string): Judgements {
  try {
    return { grades: readTsv(`${dir}/judged.tsv`), complete: false }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    return { grades: readTsv(`${dir}/qrels.tsv`), complete: true }
  }
}

/** One ranked match: the patent and the score the service gives it. */
export interface Ranked {
  id: string
  score: number
  /** The patent's codes, for a centre's IPC scope; none by default. */
  ipc?: readonly string[]
}

export interface Figures {
  needs: number
  /** Share of the top 5 slots holding a patent of grade ≥ 1 (an empty slot counts as not relevant). */
  p5: number
  /** The same for grade 2. */
  p5Strict: number
  /** Top-5 slots holding a patent with no judgement for the need, and their share of all slots. */
  unjudgedTop5: number
  unjudgedTop5Share: number
  /** nDCG@10 over the grades (gain 2^g − 1; an unjudged patent gains 0). */
  ndcg10: number
  /** Recall@100 of the grade-2 patents, and MRR of the first one (needs with one). */
  recall100: number
  mrr: number
}

export interface PushFigures {
  /** The routing the pushes follow (the defaults, as a new centre has them). */
  minScore: number
  maxPerNeed: number
  pushes: number
  relevant: number
  /** Pushes of patents with no judgement for the need (counted as not relevant). */
  unjudged: number
  /** relevant / pushes; null when nothing is pushed. */
  precision: number | null
  /** Needs with at least one patent of grade ≥ 1 judged. */
  needsWithRelevant: number
  /** Of those, the needs that get at least one push, and at least one relevant push. */
  needsWithRelevantPushed: number
  needsWithRelevantRelevantPushed: number
  /** Needs with no relevant patent, and the pushes they get. */
  needsWithoutRelevant: number
  pushesToNeedsWithoutRelevant: number
}

const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits

function gradeOf(j: Judgements, need: Map<string, number> | undefined, id: string): number | undefined {
  const g = need?.get(id)
  if (g !== undefined) return g
  return j.complete ? 0 : undefined
}

/** Ranking figures over the needs that have judgements. */
export function rankingFigures(runs: Map<string, Ranked[]>, j: Judgements): Figures {
  let n = 0
  let p5 = 0
  let p5s = 0
  let unjudged = 0
  let ndcg = 0
  let recall = 0
  let mrr = 0
  let withG2 = 0
  for (const [qid, ranked] of runs) {
    const judged = j.grades.get(qid)
    if (!judged) continue
    n++
    for (const r of ranked.slice(0, 5)) {
      const g = gradeOf(j, judged, r.id)
      if (g === undefined) unjudged++
      else if (g >= 1) {
        p5++
        if (g >= 2) p5s++
      }
    }
    let dcg = 0
    ranked.slice(0, 10).forEach((r, i) => {
      dcg += (2 ** (judged.get(r.id) ?? 0) - 1) / Math.log2(i + 2)
    })
    const ideal = [...judged.values()].sort((a, b) => b - a).slice(0, 10)
    const idcg = ideal.reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0)
    ndcg += idcg > 0 ? dcg / idcg : 0
    const g2 = [...judged.values()].filter((g) => g === 2).length
    if (g2 > 0) {
      withG2++
      recall += ranked.slice(0, 100).filter((r) => judged.get(r.id) === 2).length / g2
      const first = ranked.findIndex((r) => judged.get(r.id) === 2)
      if (first >= 0) mrr += 1 / (first + 1)
    }
  }
  const per = (x: number, d: number) => round(x / Math.max(d, 1))
  return {
    needs: n,
    p5: per(p5, 5 * n),
    p5Strict: per(p5s, 5 * n),
    unjudgedTop5: unjudged,
    unjudgedTop5Share: per(unjudged, 5 * n),
    ndcg10: per(ndcg, n),
    recall100: per(recall, j.complete ? n : withG2),
    mrr: per(mrr, j.complete ? n : withG2),
  }
}

/**
 * What a centre's routing picks from each need's ranking: the best matches in its scope (score at
 * or above `minScore`, IPC prefixes; no province, as the eval's needs name none), at most
 * `maxPerNeed` (the service's own rule, `inScope`).
 */
export function selectPushes(runs: Map<string, Ranked[]>, routing: Routing = toRouting({})): Map<string, Ranked[]> {
  const out = new Map<string, Ranked[]>()
  for (const [qid, ranked] of runs) out.set(qid, ranked.filter((r) => inScope(routing, undefined, r.ipc ?? [], r.score)).slice(0, routing.maxPerNeed))
  return out
}

/**
 * Push figures of patents already pushed: need → the patents it was paired with. Shared by the
 * prediction from rankings (`pushFigures`) and the pairings a running service's centre actually
 * received (`npm run eval:service`), so both are counted alike. Every need to be counted must be
 * a key, with an empty list when it received nothing; needs without judgements are skipped.
 */
export function receivedFigures(pushedByNeed: Map<string, readonly Ranked[]>, j: Judgements, routing: Routing = toRouting({})): PushFigures {
  const out: PushFigures = {
    minScore: routing.minScore,
    maxPerNeed: routing.maxPerNeed,
    pushes: 0,
    relevant: 0,
    unjudged: 0,
    precision: null,
    needsWithRelevant: 0,
    needsWithRelevantPushed: 0,
    needsWithRelevantRelevantPushed: 0,
    needsWithoutRelevant: 0,
    pushesToNeedsWithoutRelevant: 0,
  }
  for (const [qid, pushed] of pushedByNeed) {
    const judged = j.grades.get(qid)
    if (!judged) continue
    const hasRelevant = [...judged.values()].some((g) => g >= 1)
    let relevant = 0
    for (const r of pushed) {
      const g = gradeOf(j, judged, r.id)
      if (g === undefined) out.unjudged++
      else if (g >= 1) relevant++
    }
    out.pushes += pushed.length
    out.relevant += relevant
    if (hasRelevant) {
      out.needsWithRelevant++
      if (pushed.length > 0) out.needsWithRelevantPushed++
      if (relevant > 0) out.needsWithRelevantRelevantPushed++
    } else {
      out.needsWithoutRelevant++
      out.pushesToNeedsWithoutRelevant += pushed.length
    }
  }
  out.precision = out.pushes > 0 ? round(out.relevant / out.pushes) : null
  return out
}

/**
 * What operations centres would receive with the routing defaults: per need, the best matches at
 * or above `minScore`, at most `maxPerNeed` (the service's own rule, `inScope`).
 */
export function pushFigures(runs: Map<string, Ranked[]>, j: Judgements, routing: Routing = toRouting({})): PushFigures {
  return receivedFigures(selectPushes(runs, routing), j, routing)
}

/** One line of the report: a method's figures on a data set. */
export function reportLine(dataset: string, method: string, runs: Map<string, Ranked[]>, j: Judgements, withPush: boolean): Record<string, unknown> {
  return { dataset, method, ...rankingFigures(runs, j), ...(withPush ? { push: pushFigures(runs, j) } : {}) }
}
