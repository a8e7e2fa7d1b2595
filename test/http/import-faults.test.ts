/**
 * Uploads that go wrong must not take the process down (issue 12, item 1): a chunked body over
 * IMPORT_MAX_BYTES, an upload the client aborts half way, and a line longer than any record.
 * Real sockets against the listening app; each case is followed by a request that must succeed.
 */
import t from 'tap'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { auth, build, eventually } from '../helper.js'

const record = (i: number) =>
  JSON.stringify({ publicationNumber: `CN9${String(i).padStart(8, '0')}A`, title: `一种示例装置${i}`, abstract: '用于测试上传故障的摘要。' }) + '\n'

t.test('bad uploads are refused and the process lives', async (t) => {
  const h = await build(t, { IMPORT_MAX_BYTES: '20000' })
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (h.app.server.address() as AddressInfo).port
  const alive = async () => (await fetch(`http://127.0.0.1:${port}/health`)).status

  /**
   * A chunked upload: `chunks` written one by one; resolves with the status, or 'aborted'. With
   * `abortAfter`, the client writes that many chunks, waits until `beforeAbort` resolves, and
   * destroys the connection.
   */
  const upload = (chunks: string[], abortAfter?: number, beforeAbort?: () => Promise<unknown>) =>
    new Promise<number | 'aborted'>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/patents/import', headers: { ...auth, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', () => resolve('aborted'))
      for (const c of chunks.slice(0, abortAfter)) req.write(c)
      if (abortAfter === undefined) req.end()
      else void (beforeAbort?.() ?? Promise.resolve()).then(() => req.destroy())
    })
  /** Resolves once the service is reading an upload (its import is receiving). */
  const receiving = () =>
    eventually(async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/imports', headers: auth })
      return (res.json() as { items: Array<{ state: string }> }).items.some((i) => i.state === 'receiving') ? true : undefined
    }, 10_000, 'the upload to be received')

  const big = Array.from({ length: 400 }, (_, i) => record(i))
  t.equal(await upload(big), 413, 'a chunked body over the limit is refused with 413')
  t.equal(await alive(), 200, 'and the process lives')

  // Aborted once the service is reading it (before that, there is no import to speak of).
  t.equal(await upload(big.slice(0, 50), 20, receiving), 'aborted', 'the client aborts half way')
  await new Promise((r) => setTimeout(r, 300))
  t.equal(await alive(), 200, 'and the process lives')
  // The client never got an answer; the import is in the list, and tells the truth.
  const listed = await h.app.inject({ method: 'GET', url: '/v1/imports', headers: auth })
  const cut = (listed.json() as { items: Array<{ state: string; total: number; error?: string }> }).items[0]!
  t.equal(cut.state, 'failed', 'the cut upload is failed, not receiving')
  t.match(cut.error, /^the upload stopped (after line \d+|before any record was read) \(.+\): the \d+ records stored before that are kept and indexed/, 'saying where it stopped and what it kept')

  const longLine = JSON.stringify({ publicationNumber: 'CN900000001A', title: 'x', abstract: 'y'.repeat(15000) })
  const status = await upload([longLine.slice(0, 8000), longLine.slice(8000)])
  t.ok(status === 202 || status === 413, `a long single line is answered (${String(status)}), not a crash`)
  t.equal(await alive(), 200, 'and the process lives')

  const ok = await h.app.inject({ method: 'POST', url: '/v1/patents/import', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: record(1) })
  t.equal(ok.statusCode, 202, 'a good import still works')
})

t.test('a body without line breaks is cut after MAX_LINE_BYTES with a clear 413, not buffered whole', async (t) => {
  const h = await build(t)
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/patents/import',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    // streamed as an upload arrives: the line grows chunk after chunk without a break
    payload: Readable.from([record(2), ...Array.from({ length: 80 }, () => 'x'.repeat(2 ** 16))]),
  })
  t.equal(res.statusCode, 413)
  t.equal(res.json().error.code, 'payload_too_large')
  t.match(res.json().error.message, /line 2 is longer than 4 MiB: is the file one record a line\? (no record was read|lines 1–1 were read)/)
  t.ok(res.body.length < 2000, 'the answer does not echo the line')
  t.equal((await h.app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})

t.test('patents stored by a process that died before queueing their indexing are indexed by the reconciliation', async (t) => {
  const h = await build(t, { RECONCILE_AFTER_MS: '1000' })
  const { buildPatent } = await import('../../src/services/inventory.js')
  const patent = buildPatent({ publicationNumber: 'CN300000001A', title: '一种孤儿专利的索引装置', abstract: '存储后进程退出，索引任务从未入队。' }, undefined, { role: 'admin' }, new Date().toISOString())
  // Exactly what the store holds when a process dies between storing a batch and queueing it.
  await h.container.stores.patents.putMany([patent], { key: 'orphan-batch' })
  t.notOk(h.container.matchIndex!.has('CN300000001A'), 'stored, but in no matcher')
  t.equal((await h.container.stores.patents.pendingIndexing(0)).length, 1, 'the store noted the batch as not yet queued')
  // The periodic repair (every RECONCILE_AFTER_MS) finds it by itself.
  await eventually(async () => (h.container.matchIndex!.has('CN300000001A') ? true : undefined), 20_000, 'the patent to reach the matcher')
  t.same(await h.container.stores.patents.pendingIndexing(0), [], 'and nothing is left to repair')
  t.equal((await h.container.services.indexing.reconcile()).requeued, 0, 'a further pass queues nothing')
})
