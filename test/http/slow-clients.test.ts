/**
 * Slow and greedy clients (issue 12, item 2): connections per address are bounded, and a client
 * that never finishes its headers is cut off. Real sockets against the listening app.
 */
import t from 'tap'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { build } from '../helper.js'

const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s))
    s.on('error', reject)
  })
/** Resolves when the server closes the socket, with what it sent; rejects after `ms`. */
const closed = (s: Socket, ms: number) =>
  new Promise<string>((resolve, reject) => {
    let got = ''
    s.on('data', (d) => (got += d.toString()))
    s.on('close', () => resolve(got))
    setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms).unref()
  })

t.test('one address holds at most HTTP_MAX_CONNECTIONS_PER_ADDRESS connections', async (t) => {
  const h = await build(t, { HTTP_MAX_CONNECTIONS_PER_ADDRESS: '3' })
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (h.app.server.address() as AddressInfo).port
  const held = [await open(port), await open(port), await open(port)]
  const fourth = await open(port)
  t.equal(await closed(fourth, 2000), '', 'the fourth is closed at once, unanswered')
  held[0]!.destroy()
  await new Promise((r) => setTimeout(r, 100))
  const res = await fetch(`http://127.0.0.1:${port}/health`)
  t.equal(res.status, 200, 'once one closes, a new client is served')
  for (const s of held) s.destroy()
})

t.test('headers that never end are cut off after HTTP_HEADERS_TIMEOUT_MS', async (t) => {
  const h = await build(t, { HTTP_HEADERS_TIMEOUT_MS: '1000' })
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (h.app.server.address() as AddressInfo).port
  const slow = await open(port)
  slow.write('GET /health HTTP/1.1\r\nHost: x\r\n')
  const answer = await closed(slow, 5000)
  t.match(answer, /^HTTP\/1\.1 408/, 'answered 408 and closed')
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'others are served')
})
