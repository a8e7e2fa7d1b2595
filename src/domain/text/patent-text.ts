/** A patent's text as the indexes read it: its terms per field. */
import type { Patent } from '../patent.js'
import type { Analyzer } from './analyzer.js'

/** Terms of a patent per field, as produced by `analyzePatentText` (storable as JSON). */
export interface AnalyzedPatent {
  title: string[]
  abstract: string[]
  keywords: string[]
  claims: string[]
}

/**
 * A patent's terms per field, with search-mode sub-words: what the index job stores, the matcher
 * indexes and the embedded search takes (and computes the same way when given no terms).
 */
export function analyzePatentText(analyzer: Analyzer, p: Pick<Patent, 'title' | 'abstract' | 'keywords' | 'claims'>): AnalyzedPatent {
  return {
    title: analyzer.analyze(p.title, { subwords: true }),
    abstract: analyzer.analyze(p.abstract, { subwords: true }),
    keywords: p.keywords.length > 0 ? analyzer.analyze(p.keywords.join('\n'), { subwords: true }) : [],
    claims: p.claims ? analyzer.analyze(p.claims, { subwords: true }) : [],
  }
}
