/**
 * `ipc`: the share of the codes the need names itself that the patent's class set carries
 * (prefix match along the hierarchy, `G06F16` ⊃ `G06F16/35`). Only when the need names codes.
 * Owns `sharedClasses`.
 */
import { grow } from '../buffers.js'
import { codesOverlap, normalizeCode } from '../classes.js'
import type { ClassSets } from '../class-sets.js'
import type { KeptLift, LiftSignal } from './signal.js'

export interface IpcOptions {
  /**
   * How far the codes the need names can lift a patent's text evidence: the score is
   * text × (1 + … + ipcBoost × ipc), the signal in 0..1. Default 1.
   */
  ipcBoost?: number
}

/** Codes of a need that count, at most. */
const MAX_NEED_CODES = 30

export function ipcSignal(options: IpcOptions): LiftSignal {
  const ipcBoost = options.ipcBoost ?? 1
  /** Per class set, the need's codes it carries as bits (back to zero in the last loop of each match). */
  let mask = new Int32Array(256)
  let mark = new Uint8Array(256)
  return {
    name: 'ipc',
    role: 'lift',
    start(ctx, lift) {
      const cs = ctx.classSets
      const needCodes = [...new Set((ctx.need.ipc ?? []).map(normalizeCode).filter((c) => c !== ''))].slice(0, MAX_NEED_CODES)
      const nCodes = needCodes.length
      if (nCodes === 0) {
        const none = { explain: (_d: number, into: { sharedClasses?: string[] }) => void (into.sharedClasses = []) }
        return { touched: [], ...none, keep: () => ({ rescore: () => none, most: 0 }) }
      }
      // each class's overlap with the need's codes, as bits; the classes with one
      const nClasses = cs.nClasses
      const needMask = new Int32Array(nClasses)
      const named: number[] = []
      for (let c = 0; c < nClasses; c++) {
        let m = 0
        for (let i = 0; i < nCodes; i++) if (codesOverlap(needCodes[i]!, cs.code(c))) m |= 1 << i
        needMask[c] = m
        if (m !== 0) named.push(c)
      }
      mask = grow(mask, cs.nSets)
      mark = grow(mark, cs.nSets)
      const touched: number[] = []
      for (const c of named) {
        const m = needMask[c]!
        for (const k of cs.setsOf(c)) {
          if (mark[k] === 0) {
            mark[k] = 1
            touched.push(k)
          }
          mask[k] = mask[k]! | m
        }
      }
      for (let i = 0; i < touched.length; i++) {
        const k = touched[i]!
        lift[k] = (ipcBoost * popcount(mask[k]!)) / nCodes
        mask[k] = 0
        mark[k] = 0
      }
      return {
        touched,
        explain(d, into) {
          into.sharedClasses = cs
            .docClassIds(d)
            .filter((c) => needMask[c] !== 0)
            .map((c) => cs.code(c))
        },
        keep: () => keepNamed(needCodes, needMask, ipcBoost),
      }
    },
  }
}

/**
 * A prepared need keeps its codes and their overlap with each class known then; a class seen
 * since is compared when a scored doc first has it. A doc's lift is its classes' overlap, as in
 * a match.
 */
function keepNamed(needCodes: readonly string[], known: Int32Array, ipcBoost: number): KeptLift {
  const later = new Map<number, number>()
  const maskOf = (cs: ClassSets, c: number): number => {
    if (c < known.length) return known[c]!
    let m = later.get(c)
    if (m === undefined) {
      m = 0
      for (let i = 0; i < needCodes.length; i++) if (codesOverlap(needCodes[i]!, cs.code(c))) m |= 1 << i
      later.set(c, m)
    }
    return m
  }
  return {
    // every code the need names
    most: ipcBoost,
    rescore(ctx, lift) {
      const cs = ctx.classSets
      for (let i = 0; i < ctx.docs.length; i++) {
        let m = 0
        cs.forEachClass(cs.docSet[ctx.docs[i]!]!, (c) => void (m |= maskOf(cs, c)))
        if (m !== 0) lift[i] = (ipcBoost * popcount(m)) / needCodes.length
      }
      return {
        explain(d, into) {
          into.sharedClasses = cs
            .docClassIds(d)
            .filter((c) => maskOf(cs, c) !== 0)
            .map((c) => cs.code(c))
        },
      }
    },
  }
}

function popcount(x: number): number {
  let c = 0
  while (x !== 0) {
    x &= x - 1
    c++
  }
  return c
}
