/**
 * Patents: one hash each, `record` (the patent, `encodeRecord`) and `terms` (its analysed terms, dropped
 * whenever the record changes; `encodeTerms`), listed (below); and the outbox of batches awaiting
 * an index job.
 *
 * The listing (what a university pages through) is a sorted set of positions
 * `createdAt publicationNumber`, all at score 0 so that Redis keeps them in lexical order, which
 * is the order of creation (ISO times of one width); one set of everybody's patents, one per
 * owner. A page is one ZREVRANGEBYLEX … LIMIT from the last position seen: O(log n + limit).
 * A patent's position is written once, with its first record, and its hash is marked `listed`,
 * so no later write moves it or lists it twice. The listing of all is also what counts and scans
 * the patents (a set of their numbers did before: 60 bytes of Redis a patent); the patents
 * stored before there were listings are listed from that set once (`completeListing`).
 */
import type { ChainableCommander, Redis } from 'ioredis'
import type { Patent } from '../../domain/patent.js'
import type { ListingOf, PatentStore, StoredTerms } from '../../domain/ports.js'
import { redisKeys } from './keys.js'

type Field = 'record' | 'terms'

/**
 * Lists patents not listed yet. KEYS: the listing of all, then per patent its hash and its
 * owner's listing; ARGV: per patent its position. Returns how many it listed. The hash's
 * `listed` is a mark (1; the position follows from the record: those written before hold the
 * position itself).
 */
const LIST = `
local added = 0
for i = 1, #ARGV do
  if redis.call('HSETNX', KEYS[2 * i], 'listed', '1') == 1 then
    redis.call('ZADD', KEYS[1], 0, ARGV[i])
    redis.call('ZADD', KEYS[2 * i + 1], 0, ARGV[i])
    added = added + 1
  end
end
return added
`

/**
 * Stores records. KEYS: per patent its hash; ARGV: per patent its record's JSON. A changed record
 * drops its analysed terms until the index job stores new ones.
 */
const PUT_RECORDS = `
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'record', ARGV[i])
  redis.call('HDEL', KEYS[i], 'terms')
end
return #KEYS
`

/** One field of many hashes. KEYS: the hashes; ARGV[1]: the field. A missing one is false (nil in the reply). */
const GET_FIELD = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], ARGV[1]) end
return out
`

/** Stores analysed terms. KEYS: per patent its hash; ARGV: per patent its terms' JSON. */
const PUT_TERMS = `
for i = 1, #KEYS do redis.call('HSET', KEYS[i], 'terms', ARGV[i]) end
return #KEYS
`

/**
 * Hashes a script reads or writes at most: the batches of the service are 500; a larger call is
 * split, so that no one script holds Redis for long. A script instead of a command a patent: the
 * client's cost of a command (ioredis builds, queues and answers each) was several times Redis's.
 */
const SCRIPT_BATCH = 1000

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Where a patent stands in the listing: its creation time (one width, so lexical order is time order), then its number. */
export function listingPosition(p: Pick<Patent, 'createdAt' | 'publicationNumber'>): string {
  let at = p.createdAt
  if (!ISO.test(at)) {
    const ms = Date.parse(at)
    at = Number.isNaN(ms) || ms < 0 || ms > 253402300799999 ? '0000-01-01T00:00:00.000Z' : new Date(ms).toISOString()
  }
  return `${at} ${p.publicationNumber}`
}

const numberAt = (position: string) => position.slice(position.indexOf(' ') + 1)

/**
 * A record's fields in the order `encodeRecord` writes them: those every record has first, the
 * optional ones after, so that a record without them ends early.
 */
const RECORD_FIELDS = [
  'publicationNumber',
  'title',
  'abstract',
  'keywords',
  'ipc',
  'applicants',
  'inventors',
  'language',
  'legalStatus',
  'transferModes',
  'status',
  'createdAt',
  'updatedAt',
  'ownerOrgId',
  'applicationNumber',
  'filingDate',
  'publicationDate',
  'grantDate',
  'expiryDate',
  'maturity',
  'officeGrade',
  'claims',
] as const satisfies ReadonlyArray<keyof Patent>
const RECORD_SLOT = new Map<string, number>(RECORD_FIELDS.map((f, i) => [f, i]))
const UPDATED_AT = RECORD_SLOT.get('updatedAt')!
/** The first element of a record stored as `encodeRecord` writes it: the layout of the array. */
const RECORD_V1 = 1

/**
 * A patent's record as stored: a JSON array of its fields' values in the order of
 * `RECORD_FIELDS` (1 first, the layout), null for a field it has not, the last nulls left off,
 * and `updatedAt` null while it equals `createdAt`. The field names were about 170 bytes of a
 * record's 1.25 kB, and Redis keeps 1.35 million of them. A record with a field the layout does
 * not know is stored as its JSON object, as every record was before; `decodeRecord` reads both.
 */
export function encodeRecord(p: Patent): string {
  const values: unknown[] = new Array(RECORD_FIELDS.length + 1).fill(null)
  values[0] = RECORD_V1
  let end = 1
  for (const [field, value] of Object.entries(p)) {
    if (value === undefined) continue
    const slot = RECORD_SLOT.get(field)
    if (slot === undefined) return JSON.stringify(p)
    if (slot === UPDATED_AT && value === p.createdAt) continue
    values[slot + 1] = value
    if (slot + 2 > end) end = slot + 2
  }
  values.length = end
  return JSON.stringify(values)
}

export function decodeRecord(raw: string | null | undefined): Patent | undefined {
  if (raw == null) return undefined
  if (raw.charCodeAt(0) !== 91 /* [ */) return JSON.parse(raw) as Patent
  const values = JSON.parse(raw) as unknown[]
  if (values[0] !== RECORD_V1) throw new Error(`patent record of an unknown layout ${JSON.stringify(values[0])}`)
  const out: Record<string, unknown> = {}
  for (let i = 1; i < values.length; i++) if (values[i] !== null) out[RECORD_FIELDS[i - 1]!] = values[i]
  if (out['updatedAt'] === undefined) out['updatedAt'] = out['createdAt']
  return out as Patent
}

const TERM_FIELDS = ['title', 'abstract', 'keywords', 'claims'] as const
const TERMS_V1 = 'terms/1\n'

/**
 * Analysed terms as stored: a patent's terms per field (title, abstract, keywords, claims), each
 * field a line of its terms joined by spaces after the line `terms/1`: a quarter smaller than
 * their JSON (no quotes or commas: about 250 bytes a patent) and cheaper to write and read. Terms
 * of another shape, or holding a space or a line break, are stored as JSON, as everything was
 * before.
 */
export function encodeTerms(terms: StoredTerms): string {
  const t = terms as Record<string, unknown> | null
  if (typeof t !== 'object' || t === null || Object.keys(t).length !== TERM_FIELDS.length) return JSON.stringify(terms)
  let out = TERMS_V1
  for (let f = 0; f < TERM_FIELDS.length; f++) {
    const field = t[TERM_FIELDS[f]!]
    if (!Array.isArray(field)) return JSON.stringify(terms)
    for (let i = 0; i < field.length; i++) {
      const term: unknown = field[i]
      if (typeof term !== 'string' || term === '' || term.includes(' ') || term.includes('\n')) return JSON.stringify(terms)
    }
    out += (f === 0 ? '' : '\n') + field.join(' ')
  }
  return out
}

export function decodeTerms(raw: string | null | undefined): StoredTerms | undefined {
  if (raw == null) return undefined
  if (!raw.startsWith(TERMS_V1)) return JSON.parse(raw) as StoredTerms
  const lines = raw.slice(TERMS_V1.length).split('\n')
  const out: Record<string, string[]> = {}
  TERM_FIELDS.forEach((f, i) => (out[f] = lines[i] ? lines[i]!.split(' ') : []))
  return out
}

export function createPatentStore(redis: Redis, prefix: string): PatentStore {
  const k = redisKeys(prefix).patents
  const fieldOfMany = async <T>(pns: string[], field: Field): Promise<Array<T | undefined>> => {
    const out: Array<T | undefined> = []
    const decode = (field === 'terms' ? decodeTerms : decodeRecord) as (raw: string | null) => T | undefined
    for (let i = 0; i < pns.length; i += SCRIPT_BATCH) {
      const keys = pns.slice(i, i + SCRIPT_BATCH).map(k.record)
      const raws = (await redis.eval(GET_FIELD, keys.length, ...keys, field)) as Array<string | null>
      for (const raw of raws) out.push(decode(raw))
    }
    return out
  }
  const listingKey = (of: ListingOf) => (of === 'all' ? k.listing : k.listingOf(of.owner))
  /** Queues, on `target`, the listing of these patents (those already listed keep their place). */
  const list = (target: ChainableCommander, patents: Patent[]) => {
    const keys = [k.listing]
    for (const p of patents) keys.push(k.record(p.publicationNumber), k.listingOf(p.ownerOrgId ?? 'admin'))
    return target.eval(LIST, keys.length, ...keys, ...patents.map(listingPosition))
  }
  return {
    async get(pn) {
      return decodeRecord(await redis.hget(k.record(pn), 'record'))
    },
    getMany: (pns) => fieldOfMany<Patent>(pns, 'record'),
    async putMany(patents, indexing) {
      if (patents.length === 0) return
      const multi = redis.multi()
      // A changed record invalidates its analysed terms until the index job stores new ones.
      for (let i = 0; i < patents.length; i += SCRIPT_BATCH) {
        const part = patents.slice(i, i + SCRIPT_BATCH)
        multi.eval(PUT_RECORDS, part.length, ...part.map((p) => k.record(p.publicationNumber)), ...part.map(encodeRecord))
      }
      const pns = patents.map((p) => p.publicationNumber)
      list(multi, patents)
      if (indexing !== undefined) {
        const note = { ...(indexing.importId === undefined ? {} : { importId: indexing.importId }), publicationNumbers: pns, at: Date.now() }
        multi.hset(k.indexOutbox, indexing.key, JSON.stringify(note))
      }
      await multi.exec()
    },
    async indexingQueued(key) {
      await redis.hdel(k.indexOutbox, key)
    },
    async pendingIndexing(olderThanMs) {
      const before = Date.now() - olderThanMs
      const out: Array<{ key: string; importId?: string; publicationNumbers: string[] }> = []
      let cursor = '0'
      do {
        const [next, flat] = await redis.hscan(k.indexOutbox, cursor, 'COUNT', 500)
        cursor = next
        for (let i = 0; i < flat.length; i += 2) {
          const note = JSON.parse(flat[i + 1]!) as { importId?: string; publicationNumbers: string[]; at: number }
          if (note.at > before) continue
          out.push({ key: flat[i]!, ...(note.importId === undefined ? {} : { importId: note.importId }), publicationNumbers: note.publicationNumbers })
        }
      } while (cursor !== '0')
      return out
    },
    async putTerms(entries) {
      for (let i = 0; i < entries.length; i += SCRIPT_BATCH) {
        const part = entries.slice(i, i + SCRIPT_BATCH)
        await redis.eval(PUT_TERMS, part.length, ...part.map((e) => k.record(e.publicationNumber)), ...part.map((e) => encodeTerms(e.terms)))
      }
    },
    getTerms: (pns) => fieldOfMany<StoredTerms>(pns, 'terms'),
    count() {
      return redis.zcard(k.listing)
    },
    async listing(of, { after, limit }) {
      const positions = await redis.zrevrangebylex(listingKey(of), after === undefined ? '+' : `(${after}`, '-', 'LIMIT', 0, limit + 1)
      const more = positions.length > limit
      const page = more ? positions.slice(0, limit) : positions
      const patents = await fieldOfMany<Patent>(page.map(numberAt), 'record')
      const entries = page.flatMap((position, i) => (patents[i] === undefined ? [] : [{ position, patent: patents[i]! }]))
      return { entries, more, ...(page.length === 0 ? {} : { last: page[page.length - 1]! }) }
    },
    listingSize(of) {
      return redis.zcard(listingKey(of))
    },
    async completeListing() {
      if ((await redis.exists(k.listingComplete)) === 1) return 0
      let added = 0
      let cursor = '0'
      do {
        const [next, pns] = await redis.sscan(k.all, cursor, 'COUNT', 500)
        cursor = next
        if (pns.length === 0) continue
        const check = redis.pipeline()
        for (const pn of pns) check.hexists(k.record(pn), 'listed')
        const listed = ((await check.exec()) ?? []).map(([err, v]) => {
          if (err) throw err
          return v === 1
        })
        const missing = pns.filter((_, i) => !listed[i])
        if (missing.length === 0) continue
        const patents = (await fieldOfMany<Patent>(missing, 'record')).filter((p): p is Patent => p !== undefined)
        if (patents.length > 0) added += Number(await list(redis.pipeline(), patents).exec().then((r) => r?.[0]?.[1] ?? 0))
      } while (cursor !== '0')
      await redis.set(k.listingComplete, new Date().toISOString())
      return added
    },
    async *scan(batchSize) {
      let cursor = '0'
      do {
        const [next, positions] = await redis.zscan(k.listing, cursor, 'COUNT', batchSize)
        cursor = next
        // member, score, member, score …
        const pns: string[] = []
        for (let i = 0; i < positions.length; i += 2) pns.push(numberAt(positions[i]!))
        if (pns.length === 0) continue
        const pipe = redis.pipeline()
        for (const pn of pns) pipe.hmget(k.record(pn), 'record', 'terms')
        const res = (await pipe.exec()) ?? []
        const batch: Array<{ patent: Patent; terms: StoredTerms | undefined }> = []
        for (const [err, value] of res) {
          if (err) throw err
          const [record, terms] = value as [string | null, string | null]
          const patent = decodeRecord(record)
          if (patent !== undefined) batch.push({ patent, terms: decodeTerms(terms) })
        }
        yield batch
      } while (cursor !== '0')
    },
  }
}
