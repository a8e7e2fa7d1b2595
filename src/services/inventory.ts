/**
 * The university inventory: create, read, change and withdraw patents, and bulk import.
 * Writes go to the patent store; indexing (search, matcher) follows in background jobs.
 */
import { randomUUID } from 'node:crypto'
import { assertOwn, type Principal } from '../domain/access.js'
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
}

const BATCH = 500
const MAX_LISTED_REJECTIONS = 1000

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

  const index = (publicationNumbers: string[], importId?: string, jobId?: string) =>
    deps.queue.enqueue(
      'index-patents',
      importId === undefined ? { publicationNumbers } : { importId, publicationNumbers },
      jobId === undefined ? {} : { jobId },
    )

  const mustGet = async (pn: string): Promise<Patent> => {
    const p = await deps.patents.get(pn)
    if (p === undefined) throw new NotFoundError(`patent ${pn}`)
    return p
  }

  /** A patent the caller may change: its own university's, or any for the admin. */
  const mustOwn = async (principal: Principal, pn: string): Promise<Patent> => {
    const p = await mustGet(pn)
    assertOwn(principal, 'patents.update', p.ownerOrgId, `patent ${pn}`)
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

  /** Whether a write by this caller may replace the stored patent. */
  const mayReplace = (principal: Principal, existing: Patent | undefined) =>
    existing === undefined || principal.role === 'admin' || existing.ownerOrgId === principal.orgId

  return {
    /** Listed patents are visible to every role that may read patents; withdrawn ones only to their owner. */
    async get(principal: Principal, pn: string): Promise<Patent> {
      const p = await mustGet(pn)
      if (p.status === 'withdrawn') assertOwn(principal, 'patents.update', p.ownerOrgId, `patent ${pn}`)
      return p
    },

    async create(input: PatentInput, actor: Principal): Promise<Patent> {
      if ((await deps.patents.get(input.publicationNumber)) !== undefined) {
        throw new ConflictError('already_exists', `patent ${input.publicationNumber} already exists; change it with PATCH or re-import it`)
      }
      const patent = buildPatent(input, undefined, actor, now())
      await deps.patents.putMany([patent])
      await recordListed([patent], actor)
      await index([patent.publicationNumber])
      return patent
    },

    async update(actor: Principal, pn: string, patch: PatentPatch): Promise<Patent> {
      const existing = await mustOwn(actor, pn)
      const parsed = patentInputSchema.safeParse({ ...toInput(existing), ...patch, publicationNumber: pn })
      if (!parsed.success) throw new ValidationError('the changed patent is not valid', issuesToDetails(parsed.error.issues, 'body'))
      const patent = { ...buildPatent(parsed.data, existing, actor, now()), status: existing.status }
      await deps.patents.putMany([patent])
      await index([pn])
      return patent
    },

    /** Takes a patent off the market: kept on record, gone from search and matching. */
    async withdraw(actor: Principal, pn: string): Promise<Patent> {
      const existing = await mustOwn(actor, pn)
      const patent: Patent = { ...existing, status: 'withdrawn', updatedAt: now() }
      await deps.patents.putMany([patent])
      await index([pn])
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
        inputs.forEach(({ input, line }, i) => {
          if (mayReplace(actor, existing[i])) patents.push(buildPatent(input, existing[i], actor, stamp))
          else reject(line, [{ path: 'publicationNumber', message: 'this patent is listed by another organisation' }])
        })
        outcome.accepted -= inputs.length - patents.length
        if (patents.length === 0) return
        await deps.patents.putMany(patents)
        await recordListed(
          patents.filter((_, i) => existing[i] === undefined),
          actor,
        )
        await index(
          patents.map((p) => p.publicationNumber),
          importId,
          `${importId}-${batchNo++}`,
        )
      }
      try {
        let seen = 0
        for await (const raw of records) {
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
        await flush().catch(() => undefined)
        await deps.imports.received(importId, outcome.accepted, outcome.rejectedTotal)
        await deps.imports.fail(importId, (err as Error).message)
        throw err
      }
      await deps.imports.received(importId, outcome.accepted, outcome.rejectedTotal)
      return outcome
    },

    async importStatus(principal: Principal, importId: string): Promise<ImportStatus> {
      const s = await deps.imports.get(importId)
      if (s === undefined) throw new NotFoundError(`import ${importId}`)
      assertOwn(principal, 'imports.read', s.ownerOrgId, `import ${importId}`)
      return s
    },
  }
}

export type InventoryService = ReturnType<typeof createInventoryService>
