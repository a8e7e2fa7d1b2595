/**
 * Prepared needs: what a match derives from a need that does not depend on which patents are
 * scored, kept so that scoring a few patents against an open need costs what scoring those
 * patents costs (`MatchIndex.prepare`, `MatchIndex.rescore`), and a bounded cache of them.
 *
 * What is kept, and what is read again at every rescoring:
 * - the need's terms as the analyser read them (no jieba again); their ids, idf, the upper
 *   bound and the coverages' wholes are read from the index as it is then, and so are the field
 *   lengths, so the text evidence of a scored patent is exact;
 * - each signal's part (`KeptText`, `KeptLift`): the related terms with their shares, the
 *   classes inferred from the neighbours with their probabilities, the named codes;
 * - the neighbours and the feedback documents, with the evidence a patent needs to join them,
 *   the lifts of the patents without codes, and the need's best match over the inventory.
 *
 * A prepared need holds until a document it kept (a neighbour, a feedback document, the best)
 * has changed or gone, a scored patent would join the neighbours or the feedback documents, a
 * document outside them may have overtaken them as the statistics moved, the
 * related terms or the need's known terms are no longer the same, or more documents have been
 * added or removed since than a share of the collection (`MatchIndexOptions.preparedDrift`):
 * `rescore` then says so, and the caller prepares it again. A `tolerant` rescoring (of a set of
 * any size: it scores only the patents that can reach the need) goes on instead in all of these
 * cases but a kept document changed or gone: the feedback documents follow the scored patents
 * (as the neighbours always do), the collection may move up to a larger share
 * (`MatchIndexOptions.toleratedDrift`), scores stay within the stated tolerance of a full match
 * (README, Matching), and what cannot follow is scored as kept and said (`Rescored.stale`).
 * Reverse matching uses it, so that an import does not prepare every open need again, and
 * prepares the stale ones again once the import's patents are all scored.
 */
import type { KeptLift, KeptText } from './signals/index.js'
import type { NeedTerm } from '../text/need-language.js'
import type { ScoringSet } from './scoring-set.js'
import type { MatchResult, NeedQuery } from './types.js'

export interface PreparedNeed {
  readonly need: NeedQuery
  /** The need's terms as `Analyzer.readNeed` gave them. */
  readonly analysed: ReadonlyMap<string, NeedTerm>
  /** Each text signal's part, and each lift's, in their order of registration by role (the lifts follow the neighbours). */
  readonly texts: readonly KeptText[]
  lifts: readonly KeptLift[]
  /** Each lift's level for patents without codes (the coded neighbours', averaged as they vote). */
  uncodedLifts: readonly number[]
  /**
   * The neighbours; the text evidence that would put a doc among them (0: any; Infinity: no
   * lift reads them), and the docs next after them then (watched).
   */
  neighbours: { readonly docs: readonly number[]; readonly pubs: readonly (string | undefined)[]; readonly floor: number; readonly runners: readonly number[] }
  /** The need's terms (those some patent had) when prepared. */
  idf: ReadonlyMap<number, number>
  /**
   * The need's best match over the inventory (what the calibration compares with): the full
   * match's, or a patent scored since that beat it (`rescore` moves it there).
   */
  best: { readonly doc: number; readonly pub: string; readonly evidence: number } | undefined
  /** `Postings.statsVersion` and the live documents when prepared. */
  readonly statsVersion: number
  readonly live: number
  /** `Postings.statsVersion` when the patents of `also` were last scored (see `MatchIndexOptions.preparedRefresh`). */
  scoredAt: number
  /** The watched docs (the neighbours and the feedback documents, and those after them) as a set kept for rescoring: built once, while they stay. */
  watched?: ScoringSet
  /**
   * The sets of the need's documents last read (the watched docs, the current matches when
   * scored again): the next such set takes their frequencies of the documents they share
   * (`ScoringSet` priors) instead of reading them again from the index.
   */
  read?: { watched?: ScoringSet; current?: ScoringSet }
}

/**
 * What `rescore` gives: the scored patents that match (with at least the evidence `above`, unless `all`),
 * best first, and the need's best evidence it read; `all` when the patents of `also` were scored
 * too (the neighbours moved, or the statistics did since they last were).
 */
export interface Rescored {
  results: MatchResult[]
  best: number
  all: boolean
  /**
   * With `tolerant`: the prepared need was scored as kept beyond the stated tolerance (the
   * collection moved past `toleratedDrift`, or a kept part moved twice in one rescoring); prepare
   * it again. Never with exact scoring (it says undefined instead).
   */
  stale: boolean
}

/** A bounded cache of prepared needs, least recently used out first; a need's other versions are replaced. */
export class PreparedNeeds {
  readonly #capacity: number
  readonly #entries = new Map<string, { version: number; prepared: PreparedNeed }>()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string, version: number): PreparedNeed | undefined {
    const e = this.#entries.get(id)
    if (e === undefined || e.version !== version) return undefined
    this.#entries.delete(id)
    this.#entries.set(id, e)
    return e.prepared
  }

  /**
   * Keeps a need's prepared state, its other versions replaced. With `evict: false` a need not
   * kept yet is kept only while there is room: a pass over every open need that prepares the
   * ones it lacks would otherwise, with more open needs than room, put out each need just before
   * its turn (least recently used is next in the pass) and prepare every one of them again.
   */
  set(id: string, version: number, prepared: PreparedNeed, options: { evict?: boolean } = {}): void {
    if (options.evict === false && !this.#entries.has(id) && this.#entries.size >= this.#capacity) return
    this.#entries.delete(id)
    this.#entries.set(id, { version, prepared })
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!)
  }
}
