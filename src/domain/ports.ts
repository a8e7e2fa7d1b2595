/**
 * The interfaces the core needs from the outside world. Adapters under src/adapters implement
 * them; services depend only on these.
 */
import type { Need } from './need.js'
import type { ApiKeyRecord, Org } from './org.js'
import type { Patent } from './patent.js'

/** Terms of a patent per field, as the matcher analysed them: stored so a rebuild skips jieba. */
export type StoredTerms = unknown

export interface PatentStore {
  get(publicationNumber: string): Promise<Patent | undefined>
  getMany(publicationNumbers: string[]): Promise<Array<Patent | undefined>>
  /** Writes records (insert or replace) in one round trip. */
  putMany(patents: Patent[]): Promise<void>
  putTerms(entries: Array<{ publicationNumber: string; terms: StoredTerms }>): Promise<void>
  getTerms(publicationNumbers: string[]): Promise<Array<StoredTerms | undefined>>
  count(): Promise<number>
  /** Every patent, in batches, for rebuilding in-memory indexes at start. */
  scan(batchSize: number): AsyncIterable<Array<{ patent: Patent; terms: StoredTerms | undefined }>>
}

export interface ImportStatus {
  importId: string
  state: 'receiving' | 'indexing' | 'done' | 'failed'
  total: number
  indexed: number
  rejected: number
  error?: string
  ownerOrgId?: string
  createdAt: string
  finishedAt?: string
}

export interface ImportStore {
  create(status: ImportStatus): Promise<void>
  get(importId: string): Promise<ImportStatus | undefined>
  /** Records that the body was read to the end: `total` records to index. */
  received(importId: string, total: number, rejected: number): Promise<ImportStatus>
  /** Adds indexed records; moves the import to done when all are indexed. */
  addIndexed(importId: string, count: number): Promise<ImportStatus>
  fail(importId: string, error: string): Promise<void>
}

export interface NeedStore {
  create(need: Need): Promise<void>
  get(id: string): Promise<Need | undefined>
  put(need: Need): Promise<void>
  /** Ids of needs in state `open`. */
  openIds(): Promise<string[]>
  getMany(ids: string[]): Promise<Array<Need | undefined>>
}

export interface StoredMatch {
  publicationNumber: string
  title: string
  score: number
  explanation: {
    matchedTerms: string[]
    sharedClasses: string[]
    inferredClasses: string[]
    signals: Record<string, number>
  }
  /** Set when the patent qualified through reverse matching after the last full computation. */
  new?: boolean
}

export interface MatchSet {
  needId: string
  needVersion: number
  state: 'pending' | 'ready'
  computedAt?: string
  matches: StoredMatch[]
}

export interface MatchStore {
  get(needId: string): Promise<MatchSet | undefined>
  put(set: MatchSet): Promise<void>
  /**
   * Read-modify-write under optimistic locking: `change` gets the current set and returns the
   * new one (or undefined to leave it); retried when another writer got there first.
   */
  update(needId: string, change: (current: MatchSet | undefined) => MatchSet | undefined): Promise<MatchSet | undefined>
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
  /** Follows changes after `fromId` until stopped; `handler` is awaited in order. */
  follow(fromId: string, handler: (change: PatentChange, id: string) => Promise<void>): { stop(): Promise<void> }
}

/** Background jobs. Each name has one payload type, validated when a worker picks it up. */
export interface JobPayloads {
  'index-patents': { importId?: string; publicationNumbers: string[] }
  'match-need': { needId: string; version: number }
  'rematch-patents': { publicationNumbers: string[] }
}
export type JobName = keyof JobPayloads

export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: { jobId?: string }): Promise<void>
  /** Jobs waiting, delayed or active, for /ready and the benchmark. */
  pending(): Promise<number>
}

export interface OrgStore {
  create(org: Org): Promise<void>
  get(id: string): Promise<Org | undefined>
  list(): Promise<Array<Org>>
}

export interface KeyStore {
  put(key: ApiKeyRecord): Promise<void>
  get(keyId: string): Promise<ApiKeyRecord | undefined>
  listForOrg(orgId: string): Promise<Array<ApiKeyRecord>>
}

/** An enterprise's interest in a patent, seen by the patent's university as far as disclosed. */
export interface Interest {
  id: string
  publicationNumber: string
  enterpriseOrgId: string
  universityOrgId?: string
  needId?: string
  message?: string
  /** What the enterprise lets the university see: nothing, its name, or its name and the need. */
  disclosure: 'none' | 'identity' | 'identity-and-need'
  createdAt: string
}

export interface InterestStore {
  create(interest: Interest): Promise<void>
  listByEnterprise(orgId: string): Promise<Interest[]>
  listByUniversity(orgId: string): Promise<Interest[]>
  listAll(): Promise<Interest[]>
}
