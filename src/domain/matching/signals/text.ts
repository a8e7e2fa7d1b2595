/**
 * `text`: BM25F over the patent's fields (title, abstract, keywords, claims; each field with its
 * own weight and length normalisation), with the need's title, description and keywords as the
 * query (whole words; the shorter words inside them at a small weight). Owns `matchedTerms`:
 * the need's words the patent has, as the need wrote them.
 */
import { matchedTerms } from '../explain.js'
import type { MatchContext, SignalMatch, TextSignal } from './signal.js'

export function textSignal(): TextSignal {
  // the need's terms and their weights are read again for every rescoring (live idf): nothing to keep
  const explaining = (ctx: MatchContext): SignalMatch => ({
    explain(d, into) {
      into.matchedTerms = matchedTerms(ctx.postings, d, ctx.terms.weights, ctx.terms.surface)
    },
  })
  return {
    name: 'text',
    role: 'text',
    start(ctx, acc) {
      ctx.postings.accumulate(ctx.terms.weights, acc)
      return {
        ...explaining(ctx),
        keep: () => ({
          rescore(rctx, into) {
            rctx.accumulate(rctx.terms.weights, into)
            return explaining(rctx)
          },
          reach: (rctx) => ({ terms: rctx.terms.weights, floor: Infinity }),
        }),
      }
    },
  }
}
