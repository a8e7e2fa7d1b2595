/**
 * The embedded search backend as it was before issue 15 (every hit scored, sets and maps of ids):
 * kept for the search bench only (`npm run bench -- --search-size …`), as the comparator of the
 * current adapter in the same run. Not used by the service.
 */
import { analyzePatentText } from '../src/domain/text/patent-text.js'
import type { Analyzer } from '../src/domain/text/analyzer.js'
import {
  ipcPrefixes,
  type SearchDocument,
  type SearchFacets,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
} from '../src/domain/search.js'
import type { TermBatch } from '../src/domain/text/term-batch.js'
import type { AnalyzedPatent } from '../src/domain/text/patent-text.js'

/** A document's analysed terms per field. */
type SearchTerms = Pick<AnalyzedPatent, 'title' | 'abstract' | 'keywords'>

/** Field weights for term frequency: a word in the title counts three times one in the abstract. */
const FIELD_WEIGHTS = { title: 3, keywords: 2, abstract: 1 } as const
const K1 = 1.2
const B = 0.75
const SNIPPET = 90

interface Entry {
  doc: SearchDocument
  prefixes: Set<string>
  length: number
  alive: boolean
}

/** A growable posting list: internal doc ids and weighted term frequencies. */
class Postings {
  ids = new Int32Array(4)
  tfs = new Uint16Array(4)
  n = 0
  push(id: number, tf: number): void {
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.n * 2)
      ids.set(this.ids)
      this.ids = ids
      const tfs = new Uint16Array(this.n * 2)
      tfs.set(this.tfs)
      this.tfs = tfs
    }
    this.ids[this.n] = id
    this.tfs[this.n] = Math.min(tf, 65535)
    this.n++
  }
}

// The syntax characters of a pattern (in `u` mode `\-` outside a class is an error, so `-` is left alone)
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const isLatin = (s: string) => /^[\p{Script=Latin}\p{N}]/u.test(s)

export function createLegacyEmbeddedSearchIndex(analyzer: Analyzer): SearchIndex & { readonly size: number } {
  let entries: Entry[] = []
  let byId = new Map<string, number>()
  let postings = new Map<string, Postings>()
  let dead = 0
  let totalLength = 0
  let alive = 0

  const addDoc = (doc: SearchDocument, terms: SearchTerms | undefined): void => {
    const id = entries.length
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
    for (const [term, n] of tf) {
      let p = postings.get(term)
      if (p === undefined) postings.set(term, (p = new Postings()))
      p.push(id, n)
    }
    entries.push({ doc, prefixes: new Set(doc.ipc.flatMap(ipcPrefixes)), length, alive: true })
    byId.set(doc.publicationNumber, id)
    totalLength += length
    alive++
  }

  const removeDoc = (pn: string): void => {
    const id = byId.get(pn)
    if (id === undefined) return
    const e = entries[id]!
    e.alive = false
    byId.delete(pn)
    totalLength -= e.length
    alive--
    dead++
  }

  const reset = (): void => {
    entries = []
    byId = new Map()
    postings = new Map()
    dead = 0
    totalLength = 0
    alive = 0
  }

  /** Drops removed documents once they are a third of the index: renumbers ids, filters postings. */
  const compactIfNeeded = (): void => {
    if (dead < 1000 || dead < entries.length / 3) return
    const remap = new Int32Array(entries.length).fill(-1)
    const kept: Entry[] = []
    entries.forEach((e, id) => {
      if (!e.alive) return
      remap[id] = kept.length
      byId.set(e.doc.publicationNumber, kept.length)
      kept.push(e)
    })
    for (const [term, p] of postings) {
      let w = 0
      for (let i = 0; i < p.n; i++) {
        const id = remap[p.ids[i]!]!
        if (id < 0) continue
        p.ids[w] = id
        p.tfs[w] = p.tfs[i]!
        w++
      }
      p.n = w
      if (w === 0) postings.delete(term)
    }
    entries = kept
    dead = 0
  }

  const passes = (e: Entry, f: SearchQuery['filters']): boolean => {
    if (!e.alive) return false
    if (f.ipc !== undefined && !e.prefixes.has(f.ipc.toUpperCase())) return false
    if (f.applicant !== undefined && !e.doc.applicants.includes(f.applicant)) return false
    if (f.transferMode !== undefined && !e.doc.transferModes.includes(f.transferMode)) return false
    if (f.legalStatus !== undefined && e.doc.legalStatus !== f.legalStatus) return false
    return true
  }

  /** Docs containing a query word: the word itself, or all of the shorter words inside it. */
  const docsWithWord = (word: string, parts: string[]): Set<number> => {
    const out = new Set<number>()
    const p = postings.get(word)
    if (p !== undefined) for (let i = 0; i < p.n; i++) out.add(p.ids[i]!)
    if (parts.length > 1) {
      let inter: Set<number> | undefined
      for (const part of parts) {
        const pp = postings.get(part)
        const s = new Set<number>()
        if (pp !== undefined) for (let i = 0; i < pp.n; i++) if (inter === undefined || inter.has(pp.ids[i]!)) s.add(pp.ids[i]!)
        inter = s
      }
      for (const id of inter ?? []) out.add(id)
    }
    return out
  }

  const highlighter = (terms: string[]): ((text: string) => { text: string; first: number }) => {
    const sorted = [...new Set(terms)].filter((t) => t.length > 0).sort((a, b) => b.length - a.length)
    if (sorted.length === 0) return (text) => ({ text, first: -1 })
    const alternatives = sorted.map((t) => (isLatin(t) ? `\\b${escapeRegExp(t)}[\\p{Script=Latin}\\p{N}]*` : escapeRegExp(t)))
    const re = new RegExp(alternatives.join('|'), 'giu')
    return (raw) => {
      const text = raw.normalize('NFKC')
      let first = -1
      const out = text.replace(re, (m, offset: number) => {
        if (first < 0) first = offset
        return `<em>${m}</em>`
      })
      return { text: out, first }
    }
  }

  const snippet = (raw: string, mark: (t: string) => { text: string; first: number }): string => {
    const text = raw.normalize('NFKC')
    const { first } = mark(text)
    const start = first < 0 ? 0 : Math.max(0, first - Math.floor(SNIPPET / 3))
    const end = Math.min(text.length, start + SNIPPET * 2)
    const cut = text.slice(start, end)
    return (start > 0 ? '…' : '') + mark(cut).text + (end < text.length ? '…' : '')
  }

  const facetsOf = (ids: number[]): SearchFacets => {
    const facets: SearchFacets = { legalStatus: {}, transferModes: {}, ipcClass: {}, applicants: {} }
    const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1)
    const applicants: Record<string, number> = {}
    for (const id of ids) {
      const d = entries[id]!.doc
      inc(facets.legalStatus, d.legalStatus)
      for (const m of d.transferModes) inc(facets.transferModes, m)
      for (const c of new Set(d.ipc.map((code) => code.slice(0, 4)))) inc(facets.ipcClass, c)
      for (const a of new Set(d.applicants)) inc(applicants, a)
    }
    const top = Object.entries(applicants)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 20)
    facets.applicants = Object.fromEntries(top)
    return facets
  }

  return {
    name: 'embedded',
    get size() {
      return alive
    },
    async init() {},
    async upsert(docs, terms) {
      docs.forEach((doc, i) => {
        removeDoc(doc.publicationNumber)
        addDoc(doc, terms?.terms(i))
      })
      compactIfNeeded()
    },
    async remove(pns) {
      for (const pn of pns) removeDoc(pn)
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
      const words = [...new Set(analyzer.analyze(query.q))]
      let ranked: number[]
      let highlightTerms: string[] = []
      if (words.length === 0) {
        ranked = []
        for (let id = 0; id < entries.length; id++) if (passes(entries[id]!, query.filters)) ranked.push(id)
        ranked.sort((a, b) => {
          const da = entries[a]!.doc
          const db = entries[b]!.doc
          return (db.filingDate ?? '').localeCompare(da.filingDate ?? '') || da.publicationNumber.localeCompare(db.publicationNumber)
        })
      } else {
        const partsOf = new Map(words.map((w) => [w, analyzer.analyze(w, { subwords: true }).filter((p) => p !== w)]))
        const matchSets = words.map((w) => docsWithWord(w, partsOf.get(w)!))
        // Every word must match; when nothing matches all of them, any word will do.
        let candidates = [...matchSets.reduce((acc, s) => new Set([...acc].filter((id) => s.has(id))))]
        if (candidates.length === 0) candidates = [...new Set(matchSets.flatMap((s) => [...s]))]
        candidates = candidates.filter((id) => passes(entries[id]!, query.filters))
        const scoringTerms = [...new Set([...words, ...[...partsOf.values()].flat()])]
        highlightTerms = scoringTerms
        const avgLen = alive > 0 ? totalLength / alive : 1
        const scores = new Map<number, number>(candidates.map((id) => [id, 0]))
        for (const term of scoringTerms) {
          const p = postings.get(term)
          if (p === undefined) continue
          let df = 0
          for (let i = 0; i < p.n; i++) if (entries[p.ids[i]!]!.alive) df++
          const idf = Math.log(1 + (alive - df + 0.5) / (df + 0.5))
          for (let i = 0; i < p.n; i++) {
            const id = p.ids[i]!
            const s = scores.get(id)
            if (s === undefined) continue
            const tf = p.tfs[i]!
            const norm = K1 * (1 - B + (B * entries[id]!.length) / avgLen)
            scores.set(id, s + (idf * tf * (K1 + 1)) / (tf + norm))
          }
        }
        ranked = candidates.sort(
          (a, b) => scores.get(b)! - scores.get(a)! || entries[a]!.doc.publicationNumber.localeCompare(entries[b]!.doc.publicationNumber),
        )
      }
      const mark = highlighter(highlightTerms)
      const hits: SearchHit[] = ranked.slice(query.offset, query.offset + query.limit).map((id) => {
        const d = entries[id]!.doc
        return {
          publicationNumber: d.publicationNumber,
          title: d.title,
          applicants: d.applicants,
          ipc: d.ipc,
          highlights: { title: mark(d.title).text, abstract: snippet(d.abstract, mark) },
        }
      })
      return { total: ranked.length, hits, facets: facetsOf(ranked) }
    },
  }
}
