/**
 * One analysis thread: builds its own analyser and matcher (only for `analyzePatent`) and
 * answers batches posted by the pool in `./index.ts`.
 */
import { parentPort } from 'node:worker_threads'
import { loadAnalysisResources } from '../../../search-config/analysis.js'
import { MatchIndex } from '../../domain/matching/index.js'
import { createAnalyzer } from '../../domain/text/analyzer.js'
import { TermBatch } from '../../domain/text/term-batch.js'
import type { PoolReply, PoolRequest } from './protocol.js'

const port = parentPort
if (port === null) throw new Error('analysis-pool/thread.ts runs only as a worker thread')
const matcher = new MatchIndex(createAnalyzer(loadAnalysisResources()))

port.on('message', (req: PoolRequest) => {
  let reply: PoolReply
  try {
    // one vocabulary for the chunk, built here: only its strings are cloned to the main thread
    const b = TermBatch.of(req.patents.map((p) => matcher.analyzePatent(p)))
    const terms = { vocab: b.vocab, positions: b.positions, starts: b.starts, present: b.present }
    port.postMessage({ id: req.id, terms } satisfies PoolReply, [b.positions.buffer, b.starts.buffer, b.present.buffer] as ArrayBuffer[])
    return
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(reply)
})
port.postMessage({ id: 0, ready: true } satisfies PoolReply)
