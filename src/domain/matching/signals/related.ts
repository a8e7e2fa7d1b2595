/**
 * `related`: the part of the text evidence owed to related terms, taken from the best text
 * matches (pseudo-relevance feedback) rather than from the need itself; a signal apart so that
 * `matchedTerms` only ever shows terms of the need.
 */
import { DENSE_SHARE, type Postings } from '../postings.js'
import { bestDocs, indexOf, joins, TopK } from '../top-k.js'
import type { KeptText, MatchContext, TextContext, TextSignal } from './signal.js'

export interface RelatedOptions {
  /** Related terms added from the best text matches (pseudo-relevance feedback). Default 10; 0 disables. */
  expansionTerms?: number
  /** Weight of a related term relative to a need term of the same idf, times its document share. Default 0.6. */
  expansionWeight?: number
  /** Best text matches that supply related terms. Default 10. */
  feedbackDocs?: number
}

/** The documents next after the feedback documents that a prepared need watches. */
const RUNNERS = 10
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
      if (!(expansionTerms > 0 && expansionWeight > 0 && ctx.terms.upper > 0)) return { keep: () => ({ rescore: () => ({}), reach: () => ({ terms: new Map(), floor: Infinity }) }) }
      const feedback = feedbackOf(ctx, feedbackDocs)
      ctx.postings.accumulate(related(feedback, feedback.docs.map((d) => d.score), ctx, expansionTerms, expansionWeight), acc)
      return { keep: () => keepFeedback(feedback, ctx, feedbackDocs, expansionTerms, expansionWeight) }
    },
  }
}

/**
 * The feedback documents (and the next best then), and the terms they hold, each with the
 * feedback documents that hold it (by place): those near or above RECUR of their weight.
 */
interface Feedback {
  docs: { doc: number; score: number }[]
  /** The next best then, each with its text evidence as last scored. */
  runners: { doc: number; score: number }[]
  /** The terms, and for term j the places of the documents that hold it at holders[start[j] … start[j + 1]). */
  ids: Int32Array
  start: Int32Array
  holders: Int32Array
}

/** A related term must have this share of the feedback documents' weight. */
const RECUR = 0.2
/** A prepared need keeps the feedback documents' terms down to this share: their shares move with the documents' scores. */
const RECUR_KEPT = 0.15

/**
 * A prepared need keeps the feedback documents and their recurring terms; which of those are
 * related terms, and their weights, are read from the index at each rescoring (their document
 * frequencies move as patents arrive). It no longer holds once a feedback document has changed
 * or gone, a scored doc's text evidence would put it among them, or the related terms are no
 * longer the same. A tolerant rescoring (`RescoreContext.moved`) follows instead: a scored doc
 * that would join the feedback documents is taken in (they become the best of the kept ones, the
 * next ones then and the scored docs), and the related terms become those they now give.
 */
function keepFeedback(f: Feedback, ctx: TextContext, feedbackDocs: number, expansionTerms: number, expansionWeight: number): KeptText {
  const pub = ctx.pub
  const pubs = f.docs.map((x) => pub[x.doc])
  const chosen = [...related(f, f.docs.map((d) => d.score), ctx, expansionTerms, expansionWeight).keys()]
  return keptFeedback(f, pubs, chosen, feedbackDocs, expansionTerms, expansionWeight)
}

/** `keepFeedback`'s part, in a scope of its own: a closure that reached the match's context would keep all it holds. */
function keptFeedback(first: Feedback, firstPubs: readonly (string | undefined)[], firstChosen: readonly number[], feedbackDocs: number, expansionTerms: number, expansionWeight: number): KeptText {
  let f = first
  let pubs = firstPubs
  let chosen = firstChosen
  let docs = f.docs.map((x) => x.doc)
  // with fewer feedback documents than asked for, any doc with text evidence would be one
  let full = f.docs.length === feedbackDocs
  /** The feedback documents' text evidence as last scored (all of them are watched, so scored first at each rescoring). */
  let scores = f.docs.map((d) => d.score)
  return {
    // the related terms are all the watched docs' evidence reads beyond the need's (others taken: no longer holds)
    get watch() {
      return { docs: [...docs, ...f.runners.map((r) => r.doc)], terms: chosen }
    },
    reach(rctx) {
      // a related term's weight is its share (at most 1) of its idf; a doc joins the feedback
      // documents above the last of them as last scored (any doc while they are fewer than asked)
      const terms = new Map(chosen.map((t) => [t, expansionWeight * rctx.postings.idf(t, rctx.N)]))
      return { terms, floor: full ? Math.min(...scores) : 0 }
    },
    rescore(rctx, acc, soFar) {
      for (let i = 0; i < docs.length; i++) if (rctx.pub[docs[i]!] !== pubs[i] || rctx.alive[docs[i]!] === 0) return undefined
      // the last feedback document: as it scores now when the docs scored include them all (the
      // watched ones), else as it scored then
      let floor = full ? f.docs.at(-1)!.score : 0
      let floorPub = pubs.at(-1)
      const at = docs.map((d) => indexOf(rctx.docs, d))
      if (at.every((i) => i >= 0)) scores = at.map((i) => soFar[i]!)
      for (const r of f.runners) {
        const i = indexOf(rctx.docs, r.doc)
        if (i >= 0) r.score = soFar[i]!
      }
      if (full && at.every((i) => i >= 0)) {
        floor = Infinity
        for (const i of at) {
          const s = soFar[i]!
          const pub = rctx.pub[rctx.docs[i]!]!
          if (s < floor || (s === floor && pub > floorPub!)) [floor, floorPub] = [s, pub]
        }
      }
      let took = false
      for (let i = 0; i < rctx.docs.length; i++) {
        const s = soFar[i]!
        if (s > 0 && joins(s, rctx.pub[rctx.docs[i]!]!, floor, floorPub) && !docs.includes(rctx.docs[i]!)) {
          if (rctx.moved === undefined) return undefined
          // tolerant: the feedback documents follow, the best of those kept, the next ones then and the scored docs
          const top = new TopK(feedbackDocs + RUNNERS, rctx.pub)
          for (let j = 0; j < rctx.docs.length; j++) if (soFar[j]! > 0) top.offer(rctx.docs[j]!, soFar[j]!)
          docs.forEach((d, k) => at[k]! < 0 && scores[k]! > 0 && top.offer(d, scores[k]!))
          for (const r of f.runners) if (indexOf(rctx.docs, r.doc) < 0 && r.score > 0 && rctx.alive[r.doc] === 1 && !docs.includes(r.doc)) top.offer(r.doc, r.score)
          f = feedbackFrom(rctx.postings, top.sorted(), feedbackDocs)
          docs = f.docs.map((x) => x.doc)
          pubs = docs.map((d) => rctx.pub[d])
          full = f.docs.length === feedbackDocs
          scores = f.docs.map((d) => d.score)
          took = true
          break
        }
      }
      const terms = related(f, scores, rctx, expansionTerms, expansionWeight)
      // a term taken or dropped (its document frequency crossed a bound, the ranking moved) changes every match's evidence
      if (took || terms.size !== chosen.length || chosen.some((t) => !terms.has(t))) {
        if (rctx.moved === undefined) return undefined
        // tolerant: the related terms follow the feedback documents (the watched docs are read again with them)
        chosen = [...terms.keys()]
        rctx.moved()
      }
      if (terms.size > 0) rctx.accumulate(terms, acc)
      return {}
    },
  }
}

/**
 * The best text matches (pseudo-relevance feedback) and the terms that recur among them: each
 * term of a document counts the document's score over the best one's, and a term must have a
 * fifth of the documents' total.
 */
function feedbackOf(ctx: TextContext, feedbackDocs: number): Feedback {
  return feedbackFrom(ctx.postings, bestDocs(feedbackDocs + RUNNERS, ctx.pub, ctx.alive, ctx.n, ctx.textSoFar()), feedbackDocs)
}

/** The feedback documents (the first `feedbackDocs` of `ranked`, best first) and the terms that recur among them. */
function feedbackFrom(postings: Postings, ranked: { doc: number; score: number }[], feedbackDocs: number): Feedback {
  const best = ranked.slice(0, feedbackDocs)
  const runners = ranked.slice(feedbackDocs)
  if (best.length === 0) return { docs: best, runners, ids: new Int32Array(0), start: new Int32Array(1), holders: new Int32Array(0) }
  const holders = new Map<number, number[]>()
  best.forEach(({ doc }, k) => {
    const fwd = postings.fwdPage(doc)
    const fs = postings.fwdStart(doc)
    for (let i = fs; i < fs + postings.fwdCount(doc); i++) {
      const t = fwd[i]!
      const list = holders.get(t)
      if (list === undefined) holders.set(t, [k])
      else list.push(k)
    }
  })
  const lists = [...holders.values()]
  const offsets = new Int32Array(lists.length + 1)
  lists.forEach((l, j) => (offsets[j + 1] = offsets[j]! + l.length))
  const shares = sharesOf(best.map((d) => d.score), offsets, Int32Array.from(lists.flat()))
  const ids: number[] = []
  const start = [0]
  const at: number[] = []
  let j = 0
  for (const [t, list] of holders) {
    if (shares[j++]! < RECUR_KEPT) continue
    ids.push(t)
    at.push(...list)
    start.push(at.length)
  }
  return { docs: best, runners, ids: Int32Array.from(ids), start: Int32Array.from(start), holders: Int32Array.from(at) }
}

/** Each term's share of the feedback documents' weight (a document weighs its score over the best one's), by the documents that hold it. */
function sharesOf(scores: readonly number[], start: Int32Array, holders: Int32Array): Float64Array {
  const top = scores[0]!
  let totalW = 0
  for (const s of scores) totalW += s / top
  const out = new Float64Array(start.length - 1)
  for (let j = 0; j < out.length; j++) {
    let w = 0
    for (let i = start[j]!; i < start[j + 1]!; i++) w += scores[holders[i]!]! / top
    out[j] = w / totalW
  }
  return out
}

/**
 * Related terms: the recurring terms of the feedback documents that the need does not contain,
 * ranked by share × idf. A term in a quarter of the patents and in at least RELATED_MIN_DF_CAP
 * of them (one the default cache adds from a dense array) is not taken: it says little about the
 * topic, and adding it up is a pass over all patents; nor is one only a single patent has. Small
 * indexes keep every candidate. Returns term → query weight, expansionWeight × share × idf.
 */
function related(f: Feedback, scores: readonly number[], ctx: Pick<MatchContext, 'postings' | 'N' | 'terms'>, expansionTerms: number, expansionWeight: number): Map<number, number> {
  const { postings, N } = ctx
  const out = new Map<number, number>()
  for (const c of candidates(f, scores, ctx).slice(0, expansionTerms)) out.set(c.t, expansionWeight * c.share * postings.idf(c.t, N))
  return out
}

/** The feedback documents' terms that may be related terms, by share × idf, best first. */
function candidates(f: Feedback, scores: readonly number[], ctx: Pick<MatchContext, 'postings' | 'N' | 'terms'>): { t: number; s: number; share: number }[] {
  const { postings, N } = ctx
  const qtf = ctx.terms.counts
  // terms in a quarter of a large index are not taken (a scoring rule: not tied to the cache options)
  const denseDf = Math.max(RELATED_MIN_DF_CAP, N * DENSE_SHARE)
  const cands: { t: number; s: number; share: number }[] = []
  const shares = f.ids.length === 0 ? new Float64Array(0) : sharesOf(scores, f.start, f.holders)
  for (let j = 0; j < f.ids.length; j++) {
    const t = f.ids[j]!
    const share = shares[j]!
    // a related term must recur among the feedback documents; rank by share × idf
    if (share < RECUR || qtf.has(t) || postings.df(t) < 2 || postings.df(t) >= denseDf) continue
    cands.push({ t, s: share * postings.idf(t, N), share })
  }
  cands.sort((a, b) => b.s - a.s || a.t - b.t)
  return cands
}
