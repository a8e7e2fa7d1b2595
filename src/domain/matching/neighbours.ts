/**
 * The need's nearest patents under the text evidence (need terms and related terms): the best
 * `k`, each with the weight (score / best score) ^ sharpness with which it votes. The lifts read
 * them: the classes signal takes its class distribution from their codes, and the patents
 * without codes get the lift level of the coded ones among them.
 */
import { bestDocs } from './top-k.js'

export interface Neighbours {
  /** Doc ids, best first. */
  readonly docs: readonly number[]
  /** Their vote weights, 1 for the best. */
  readonly weights: readonly number[]
}

/** The best k live docs by a[d] + b[d] (ties by publication number), with their vote weights. */
export function nearestNeighbours(
  k: number,
  sharpness: number,
  pub: readonly (string | undefined)[],
  alive: Uint8Array,
  n: number,
  a: Float64Array,
  b: Float64Array,
): Neighbours {
  const best = bestDocs(k, pub, alive, n, a, b)
  const docs: number[] = []
  const weights: number[] = []
  if (best.length === 0) return { docs, weights }
  const top = best[0]!.score
  for (const { doc, score } of best) {
    docs.push(doc)
    weights.push(Math.pow(score / top, sharpness))
  }
  return { docs, weights }
}
