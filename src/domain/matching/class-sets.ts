/**
 * The patents' classification codes, as the lift signals read them: classes (IPC/CPC codes) and
 * their main groups get integer ids, and a doc's codes are a shared "class set": each distinct
 * code list (deduplicated, in the patent's order) is stored once and a doc keeps its set id, so
 * a match computes a lift once per set, not per doc. Each class knows the sets that hold it.
 */
import type { SnapshotState, StateReader } from '../snapshot.js'
import { grow, IntBuffer } from './buffers.js'
import { mainGroup, normalizeCode } from './classes.js'

export class ClassSets {
  readonly #classIds = new Map<string, number>()
  readonly #classes: string[] = []
  readonly #classGroup: number[] = []
  readonly #groupIds = new Map<string, number>()
  /** Classes of each main group, by group id. */
  readonly #groupClasses: number[][] = []
  readonly #setIds = new Map<string, number>()
  #setStart = new IntBuffer(256)
  #setCount = new IntBuffer(256)
  #setCls = new IntBuffer(1 << 12)
  /** Class sets that contain each class, by class id. */
  readonly #classSets: number[][] = []
  /** Each doc's class set. */
  #docSet = new Int32Array(1024)

  /** The whole state for docs 0 … n − 1 (see `MatchIndex.exportState`); the maps are derived again on import. */
  exportState(n: number): SnapshotState {
    return {
      meta: {},
      arrays: {
        'classes.setStart': this.#setStart.a.subarray(0, this.#setStart.n),
        'classes.setCount': this.#setCount.a.subarray(0, this.#setCount.n),
        'classes.setClasses': this.#setCls.a.subarray(0, this.#setCls.n),
        'classes.docSet': this.#docSet.subarray(0, n),
      },
      strings: { 'classes.codes': this.#classes },
    }
  }

  /** Class sets holding an exported state for `n` docs: ids, groups and sets as they were; throws when inconsistent. */
  static fromState(r: StateReader, n: number): ClassSets {
    const cs = new ClassSets()
    for (const code of r.strings('classes.codes')) {
      if (cs.#classIds.has(code) || code === '') r.fail(`class "${code}" is listed twice or empty`)
      cs.#newClass(code)
    }
    const start = r.array('classes.setStart', Int32Array)
    const count = r.array('classes.setCount', Int32Array, start.length)
    const cls = r.array('classes.setClasses', Int32Array)
    r.inRange('classes.setClasses', cls, cs.#classes.length)
    for (let k = 0; k < start.length; k++) {
      const from = start[k]!
      if (from < 0 || count[k]! < 0 || from + count[k]! > cls.length) r.fail(`set ${k} lies outside the set classes`)
      const ids = Array.from(cls.subarray(from, from + count[k]!))
      if (cs.#internSet(ids) !== k) r.fail(`set ${k} repeats an earlier set`)
    }
    const docSet = r.array('classes.docSet', Int32Array, n)
    r.inRange('classes.docSet', docSet, start.length)
    cs.#docSet = docSet
    return cs
  }

  /** Distinct classes ever seen. */
  get nClasses(): number {
    return this.#classes.length
  }
  /** Class sets (ids 0 … nSets − 1). */
  get nSets(): number {
    return this.#setStart.n
  }
  /** The class set of each doc, by doc id. */
  get docSet(): Int32Array {
    return this.#docSet
  }
  /** The set of the patents without codes, −1 when there is none. */
  get uncoded(): number {
    return this.#setIds.get('') ?? -1
  }
  /** The code of class c (normalised: `G06F16/35`). */
  code(c: number): string {
    return this.#classes[c]!
  }
  /** The main group of class c. */
  groupOf(c: number): number {
    return this.#classGroup[c]!
  }
  /** The classes of main group g. */
  classesOfGroup(g: number): readonly number[] {
    return this.#groupClasses[g]!
  }
  /** The class sets that hold class c. */
  setsOf(c: number): readonly number[] {
    return this.#classSets[c]!
  }
  /** Calls `f` with each class of set k, in the patent's order. */
  forEachClass(k: number, f: (c: number) => void): void {
    const cs = this.#setStart.a[k]!
    for (let i = cs; i < cs + this.#setCount.a[k]!; i++) f(this.#setCls.a[i]!)
  }

  /** The doc's class ids, in the patent's order. */
  docClassIds(d: number): number[] {
    const set = this.#docSet[d]!
    const cs = this.#setStart.a[set]!
    return Array.from(this.#setCls.a.subarray(cs, cs + this.#setCount.a[set]!))
  }

  ensureDocs(n: number): void {
    this.#docSet = grow(this.#docSet, n)
  }

  /** Gives doc d the set of its codes (deduplicated, as normalised). */
  add(d: number, codes: readonly string[]): void {
    this.ensureDocs(d + 1)
    const ids: number[] = []
    for (const raw of codes) {
      const code = normalizeCode(raw)
      if (code === '') continue
      const c = this.#classIds.get(code) ?? this.#newClass(code)
      if (!ids.includes(c)) ids.push(c)
    }
    this.#docSet[d] = this.#internSet(ids)
  }

  /** Gives a code not seen before its class id (the next), and its main group one if the group is new. */
  #newClass(code: string): number {
    const c = this.#classes.length
    this.#classIds.set(code, c)
    this.#classes.push(code)
    const g = mainGroup(code)
    let gid = this.#groupIds.get(g)
    if (gid === undefined) {
      gid = this.#groupIds.size
      this.#groupIds.set(g, gid)
      this.#groupClasses.push([])
    }
    this.#classGroup.push(gid)
    this.#groupClasses[gid]!.push(c)
    this.#classSets.push([])
    return c
  }

  #internSet(ids: number[]): number {
    const key = ids.join(',')
    let set = this.#setIds.get(key)
    if (set === undefined) {
      set = this.#setStart.n
      this.#setIds.set(key, set)
      this.#setStart.push(this.#setCls.n)
      this.#setCount.push(ids.length)
      for (const c of ids) {
        this.#setCls.push(c)
        this.#classSets[c]!.push(set)
      }
    }
    return set
  }

  /** Renumbers docs by `remap` (−1: dropped; order kept) over the `n` old ids; keeps the sets still in use. */
  compact(remap: Int32Array, n: number): void {
    const oldSets = { start: this.#setStart, count: this.#setCount, cls: this.#setCls }
    this.#setIds.clear()
    this.#setStart = new IntBuffer(256)
    this.#setCount = new IntBuffer(256)
    this.#setCls = new IntBuffer(Math.max(1024, oldSets.cls.n))
    for (const sets of this.#classSets) sets.length = 0
    const setRemap = new Int32Array(oldSets.start.n).fill(-1)
    for (let d = 0; d < n; d++) {
      const nd = remap[d]!
      if (nd < 0) continue
      const os = this.#docSet[d]!
      if (setRemap[os]! < 0) {
        const cs = oldSets.start.a[os]!
        setRemap[os] = this.#internSet(Array.from(oldSets.cls.a.subarray(cs, cs + oldSets.count.a[os]!)))
      }
      this.#docSet[nd] = setRemap[os]!
    }
  }
}
