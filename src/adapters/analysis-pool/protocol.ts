import type { MatchablePatent } from '../../domain/matching/index.js'
import type { TermBatchParts } from '../../domain/text/term-batch.js'

/** What a thread needs of a patent to analyse it. */
export type AnalysisInput = Pick<MatchablePatent, 'title' | 'abstract' | 'keywords' | 'claims'>

export interface PoolRequest {
  id: number
  patents: AnalysisInput[]
}

export type PoolReply =
  /** The chunk's terms as one batch (its typed arrays transferred). */
  | { id: number; terms: TermBatchParts }
  | { id: number; error: string }
  | { id: 0; ready: true }
