import type { Patent, TransferMode } from '../patent.js'

/**
 * The part of a patent the matcher reads. `ipc` holds IPC or CPC codes (`G06F16/35`). An empty
 * `transferModes` means the patent is open to any mode: it is not excluded by a need's modes.
 */
export type MatchablePatent = Pick<
  Patent,
  'publicationNumber' | 'title' | 'abstract' | 'claims' | 'keywords' | 'ipc' | 'applicants' | 'legalStatus' | 'status' | 'transferModes'
>

/** Terms of a patent per field, as produced by `MatchIndex.analyzePatent` (storable as JSON). */
export type { AnalyzedPatent } from '../text/patent-text.js'

export const FIELDS = ['title', 'abstract', 'keywords', 'claims'] as const
export type Field = (typeof FIELDS)[number]

/** An enterprise's technology need. */
export interface NeedQuery {
  title: string
  description?: string
  keywords?: string[]
  /** Classes the enterprise names; matched by prefix along the hierarchy (`G06F16` ⊃ `G06F16/35`). */
  ipc?: string[]
  /**
   * Acceptable transfer modes. When given, a patent listing modes of which none is acceptable
   * never appears; a patent listing no modes is treated as open to any mode.
   */
  transferModes?: TransferMode[]
}

export interface MatchExplanation {
  /** Need terms found in the patent (title, abstract, keywords or claims), strongest first. */
  matchedTerms: string[]
  /** Share (0..1) of the weight (idf included) of the need's title words that the patent contains. */
  titleCoverage: number
  /** Share (0..1) of the weight of all the need's words that the patent contains. */
  coverage: number
  /** The patent's codes that overlap a code the need named. */
  sharedClasses: string[]
  /** The patent's codes among the classes inferred for the need from its nearest patents. */
  inferredClasses: string[]
  /**
   * Each signal's share of the evidence, in percent with one decimal (summing to 100). Keys:
   * `text` (the need's own terms), `related` (terms from the best matches, pseudo-relevance
   * feedback), `classes` (the need's inferred classes), `ipc` (classes the need names).
   */
  signals: Record<string, number>
}

/**
 * The order of an explanation's fields, whichever part of the matcher writes them (the signals
 * write their own): stored matches and the API keep one shape. Every field is listed once.
 */
export const EXPLANATION_FIELDS = [
  'matchedTerms',
  'titleCoverage',
  'coverage',
  'sharedClasses',
  'inferredClasses',
  'signals',
] as const satisfies readonly (keyof MatchExplanation)[]
// a field of MatchExplanation missing from the list fails to compile here
export const EXPLANATION_FIELDS_COMPLETE: Exclude<keyof MatchExplanation, (typeof EXPLANATION_FIELDS)[number]> extends never ? true : false = true

export interface MatchResult {
  publicationNumber: string
  /**
   * 0..1: the estimated probability that the patent is relevant to the need (`calibration.ts`),
   * comparable across needs.
   */
  score: number
  /**
   * The evidence: text evidence lifted by class evidence. Results are ordered by it; `score`
   * also reads the title coverage, so it need not fall down the list.
   */
  evidence: number
  explanation: MatchExplanation
}

export interface MatchOptions {
  /** Number of results, default 100. */
  limit?: number
  /**
   * Score only these patents (reverse matching of newly imported patents against stored needs).
   * Their scores are the same as in a full match against the same index.
   */
  only?: ReadonlySet<string>
}
