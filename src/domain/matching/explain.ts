/**
 * What a match's explanation reads of the forward index (the need's words a patent has, their
 * share of the need) and how its fields are put together: the signals add their own fields
 * (`SignalMatch.explain`), the shares come from `Scorer.split`.
 */
import type { Postings } from './postings.js'
import { EXPLANATION_FIELDS, type MatchExplanation } from './types.js'

/** A matched word is listed when its weight in the need is at least this share of the strongest one's. */
const MATCHED_TERM_SHARE = 0.15

/** The share of `total` held by the weights of the terms the doc contains (0..1, three decimals). */
export function coverage(postings: Postings, d: number, weights: Map<number, number>, total: number): number {
  if (total === 0) return 0
  let found = 0
  const fwd = postings.fwdPage(d)
  const fs = postings.fwdStart(d)
  const fe = fs + postings.fwdCount(d)
  for (let i = fs; i < fe; i++) {
    const w = weights.get(fwd[i]!)
    if (w !== undefined) found += w
  }
  return Math.round((found / total) * 1000) / 1000
}

/**
 * The need's words present in the doc (read from its forward index), by their weight in the
 * need, as the need wrote them: never a stem, never a fragment of a longer word, and not a
 * word contained in one listed before it (半导体 after 半导体芯片 says nothing new), nor one that
 * weighs little beside the strongest.
 */
export function matchedTerms(postings: Postings, d: number, termWeight: Map<number, number>, surface: Map<number, string>): string[] {
  const found: { term: string; score: number }[] = []
  const fwd = postings.fwdPage(d)
  const fs = postings.fwdStart(d)
  const fe = fs + postings.fwdCount(d)
  for (let i = fs; i < fe; i++) {
    const t = fwd[i]!
    const w = termWeight.get(t)
    const word = surface.get(t)
    if (w !== undefined && word !== undefined) found.push({ term: word, score: w })
  }
  found.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
  const out: string[] = []
  // words that weigh little beside the strongest (高, 方法: common, or words every need uses)
  // explain nothing a person needs to read
  const floor = (found[0]?.score ?? 0) * MATCHED_TERM_SHARE
  for (const { term, score } of found) {
    if (out.length === 12 || score < floor) break
    if (!out.some((o) => o.includes(term))) out.push(term)
  }
  return out
}

/** Each signal's share of the ranking score `raw`, in percent with one decimal, by name. */
export function shares(names: readonly string[], parts: Float64Array, raw: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < names.length; i++) out[names[i]!] = raw > 0 ? Math.round((1000 * parts[i]!) / raw) / 10 : 0
  return out
}

/** The explanation with its fields in their one order (`EXPLANATION_FIELDS`), whichever part wrote them. */
export function ordered(fields: Partial<MatchExplanation>): MatchExplanation {
  const out: Record<string, unknown> = {}
  for (const k of EXPLANATION_FIELDS) if (fields[k] !== undefined) out[k] = fields[k]
  return out as unknown as MatchExplanation
}
