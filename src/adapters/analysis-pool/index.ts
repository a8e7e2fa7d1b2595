/**
 * A pool of worker threads that run the matcher's text analysis (`analyzePatent`: jieba and
 * the stemmer) for batches of patents, so that an import's index jobs analyse on every core
 * instead of on the event loop's one.
 *
 * Threads start on first use (a process that never indexes a large batch never starts them);
 * batches smaller than `minBatch` are analysed in the calling thread, where a round trip would
 * cost more than it saves. Each thread loads its own jieba dictionary (about 60 MB). A thread
 * that fails is replaced on the next batch; if threads cannot start at all (e.g. TypeScript
 * cannot be loaded in them) the pool analyses in the calling thread from then on. Either way
 * the results are those of `analyzePatent`.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { AnalyzedPatent } from '../../domain/matching/index.js'
import { TermBatch } from '../../domain/text/term-batch.js'
import type { AnalysisInput, PoolReply, PoolRequest } from './protocol.js'

export type { AnalysisInput } from './protocol.js'

export interface AnalysisPoolOptions {
  /** The in-process analysis (`matchIndex.analyzePatent`), for small batches and as the fallback. */
  local: (p: AnalysisInput) => AnalyzedPatent
  /** Threads; default the number of CPUs, at most 2. */
  threads?: number
  /** Batches with fewer patents are analysed in the calling thread. Default 64. */
  minBatch?: number
  /** Told when a thread fails or cannot start (the batch is then analysed in the calling thread). */
  onError?: (err: Error) => void
}

export interface AnalysisPool {
  readonly threads: number
  /** Terms of each patent, in order (patent i of the batch): the same as `analyzePatent` of each. */
  analyze(patents: AnalysisInput[]): Promise<TermBatch>
  /** Stops the threads; later calls analyse in the calling thread. */
  close(): Promise<void>
}

interface Pending {
  resolve: (a: TermBatch) => void
  reject: (e: Error) => void
  size: number
}

interface Slot {
  worker: Worker
  ready: Promise<void>
  pending: Map<number, Pending>
  load: number
}

const THREAD_URL = new URL('./thread-entry.mjs', import.meta.url)
/**
 * A thread's young generation (semi-spaces of 64 MB, as `npm start` gives the main thread): a
 * batch's analyses live until its reply, and with V8's default 16 MB a scavenge copies them
 * several times; measured at 100k patents, the threads' scavenges took a quarter as long.
 */
const YOUNG_GENERATION_MB = 192

export function createAnalysisPool(options: AnalysisPoolOptions): AnalysisPool {
  const threads = Math.max(1, options.threads ?? Math.min(2, availableParallelism()))
  const minBatch = options.minBatch ?? 64
  const slots: Array<Slot | undefined> = new Array(threads).fill(undefined)
  let nextId = 1
  let closed = false
  let broken = false

  const fail = (slot: Slot, i: number, err: Error): void => {
    if (slots[i] === slot) slots[i] = undefined
    for (const p of slot.pending.values()) p.reject(err)
    slot.pending.clear()
    void slot.worker.terminate()
  }

  const spawn = (i: number): Slot => {
    // No other inherited flags: V8 flags such as --expose-gc are refused by workers, and the entry
    // registers tsx itself (the parent's `--import tsx` does not reach a worker on Node 20).
    let worker: Worker
    try {
      // --cpu-prof and its options are passed on, so that a profiled process profiles its threads too
      worker = new Worker(THREAD_URL, { execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')), resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } })
    } catch (err) {
      broken = true
      throw err
    }
    let started = false
    let markReady!: () => void
    let markFailed!: (e: Error) => void
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve
      markFailed = reject
    })
    ready.catch(() => undefined)
    const slot: Slot = { worker, ready, pending: new Map(), load: 0 }
    worker.on('message', (reply: PoolReply) => {
      if ('ready' in reply) {
        started = true
        // idle threads do not keep the process alive; a batch refs its thread until answered
        if (slot.pending.size === 0) worker.unref()
        markReady()
        return
      }
      const p = slot.pending.get(reply.id)
      if (p === undefined) return
      slot.pending.delete(reply.id)
      slot.load -= p.size
      if (slot.pending.size === 0) worker.unref()
      if ('error' in reply) p.reject(new Error(`analysis thread: ${reply.error}`))
      else p.resolve(new TermBatch(reply.terms))
    })
    const onDeath = (err: Error): void => {
      if (!started) {
        // cannot start threads here: analyse in the calling thread from now on
        broken = true
        markFailed(err)
      }
      fail(slot, i, err)
    }
    worker.on('error', onDeath)
    worker.on('exit', (code) => {
      if (!closed) onDeath(new Error(`analysis thread exited with code ${code}`))
    })
    return slot
  }

  const run = async (chunk: AnalysisInput[]): Promise<TermBatch> => {
    // the least loaded thread, started if need be
    let best = 0
    for (let i = 0; i < threads; i++) {
      slots[i] ??= spawn(i)
      if (slots[i]!.load < slots[best]!.load) best = i
    }
    const slot = slots[best]!
    slot.load += chunk.length
    await slot.ready
    const id = nextId++
    return new Promise<TermBatch>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, size: chunk.length })
      slot.worker.ref()
      const req: PoolRequest = {
        id,
        // only the fields analysed: nothing else crosses the thread boundary
        patents: chunk.map((p) => ({ title: p.title, abstract: p.abstract, keywords: p.keywords, ...(p.claims ? { claims: p.claims } : {}) })),
      }
      slot.worker.postMessage(req)
    })
  }

  return {
    threads,
    async analyze(patents) {
      const local = (list: AnalysisInput[]) => TermBatch.of(list.map(options.local))
      if (closed || broken || patents.length < minBatch) return local(patents)
      const parts = Math.min(threads, Math.ceil(patents.length / minBatch))
      const size = Math.ceil(patents.length / parts)
      const chunks: AnalysisInput[][] = []
      for (let i = 0; i < patents.length; i += size) chunks.push(patents.slice(i, i + size))
      const results = await Promise.all(
        chunks.map((chunk) =>
          run(chunk).catch((err: Error) => {
            options.onError?.(err)
            return local(chunk)
          }),
        ),
      )
      return TermBatch.concat(results)
    },
    async close() {
      closed = true
      const all = slots.filter((s): s is Slot => s !== undefined)
      slots.fill(undefined)
      for (const s of all) for (const p of s.pending.values()) p.reject(new Error('analysis pool closed'))
      await Promise.all(all.map((s) => s.worker.terminate()))
    },
  }
}
