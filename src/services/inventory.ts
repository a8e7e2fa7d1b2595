/**
 * The university inventory: create, read, list, change, withdraw and re-list patents, and bulk import.
 * Writes go to the patent store; indexing (search, matcher) follows in background jobs.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { authorize, listScope, permits, type Principal } from '../domain/access.js'
import { ConflictError, DomainError, issuesToDetails, NotFoundError, ValidationError, type ErrorDetail } from '../domain/errors.js'
import {
  patentInputSchema,
  type LegalStatus,
  type Patent,
  type PatentInput,
  type PatentPatch,
  type TransferMode,
} from '../domain/patent.js'
import { cursorCodec, type Page } from '../domain/paging.js'
import type { ImportOutcome, ImportStatus, RawRecord, RejectedRow } from '../domain/imports.js'
import type { ImportStore, ListingOf, PatentStore, ProgrammeLog } from '../domain/ports.js'
import { detectLanguage } from '../domain/text/analyzer.js'
import type { JobQueue } from '../jobs.js'

export interface ImportOptions {
  mode?: 'merge' | 'replace'
  /** The file's columns as written, once the reader has met them (kept with the rejected rows). */
  header?: () => string[] | undefined
  /** A rejected record's problems (default: the schema's messages). */
  describe?: (issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>, value: Record<string, unknown>) => ErrorDetail[]
}

/** Whether two versions of a patent say the same (bookkeeping aside). */
function sameContent(a: Patent, b: Patent): boolean {
  const { updatedAt: _a, ...ra } = a
  const { updatedAt: _b, ...rb } = b
  const canon = (o: object) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y))))
  return canon(ra) === canon(rb)
}

export interface InventoryDeps {
  /** The programme's record (patents-listed events feed the per-university figures). */
  programme: Pick<ProgrammeLog, 'appendMany'>
  patents: PatentStore
  imports: ImportStore
  queue: JobQueue
  now?: () => Date
  maxRecords: number
  /**
   * An upload silent for this long is taken for one whose process stopped (reconciliation marks
   * it failed); a live upload says it is alive six times as often.
   */
  aliveMs: number
  /** Patents a filtered inventory page reads at most (LIST_SCAN_BUDGET). */
  listScanBudget?: number
}

const BATCH = 500
const MAX_LISTED_REJECTIONS = 1000
/**
 * Rejected rows kept for the download: enough for any office's worst file, bounded so that a
 * file of garbage cannot fill Redis. A cell is kept up to Excel's own limit of a cell.
 */
const MAX_KEPT_REJECTIONS = 20_000
const MAX_KEPT_BYTES = 32 * 2 ** 20
const MAX_CELL = 32_767

/** Patents a filtered inventory page reads at most, and how many at a time. */
export const LIST_SCAN_BUDGET = 2000
const LIST_SCAN_BATCH = 200

/** The inventory's cursor: a position in the store's listing. */
export const inventoryCursor = cursorCodec(z.string().min(1).max(300))

/** What a page of the inventory asks for; `cursor` is decoded (see `inventoryCursor`). */
export interface PatentListQuery {
  limit: number
  cursor?: string
  /** The admin: one organisation's patents (`admin`: its own). For a university, its own id or nothing. */
  owner?: string
  status?: Patent['status']
  legalStatus?: LegalStatus
  transferMode?: TransferMode
  /** An IPC prefix at any level (G06F, G06F16, G06F16/35). */
  ipc?: string
  /** Text in the title, publication number or application number (case and width ignored). */
  q?: string
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase()

/** The filters of a list query as one test; undefined when there are none. */
function listFilter(query: PatentListQuery): ((p: Patent) => boolean) | undefined {
  const tests: Array<(p: Patent) => boolean> = []
  if (query.status !== undefined) tests.push((p) => p.status === query.status)
  if (query.legalStatus !== undefined) tests.push((p) => p.legalStatus === query.legalStatus)
  if (query.transferMode !== undefined) tests.push((p) => p.transferModes.includes(query.transferMode!))
  if (query.ipc !== undefined) {
    const prefix = query.ipc.toUpperCase().replace(/\s+/g, '')
    tests.push((p) => p.ipc.some((c) => c.toUpperCase().startsWith(prefix)))
  }
  const q = fold(query.q ?? '').trim()
  if (q !== '') {
    const compact = q.replace(/\s+/g, '')
    tests.push((p) => fold(p.title).includes(q) || fold(p.publicationNumber).includes(compact) || (p.applicationNumber !== undefined && fold(p.applicationNumber).includes(compact)))
  }
  return tests.length === 0 ? undefined : (p) => tests.every((test) => test(p))
}

/** Why an import stopped while its body was read, and what it leaves. */
export function cutOff(reason: string, line: number, stored: number): string {
  const read = line === 0 ? 'before any record was read' : `after line ${line}`
  return (
    `the upload stopped ${read} (${reason}): the ${stored} records stored before that are kept and indexed; ` +
    'send the file again to import the rest (records already stored are updated, not duplicated)'
  )
}

export function buildPatent(input: PatentInput, existing: Patent | undefined, actor: Principal, now: string): Patent {
  const patent: Patent = {
    publicationNumber: input.publicationNumber,
    title: input.title,
    abstract: input.abstract,
    keywords: input.keywords ?? [],
    ipc: [...new Set(input.ipc ?? [])],
    applicants: input.applicants ?? [],
    inventors: input.inventors ?? [],
    language: input.language ?? detectLanguage(`${input.title} ${input.abstract}`),
    legalStatus: input.legalStatus ?? 'pending',
    transferModes: [...new Set(input.transferModes ?? [])],
    status: 'listed',
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  }
  for (const key of ['applicationNumber', 'claims', 'filingDate', 'publicationDate', 'grantDate', 'expiryDate'] as const) {
    const v = input[key]
    if (v !== undefined) patent[key] = v
  }
  if (input.maturity !== undefined) patent.maturity = input.maturity
  if (input.officeGrade !== undefined) patent.officeGrade = input.officeGrade
  const owner = existing?.ownerOrgId ?? actor.orgId
  if (owner !== undefined) patent.ownerOrgId = owner
  return patent
}

function toInput(p: Patent): PatentInput {
  const { status: _s, ownerOrgId: _o, createdAt: _c, updatedAt: _u, ...rest } = p
  return { ...rest, language: p.language === 'mixed' ? undefined : p.language } as PatentInput
}

export function createInventoryService(deps: InventoryDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString()

  /**
   * Stores patents and queues their index job. The store notes the batch in the same write and
   * the note goes once the job is queued, so a process dying in between loses nothing: the
   * indexing service's reconciliation queues what such a note names.
   */
  const readableImport = async (principal: Principal, importId: string): Promise<ImportStatus> => {
    const s = await deps.imports.get(importId)
    if (s === undefined) throw new NotFoundError(`import ${importId}`)
    await authorize(principal, 'imports.read', { ...s, kind: 'import' })
    return s
  }

  const storeAndIndex = async (patents: Patent[], importId?: string, key = `write-${randomUUID()}`) => {
    await deps.patents.putMany(patents, importId === undefined ? { key } : { key, importId })
    const publicationNumbers = patents.map((p) => p.publicationNumber)
    await deps.queue.enqueue('index-patents', importId === undefined ? { publicationNumbers } : { importId, publicationNumbers }, { jobId: key })
    await deps.patents.indexingQueued(key)
  }

  const mustGet = async (pn: string): Promise<Patent> => {
    const p = await deps.patents.get(pn)
    if (p === undefined) throw new NotFoundError(`patent ${pn}`)
    return p
  }

  /** The patent, when the caller may take `action` on it; 404 otherwise, as for a missing one. */
  const authorized = async (principal: Principal, action: 'patents.read' | 'patents.update' | 'patents.withdraw' | 'patents.relist', pn: string): Promise<Patent> => {
    const p = await mustGet(pn)
    await authorize(principal, action, { ...p, kind: 'patent' })
    return p
  }

  /**
   * First listings go on the programme's record, under the listing university's province: one
   * event for the patents of one university listed at one time (a batch), not one a patent
   * (143 bytes of Redis a patent, and 1.35 million events for the figures to read).
   */
  const recordListed = (patents: Patent[], actor: Principal) => {
    const batches = new Map<string, { at: string; universityOrgId: string; publicationNumbers: string[] }>()
    for (const p of patents) {
      const universityOrgId = p.ownerOrgId ?? 'admin'
      const key = `${universityOrgId}\u0000${p.createdAt}`
      const batch = batches.get(key) ?? { at: p.createdAt, universityOrgId, publicationNumbers: [] }
      batch.publicationNumbers.push(p.publicationNumber)
      batches.set(key, batch)
    }
    return deps.programme.appendMany(
      [...batches.values()].map((b) => ({
        type: 'patents-listed' as const,
        ...b,
        ...(actor.province === undefined ? {} : { province: actor.province }),
        ...(actor.provinceCode === undefined ? {} : { provinceCode: actor.provinceCode }),
      })),
    )
  }

  return {
    /** Listed patents are visible to every role that may read patents; withdrawn ones only to their owner. */
    get: (principal: Principal, pn: string) => authorized(principal, 'patents.read', pn),

    async create(input: PatentInput, actor: Principal): Promise<Patent> {
      if ((await deps.patents.get(input.publicationNumber)) !== undefined) {
        throw new ConflictError('already_exists', `patent ${input.publicationNumber} already exists; change it with PATCH or re-import it`)
      }
      const patent = buildPatent(input, undefined, actor, now())
      await storeAndIndex([patent])
      await recordListed([patent], actor)
      return patent
    },

    async update(actor: Principal, pn: string, patch: PatentPatch): Promise<Patent> {
      const existing = await authorized(actor, 'patents.update', pn)
      const parsed = patentInputSchema.safeParse({ ...toInput(existing), ...patch, publicationNumber: pn })
      if (!parsed.success) throw new ValidationError('the changed patent is not valid', issuesToDetails(parsed.error.issues, 'body'))
      const patent = { ...buildPatent(parsed.data, existing, actor, now()), status: existing.status }
      await storeAndIndex([patent])
      return patent
    },

    /** Takes a patent off the market: kept on record, gone from search and matching. */
    async withdraw(actor: Principal, pn: string): Promise<Patent> {
      const existing = await authorized(actor, 'patents.withdraw', pn)
      const patent: Patent = { ...existing, status: 'withdrawn', updatedAt: now() }
      await storeAndIndex([patent])
      return patent
    },

    /** Puts a withdrawn patent back on the market: searchable and matched again. Listing a listed one changes nothing. */
    async relist(actor: Principal, pn: string): Promise<Patent> {
      const existing = await authorized(actor, 'patents.relist', pn)
      if (existing.status === 'listed') return existing
      const patent: Patent = { ...existing, status: 'listed', updatedAt: now() }
      await storeAndIndex([patent])
      return patent
    },

    /**
     * The inventory page by page, newest first: a university's own patents, or (the admin) all or
     * one owner's. Without filters a page costs one read of `limit` patents and says the total;
     * with filters the listing is read on in batches until `limit` patents match or the scan
     * budget (LIST_SCAN_BUDGET) has been looked at, and the cursor goes on from where the reading stopped
     * (a page may then hold fewer than `limit`, even none, and still have a next one).
     */
    async list(principal: Principal, query: PatentListQuery): Promise<Page<Patent>> {
      const scope = listScope(principal, 'patents.list')
      let of: ListingOf
      if (scope === 'all') of = query.owner === undefined ? 'all' : { owner: query.owner }
      else if (query.owner !== undefined && query.owner !== scope.orgId) return { items: [], total: 0 }
      else of = { owner: scope.orgId }
      const keep = listFilter(query)
      if (keep === undefined) {
        const [page, total] = await Promise.all([
          deps.patents.listing(of, { ...(query.cursor === undefined ? {} : { after: query.cursor }), limit: query.limit }),
          deps.patents.listingSize(of),
        ])
        return { items: page.entries.map((e) => e.patent), total, ...(page.more && page.last !== undefined ? { nextCursor: inventoryCursor.encode(page.last) } : {}) }
      }
      const budget = deps.listScanBudget ?? LIST_SCAN_BUDGET
      const items: Patent[] = []
      let after = query.cursor
      let scanned = 0
      for (;;) {
        const want = Math.min(LIST_SCAN_BATCH, budget - scanned)
        const page = await deps.patents.listing(of, { ...(after === undefined ? {} : { after }), limit: want })
        scanned += want
        for (const { patent, position } of page.entries) {
          if (!keep(patent)) continue
          items.push(patent)
          // Full: the next page starts after this patent, when anything follows it.
          if (items.length === query.limit) return { items, ...(page.more || position !== page.last ? { nextCursor: inventoryCursor.encode(position) } : {}) }
        }
        if (!page.more || page.last === undefined) return { items }
        after = page.last
        if (scanned >= budget) return { items, nextCursor: inventoryCursor.encode(after) }
      }
    },

    /**
     * Streams records from a reader, storing valid ones in batches as they come (upsert on
     * publicationNumber) and collecting each invalid one with its line and field paths.
     * `merge` (the default) changes the fields a record gives and keeps the others; `replace`
     * makes the stored patent exactly the record. Records that change nothing are not stored
     * again; a publication number met twice in one file is a warning (the later line wins).
     */
    async importRecords(records: AsyncIterable<RawRecord>, actor: Principal, options: ImportOptions = {}): Promise<ImportOutcome> {
      const mode = options.mode ?? 'merge'
      const describe = options.describe ?? ((issues) => issuesToDetails(issues))
      const importId = randomUUID()
      const status: ImportStatus = { importId, state: 'receiving', total: 0, indexed: 0, rejected: 0, createdAt: now() }
      if (actor.orgId !== undefined) status.ownerOrgId = actor.orgId
      await deps.imports.create(status)
      const outcome: ImportOutcome = { importId, mode, accepted: 0, created: 0, updated: 0, unchanged: 0, rejected: [], rejectedTotal: 0, warnings: [] }
      let kept: RejectedRow[] = []
      let keptRows = 0
      let keptBytes = 0
      const reject = (line: number, errors: ErrorDetail[], original: string[] = []) => {
        outcome.rejectedTotal++
        if (outcome.rejected.length < MAX_LISTED_REJECTIONS) outcome.rejected.push({ line, errors })
        const cells = original.map((c) => c.slice(0, MAX_CELL))
        const size = cells.reduce((n, c) => n + c.length, 0)
        if (keptRows >= MAX_KEPT_REJECTIONS || keptBytes + size > MAX_KEPT_BYTES) return
        keptRows++
        keptBytes += size
        kept.push({ line, cells, errors })
      }
      const keepRejected = async () => {
        const rows = kept
        kept = []
        await deps.imports.keepRejected(importId, rows, options.header?.())
      }
      /** Records stored (and so to be indexed) so far. */
      let stored = 0
      const firstLine = new Map<string, number>()
      let batch = new Map<string, { input: PatentInput; line: number; original: string[] | undefined }>()
      let batchNo = 0
      const flush = async () => {
        if (batch.size === 0) return
        const inputs = [...batch.values()]
        batch = new Map()
        await keepRejected()
        const existing = await deps.patents.getMany(inputs.map((b) => b.input.publicationNumber))
        const stamp = now()
        const changed: Patent[] = []
        const listed: Patent[] = []
        for (const [i, { input, line, original }] of inputs.entries()) {
          const before = existing[i]
          // a new record becomes the importer's; a stored one is replaced only by its owner (or the admin)
          if (before !== undefined && !(await permits(actor, 'patents.import', { ...before, kind: 'patent' }))) {
            outcome.accepted--
            reject(line, [{ path: 'publicationNumber', message: 'this patent is listed by another organisation', zh: '这件专利由另一家机构登记，不能修改' }], original)
            continue
          }
          const merged = before !== undefined && mode === 'merge' ? { ...toInput(before), ...input } : input
          const patent = buildPatent(merged, before, actor, stamp)
          if (before === undefined) {
            outcome.created++
            listed.push(patent)
          } else if (sameContent(before, patent)) {
            outcome.unchanged++
            continue
          } else outcome.updated++
          changed.push(patent)
        }
        if (changed.length === 0) return
        await storeAndIndex(changed, importId, `${importId}-${batchNo++}`)
        stored += changed.length
        await recordListed(listed, actor)
        await deps.imports.progress(importId, stored, outcome.rejectedTotal)
      }
      // A slow upload still says it is alive between batches: reconciliation fails only
      // uploads whose process is gone.
      const heartbeat = setInterval(() => {
        void deps.imports.progress(importId, stored, outcome.rejectedTotal).catch(() => undefined)
      }, deps.aliveMs / 6)
      let line = 0
      try {
        let seen = 0
        for await (const raw of records) {
          line = raw.line
          if ('errors' in raw) {
            reject(raw.line, raw.errors, raw.original)
            continue
          }
          if (++seen > deps.maxRecords) {
            reject(raw.line, [{ path: '(row)', message: `over the limit of ${deps.maxRecords} records a request: send the rest in another import`, zh: `一次最多导入 ${deps.maxRecords} 条，其余请另行导入` }], raw.original)
            continue
          }
          const parsed = patentInputSchema.safeParse(raw.value)
          if (!parsed.success) {
            reject(raw.line, describe(parsed.error.issues, raw.value), raw.original)
            continue
          }
          const pn = parsed.data.publicationNumber
          const first = firstLine.get(pn)
          if (first !== undefined) {
            outcome.warnings.push({
              line: raw.line,
              message: `${pn} is also on line ${first}: the later line is kept`,
              zh: `${pn} 与第 ${first} 行重复，以后一行为准`,
            })
            if (batch.has(pn)) outcome.accepted--
          }
          firstLine.set(pn, raw.line)
          batch.set(pn, { input: parsed.data, line: raw.line, original: raw.original })
          outcome.accepted++
          if (batch.size >= BATCH) await flush()
        }
        await flush()
        await keepRejected()
      } catch (err) {
        // What was stored stays stored and is indexed; the import records why it stopped.
        clearInterval(heartbeat)
        await flush().catch(() => undefined)
        await keepRejected().catch(() => undefined)
        await deps.imports.progress(importId, stored, outcome.rejectedTotal)
        // A file refused as a whole says why; an upload cut short says where and what it kept.
        await deps.imports.fail(importId, err instanceof DomainError && stored === 0 ? err.message : cutOff((err as Error).message, line, stored))
        throw err
      } finally {
        clearInterval(heartbeat)
      }
      if (outcome.accepted === 0 && outcome.rejectedTotal === 0) {
        await deps.imports.fail(importId, 'the file holds no records')
        throw new ValidationError('the file holds no records: nothing to import', [{ path: 'body', message: 'no records', zh: '文件中没有记录' }])
      }
      const { accepted, created, updated, unchanged } = outcome
      await deps.imports.received(importId, stored, outcome.rejectedTotal, { accepted, created, updated, unchanged })
      return outcome
    },

    /** The caller's imports, newest first (an upload cut off before its answer is found here). */
    async listImports(principal: Principal, limit: number): Promise<ImportStatus[]> {
      return deps.imports.listOf(principal.orgId ?? 'admin', limit)
    },

    /** An import's rejected rows as the file had them, with the file's header: for the office to correct and send again. */
    async rejectedRows(principal: Principal, importId: string): Promise<{ header?: string[]; rows: RejectedRow[]; total: number }> {
      const s = await readableImport(principal, importId)
      return { ...(await deps.imports.rejectedRows(importId)), total: s.rejected }
    },

    importStatus: readableImport,
  }
}

export type InventoryService = ReturnType<typeof createInventoryService>
