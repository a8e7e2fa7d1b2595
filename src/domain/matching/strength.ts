/**
 * What a match score means to the people who read it. Scores are calibrated: a score is the
 * estimated probability that an enterprise with the need would find the patent relevant
 * (`calibration.ts`), the same scale for every need. From `STRONG_MATCH` up a match is strong:
 * that is where the routing default starts pushing pairings to operations centres, and where the
 * console stops saying "no strong match yet".
 */
export const STRONG_MATCH = 0.5

/**
 * `strong`: the best match is at or above the threshold; `weak`: matches, all below it; `none`:
 * no match at all. The best match is the one with the highest score (matches are ordered by their
 * evidence, and the score also reads the title coverage, so it need not be the first).
 */
export const MATCH_STRENGTHS = ['strong', 'weak', 'none'] as const
export type MatchStrength = (typeof MATCH_STRENGTHS)[number]

export function strengthOf(scores: readonly number[], threshold = STRONG_MATCH): MatchStrength {
  if (scores.length === 0) return 'none'
  return Math.max(...scores) >= threshold ? 'strong' : 'weak'
}
