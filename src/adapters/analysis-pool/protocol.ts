import type { AnalyzedPatent, MatchablePatent } from '../../domain/matching/index.js'

/** What a thread needs of a patent to analyse it. */
export type AnalysisInput = Pick<MatchablePatent, 'title' | 'abstract' | 'keywords' | 'claims'>

export interface PoolRequest {
  id: number
  patents: AnalysisInput[]
}

export type PoolReply =
  | { id: number; analyzed: AnalyzedPatent[] }
  | { id: number; error: string }
  | { id: 0; ready: true }
