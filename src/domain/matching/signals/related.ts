/**
 * `related`: the part of the text evidence owed to related terms, taken from the best text
 * matches (pseudo-relevance feedback) rather than from the need itself; a signal apart so that
 * `matchedTerms` only ever shows terms of the need.
 */
import { DENSE_SHARE } from '../postings.js'
import { bestDocs } from '../top-k.js'
import type { TextContext, TextSignal } from './signal.js'

export interface RelatedOptions {
  /** Related terms added from the best text matches (pseudo-relevance feedback). Default 10; 0 disables. */
  expansionTerms?: number
  /** Weight of a related term relative to a need term of the same idf, times its document share. Default 0.6. */
  expansionWeight?: number
  /** Best text matches that supply related terms. Default 10. */
  feedbackDocs?: number
}

/** Related terms are not taken from among the terms in DENSE_SHARE of the patents once that is this many. */
const RELATED_MIN_DF_CAP = 1000

export function relatedSignal(options: RelatedOptions): TextSignal {
  const expansionTerms = options.expansionTerms ?? 10
  const expansionWeight = options.expansionWeight ?? 0.6
  const feedbackDocs = options.feedbackDocs ?? 10
  return {
    name: 'related',
    role: 'text',
    start(ctx, acc) {
      if (expansionTerms > 0 && expansionWeight > 0 && ctx.terms.upper > 0) {
        ctx.postings.accumulate(expand(ctx, feedbackDocs, expansionTerms, expansionWeight), acc)
      }
      return {}
    },
  }
}

/**
 * Related terms from the best text matches (pseudo-relevance feedback): terms of the top
 * documents, weighted by the documents' scores and the terms' idf, that the need does not
 * contain. A term in a quarter of the patents and in at least RELATED_MIN_DF_CAP of them (one
 * the default cache adds from a dense array) is not taken: it says little about the topic, and adding
 * it up is a pass over all patents. Small indexes keep every candidate. Returns term → query
 * weight.
 */
function expand(ctx: TextContext, feedbackDocs: number, expansionTerms: number, expansionWeight: number): Map<number, number> {
  const { postings, N } = ctx
  const qtf = ctx.terms.counts
  // terms in a quarter of a large index are not taken (a scoring rule: not tied to the cache options)
  const denseDf = Math.max(RELATED_MIN_DF_CAP, N * DENSE_SHARE)
  const best = bestDocs(feedbackDocs, ctx.pub, ctx.alive, ctx.n, ctx.textSoFar())
  const out = new Map<number, number>()
  if (best.length === 0) return out
  const top = best[0]!.score
  const weight = new Map<number, number>()
  const fwd = postings.forward
  let totalW = 0
  for (const { doc, score } of best) {
    const w = score / top
    totalW += w
    const fs = postings.fwdStart(doc)
    for (let i = fs; i < fs + postings.fwdCount(doc); i++) {
      const t = fwd[i]!
      if (qtf.has(t) || postings.df(t) < 2 || postings.df(t) >= denseDf) continue
      weight.set(t, (weight.get(t) ?? 0) + w)
    }
  }
  // a related term must recur among the feedback documents; rank by share × idf
  const cands: { t: number; s: number; share: number }[] = []
  for (const [t, w] of weight) {
    const share = w / totalW
    if (share < 0.2) continue
    cands.push({ t, s: share * postings.idf(t, N), share })
  }
  cands.sort((a, b) => b.s - a.s || a.t - b.t)
  for (const c of cands.slice(0, expansionTerms)) out.set(c.t, expansionWeight * c.share * postings.idf(c.t, N))
  return out
}
