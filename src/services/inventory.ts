/**
 * The university inventory: create, read, change and withdraw patents, and bulk import.
 * Writes go to the patent store; indexing (search, matcher) follows in background jobs.
 */
import { randomUUID } from 'node:crypto'
import { authorize, permits, type Principal } from '../domain/access.js'
import { ConflictError, issuesToDetails, NotFoundError, ValidationError, type ErrorDetail } from '../domain/errors.js'
import {
  patentInputSchema,
  type Patent,
  type PatentInput,
  type PatentPatch,
} from '../domain/patent.js'
import type { ImportStatus, ImportStore, JobQueue, PatentStore, ProgrammeLog } from '../domain/ports.js'
import { detectLanguage } from '../domain/text/analyzer.js'
import type { RawRecord } from '../adapters/import-formats.js'

export interface ImportOutcome {
  importId: string
  accepted: number
  rejected: Array<{ line: number; errors: ErrorDetail[] }>
  /** Rejected records in all; `rejected` lists at most the first 1,000. */
  rejectedTotal: number
}

export interface InventoryDeps {
  /** The programme's record (patent-listed events feed the per-university figures). */
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
}

const BATCH = 500
const MAX_LISTED_REJECTIONS = 1000

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
  for (const key of ['claims', 'filingDate', 'grantDate', 'expiryDate'] as const) {
    const v = input[key]
    if (v !== undefined) patent[key] = v
  }
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
  const authorized = async (principal: Principal, action: 'patents.read' | 'patents.update' | 'patents.withdraw', pn: string): Promise<Patent> => {
    const p = await mustGet(pn)
    await authorize(principal, action, { ...p, kind: 'patent' })
    return p
  }

  /** First listings go on the programme's record, under the listing university's province. */
  const recordListed = (patents: Patent[], actor: Principal) =>
    deps.programme.appendMany(
      patents.map((p) => ({
        type: 'patent-listed' as const,
        at: p.createdAt,
        publicationNumber: p.publicationNumber,
        universityOrgId: p.ownerOrgId ?? 'admin',
        ...(actor.province === undefined ? {} : { province: actor.province }),
      })),
    )

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

    /**
     * Streams records from a reader, storing valid ones in batches as they come (upsert on
     * publicationNumber) and collecting each invalid one with its line and field paths.
     */
    async importRecords(records: AsyncIterable<RawRecord>, actor: Principal): Promise<ImportOutcome> {
      const importId = randomUUID()
      const status: ImportStatus = { importId, state: 'receiving', total: 0, indexed: 0, rejected: 0, createdAt: now() }
      if (actor.orgId !== undefined) status.ownerOrgId = actor.orgId
      await deps.imports.create(status)
      const outcome: ImportOutcome = { importId, accepted: 0, rejected: [], rejectedTotal: 0 }
      const reject = (line: number, errors: ErrorDetail[]) => {
        outcome.rejectedTotal++
        if (outcome.rejected.length < MAX_LISTED_REJECTIONS) outcome.rejected.push({ line, errors })
      }
      let batch: Array<{ input: PatentInput; line: number }> = []
      let batchNo = 0
      const flush = async () => {
        if (batch.length === 0) return
        const inputs = batch
        batch = []
        const existing = await deps.patents.getMany(inputs.map((b) => b.input.publicationNumber))
        const stamp = now()
        const patents: Patent[] = []
        for (const [i, { input, line }] of inputs.entries()) {
          const stored = existing[i]
          // a new record becomes the importer's; a stored one is replaced only by its owner (or the admin)
          const mayReplace = stored === undefined || (await permits(actor, 'patents.import', { ...stored, kind: 'patent' }))
          if (mayReplace) patents.push(buildPatent(input, stored, actor, stamp))
          else reject(line, [{ path: 'publicationNumber', message: 'this patent is listed by another organisation' }])
        }
        outcome.accepted -= inputs.length - patents.length
        if (patents.length === 0) return
        await storeAndIndex(patents, importId, `${importId}-${batchNo++}`)
        await recordListed(
          patents.filter((_, i) => existing[i] === undefined),
          actor,
        )
        await deps.imports.progress(importId, outcome.accepted, outcome.rejectedTotal)
      }
      // A slow upload still says it is alive between batches: reconciliation fails only
      // uploads whose process is gone.
      const heartbeat = setInterval(() => {
        void deps.imports.progress(importId, outcome.accepted - batch.length, outcome.rejectedTotal).catch(() => undefined)
      }, deps.aliveMs / 6)
      let line = 0
      try {
        let seen = 0
        for await (const raw of records) {
          line = raw.line
          if ('errors' in raw) {
            reject(raw.line, raw.errors)
            continue
          }
          if (++seen > deps.maxRecords) {
            reject(raw.line, [{ path: '(row)', message: `over the limit of ${deps.maxRecords} records a request: send the rest in another import` }])
            continue
          }
          const parsed = patentInputSchema.safeParse(raw.value)
          if (!parsed.success) {
            reject(raw.line, issuesToDetails(parsed.error.issues))
            continue
          }
          batch.push({ input: parsed.data, line: raw.line })
          outcome.accepted++
          if (batch.length >= BATCH) await flush()
        }
        await flush()
      } catch (err) {
        // What was stored stays stored and is indexed; the import records why it stopped.
        clearInterval(heartbeat)
        await flush().catch(() => undefined)
        const stored = outcome.accepted - batch.length
        await deps.imports.progress(importId, stored, outcome.rejectedTotal)
        await deps.imports.fail(importId, cutOff((err as Error).message, line, stored))
        throw err
      } finally {
        clearInterval(heartbeat)
      }
      await deps.imports.received(importId, outcome.accepted, outcome.rejectedTotal)
      return outcome
    },

    /** The caller's imports, newest first (an upload cut off before its answer is found here). */
    async listImports(principal: Principal, limit: number): Promise<ImportStatus[]> {
      return deps.imports.listOf(principal.orgId ?? 'admin', limit)
    },

    async importStatus(principal: Principal, importId: string): Promise<ImportStatus> {
      const s = await deps.imports.get(importId)
      if (s === undefined) throw new NotFoundError(`import ${importId}`)
      await authorize(principal, 'imports.read', { ...s, kind: 'import' })
      return s
    },
  }
}

export type InventoryService = ReturnType<typeof createInventoryService>
