/**
 * The embedded search backend: an in-process inverted index over analysed patent text, with
 * BM25 ranking, filters, facets and highlights. It holds the index in memory and is rebuilt
 * from Redis at start (the container feeds it every stored patent, then follows changes).
 *
 * Built to serve a few million patents in one process beside the matcher (issue 15):
 * - documents are integers; what filters, facets and the empty query's order read is kept in
 *   typed-array columns (legal status, transfer modes as bits, filing date, length, the IPC
 *   subclasses and applicants as ids in one flat pool), not in objects;
 * - postings are compressed and skippable (`postings.ts`); a query intersects its words with
 *   cursors that skip blocks, scores only the documents that match every word, and keeps the
 *   best `offset + limit` in a heap instead of sorting every hit;
 * - filters are id lists per IPC prefix and applicant, turned into bit sets (cached);
 * - the text shown in hits (title, abstract for the highlight snippet) is read for the page
 *   only, from `stored` (the patent store) when given; without it (tests, small uses) the
 *   documents are kept in memory.
 * `total` and the facets are exact: measured at 1.35 M patents, counting every match costs less
 * than bounding it would save (bench/RESULTS.md, issue 15).
 */
import { analyzePatentText } from '../../domain/text/patent-text.js'
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
  type SearchTerms,
} from '../../domain/search.js'
import { highlighter, snippet } from './highlight.js'
import { END, Postings, type Cursor } from './postings.js'

/** Field weights for term frequency: a word in the title counts three times one in the abstract. */
const FIELD_WEIGHTS = { title: 3, keywords: 2, abstract: 1 } as const
const K1 = 1.2
const B = 0.75
const TOP_APPLICANTS = 20
/** Facets are exact up to this many matches, and estimated from an even sample of this many beyond. */
export const FACET_EXACT = 100_000

export interface EmbeddedSearchOptions {
  /**
   * Reads the documents of the hits on a page (title, applicants, IPC, abstract for the
   * snippet), e.g. from the patent store: when given, the index keeps none of their text.
   */
  stored?: (publicationNumbers: string[]) => Promise<Array<SearchDocument | undefined>>
  /** Seal recent postings into the compressed pool after this many new documents (default: an eighth of the index, 4,096 to 100,000). */
  sealAt?: number
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

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
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

/**
 * The best `k` of `n` candidates (indexes into `cand`) by `better`, best first: a bounded heap,
 * so the work is n·log k, not a sort of every hit.
 */
function topK(n: number, k: number, better: (a: number, b: number) => boolean): number[] {
  if (k <= 0 || n === 0) return []
  if (n <= k * 4 || n <= 256) {
    const all = Array.from({ length: n }, (_, i) => i)
    all.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
    return all.slice(0, k)
  }
  // min-heap on "worst at the root"
  const heap: number[] = []
  const worse = (a: number, b: number) => better(b, a)
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!worse(heap[i]!, heap[p]!)) break
      ;[heap[i], heap[p]] = [heap[p]!, heap[i]!]
      i = p
    }
  }
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r
      if (m === i) return
      ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
      i = m
    }
  }
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i)
      up(heap.length - 1)
    } else if (better(i, heap[0]!)) {
      heap[0] = i
      down(0)
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
}

export function createEmbeddedSearchIndex(
  analyzer: Analyzer,
  options: EmbeddedSearchOptions = {},
): SearchIndex & { readonly size: number; stats(): Record<string, number> } {
  const keepDocs = options.stored === undefined

  let postings = new Postings()
  /** Documents since the last seal. */
  let recent = 0
  let pns: string[] = []
  let docs: Array<SearchDocument | undefined> = []
  let byPn = new Map<string, number>()
  let n = 0
  let alive = 0
  let dead = 0
  let totalLength = 0
  let aliveCol: Uint8Array = new Uint8Array(1024)
  let lenCol: Uint32Array = new Uint32Array(1024)
  let legalCol: Uint8Array = new Uint8Array(1024)
  let modesCol: Uint8Array = new Uint8Array(1024)
  let dateCol: Int32Array = new Int32Array(1024)
  /** Per document: offset in `facetPool` of [number of subclasses, subclass ids…, number of applicants, applicant ids…]. */
  let facetOff: Uint32Array = new Uint32Array(1024)
  let facetPool: Uint32Array = new Uint32Array(4096)
  let facetUsed = 0
  let classes = new Dictionary()
  let applicants = new Dictionary()
  /** `i:<IPC prefix>` and `a:<applicant>` → the documents that have it (removed ones included). */
  let lists = new Map<string, IdList>()
  /** Bit sets of those lists, extended as the lists grow; dropped on compaction. */
  let bitsets = new Map<string, { bits: Uint32Array; upto: number }>()

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
  }

  const addDoc = (doc: SearchDocument, terms: SearchTerms | undefined): void => {
    const id = n++
    ensure(n)
    const tf = new Map<string, number>()
    let length = 0
    const add = (fieldTerms: readonly string[], weight: number) => {
      for (const term of fieldTerms) {
        tf.set(term, (tf.get(term) ?? 0) + weight)
        length += weight
      }
    }
    // stored terms (all three fields) when given; otherwise the same analysis the index job stores
    const fields = terms?.title && terms.abstract && terms.keywords ? terms : analyzePatentText(analyzer, doc)
    add(fields.title, FIELD_WEIGHTS.title)
    add(fields.keywords, FIELD_WEIGHTS.keywords)
    add(fields.abstract, FIELD_WEIGHTS.abstract)
    postings.add(id, tf)
    recent++

    aliveCol[id] = 1
    lenCol[id] = length
    legalCol[id] = LEGAL_CODE.get(doc.legalStatus) ?? 255
    let modes = 0
    for (const m of doc.transferModes) modes |= MODE_BIT.get(m) ?? 0
    modesCol[id] = modes
    dateCol[id] = dateKey(doc.filingDate)
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
    docs[id] = undefined
    byPn.delete(pn)
    totalLength -= lenCol[id]!
    alive--
    dead++
  }

  const reset = (): void => {
    postings = new Postings()
    recent = 0
    pns = []
    docs = []
    byPn = new Map()
    n = alive = dead = totalLength = 0
    aliveCol = new Uint8Array(1024)
    lenCol = new Uint32Array(1024)
    legalCol = new Uint8Array(1024)
    modesCol = new Uint8Array(1024)
    dateCol = new Int32Array(1024)
    facetOff = new Uint32Array(1024)
    facetPool = new Uint32Array(4096)
    facetUsed = 0
    classes = new Dictionary()
    applicants = new Dictionary()
    lists = new Map()
    bitsets = new Map()
  }

  const sealIfDue = (): void => {
    const due = options.sealAt ?? Math.max(4096, Math.min(100_000, Math.ceil(n / 8)))
    if (recent >= due) {
      postings.seal()
      recent = 0
    }
  }

  /** Drops removed documents once they are a third of the index: renumbers ids, postings, columns, lists. */
  const compactIfNeeded = (): void => {
    if (dead < 1000 || dead < n / 3) return
    const remap = new Int32Array(n).fill(-1)
    let m = 0
    for (let id = 0; id < n; id++) if (aliveCol[id] === 1) remap[id] = m++
    postings.compact(remap)
    recent = 0
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
    bitsets = new Map()
    n = m
    dead = 0
  }

  /** The bit set of a list, brought up to date (lists only grow between compactions). */
  const bitsetOf = (key: string): Uint32Array | undefined => {
    const l = lists.get(key)
    if (l === undefined) return undefined
    let b = bitsets.get(key)
    const words = (n >>> 5) + 1
    if (b === undefined) {
      b = { bits: new Uint32Array(words), upto: 0 }
      if (bitsets.size >= 64) bitsets.delete(bitsets.keys().next().value!)
    } else {
      bitsets.delete(key) // re-inserted below: most recently used last
      if (b.bits.length < words) {
        const bits = new Uint32Array(words)
        bits.set(b.bits)
        b.bits = bits
      }
    }
    for (let i = b.upto; i < l.n; i++) {
      const id = l.ids[i]!
      b.bits[id >>> 5]! |= 1 << (id & 31)
    }
    b.upto = l.n
    bitsets.set(key, b)
    return b.bits
  }

  /**
   * The filters as a test of an id (alive included), and the smallest id list that holds every
   * passing document when a list filter is given (so the empty query walks that list, not every id).
   */
  const filterOf = (f: SearchQuery['filters']): { pass: (id: number) => boolean; none: boolean; list?: IdList } => {
    const sets: Uint32Array[] = []
    let smallest: IdList | undefined
    for (const key of [f.ipc === undefined ? undefined : `i:${f.ipc.toUpperCase()}`, f.applicant === undefined ? undefined : `a:${f.applicant}`]) {
      if (key === undefined) continue
      const l = lists.get(key)
      if (l === undefined) return { pass: () => false, none: true }
      sets.push(bitsetOf(key)!)
      if (smallest === undefined || l.n < smallest.n) smallest = l
    }
    const legal = f.legalStatus === undefined ? -1 : (LEGAL_CODE.get(f.legalStatus) ?? 254)
    const mode = f.transferMode === undefined ? 0 : (MODE_BIT.get(f.transferMode) ?? 0x100)
    const [s0, s1] = sets
    const pass = (id: number): boolean => {
      if (aliveCol[id] !== 1) return false
      if (legal >= 0 && legalCol[id] !== legal) return false
      if (mode !== 0 && (modesCol[id]! & mode) === 0) return false
      if (s0 !== undefined && ((s0[id >>> 5]! >>> (id & 31)) & 1) === 0) return false
      if (s1 !== undefined && ((s1[id >>> 5]! >>> (id & 31)) & 1) === 0) return false
      return true
    }
    return smallest === undefined ? { pass, none: false } : { pass, none: false, list: smallest }
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
    const top: Array<[string, number]> = []
    apps.forEach((c, i) => {
      if (c > 0) top.push([applicants.names[i]!, scaled(c)])
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
    estimate: number
    /** Whether document `id` matches (ids asked in increasing order). */
    has(id: number): boolean
    /** Every alive document that matches, ascending. */
    all(): Int32Array
    walk(visit: (id: number) => void): void
  }
  const wordMatcher = (word: string, parts: string[], shared?: Map<number, Cursor>): WordMatcher => {
    const w = postings.id(word)
    const partIds = parts.length > 1 ? parts.map((p) => postings.id(p)) : []
    const usable = partIds.length > 1 && partIds.every((p) => p >= 0)
    const estimate = (w >= 0 ? postings.count(w) : 0) + (usable ? Math.min(...partIds.map((p) => postings.count(p))) : 0)
    const cursorOf = (t: number) => {
      if (shared === undefined) return postings.cursor(t)
      let c = shared.get(t)
      if (c === undefined) shared.set(t, (c = postings.cursor(t)))
      return c
    }
    const cw = w >= 0 ? cursorOf(w) : undefined
    const cps = usable ? partIds.map(cursorOf) : []
    const has = (id: number): boolean => {
      if (cw !== undefined && cw.advance(id) === id) return true
      if (cps.length === 0) return false
      for (const c of cps) if (c.advance(id) !== id) return false
      return true
    }
    const all = (): Int32Array => {
      let out: Int32Array = new Int32Array(Math.min(estimate, n) + 1)
      let k = 0
      walk((d) => {
        if (k === out.length) out = growI32(out, k + 1)
        out[k++] = d
      })
      return out.subarray(0, k)
    }
    const walk = (visit: (id: number) => void): void => {
      // the union of the word's postings and the parts' intersection
      const a = w >= 0 ? postings.cursor(w) : undefined
      const ps = usable ? partIds.map((p) => postings.cursor(p)) : []
      const nextBoth = (): number => (ps.length === 0 ? END : nextFrom(ps, ps[0]!.next()))
      let da = a === undefined ? END : a.next()
      let db = nextBoth()
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
    return { estimate, has, all, walk }
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
   * first, by MaxScore (Turtle and Flood 1995): terms ordered by their highest possible score; once
   * the k-th best score exceeds what the commonest terms together can give, documents having
   * only those are no longer visited, and a document's remaining terms are looked up only while
   * it can still make the top k. Exact: the same top k as scoring every document.
   */
  const maxScoreTopK = (
    bits: Uint32Array,
    weights: Array<{ t: number; idf: number }>,
    k: number,
    bm25: (idf: number, tf: number, id: number) => number,
  ): number[] => {
    if (k <= 0) return []
    const ts = weights
      .map((w, pos) => ({ ...w, pos, ub: w.idf * (K1 + 1) }))
      .filter((w) => w.t >= 0)
      .sort((a, b) => a.ub - b.ub)
    const T = ts.length
    const cursors = ts.map((w) => postings.cursor(w.t))
    for (const c of cursors) c.next()
    // bound[i]: the most terms ts[0..i] can give together (a hair above, against rounding)
    const bound = new Float64Array(T)
    let acc = 0
    ts.forEach((w, i) => (bound[i] = (acc += w.ub) * (1 + 1e-9)))
    const contrib = new Float64Array(weights.length)
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
    for (;;) {
      let d = END
      for (let i = e; i < T; i++) if (cursors[i]!.doc < d) d = cursors[i]!.doc
      if (d === END) break
      if ((bits[d >>> 5]! >>> (d & 31)) & 1) {
        contrib.fill(0)
        let score = 0
        for (let i = e; i < T; i++) {
          if (cursors[i]!.doc !== d) continue
          const x = bm25(ts[i]!.idf, cursors[i]!.tf, d)
          contrib[ts[i]!.pos] = x
          score += x
        }
        let possible = true
        for (let i = e - 1; i >= 0; i--) {
          if (score + bound[i]! < theta) {
            possible = false
            break
          }
          if (cursors[i]!.advance(d) === d) {
            const x = bm25(ts[i]!.idf, cursors[i]!.tf, d)
            contrib[ts[i]!.pos] = x
            score += x
          }
        }
        if (possible) {
          // summed in the query's term order: the same floating-point score as the AND path gives
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
      }
      for (let i = e; i < T; i++) if (cursors[i]!.doc === d) cursors[i]!.next()
    }
    const order = hs.map((_, i) => i).sort((a, b) => (worse(b, a) ? -1 : worse(a, b) ? 1 : 0))
    return order.map((i) => hd[i]!)
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

  const byPnAsc = (a: number, b: number) => pns[a]! < pns[b]!

  return {
    name: 'embedded',
    get size() {
      return alive
    },
    stats() {
      return { documents: alive, ids: n, terms: postings.termCount, postingBytes: postings.bytes, facetPoolBytes: facetPool.byteLength, lists: lists.size }
    },
    async init() {},
    async upsert(docsIn, terms) {
      docsIn.forEach((doc, i) => {
        removeDoc(doc.publicationNumber)
        addDoc(doc, terms?.[i])
      })
      compactIfNeeded()
      sealIfDue()
    },
    async remove(pnsIn) {
      for (const pn of pnsIn) removeDoc(pn)
      compactIfNeeded()
    },
    async clear() {
      reset()
    },
    async ping() {
      return true
    },
    async close() {},
    async search(query: SearchQuery): Promise<SearchResult> {
      const k = query.offset + query.limit
      const words = [...new Set(analyzer.analyze(query.q))]
      const filter = filterOf(query.filters)
      if (words.length === 0) {
        // everything that passes the filters, newest filing first
        const cand = new Int32Array(filter.list?.n ?? n)
        let count = 0
        if (!filter.none) {
          if (filter.list !== undefined) {
            const l = filter.list
            for (let i = 0; i < l.n; i++) if (filter.pass(l.ids[i]!)) cand[count++] = l.ids[i]!
          } else for (let id = 0; id < n; id++) if (filter.pass(id)) cand[count++] = id
        }
        const page = topK(count, k, (a, b) => {
          const da = dateCol[cand[a]!]!
          const db = dateCol[cand[b]!]!
          return da !== db ? da > db : byPnAsc(cand[a]!, cand[b]!)
        })
          .slice(query.offset)
          .map((i) => cand[i]!)
        return { total: count, hits: await hitsOf(page, []), facets: facetsOf(cand, count) }
      }

      const partsOf = new Map(words.map((w) => [w, analyzer.analyze(w, { subwords: true }).filter((p) => p !== w)]))
      // One cursor per term, shared by the word tests and the scoring (advancing to an id twice costs nothing).
      const shared = new Map<number, Cursor>()
      const matchers = words.map((w) => wordMatcher(w, partsOf.get(w)!, shared))
      const scoringTerms = [...new Set([...words, ...[...partsOf.values()].flat()])]
      const avgLen = alive > 0 ? totalLength / alive : 1
      const weights = scoringTerms.map((term) => {
        const t = postings.id(term)
        const df = t < 0 ? 0 : postings.count(t)
        return { t, idf: Math.log(1 + (alive - df + 0.5) / (df + 0.5)) }
      })
      const bm25 = (idf: number, tf: number, id: number) => (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lenCol[id]!) / avgLen))
      const scorers = weights
        .filter((w) => w.t >= 0)
        .map((w) => {
          let c = shared.get(w.t)
          if (c === undefined) shared.set(w.t, (c = postings.cursor(w.t)))
          return { c, idf: w.idf }
        })
      // Every word must match; when nothing matches all of them, any word will do (before filters, as before).
      let cand: Int32Array = new Int32Array(0)
      let scores = new Float64Array(0)
      let count = 0
      if (matchers.every((m) => m.estimate > 0)) {
        const order = [...matchers].sort((a, b) => a.estimate - b.estimate)
        const driver = order[0]!.all()
        const others = order.slice(1)
        cand = new Int32Array(driver.length)
        scores = new Float64Array(driver.length)
        let anyAll = false
        for (let i = 0; i < driver.length; i++) {
          const id = driver[i]!
          let ok = true
          for (const m of others) {
            if (!m.has(id)) {
              ok = false
              break
            }
          }
          if (!ok) continue
          anyAll = true
          if (!filter.pass(id)) continue
          // scored in the query's term order
          let score = 0
          for (const { c, idf } of scorers) if (c.advance(id) === id) score += bm25(idf, c.tf, id)
          scores[count] = score
          cand[count++] = id
        }
        if (!anyAll) count = -1
      } else count = -1

      if (count < 0) {
        // Any word will do: the union of every word's documents, as a bit set (counted exactly),
        // ranked by MaxScore (`maxScoreTopK`): documents that have only common terms, which
        // cannot reach the k-th best score, are never scored.
        const bits = new Uint32Array((n >>> 5) + 1)
        for (const m of matchers) m.walk((id) => (bits[id >>> 5]! |= 1 << (id & 31)))
        let total = 0
        const filtered = query.filters.ipc !== undefined || query.filters.applicant !== undefined || query.filters.legalStatus !== undefined || query.filters.transferMode !== undefined
        for (let w = 0; w < bits.length; w++) {
          let word = bits[w]!
          if (word === 0) continue
          if (filtered) {
            for (let b = 0; b < 32; b++) if ((word >>> b) & 1 && !filter.pass((w << 5) | b)) word &= ~(1 << b)
            bits[w] = word
          }
          total += popcount(word)
        }
        const page = maxScoreTopK(bits, weights, k, bm25).slice(query.offset)
        // facets over the matches, or an even sample of FACET_EXACT of them
        const stride = total > FACET_EXACT ? total / FACET_EXACT : 1
        const sample = new Int32Array(Math.min(total, FACET_EXACT))
        let seen = 0
        let taken = 0
        let nextPick = 0
        for (let w = 0; w < bits.length && taken < sample.length; w++) {
          let word = bits[w]!
          while (word !== 0 && taken < sample.length) {
            const b = 31 - Math.clz32(word & -word)
            word &= word - 1
            if (seen >= nextPick) {
              sample[taken++] = (w << 5) | b
              nextPick = Math.floor(taken * stride)
            }
            seen++
          }
        }
        return { total, hits: await hitsOf(page, scoringTerms), facets: facetsOf(sample, taken, total) }
      }

      const page = topK(count, k, (a, b) => (scores[a] !== scores[b] ? scores[a]! > scores[b]! : byPnAsc(cand[a]!, cand[b]!)))
        .slice(query.offset)
        .map((i) => cand[i]!)
      return { total: count, hits: await hitsOf(page, scoringTerms), facets: facetsOf(cand, count) }
    },
  }
}
