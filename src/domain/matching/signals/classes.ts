/**
 * `classes`: the need's classification inferred from its nearest patents. The best text matches
 * vote, weighted by their text score, for the IPC/CPC codes they carry (a k-nearest-neighbour,
 * pseudo-relevance-feedback class distribution); a patent's class set lifts by the inferred
 * probability mass of its codes, 1 − Π(1 − p), counted only as far as the voting neighbours
 * could vote (had codes). This finds patents that solve the same kind of problem in different
 * words. Owns `inferredClasses`.
 */
import { grow } from '../buffers.js'
import type { ClassSets } from '../class-sets.js'
import type { Neighbours } from '../neighbours.js'
import type { KeptLift, LiftContext, LiftSignal } from './signal.js'

export interface ClassesOptions {
  /** Share of a main group's vote that also counts for its subgroups. Default 0.1. */
  groupShare?: number
  /**
   * How far the inferred classes can lift a patent's text evidence: the score is
   * text × (1 + classBoost × classes + …), the signal in 0..1. Default 4.
   */
  classBoost?: number
}

export function classesSignal(options: ClassesOptions): LiftSignal {
  const groupShare = options.groupShare ?? 0.1
  const classBoost = options.classBoost ?? 4
  /** Inferred class probabilities of the current match, dense by class id (reset after it). */
  let prob = new Float64Array(64)
  let mark = new Uint8Array(256)
  /** The part kept for other neighbours: the classes they vote for, no set's lift written. */
  const follow = (ctx: LiftContext): KeptLift => {
    const cs = ctx.classSets
    prob = grow(prob, cs.nClasses)
    const inferred = inferClasses(ctx.neighbours, cs, groupShare, prob)
    try {
      return keepInferred(inferred, prob, classBoost * codedShare(ctx.neighbours, cs), follow)
    } finally {
      for (const c of inferred) prob[c] = 0
    }
  }
  return {
    name: 'classes',
    role: 'lift',
    start(ctx, lift) {
      const cs = ctx.classSets
      prob = grow(prob, cs.nClasses)
      mark = grow(mark, cs.nSets)
      const inferred = inferClasses(ctx.neighbours, cs, groupShare, prob)
      // the inferred classes count as far as the neighbours that voted could vote (had codes)
      const w = classBoost * codedShare(ctx.neighbours, cs)
      // Class at a time: each inferred class multiplies its miss probability into the sets that
      // hold it, so the work is the number of (inferred class, set) pairs, not every class of
      // every touched set. The miss probability is in `lift` until the last loop.
      const touched: number[] = []
      for (const c of inferred) {
        const q = 1 - prob[c]!
        for (const k of cs.setsOf(c)) {
          if (mark[k] === 0) {
            mark[k] = 1
            touched.push(k)
            lift[k] = q
          } else {
            lift[k] = lift[k]! * q
          }
        }
      }
      for (let i = 0; i < touched.length; i++) {
        const k = touched[i]!
        lift[k] = w * (1 - lift[k]!)
        mark[k] = 0
      }
      const p = prob
      return {
        touched,
        explain(d, into) {
          into.inferredClasses = cs
            .docClassIds(d)
            .filter((c) => p[c]! > 0)
            .sort((a, b) => p[b]! - p[a]!)
            .map((c) => cs.code(c))
        },
        end() {
          for (const c of inferred) p[c] = 0
        },
        keep: () => keepInferred(inferred, p, w, follow),
      }
    },
  }
}

/**
 * A prepared need keeps the inferred classes, in the order in which a match multiplies them, with
 * their probabilities and the coded share's weight: a scored doc's lift is computed from its own
 * set's classes in that order, so it is the full match's to the last bit.
 */
function keepInferred(inferred: readonly number[], prob: Float64Array, w: number, follow: (ctx: LiftContext) => KeptLift): KeptLift {
  const order = new Map<number, number>()
  const p = inferred.map((c) => prob[c]!)
  inferred.forEach((c, i) => order.set(c, i))
  const probOf = (c: number) => p[order.get(c) ?? -1] ?? 0
  return {
    // a set holding every inferred class
    most: w * (1 - p.reduce((miss, x) => miss * (1 - x), 1)),
    classes: inferred,
    follow,
    rescore(ctx, lift) {
      const cs = ctx.classSets
      const docSet = cs.docSet
      const at: number[] = []
      for (let i = 0; i < ctx.docs.length; i++) {
        at.length = 0
        cs.forEachClass(docSet[ctx.docs[i]!]!, (c) => {
          const k = order.get(c)
          if (k !== undefined) at.push(k)
        })
        if (at.length === 0) continue
        at.sort((a, b) => a - b)
        let miss = 1 - p[at[0]!]!
        for (let j = 1; j < at.length; j++) miss = miss * (1 - p[at[j]!]!)
        lift[i] = w * (1 - miss)
      }
      return {
        explain(d, into) {
          into.inferredClasses = cs
            .docClassIds(d)
            .filter((c) => probOf(c) > 0)
            .sort((a, b) => probOf(b) - probOf(a))
            .map((c) => cs.code(c))
        },
      }
    },
  }
}

/**
 * Class distribution voted by the nearest patents: each votes for its codes with its weight; a
 * code's probability mixes its own vote share with its main group's. Writes the probabilities
 * into `prob` (dense by class id; only the classes of voted groups can be non-zero) and returns
 * the classes it set, for the caller to reset.
 */
function inferClasses(nn: Neighbours, cs: ClassSets, gs: number, prob: Float64Array): number[] {
  const set: number[] = []
  if (nn.docs.length === 0) return set
  const groupVotes = new Map<number, number>()
  const classVotes = new Map<number, number>()
  const docSet = cs.docSet
  let total = 0
  for (let i = 0; i < nn.docs.length; i++) {
    const w = nn.weights[i]!
    total += w
    const groups = new Set<number>()
    cs.forEachClass(docSet[nn.docs[i]!]!, (c) => {
      classVotes.set(c, (classVotes.get(c) ?? 0) + w)
      groups.add(cs.groupOf(c))
    })
    for (const g of groups) groupVotes.set(g, (groupVotes.get(g) ?? 0) + w)
  }
  // only classes of a voted group can have a probability
  for (const [g, votes] of groupVotes) {
    const pg = votes / total
    if (pg === 0) continue
    for (const c of cs.classesOfGroup(g)) {
      const pc = (classVotes.get(c) ?? 0) / total
      const p = Math.min(0.95, (1 - gs) * pc + gs * pg)
      if (p > 0.01) {
        prob[c] = p
        set.push(c)
      }
    }
  }
  return set
}

/** Share of the voting neighbours' weight held by patents with codes: 1 when all have codes, 0 when none. */
function codedShare(nn: Neighbours, cs: ClassSets): number {
  const empty = cs.uncoded
  const docSet = cs.docSet
  let all = 0
  let coded = 0
  for (let i = 0; i < nn.docs.length; i++) {
    const w = nn.weights[i]!
    all += w
    if (docSet[nn.docs[i]!] !== empty) coded += w
  }
  return all > 0 ? coded / all : 0
}
