/**
 * The embedded search backend: an in-process inverted index over analysed patent text, with
 * BM25 ranking, filters, facets and highlights. It holds the index in memory and is rebuilt
 * from Redis at start (the container feeds it every stored patent, then follows changes).
 *
 * Built to serve a few million patents in one process beside the matcher (issue 15):
 * - documents are integers; what filters, facets and the empty query's order read is kept in
 *   typed-array columns (legal status, transfer modes as bits, filing date, length, the IPC
 *   subclasses and applicants as ids in one flat pool), not in objects;
 * - postings are compressed and skippable (`postings.ts`), with an impact bound per block; the
 *   recent ones are sealed into the compressed pool in slices between turns of the event loop
 *   (`sealIfDue`), never in one long pass;
 * - what a query combines is a bit set (`bits.ts`): the alive documents, each legal status and
 *   transfer mode, each IPC prefix and applicant (from id lists, cached), each common word
 *   (cached); the matches are the AND of the words' sets (any word's when no patent has all),
 *   ANDed with the filters', so `total` is a popcount;
 * - the matches are ranked by MaxScore with the block bounds (`maxScoreTopK`): the best
 *   `offset + limit` are found without scoring the matches that cannot reach them;
 * - the text shown in hits (title, abstract for the highlight snippet) is read for the page
 *   only, from `stored` (the patent store) when given; without it (tests, small uses) the
 *   documents are kept in memory.
 * `total`, the ranking and the hits are exact (the same as scoring every match); facet counts are
 * exact up to FACET_EXACT matches and estimated from an even sample beyond (bench/RESULTS.md, issue 15).
 */
import { analyzePatentText } from '../../domain/text/patent-text.js'
import { TERM_FIELDS, TermBatch } from '../../domain/text/term-batch.js'
import { TermDictionary } from '../../domain/text/term-dictionary.js'
import { ShardedMap } from '../../domain/sharded-map.js'
import type { Analyzer } from '../../domain/text/analyzer.js'
import { LEGAL_STATUSES, TRANSFER_MODES } from '../../domain/patent.js'
import {
  ipcPrefixes,
  type SearchDocument,
  type SearchFacets,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
} from '../../domain/search.js'
import * as bitset from './bits.js'
import { highlighter, snippet } from './highlight.js'
import { materialise, StateReader, type SnapshotArray, type SnapshotState } from '../../domain/snapshot.js'
import { END, Postings, SEAL_STEP, type Cursor } from './postings.js'

/** Field weights for term frequency: a word in the title counts three times one in the abstract. */
const FIELD_WEIGHTS = { title: 3, keywords: 2, abstract: 1 } as const
/** The fields a document's terms come from (positions in `TERM_FIELDS`) with their weights, title first (a new term's id is its first occurrence's). */
const SEARCH_FIELDS = (['title', 'keywords', 'abstract'] as const).map((f) => [TERM_FIELDS.indexOf(f), FIELD_WEIGHTS[f]] as const)
const K1 = 1.2
const B = 0.75
const TOP_APPLICANTS = 20
/** Facets are exact up to this many matches, and estimated from an even sample of this many beyond. */
export const FACET_EXACT = 20_000
/** A word whose matches are at least this share of the index (and DENSE_MIN) is kept as a bit set; at most WORD_BITS_CACHED of them. */
const DENSE_SHARE = 64
const DENSE_MIN = 4096
const WORD_BITS_CACHED = 128
/** The version of what a snapshot holds (bump with any change to the state or to how a patent becomes it) and the scoring constants. */
const SNAPSHOT_FINGERPRINT = `search/1 ${JSON.stringify({ FIELD_WEIGHTS, K1, B })}`

export interface EmbeddedSearchOptions {
  /**
   * Reads the documents of the hits on a page (title, applicants, IPC, abstract for the
   * snippet), e.g. from the patent store: when given, the index keeps none of their text.
   */
  stored?: (publicationNumbers: string[]) => Promise<Array<SearchDocument | undefined>>
  /** Told the publication numbers of documents added, replaced or removed (all of them, `'all'`, on clear): e.g. to drop copies of them read from the store. */
  changed?: (publicationNumbers: string[] | 'all') => void
  /** Seal recent postings into the compressed pool after this many new documents (default: an eighth of the index, 4,096 to 100,000). */
  sealAt?: number
  /**
   * A seal runs in slices between turns of the event loop, each of steps of this many units of
   * work (default SEAL_STEP, about a millisecond) for about `sealSliceMs` (default 8; 0: one step);
   * with `sealInSlices: false`, at once in the upsert that makes it due (as before: 1-3 s at a
   * million documents; for comparisons).
   */
  sealStep?: number
  sealSliceMs?: number
  sealInSlices?: boolean
  /** The process's terms, shared with its other indexes (`term-dictionary.ts`); a dictionary of the index's own by default. */
  dictionary?: TermDictionary
}

/** A growable list of ids, ascending (documents are numbered in the order they arrive). */
class IdList {
  ids = new Int32Array(4)
  n = 0
  push(id: number): void {
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.n * 2)
      ids.set(this.ids)
      this.ids = ids
    }
    this.ids[this.n++] = id
  }
}

/** Interned strings: value → small integer and back. */
class Dictionary {
  ids = new Map<string, number>()
  names: string[] = []
  id(s: string): number {
    let i = this.ids.get(s)
    if (i === undefined) {
      i = this.names.length
      this.ids.set(s, i)
      this.names.push(s)
    }
    return i
  }
}

const LEGAL_CODE = new Map<string, number>(LEGAL_STATUSES.map((s, i) => [s, i]))
const MODE_BIT = new Map<string, number>(TRANSFER_MODES.map((m, i) => [m, 1 << i]))

/** yyyymmdd of an ISO date, 0 when absent (sorts last, as '' did). */
const dateKey = (d: string | undefined): number => {
  if (d === undefined) return 0
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d)
  return m === null ? 0 : Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3])
}

function growI32(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a
  const b = new Int32Array(Math.max(need, a.length * 2))
  b.set(a)
  return b
}
function growU32(a: Uint32Array, need: number): Uint32Array {
  if (need <= a.length) return a
  const b = new Uint32Array(Math.max(need, a.length * 2))
  b.set(a)
  return b
}
function growU8(a: Uint8Array, need: number): Uint8Array {
  if (need <= a.length) return a
  const b = new Uint8Array(Math.max(need, a.length * 2))
  b.set(a)
  return b
}

export function createEmbeddedSearchIndex(
  analyzer: Analyzer,
  options: EmbeddedSearchOptions = {},
): SearchIndex & {
  readonly size: number
  stats(): Record<string, number>
  settled(): Promise<void>
  longSealSlices(): Array<{ at: number; ms: number; cpuMs: number }>
} {
  const sealStep = options.sealStep ?? SEAL_STEP
  const sealSliceMs = options.sealSliceMs ?? 8
  const keepDocs = options.stored === undefined

  const termDictionary = options.dictionary ?? new TermDictionary()
  let postings = new Postings(termDictionary)
  /** Documents since the last seal started (those it seals are counted in `sealRun`). */
  let recent = 0
  let pns: string[] = []
  let docs: Array<SearchDocument | undefined> = []
  let byPn = new ShardedMap<number>()
  let n = 0
  let alive = 0
  let dead = 0
  let totalLength = 0
  let aliveCol: Uint8Array = new Uint8Array(1024)
  let lenCol: Uint32Array = new Uint32Array(1024)
  let legalCol: Uint8Array = new Uint8Array(1024)
  let modesCol: Uint8Array = new Uint8Array(1024)
  let dateCol: Int32Array = new Int32Array(1024)
  /** The alive documents, and those of each legal status and transfer mode, as bit sets (what filters AND together). */
  let aliveBits: bitset.Bits = new Uint32Array(32)
  let legalBits: bitset.Bits[] = LEGAL_STATUSES.map(() => new Uint32Array(32))
  let modeBits: bitset.Bits[] = TRANSFER_MODES.map(() => new Uint32Array(32))
  /** Per document: offset in `facetPool` of [number of subclasses, subclass ids…, number of applicants, applicant ids…]. */
  let facetOff: Uint32Array = new Uint32Array(1024)
  let facetPool: Uint32Array = new Uint32Array(4096)
  let facetUsed = 0
  let classes = new Dictionary()
  let applicants = new Dictionary()
  /** `i:<IPC prefix>` and `a:<applicant>` → the documents that have it (removed ones included). */
  let lists = new Map<string, IdList>()
  /** Bit sets of those lists, extended as the lists grow; dropped on compaction. */
  const listBits = new bitset.BitCache(64)
  /** Bit sets of common words (`denseBits`), extended as documents arrive; dropped on compaction. */
  const wordBits = new bitset.BitCache(WORD_BITS_CACHED)

  const listAdd = (key: string, id: number) => {
    let l = lists.get(key)
    if (l === undefined) lists.set(key, (l = new IdList()))
    l.push(id)
  }

  const ensure = (need: number) => {
    if (need <= aliveCol.length) return
    aliveCol = growU8(aliveCol, need)
    lenCol = growU32(lenCol, need)
    legalCol = growU8(legalCol, need)
    modesCol = growU8(modesCol, need)
    dateCol = growI32(dateCol, need)
    facetOff = growU32(facetOff, need)
    // the bit sets with room for every id the columns now have room for: grown to `need` only, they
    // could be shorter (the columns from a snapshot or a compaction are sized to the ids exactly, the
    // bit sets to the next word) and the ids past them, until the columns grow again, never marked alive
    const room = aliveCol.length
    aliveBits = bitset.grow(aliveBits, room)
    legalBits = legalBits.map((b) => bitset.grow(b, room))
    modeBits = modeBits.map((b) => bitset.grow(b, room))
  }

  /** The bit columns from the typed columns (after a compaction renumbered the ids). */
  const rebuildBits = (): void => {
    aliveBits = new Uint32Array(bitset.wordsFor(Math.max(n, 1024)))
    legalBits = LEGAL_STATUSES.map(() => new Uint32Array(aliveBits.length))
    modeBits = TRANSFER_MODES.map(() => new Uint32Array(aliveBits.length))
    for (let id = 0; id < n; id++) markBits(id)
  }
  const markBits = (id: number): void => {
    if (aliveCol[id] !== 1) return
    bitset.set(aliveBits, id)
    const l = legalCol[id]!
    if (l < legalBits.length) bitset.set(legalBits[l]!, id)
    const m = modesCol[id]!
    for (let b = 0; b < modeBits.length; b++) if (m & (1 << b)) bitset.set(modeBits[b]!, id)
  }

  const addDoc = (doc: SearchDocument, batch: TermBatch | undefined, i: number): void => {
    const id = n++
    ensure(n)
    // the batch's terms when it holds the document's; otherwise the same analysis the index job stores
    const length = batch?.has(i) ? postings.add(id, batch, i, SEARCH_FIELDS) : postings.add(id, TermBatch.of([analyzePatentText(analyzer, doc)]), 0, SEARCH_FIELDS)
    recent++

    aliveCol[id] = 1
    lenCol[id] = length
    legalCol[id] = LEGAL_CODE.get(doc.legalStatus) ?? 255
    let modes = 0
    for (const m of doc.transferModes) modes |= MODE_BIT.get(m) ?? 0
    modesCol[id] = modes
    dateCol[id] = dateKey(doc.filingDate)
    markBits(id)
    const cls = [...new Set(doc.ipc.map((c) => classes.id(c.slice(0, 4))))]
    const apps = [...new Set(doc.applicants)]
    facetPool = growU32(facetPool, facetUsed + cls.length + apps.length + 2)
    facetOff[id] = facetUsed
    facetPool[facetUsed++] = cls.length
    for (const c of cls) facetPool[facetUsed++] = c
    facetPool[facetUsed++] = apps.length
    for (const a of apps) facetPool[facetUsed++] = applicants.id(a)
    for (const p of new Set(doc.ipc.flatMap(ipcPrefixes))) listAdd(`i:${p}`, id)
    for (const a of apps) listAdd(`a:${a}`, id)

    pns[id] = doc.publicationNumber
    docs[id] = keepDocs ? doc : undefined
    byPn.set(doc.publicationNumber, id)
    totalLength += length
    alive++
  }

  const removeDoc = (pn: string): void => {
    const id = byPn.get(pn)
    if (id === undefined) return
    aliveCol[id] = 0
    bitset.clear(aliveBits, id) // the legal and mode bits stay: every filter is ANDed with the alive ones
    docs[id] = undefined
    byPn.delete(pn)
    totalLength -= lenCol[id]!
    alive--
    dead++
  }

  const reset = (): void => {
    abandonSeal()
    postings = new Postings(termDictionary)
    recent = 0
    pns = []
    docs = []
    byPn = new ShardedMap()
    n = alive = dead = totalLength = 0
    aliveCol = new Uint8Array(1024)
    lenCol = new Uint32Array(1024)
    legalCol = new Uint8Array(1024)
    modesCol = new Uint8Array(1024)
    dateCol = new Int32Array(1024)
    facetOff = new Uint32Array(1024)
    facetPool = new Uint32Array(4096)
    facetUsed = 0
    rebuildBits()
    wordBits.clear()
    classes = new Dictionary()
    applicants = new Dictionary()
    lists = new Map()
    listBits.clear()
  }

  const lengthOf = (id: number): number => lenCol[id]!

  /** What sealing has cost so far (for the bench): seals, their synchronous time, the longest slice and step, and the steps. */
  const sealing = { seals: 0, ms: 0, longestSliceMs: 0, longestStepMs: 0, longestSwapMs: 0, steps: 0, wallMs: 0, over10ms: 0, over20ms: 0 }
  /**
   * The slices over 10 ms, the first 100: when they started (on `performance.now()`'s clock), how
   * long, and the process's CPU time meanwhile (less when the machine ran something else: the bench
   * tells apart what in them was the seal, garbage collection and waiting for a core).
   */
  const longSlices: Array<{ at: number; ms: number; cpuMs: number }> = []
  /** The seal under way: how many documents it seals, when it started, its next turn. */
  let sealRun: { docs: number; started: number; turn: NodeJS.Immediate | undefined } | undefined
  const settledWaiters: Array<() => void> = []

  const sealDue = () => options.sealAt ?? Math.max(4096, Math.min(100_000, Math.ceil(n / 8)))

  /**
   * Seals the recent postings once there are enough of them: the seal starts from the postings as
   * they are at its first step and runs in slices of about `sealSliceMs` between turns of the event
   * loop (a search meanwhile reads the old sealed part and the whole recent part; documents added
   * meanwhile stay recent). One seal at a time: a seal still under way when the next is due
   * continues, a slice in this call too (the event loop may not be turning, when a caller upserts
   * in a loop of its own), and the next starts when it is done.
   */
  const sealIfDue = (): void => {
    if (options.sealInSlices === false) {
      if (recent >= sealDue()) {
        const t0 = performance.now()
        postings.seal(lengthOf)
        const ms = performance.now() - t0
        sealing.seals++
        sealing.ms += ms
        sealing.wallMs += ms
        if (ms > sealing.longestSliceMs) sealing.longestSliceMs = sealing.longestStepMs = ms
        recent = 0
      }
      return
    }
    if (sealRun !== undefined) {
      if (recent >= sealDue()) sealSlice()
      return
    }
    if (recent < sealDue()) return
    startSeal()
    scheduleSeal()
  }

  const startSeal = (): void => {
    postings.startSeal(lengthOf)
    sealRun = { docs: recent, started: performance.now(), turn: undefined }
    recent = 0
  }

  /** Steps of the seal under way for one slice (one step at least, and one that allocated ends it); true when it is done. */
  const sealSlice = (): boolean => {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    let done = false
    let t = t0
    do {
      done = postings.sealStep(sealStep)
      const now = performance.now()
      if (now - t > sealing.longestStepMs) sealing.longestStepMs = now - t
      if (done && now - t > sealing.longestSwapMs) sealing.longestSwapMs = now - t // the last step swaps the seal in
      sealing.steps++
      t = now
    } while (!done && t - t0 < sealSliceMs && !postings.sealStepAllocated)
    sealing.ms += t - t0
    if (t - t0 > sealing.longestSliceMs) sealing.longestSliceMs = t - t0
    if (t - t0 > 10) {
      sealing.over10ms++
      if (t - t0 > 20) sealing.over20ms++
      if (longSlices.length < 100) {
        const c = process.cpuUsage(c0)
        longSlices.push({ at: t0, ms: t - t0, cpuMs: (c.user + c.system) / 1000 })
      }
    }
    if (done) {
      sealing.seals++
      sealing.wallMs += t - sealRun!.started
      if (sealRun!.turn !== undefined) clearImmediate(sealRun!.turn)
      sealRun = undefined
      for (const w of settledWaiters.splice(0)) w()
    }
    return done
  }

  const scheduleSeal = (): void => {
    sealRun!.turn = setImmediate(() => {
      sealRun!.turn = undefined
      if (!sealSlice()) return scheduleSeal()
      if (recent >= sealDue()) {
        // the next seal was due before this one ended
        startSeal()
        scheduleSeal()
      }
    })
  }

  /** Stops the seal under way (before the postings are replaced or renumbered): its documents are recent again. */
  const abandonSeal = (): void => {
    if (sealRun === undefined) return
    if (sealRun.turn !== undefined) clearImmediate(sealRun.turn)
    postings.abandonSeal()
    recent += sealRun.docs
    sealRun = undefined
    for (const w of settledWaiters.splice(0)) w()
  }

  /** Drops removed documents once they are a third of the index: renumbers ids, postings, columns, lists. */
  const compactIfNeeded = (): void => {
    if (dead < 1000 || dead < n / 3) return
    // the seal under way is dropped: compaction rewrites the postings whole (and renumbers the documents it was sealing)
    abandonSeal()
    const remap = new Int32Array(n).fill(-1)
    let m = 0
    for (let id = 0; id < n; id++) if (aliveCol[id] === 1) remap[id] = m++
    const gather = <T extends Uint8Array | Uint32Array | Int32Array>(col: T): T => {
      const out = new (col.constructor as new (n: number) => T)(Math.max(1024, m))
      for (let id = 0; id < n; id++) if (remap[id]! >= 0) out[remap[id]!] = col[id]!
      return out
    }
    aliveCol = gather(aliveCol)
    lenCol = gather(lenCol)
    legalCol = gather(legalCol)
    modesCol = gather(modesCol)
    dateCol = gather(dateCol)
    postings.compact(remap, lengthOf) // after the lengths are renumbered: the blocks' bounds read them
    recent = 0
    const pool = new Uint32Array(Math.max(4096, facetUsed))
    const off = new Uint32Array(Math.max(1024, m))
    let w = 0
    for (let id = 0; id < n; id++) {
      if (remap[id]! < 0) continue
      off[remap[id]!] = w
      let r = facetOff[id]!
      const nc = facetPool[r]!
      const na = facetPool[r + 1 + nc]!
      for (let k = 0; k < nc + na + 2; k++) pool[w++] = facetPool[r++]!
    }
    facetPool = pool
    facetOff = off
    facetUsed = w
    const newPns: string[] = new Array(m)
    const newDocs: Array<SearchDocument | undefined> = new Array(m)
    for (let id = 0; id < n; id++) {
      const nid = remap[id]!
      if (nid < 0) continue
      newPns[nid] = pns[id]!
      newDocs[nid] = docs[id]
      byPn.set(pns[id]!, nid)
    }
    pns = newPns
    docs = newDocs
    for (const [key, l] of lists) {
      const out = new IdList()
      for (let i = 0; i < l.n; i++) if (remap[l.ids[i]!]! >= 0) out.push(remap[l.ids[i]!]!)
      if (out.n === 0) lists.delete(key)
      else lists.set(key, out)
    }
    listBits.clear()
    wordBits.clear()
    n = m
    dead = 0
    rebuildBits()
  }

  /** The bit set of a list, brought up to date (lists only grow between compactions). */
  const bitsetOf = (key: string): Uint32Array | undefined => {
    const l = lists.get(key)
    if (l === undefined) return undefined
    return listBits.get(key, n, l.n, (bits, from) => {
      for (let i = from; i < l.n; i++) bitset.set(bits, l.ids[i]!)
    })
  }

  /**
   * The alive documents that pass the filters, as a fresh bit set (the AND of the alive set, the
   * legal status's and the transfer mode's sets and the IPC prefix's and applicant's lists), or
   * undefined when a filter names a value no document has.
   */
  const filterBitsOf = (f: SearchQuery['filters']): bitset.Bits | undefined => {
    const bits = aliveBits.slice(0, bitset.wordsFor(n))
    for (const key of [f.ipc === undefined ? undefined : `i:${f.ipc.toUpperCase()}`, f.applicant === undefined ? undefined : `a:${f.applicant}`]) {
      if (key === undefined) continue
      const listBits = bitsetOf(key)
      if (listBits === undefined) return undefined
      bitset.andInto(bits, listBits)
    }
    if (f.legalStatus !== undefined) {
      const l = LEGAL_CODE.get(f.legalStatus)
      if (l === undefined) return undefined
      bitset.andInto(bits, legalBits[l]!)
    }
    if (f.transferMode !== undefined) {
      const m = TRANSFER_MODES.indexOf(f.transferMode as (typeof TRANSFER_MODES)[number])
      if (m < 0) return undefined
      bitset.andInto(bits, modeBits[m]!)
    }
    return bits
  }

  /**
   * Facet counts over the matches `cand[0..count)`: exact up to FACET_EXACT matches; beyond, counted
   * over an even sample of FACET_EXACT of them and scaled to `count` (estimates, as the README says).
   */
  const facetsOf = (cand: Int32Array, count: number, matches = count): SearchFacets => {
    const legal = new Int32Array(LEGAL_STATUSES.length)
    const modes = new Int32Array(TRANSFER_MODES.length)
    const cls = new Int32Array(classes.names.length)
    const apps = new Int32Array(applicants.names.length)
    const step = count > FACET_EXACT ? count / FACET_EXACT : 1
    const sampled = count > FACET_EXACT ? FACET_EXACT : count
    const scale = matches / Math.max(1, sampled)
    for (let j = 0; j < sampled; j++) {
      const id = cand[step === 1 ? j : Math.floor(j * step)]!
      const l = legalCol[id]!
      if (l < legal.length) legal[l]!++
      const m = modesCol[id]!
      if (m !== 0) for (let b = 0; b < modes.length; b++) if (m & (1 << b)) modes[b]!++
      let r = facetOff[id]!
      const nc = facetPool[r++]!
      for (let k = 0; k < nc; k++) cls[facetPool[r++]!]!++
      const na = facetPool[r++]!
      for (let k = 0; k < na; k++) apps[facetPool[r++]!]!++
    }
    const scaled = (c: number) => (scale === 1 ? c : Math.max(1, Math.round(c * scale)))
    const record = (counts: Int32Array, names: readonly string[]) => {
      const out: Record<string, number> = {}
      counts.forEach((c, i) => {
        if (c > 0) out[names[i]!] = scaled(c)
      })
      return out
    }
    // the TOP_APPLICANTS most frequent: only those at or above the TOP_APPLICANTS-th count are sorted (by name among equals)
    const counts = Array.from(apps.filter((c) => c > 0)).sort((x, y) => y - x)
    const least = counts[Math.min(TOP_APPLICANTS, counts.length) - 1] ?? 1
    const top: Array<[string, number]> = []
    apps.forEach((c, i) => {
      if (c >= least) top.push([applicants.names[i]!, scaled(c)])
    })
    top.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    return {
      legalStatus: record(legal, LEGAL_STATUSES),
      transferModes: record(modes, TRANSFER_MODES),
      ipcClass: record(cls, classes.names),
      applicants: Object.fromEntries(top.slice(0, TOP_APPLICANTS)),
    }
  }

  /** The documents matching a word: the word itself, or all of the shorter words inside it. */
  interface WordMatcher {
    word: string
    estimate: number
    /** Whether document `id` matches (ids asked in increasing order). */
    has(id: number): boolean
    walk(visit: (id: number) => void, from?: number): void
  }
  const wordMatcher = (word: string, parts: string[]): WordMatcher => {
    const w = postings.id(word)
    const partIds = parts.length > 1 ? parts.map((p) => postings.id(p)) : []
    const usable = partIds.length > 1 && partIds.every((p) => p >= 0)
    const estimate = (w >= 0 ? postings.count(w) : 0) + (usable ? Math.min(...partIds.map((p) => postings.count(p))) : 0)
    const cw = w >= 0 ? postings.cursor(w) : undefined
    const cps = usable ? partIds.map((p) => postings.cursor(p)) : []
    const has = (id: number): boolean => {
      if (cw !== undefined && cw.advance(id) === id) return true
      if (cps.length === 0) return false
      for (const c of cps) if (c.advance(id) !== id) return false
      return true
    }
    const walk = (visit: (id: number) => void, from = 0): void => {
      // the union of the word's postings and the parts' intersection, from id `from` on
      const a = w >= 0 ? postings.cursor(w) : undefined
      const ps = usable ? partIds.map((p) => postings.cursor(p)) : []
      let da = a === undefined ? END : a.advance(from)
      let db = ps.length === 0 ? END : nextFrom(ps, ps[0]!.advance(from))
      while (da !== END || db !== END) {
        const d = da < db ? da : db
        if (aliveCol[d] === 1) visit(d)
        if (da === d) da = a!.next()
        if (db === d) {
          // the parts' cursors sit on d: move the first past it
          db = ps[0]!.next() === END ? END : nextFrom(ps, ps[0]!.doc)
        }
      }
    }
    return { word, estimate, has, walk }
  }

  /** The next id ≥ target that every cursor has (cursors already advanced to target by the caller for the first). */
  const nextFrom = (ps: Cursor[], start: number): number => {
    let target = start
    for (;;) {
      if (target === END) return END
      let agreed = true
      for (const c of ps) {
        const d = c.advance(target)
        if (d !== target) {
          target = d
          agreed = false
          break
        }
      }
      if (agreed) return target
    }
  }

  /**
   * The best `k` documents of the bit set `bits` by the summed BM25 of `weights`' terms, best
   * first, by MaxScore (Turtle and Flood 1995) with block bounds (Ding and Suel 2011): terms are
   * ordered by their highest possible score; once the k-th best score exceeds what the commonest
   * terms together can give, documents having only those are no longer visited; a document whose
   * terms' block bounds cannot reach the k-th best is passed over unscored, and a block of the one
   * remaining essential term that cannot is skipped whole; a document outside `bits` is passed over
   * to the next one inside. Exact: the same top k as scoring every document.
   */
  const maxScoreTopK = (
    bits: Uint32Array,
    weights: Array<{ t: number; idf: number }>,
    k: number,
    avgLen: number,
  ): number[] => {
    if (k <= 0) return []
    const bm25 = (idf: number, tf: number, id: number) => (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lenCol[id]!) / avgLen))
    const ts = weights
      .map((w, pos) => ({ ...w, pos, ub: w.idf * (K1 + 1) }))
      .filter((w) => w.t >= 0)
      .sort((a, b) => a.ub - b.ub)
    const T = ts.length
    const cursors = ts.map((w) => postings.cursor(w.t))
    for (const c of cursors) c.next()
    // the most term i can give in block b of its postings (its bound anywhere when b < 0: the recent part)
    const c1 = K1 * (1 - B)
    const lenNorm = (K1 * B) / avgLen
    const blockLast = postings.blockLast
    const ofBlock = (i: number, b: number): number =>
      b < 0 ? ts[i]!.ub : (ts[i]!.ub / (1 + c1 / postings.blockMaxTf[b]! + lenNorm * postings.blockMinLenTf[b]!)) * (1 + 1e-9)
    // per term, the bound of the block a document lies in and the last id that block covers, cached
    // while documents stay inside it: of the cursor's own block for the essential terms, of the block
    // a document would lie in (`shallowBlock`, the cursor unmoved) for the others
    const held = new Float64Array(T)
    const heldUpto = new Int32Array(T).fill(-1)
    const boundAt = (i: number, d: number, own: boolean): number => {
      if (d > heldUpto[i]!) {
        const b = own ? cursors[i]!.block : cursors[i]!.shallowBlock(d)
        held[i] = ofBlock(i, b)
        heldUpto[i] = b < 0 ? END : blockLast[b]!
      }
      return held[i]!
    }
    // bound[i]: the most terms ts[0..i] can give together anywhere (a hair above, against rounding)
    const bound = new Float64Array(T)
    let acc = 0
    ts.forEach((w, i) => (bound[i] = (acc += w.ub) * (1 + 1e-9)))
    const contrib = new Float64Array(weights.length)
    const own = new Float64Array(T) // the essential terms' scores of the document at hand
    const hs: number[] = [] // heap of scores, worst at the root
    const hd: number[] = [] // and their documents
    const worse = (i: number, j: number) => hs[i]! < hs[j]! || (hs[i] === hs[j] && pns[hd[i]!]! > pns[hd[j]!]!)
    const swap = (i: number, j: number) => {
      ;[hs[i], hs[j]] = [hs[j]!, hs[i]!]
      ;[hd[i], hd[j]] = [hd[j]!, hd[i]!]
    }
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1
        let m = i
        if (l < hs.length && worse(l, m)) m = l
        if (l + 1 < hs.length && worse(l + 1, m)) m = l + 1
        if (m === i) return
        swap(i, m)
        i = m
      }
    }
    let theta = -Infinity
    let e = 0 // ts[e..] are the essential terms: a document must have one of them to make the top k
    const passOver = (d: number) => {
      for (let i = e; i < T; i++) if (cursors[i]!.doc === d) cursors[i]!.next()
    }
    for (;;) {
      let d = END
      for (let i = e; i < T; i++) if (cursors[i]!.doc < d) d = cursors[i]!.doc
      if (d === END) break
      // one essential term left, whose block cannot reach the k-th best with every other term at its best: skip the block
      if (e === T - 1 && boundAt(e, d, true) + (e > 0 ? bound[e - 1]! : 0) < theta) {
        cursors[e]!.skipBlock()
        continue
      }
      if (!bitset.has(bits, d)) {
        const to = bitset.nextSet(bits, d + 1)
        if (to < 0) break
        for (let i = e; i < T; i++) cursors[i]!.advance(to)
        continue
      }
      // the most d can score by the blocks it lies in
      let rest = 0 // of the non-essential terms
      let most = 0
      if (theta > -Infinity) {
        for (let i = 0; i < e; i++) rest += boundAt(i, d, false)
        most = rest
        for (let i = e; i < T; i++) if (cursors[i]!.doc === d) most += boundAt(i, d, true)
        if (most < theta) {
          passOver(d)
          continue
        }
      }
      let score = 0
      for (let i = e; i < T; i++) if (cursors[i]!.doc === d) score += (own[i] = bm25(ts[i]!.idf, cursors[i]!.tf, d))
      if (score + rest < theta) {
        passOver(d)
        continue
      }
      contrib.fill(0)
      for (let i = e; i < T; i++) if (cursors[i]!.doc === d) contrib[ts[i]!.pos] = own[i]!
      // the non-essential terms, the most promising first, while d can still make the top k
      let possible = true
      for (let i = e - 1; i >= 0; i--) {
        if (score + rest < theta) {
          possible = false
          break
        }
        rest -= held[i]!
        if (cursors[i]!.advance(d) === d) {
          const x = bm25(ts[i]!.idf, cursors[i]!.tf, d)
          contrib[ts[i]!.pos] = x
          score += x
        }
      }
      if (possible) {
        // summed in the query's term order: the same floating-point score whichever way it was found
        let sum = 0
        for (let j = 0; j < contrib.length; j++) if (contrib[j] !== 0) sum += contrib[j]!
        if (hs.length < k) {
          hs.push(sum)
          hd.push(d)
          for (let i = hs.length - 1; i > 0 && worse(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1)
        } else if (sum > hs[0]! || (sum === hs[0] && pns[d]! < pns[hd[0]!]!)) {
          hs[0] = sum
          hd[0] = d
          down(0)
        }
        if (hs.length === k) {
          theta = hs[0]!
          while (e < T && bound[e]! < theta) e++
        }
      }
      passOver(d)
    }
    const order = hs.map((_, i) => i).sort((a, b) => (worse(b, a) ? -1 : worse(a, b) ? 1 : 0))
    return order.map((i) => hd[i]!)
  }

  /**
   * The documents of a common word (estimated in at least 1/DENSE_SHARE of the index) as a cached
   * bit set, brought up to date from the postings of the documents added since (ids only grow
   * between compactions, which drop the cache; removed documents are masked by the alive set).
   */
  const denseBits = (m: WordMatcher): bitset.Bits | undefined => {
    if (m.estimate < Math.max(DENSE_MIN, n / DENSE_SHARE)) return undefined
    return wordBits.get(m.word, n, n, (bits, from) => m.walk((id) => bitset.set(bits, id), from))
  }

  /** The alive documents that match every word, or undefined when none does. */
  const matchEvery = (matchers: WordMatcher[]): bitset.Bits | undefined => {
    if (!matchers.every((m) => m.estimate > 0)) return undefined
    const order = [...matchers].sort((a, b) => a.estimate - b.estimate)
    const dense = order.map(denseBits)
    let bits: bitset.Bits
    if (dense[0] !== undefined) {
      // every word is common: AND their bit sets
      bits = dense[0].slice(0, bitset.wordsFor(n))
      for (const d of dense.slice(1)) bitset.andInto(bits, d!)
    } else {
      // walk the rarest word, testing the others (common ones by their bit set, others by cursor)
      bits = new Uint32Array(bitset.wordsFor(n))
      const sparse = order.slice(1).filter((_, i) => dense[i + 1] === undefined)
      const common = dense.filter((d): d is bitset.Bits => d !== undefined)
      order[0]!.walk((id) => {
        for (const d of common) if (!bitset.has(d, id)) return
        for (const m of sparse) if (!m.has(id)) return
        bitset.set(bits, id)
      })
    }
    bitset.andInto(bits, aliveBits)
    return bitset.any(bits) ? bits : undefined
  }

  /** The alive documents that match any word. */
  const matchAny = (matchers: WordMatcher[]): bitset.Bits => {
    const bits = new Uint32Array(bitset.wordsFor(n))
    for (const m of matchers) {
      const d = denseBits(m)
      if (d !== undefined) bitset.orInto(bits, d)
      else m.walk((id) => bitset.set(bits, id))
    }
    bitset.andInto(bits, aliveBits)
    return bits
  }

  /** The `k` newest filings among `bits` (ties by publication number), newest first: a bounded heap that most documents leave at one comparison. */
  const newest = (bits: bitset.Bits, k: number): number[] => {
    if (k <= 0) return []
    const heap: number[] = [] // worst (oldest) at the root
    const worse = (a: number, b: number) => dateCol[a]! < dateCol[b]! || (dateCol[a] === dateCol[b] && pns[a]! > pns[b]!)
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1
        let m = i
        if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l
        if (l + 1 < heap.length && worse(heap[l + 1]!, heap[m]!)) m = l + 1
        if (m === i) return
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    for (let w = 0; w < bits.length; w++) {
      let word = bits[w]!
      while (word !== 0) {
        const id = (w << 5) | (31 - Math.clz32(word & -word))
        word &= word - 1
        if (heap.length < k) {
          heap.push(id)
          for (let i = heap.length - 1; i > 0 && worse(heap[i]!, heap[(i - 1) >> 1]!); i = (i - 1) >> 1) [heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1]!, heap[i]!]
        } else if (dateCol[id]! >= dateCol[heap[0]!]! && worse(heap[0]!, id)) {
          heap[0] = id
          down(0)
        }
      }
    }
    return heap.sort((a, b) => (worse(b, a) ? -1 : worse(a, b) ? 1 : 0))
  }

  const hitsOf = async (ids: number[], terms: string[]): Promise<SearchHit[]> => {
    if (ids.length === 0) return []
    const found = keepDocs ? ids.map((id) => docs[id]) : await options.stored!(ids.map((id) => pns[id]!))
    const mark = highlighter(terms)
    const hits: SearchHit[] = []
    for (const d of found) {
      if (d === undefined) continue // gone from the store since the index saw it
      hits.push({
        publicationNumber: d.publicationNumber,
        title: d.title,
        applicants: d.applicants,
        ipc: d.ipc,
        highlights: { title: mark(d.title).text, abstract: snippet(d.abstract, mark) },
      })
    }
    return hits
  }

  /**
   * The index's whole state, for a snapshot: the postings, the columns, the documents' numbers,
   * the facet names and the filter lists (flattened). The bit sets and caches are derived and
   * built again on import. Views of the index's own arrays: nothing copied.
   */
  const exportState = (): SnapshotState => {
    const p = postings.exportState()
    const listKeys = [...lists.keys()]
    let total = 0
    for (const l of lists.values()) total += l.n
    const listIds = new Int32Array(total)
    const listEnds = new Uint32Array(listKeys.length)
    let w = 0
    listKeys.forEach((key, i) => {
      const l = lists.get(key)!
      listIds.set(l.ids.subarray(0, l.n), w)
      listEnds[i] = w += l.n
    })
    return {
      // a seal under way has not changed the postings yet: what it seals is still recent
      meta: { ids: n, alive, dead, totalLength, recent: recent + (sealRun?.docs ?? 0) },
      arrays: {
        ...Object.fromEntries(Object.entries(p.arrays).map(([k, a]) => [`postings.${k}`, a])),
        alive: aliveCol.subarray(0, n),
        length: lenCol.subarray(0, n),
        legal: legalCol.subarray(0, n),
        modes: modesCol.subarray(0, n),
        date: dateCol.subarray(0, n),
        facetOff: facetOff.subarray(0, n),
        facetPool: facetPool.subarray(0, facetUsed),
        listIds,
        listEnds,
      },
      strings: { terms: p.terms, pns: pns.slice(0, n), classes: classes.names, applicants: applicants.names, listKeys },
    }
  }

  /** Replaces the whole state by a snapshot's, after checking it; on anything inconsistent throws, the index as it was. */
  const importState = (state: SnapshotState): void => {
    const r: StateReader = new StateReader(state, 'search')
    const ids = r.count('ids')
    const aliveN = r.count('alive')
    const deadN = r.count('dead')
    const length = r.count('totalLength')
    const recentN = r.count('recent')
    const arrays: Record<string, SnapshotArray> = {}
    for (const [k, a] of Object.entries(state.arrays)) if (k.startsWith('postings.')) arrays[k.slice('postings.'.length)] = materialise(a)
    const nextPostings = Postings.fromState(new StateReader({ meta: {}, arrays, strings: {} }, 'search postings'), r.strings('terms'), ids, termDictionary)
    const nextAlive = r.array('alive', Uint8Array, ids)
    const nextLen = r.array('length', Uint32Array, ids)
    const nextLegal = r.array('legal', Uint8Array, ids)
    const nextModes = r.array('modes', Uint8Array, ids)
    const nextDate = r.array('date', Int32Array, ids)
    const nextFacetOff = r.array('facetOff', Uint32Array, ids)
    const nextFacetPool = r.array('facetPool', Uint32Array)
    const nextPns = r.strings('pns', ids)
    const nextClasses = r.strings('classes')
    const nextApplicants = r.strings('applicants')
    const listKeys = r.strings('listKeys')
    const listIds = r.array('listIds', Int32Array)
    const listEnds = r.array('listEnds', Uint32Array, listKeys.length)
    r.inRange('listIds', listIds, Math.max(ids, 1))
    let living = 0
    for (let id = 0; id < ids; id++) {
      if (nextAlive[id]! > 1) r.fail(`alive[${id}] is not 0 or 1`)
      living += nextAlive[id]!
      const at = nextFacetOff[id]!
      const nc = nextFacetPool[at]
      const na = nc === undefined ? undefined : nextFacetPool[at + 1 + nc]
      if (nc === undefined || na === undefined || at + 2 + nc + na > nextFacetPool.length) r.fail(`document ${id}'s facets run past the pool`)
      for (let k = 0; k < nc; k++) if (nextFacetPool[at + 1 + k]! >= nextClasses.length) r.fail(`document ${id} names an unknown class`)
      for (let k = 0; k < na; k++) if (nextFacetPool[at + 2 + nc + k]! >= nextApplicants.length) r.fail(`document ${id} names an unknown applicant`)
    }
    if (living !== aliveN || ids - living !== deadN) r.fail(`${aliveN} alive and ${deadN} removed documents stated, ${living} and ${ids - living} found`)
    const nextLists = new Map<string, IdList>()
    let from = 0
    listKeys.forEach((key, i) => {
      const end = listEnds[i]!
      if (end < from || end > listIds.length) r.fail(`list ${i} ends outside the list ids`)
      const l = new IdList()
      l.ids = listIds.slice(from, Math.max(end, from + 4))
      l.n = end - from
      nextLists.set(key, l)
      from = end
    })
    const nextByPn = new ShardedMap<number>()
    for (let id = 0; id < ids; id++) if (nextAlive[id] === 1) nextByPn.set(nextPns[id]!, id)
    const dictionary = (names: readonly string[]) => {
      const d = new Dictionary()
      for (const name of names) d.id(name)
      if (d.names.length !== names.length) r.fail('a facet name is listed twice')
      return d
    }
    const nextClassDict = dictionary(nextClasses)
    const nextApplicantDict = dictionary(nextApplicants)
    // every check passed: the new state replaces the old at once (columns with room to grow)
    abandonSeal()
    const room = Math.max(1024, ids)
    const widen = <T extends Uint8Array | Uint32Array | Int32Array>(a: T): T => {
      const out = new (a.constructor as new (n: number) => T)(room)
      out.set(a)
      return out
    }
    postings = nextPostings
    n = ids
    alive = aliveN
    dead = deadN
    totalLength = length
    recent = recentN
    aliveCol = widen(nextAlive)
    lenCol = widen(nextLen)
    legalCol = widen(nextLegal)
    modesCol = widen(nextModes)
    dateCol = widen(nextDate)
    facetOff = widen(nextFacetOff)
    facetPool = nextFacetPool.slice()
    facetUsed = nextFacetPool.length
    pns = [...nextPns]
    docs = []
    byPn = nextByPn
    classes = nextClassDict
    applicants = nextApplicantDict
    lists = nextLists
    listBits.clear()
    wordBits.clear()
    rebuildBits()
  }

  const byPnAsc = (a: number, b: number) => pns[a]! < pns[b]!

  return {
    name: 'embedded',
    // a snapshot holds no patent text: only an index that reads its hits from the store keeps one
    ...(keepDocs ? {} : { snapshot: { snapshotKind: 'search', snapshotFingerprint: SNAPSHOT_FINGERPRINT, exportState, importState } }),
    get size() {
      return alive
    },
    stats() {
      return {
        documents: alive,
        ids: n,
        terms: postings.termCount,
        postingBytes: postings.bytes,
        facetPoolBytes: facetPool.byteLength,
        lists: lists.size,
        sealing: sealRun === undefined ? 0 : 1,
        seals: sealing.seals,
        sealMs: Math.round(sealing.ms),
        sealWallMs: Math.round(sealing.wallMs),
        sealSteps: sealing.steps,
        sealLongestSliceMs: Math.round(sealing.longestSliceMs * 100) / 100,
        sealLongestStepMs: Math.round(sealing.longestStepMs * 100) / 100,
        sealLongestSwapMs: Math.round(sealing.longestSwapMs * 100) / 100,
        sealSlicesOver10ms: sealing.over10ms,
        sealSlicesOver20ms: sealing.over20ms,
      }
    },
    /** Resolves once no seal of the postings is under way (for tests and the bench). */
    settled() {
      return sealRun === undefined ? Promise.resolve() : new Promise<void>((resolve) => settledWaiters.push(resolve))
    },
    /** The seal's slices over 10 ms (for the bench). */
    longSealSlices() {
      return [...longSlices]
    },
    async init() {},
    async upsert(docsIn, terms) {
      options.changed?.(docsIn.map((d) => d.publicationNumber))
      docsIn.forEach((doc, i) => {
        removeDoc(doc.publicationNumber)
        addDoc(doc, terms, i)
      })
      compactIfNeeded()
      sealIfDue()
    },
    async remove(pnsIn) {
      options.changed?.(pnsIn)
      for (const pn of pnsIn) removeDoc(pn)
      compactIfNeeded()
    },
    async clear() {
      options.changed?.('all')
      reset()
    },
    async ping() {
      return true
    },
    async close() {
      abandonSeal()
    },
    async search(query: SearchQuery): Promise<SearchResult> {
      const k = query.offset + query.limit
      const words = [...new Set(analyzer.analyze(query.q))]
      const passing = filterBitsOf(query.filters)
      if (words.length === 0) {
        // everything that passes the filters, newest filing first
        if (passing === undefined) return { total: 0, hits: [], facets: facetsOf(new Int32Array(0), 0) }
        const total = bitset.count(passing)
        const page = newest(passing, k).slice(query.offset)
        return { total, hits: await hitsOf(page, []), facets: facetsOf(bitset.sample(passing, total, FACET_EXACT), Math.min(total, FACET_EXACT), total) }
      }

      const partsOf = new Map(words.map((w) => [w, analyzer.analyze(w, { subwords: true }).filter((p) => p !== w)]))
      const matchers = words.map((w) => wordMatcher(w, partsOf.get(w)!))
      const scoringTerms = [...new Set([...words, ...[...partsOf.values()].flat()])]
      const avgLen = alive > 0 ? totalLength / alive : 1
      const weights = scoringTerms.map((term) => {
        const t = postings.id(term)
        const df = t < 0 ? 0 : postings.count(t)
        return { t, idf: Math.log(1 + (alive - df + 0.5) / (df + 0.5)) }
      })
      // Every word must match; when no (alive) patent has all of them, any word will do (decided
      // before the filters apply). Either way the matches are a bit set, counted exactly and ranked
      // by MaxScore: a patent that cannot reach the k-th best score is never scored.
      const bits = matchEvery(matchers) ?? matchAny(matchers)
      if (passing === undefined) bits.fill(0)
      else bitset.andInto(bits, passing)
      const total = bitset.count(bits)
      const page = total === 0 ? [] : maxScoreTopK(bits, weights, k, avgLen).slice(query.offset)
      return { total, hits: await hitsOf(page, scoringTerms), facets: facetsOf(bitset.sample(bits, total, FACET_EXACT), Math.min(total, FACET_EXACT), total) }
    },
  }
}
