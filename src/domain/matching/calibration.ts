/**
 * From a ranking score to what a score should mean to its reader: the estimated probability that
 * an enterprise with the need would find the patent relevant, the same scale for every need.
 *
 * Three things tell it, measured on hand-judged real needs: the ranking score itself (text
 * evidence lifted by class evidence, `Scorer`); how far the match stands below the need's best
 * match in the whole inventory (on real needs this tells more than the score: a need's vocabulary
 * sets the scale of its scores); and the title coverage, the share of the need title's weight that
 * the patent contains. One logistic curve over them,
 * p = 1 / (1 + e^−(intercept + slope · ln score + relativeSlope · ln(score / best) + titleCoverageSlope · coverage)),
 * is fitted by `npm run calibrate` (`scripts/calibrate.ts`), which writes `calibration.json` with
 * what it was fitted on: the fit is data beside the code, not constants in it.
 */
import fitted from './calibration.json' with { type: 'json' }

export interface Calibration {
  intercept: number
  /** Per ln(ranking score). */
  slope: number
  /** Per ln(score / the need's best score). */
  relativeSlope: number
  /** Per unit of title coverage (the share of the need title's weight the patent contains). */
  titleCoverageSlope: number
}

export const FITTED_CALIBRATION: Calibration = {
  intercept: fitted.intercept,
  slope: fitted.slope,
  relativeSlope: fitted.relativeSlope,
  titleCoverageSlope: fitted.titleCoverageSlope,
}

/** What the calibration reads of a match. */
export interface MatchEvidence {
  /** The ranking score. */
  score: number
  /** The need's best ranking score over the whole inventory. */
  best: number
  /** 0..1. */
  titleCoverage: number
}

/** The features of a match, in the order of the fitted slopes. */
export function features(e: MatchEvidence): number[] {
  return [Math.log(e.score), Math.log(Math.min(1, e.score / e.best)), e.titleCoverage]
}

/** The probability of relevance of a match; 0 for no evidence. */
export function calibrate(e: MatchEvidence, c: Calibration = FITTED_CALIBRATION): number {
  if (!(e.score > 0) || !(e.best > 0)) return 0
  const [s, r, tcov] = features(e) as [number, number, number]
  const z = c.intercept + c.slope * s + c.relativeSlope * r + c.titleCoverageSlope * tcov
  return 1 / (1 + Math.exp(-z))
}
