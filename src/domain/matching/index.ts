/** The matcher's public API: pure, no I/O. */
export { analyzePatentText, MatchIndex, type FieldParams, type MatchIndexOptions } from './match-index.js'
export { codesOverlap, mainGroup, normalizeCode } from './classes.js'
export { PreparedNeeds, type PreparedNeed, type Rescored } from './prepared.js'
export type { ScoringSet } from './scoring-set.js'
export {
  FIELDS,
  type AnalyzedPatent,
  type Field,
  type MatchablePatent,
  type MatchExplanation,
  type MatchOptions,
  type MatchResult,
  type NeedQuery,
} from './types.js'
export { MATCH_STRENGTHS, STRONG_MATCH, strengthOf, type MatchStrength } from './strength.js'
