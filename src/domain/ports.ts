/**
 * The interfaces the core needs from the outside world. Adapters under src/adapters implement
 * them; services depend only on these.
 */
import type { ImportCounts, ImportStatus, RejectedRow } from './imports.js'
import type { ScorePosition, StorePage } from './paging.js'
import type { Interest } from './interest.js'
import type { MatchSet, Need } from './need.js'
import type { ApiKeyRecord, Org } from './org.js'
import type { NewEvent, PairingAnnouncement, ServiceEvent } from './events.js'
import type { Pairing, PairingEvent, Routing } from './pairing.js'
import type { PoolEvent, Round } from './pool.js'
import type { ProgrammeEvent } from './stats.js'
import type { Patent } from './patent.js'
import type { DeliveryPayload } from './webhooks.js'
import type { ValueInput, ValueProfile } from './value.js'

// Records the stores keep are defined, as schemas, beside their part of the domain; named here too.
export type { ImportStatus } from './imports.js'
export type { Interest } from './interest.js'
export type { MatchSet, StoredMatch } from './need.js'
export type { Round } from './pool.js'

/** Terms of a patent per field, as the matcher analysed them: stored so a rebuild skips jieba. */
export type StoredTerms = unknown

/** Whose patents a listing holds: one owner's (an organisation id, or `admin`), or everybody's. */
export type ListingOf = { owner: string } | 'all'

export interface PatentStore {
  get(publicationNumber: string): Promise<Patent | undefined>
  getMany(publicationNumbers: string[]): Promise<Array<Patent | undefined>>
  /**
   * Writes records (insert or replace) in one round trip. With `indexing`, the same transaction
   * notes that these patents await an index job under that key (an outbox): a process that dies
   * between storing and queueing leaves the note, and `pendingIndexing` finds it.
   */
  putMany(patents: Patent[], indexing?: { key: string; importId?: string }): Promise<void>
  /** The index job of a noted batch is queued: the note goes. */
  indexingQueued(key: string): Promise<void>
  /** Noted batches older than `olderThanMs` whose index job was never queued. */
  pendingIndexing(olderThanMs: number): Promise<Array<{ key: string; importId?: string; publicationNumbers: string[] }>>
  putTerms(entries: Array<{ publicationNumber: string; terms: StoredTerms }>): Promise<void>
  getTerms(publicationNumbers: string[]): Promise<Array<StoredTerms | undefined>>
  count(): Promise<number>
  /**
   * A page of the listing: patents in the order they were first stored, newest first — those of
   * one owner (an organisation id, `admin` for the admin's own) or all of them. `after` is the
   * position of the last entry of the previous page; a position stays the patent's for good, so
   * patents stored meanwhile go before the first page, never between pages. `more` says whether
   * entries follow; `last` is the position the page ended at (absent when it is empty). Costs
   * O(limit), whatever the size of the listing.
   */
  listing(of: ListingOf, page: { after?: string; limit: number }): Promise<{ entries: Array<{ position: string; patent: Patent }>; more: boolean; last?: string }>
  /** How many patents the listing holds. */
  listingSize(of: ListingOf): Promise<number>
  /**
   * Lists the patents stored before the listing existed (each at its creation time), once per
   * installation; later calls return at once. Returns how many it added.
   */
  completeListing(): Promise<number>
  /** Every patent, in batches, for rebuilding in-memory indexes at start. */
  scan(batchSize: number): AsyncIterable<Array<{ patent: Patent; terms: StoredTerms | undefined }>>
}

export interface ImportStore {
  create(status: ImportStatus): Promise<void>
  get(importId: string): Promise<ImportStatus | undefined>
  /** An owner's imports (`admin` for the admin's), newest first; those older than their 30 days are gone. */
  listOf(owner: string, limit: number): Promise<ImportStatus[]>
  /** While the body is read: records stored and rejected so far; also says the upload is alive. */
  progress(importId: string, stored: number, rejected: number): Promise<void>
  /** Imports still receiving whose upload has given no sign of life for `olderThanMs`. */
  staleReceiving(olderThanMs: number): Promise<string[]>
  /** Records that the body was read to the end: `total` records to index, and the answer's counts. */
  received(importId: string, total: number, rejected: number, counts?: ImportCounts): Promise<ImportStatus>
  /**
   * Adds the records of one index batch (counted once, however often its job runs); moves the
   * import to done when all are indexed.
   */
  addIndexed(importId: string, count: number, batchKey: string): Promise<ImportStatus>
  fail(importId: string, error: string): Promise<void>
  /**
   * Keeps rejected rows for the import's download, appended in the order given; `header` (the
   * file's columns as written) is kept from the first call that gives one. Kept as long as the import.
   */
  keepRejected(importId: string, rows: RejectedRow[], header?: string[]): Promise<void>
  /** The kept rejected rows, in order, and the file's header; none for an unknown import. */
  rejectedRows(importId: string): Promise<{ header?: string[]; rows: RejectedRow[] }>
}

export interface NeedStore {
  create(need: Need): Promise<void>
  get(id: string): Promise<Need | undefined>
  put(need: Need): Promise<void>
  /** Ids of needs in state `open`. */
  openIds(): Promise<string[]>
  /** Ids of an organisation's needs (`admin` for those the admin stated), newest first. */
  idsOf(owner: string): Promise<string[]>
  /** One page of an organisation's needs (`admin` for the admin's), newest first. */
  pageOf(owner: string, options: PageOptions<Need>): Promise<StorePage<Need>>
  getMany(ids: string[]): Promise<Array<Need | undefined>>
  /**
   * Patents waiting to be re-scored against the open needs (reverse matching): indexed batches
   * add theirs, and one pass takes what has gathered, so that its cost is paid once for many
   * batches. `pendingRematch` reads up to `max` of them without taking them; `rematched` takes
   * those a pass has finished (a pass that dies leaves them for the next). Passes are numbered:
   * `addPendingRematch` returns the number of the pass that will see what it added (the next one
   * to start; `nextRematchPass` reads it), and `startRematchPass` moves the number on, so a job
   * queued under that number is never one that has already read its last.
   */
  addPendingRematch(publicationNumbers: string[]): Promise<number>
  nextRematchPass(): Promise<number>
  startRematchPass(): Promise<void>
  pendingRematch(max: number): Promise<string[]>
  rematched(publicationNumbers: string[]): Promise<void>
  /**
   * Needs whose prepared state reverse matching found stale (`Rescored.stale`: scored beyond the
   * stated tolerance), to be matched again in full once the pending patents are scored.
   * `markStale` marks them (again); `stale` reads up to `max` marks without taking them;
   * `refreshed` takes those it read, but not a need marked again since it was read.
   */
  markStale(needIds: string[]): Promise<void>
  stale(max: number): Promise<StaleMark[]>
  refreshed(marks: StaleMark[]): Promise<void>
}

/** A need marked stale, and which of its marks this is. */
export interface StaleMark {
  needId: string
  mark: string
}

export interface MatchStore {
  get(needId: string): Promise<MatchSet | undefined>
  /** Several needs' sets in one round trip, in the order of `needIds`. */
  getMany(needIds: string[]): Promise<Array<MatchSet | undefined>>
  put(set: MatchSet): Promise<void>
  /**
   * Read-modify-write under optimistic locking: `change` gets the current set and returns the
   * new one (or undefined to leave it); retried when another writer got there first.
   */
  update(needId: string, change: (current: MatchSet | undefined) => MatchSet | undefined): Promise<MatchSet | undefined>
  /**
   * Several needs' sets in brief, in the order of `needIds` (undefined: no set, or one written
   * before briefs were kept), written with every write of a set: what reverse matching reads of
   * every open need to tell whether new patents can enter it at all.
   */
  entries(needIds: string[]): Promise<Array<MatchEntry | undefined>>
}

/** A need's set in brief: the version and state it was computed for, its length, its last match's evidence. */
export interface MatchEntry {
  needVersion: number
  state: MatchSet['state']
  count: number
  /** Undefined when the set is empty or its last match was stored before evidence was kept. */
  last: number | undefined
}

/** A change to the inventory, published so every process's in-memory indexes follow it. */
export interface PatentChange {
  op: 'upsert' | 'remove'
  publicationNumbers: string[]
}

export interface ChangeFeed {
  /** Appends a change; returns its id. */
  publish(change: PatentChange): Promise<string>
  /** The id of the newest change, or `0-0`. */
  head(): Promise<string>
  /**
   * Why the feed may no longer hold every change after `position` (trimmed past it, or not the
   * feed it was read from); undefined when it holds them all.
   */
  gapAfter(position: string): Promise<string | undefined>
  /** −1, 0 or 1 as position a is before, at or after b. */
  compare(a: string, b: string): number
  /** Follows changes after `fromId` until stopped; `handler` is awaited in order. */
  follow(fromId: string, handler: (change: PatentChange, id: string) => Promise<void>): FeedFollower
}

export interface FeedFollower {
  /**
   * The id of the last change handled (or skipped as this process's own), `fromId` before any:
   * every change up to it has been applied.
   */
  position(): string
  /** Resolves once the changes the feed held when following began are handled; rejects if following fails. */
  readonly caughtUp: Promise<void>
  stop(): Promise<void>
}

export interface OrgStore {
  create(org: Org): Promise<void>
  /** Replaces the organisation's record (a change of its registration). */
  put(org: Org): Promise<void>
  get(id: string): Promise<Org | undefined>
  list(): Promise<Array<Org>>
}

export interface KeyStore {
  put(key: ApiKeyRecord): Promise<void>
  get(keyId: string): Promise<ApiKeyRecord | undefined>
  listForOrg(orgId: string): Promise<Array<ApiKeyRecord>>
}

export interface InterestStore {
  /**
   * Stores the interest, unless its enterprise already holds one in the same patent for the same
   * need (or for none): then nothing is written and the existing interest's id is returned.
   * The check and the write are one atomic step.
   */
  create(interest: Interest): Promise<{ created: true } | { created: false; existingId: string }>
  get(id: string): Promise<Interest | undefined>
  /** Every interest of an index (all, or those in a university's patents), for the value profiles' job. */
  everyOf(index: 'all' | { university: string }): Promise<Interest[]>
  /** One page, newest first, of all interests, an enterprise's, or those in a university's patents. */
  page(index: 'all' | { enterprise: string } | { university: string }, options: PageOptions<Interest>): Promise<StorePage<Interest>>
  /**
   * Answers an interest under optimistic locking: `plan` gets it as stored (it throws to refuse)
   * and returns it answered, with the pairing an acceptance opens, written in the same
   * transaction as the answer (the pairing as `createOrRescore` writes it, announcement included).
   */
  answer(id: string, plan: (current: Interest) => { next: Interest; pairing?: CreatePairing }): Promise<Interest | undefined>
}

/** How a store reads one page of a list: how many, after which position, and which items to keep (a filter). */
export interface PageOptions<T> {
  limit: number
  after?: ScorePosition
  keep?: (item: T) => boolean
}

export type { NewEvent } from './events.js'

/** The programme's record: what happened, from which every provincial figure is computed. */
export interface ProgrammeLog {
  append(event: NewEvent<ProgrammeEvent>): Promise<string>
  appendMany(events: Array<NewEvent<ProgrammeEvent>>): Promise<void>
  appendPool(event: NewEvent<PoolEvent>): Promise<PoolEvent>
  activity(): Promise<ProgrammeEvent[]>
  pool(): Promise<PoolEvent[]>
}

export interface RoundStore {
  put(round: Round): Promise<void>
  get(id: string): Promise<Round | undefined>
  list(): Promise<Round[]>
  /** Runs `fn` holding the province's pool lock, so quota checks and their writes do not interleave. */
  withProvinceLock<T>(province: string, fn: () => Promise<T>): Promise<T>
}

export type PairingIndex = { centre: string } | { university: string } | { enterprise: string } | 'all'

export type CreateOutcome = 'created-pushed' | 'created-held' | 'rescored' | 'unchanged'

/** A pairing to create with its first audit event and announcement (see `PairingStore.createOrRescore`). */
export interface CreatePairing {
  pairing: Pairing
  history: PairingEvent
  push: boolean
  dailyCap?: number
  day: string
  announce: PairingAnnouncement
}

/**
 * Pairings, their audit trail and the centres' routing. Every change is written with what it
 * announces (built by the service: `announcePairingChange`) in one transaction, so a process
 * dying in between leaves the change and its announcements together or neither.
 */
export interface PairingStore {
  /**
   * Creates the pairing with its first audit event and its announcement, counting it against the
   * centre's daily cap when it is to be pushed; an existing pairing only takes the new score.
   */
  createOrRescore(args: CreatePairing): Promise<CreateOutcome>
  get(id: string): Promise<Pairing | undefined>
  getMany(ids: string[]): Promise<Pairing[]>
  /** Ids, newest first, of one index: a centre's, a university's, an enterprise's or all. */
  ids(index: PairingIndex): Promise<string[]>
  /** One page of an index, newest first. */
  page(index: PairingIndex, options: PageOptions<Pairing>): Promise<StorePage<Pairing>>
  history(id: string): Promise<PairingEvent[]>
  /** Moves a pairing under optimistic locking, appending its audit event and its announcement. */
  transition(id: string, plan: (current: Pairing) => { next: Pairing; history: PairingEvent; announce: PairingAnnouncement }): Promise<Pairing | undefined>
  /** Marks held pairings pushed and publishes the one event for them (a digest), atomically. */
  publishDigest(pairings: Pairing[], event: NewEvent<ServiceEvent>): Promise<void>
  /** Centres that receive pairings for a need (operations centres may read a need routed to them). */
  centresOfNeed(needId: string): Promise<string[]>
  putRouting(orgId: string, routing: Routing): Promise<void>
  getRouting(orgId: string): Promise<Routing | undefined>
  routedCentres(): Promise<Array<{ orgId: string; routing: Routing }>>
  getMeta(orgId: string, field: string): Promise<string | undefined>
  setMeta(orgId: string, field: string, value: string): Promise<void>
}


/** How an inventory's value profiles are ordered: by a scenario's grade and score, or by demand. */
export type ValueOrder = 'transfer' | 'pledge' | 'demand'

/** A computed profile with what it was computed from (`computeValueProfile(input, computedAt)`). */
export interface ComputedValue {
  input: ValueInput
  profile: ValueProfile
}

/**
 * Value profiles (computed by a job, read by the API) and what the job keeps to compute them:
 * which open needs strongly match each patent. Computations are ordered by `nextSeq`, taken
 * before a computation reads anything: a write from an earlier reading never replaces a later one.
 * A store may keep a computation's input instead of its profile and compute the profile again
 * when it is read (the same profile for the same input and patent record).
 */
export interface ValueStore {
  nextSeq(): Promise<number>
  /** Stores the profile and lists it in its owner's and the whole inventory's orders, unless a later computation's is stored; says whether it did. */
  put(computed: ComputedValue, seq: number): Promise<boolean>
  /** `put` of many profiles of one computation in one transaction; says for each whether it was stored. */
  putMany(computed: ComputedValue[], seq: number): Promise<boolean[]>
  get(publicationNumber: string): Promise<ValueProfile | undefined>
  getMany(publicationNumbers: string[]): Promise<Array<ValueProfile | undefined>>
  /** One page of an owner's profiles (an organisation id, `admin`) or of all, best first in `order`. */
  ranking(of: { owner: string } | 'all', order: ValueOrder, options: PageOptions<ValueProfile>): Promise<StorePage<ValueProfile>>
  rankingSize(of: { owner: string } | 'all'): Promise<number>
  /**
   * Records which patents a need strongly matches now (none for a closed need), unless a later
   * computation recorded it; returns the patents whose demand changed (added, removed or rescored).
   */
  setNeedDemand(needId: string, seq: number, matches: Array<{ publicationNumber: string; score: number }>): Promise<string[]>
  /** For each patent, the open needs that strongly match it. */
  demandOf(publicationNumbers: string[]): Promise<Array<Array<{ needId: string; score: number }>>>
  /** When each patent's profile was computed (epoch ms); undefined where there is none. */
  computedAt(publicationNumbers: string[]): Promise<Array<number | undefined>>
}
