/**
 * Requests that Node's parser or Fastify's router refuse before any route runs: each is answered
 * in the contract's error shape, and under /v1 only after the key is checked. Sent over a raw
 * socket where the HTTP client would fix the request first.
 */
import t from 'tap'
import { connect, type AddressInfo } from 'node:net'
import { ADMIN, build } from '../helper.js'

/** Writes a request as given, byte for byte, and reads the answer to the end. */
function raw(port: number, request: Buffer | string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (c: string) => (data += c))
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)))
    socket.on('close', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: rest.join('\r\n\r\n') })
    })
  })
}

const shape = /^\{"error":\{"code":"[a-z_]+","message":"[^"]+","details":\[/

t.test('refused before routing, answered in the contract’s shape', async (t) => {
  const h = await build(t)
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (h.app.server.address() as AddressInfo).port
  const get = (path: string | Buffer, key = ADMIN) =>
    raw(port, Buffer.concat([Buffer.from('GET '), Buffer.isBuffer(path) ? path : Buffer.from(path), Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`)]))

  const utf8 = await get(Buffer.from('/v1/patents/search?q=图像识别', 'utf8'))
  t.equal(utf8.status, 400, 'a URL with raw UTF-8 bytes')
  t.match(utf8.body, shape)
  t.match(JSON.parse(utf8.body).error, { code: 'bad_request', message: /percent-encode/ })

  const badEscape = await get('/v1/needs/%E0%A4%A')
  t.equal(badEscape.status, 400, 'a path that is not valid percent-encoding')
  t.match(JSON.parse(badEscape.body).error, { code: 'bad_request', details: [{ path: 'path' }] })
  const badEscapeNoKey = await get('/v1/needs/%E0%A4%A', 'wrong')
  t.equal(badEscapeNoKey.status, 401, 'the key is checked first')
  t.match(JSON.parse(badEscapeNoKey.body).error, { code: 'unauthorized' })

  const long = 'x'.repeat(5000)
  const tooLong = await raw(port, `POST /v1/pairings/${long}/transitions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`)
  t.equal(tooLong.status, 400, 'a path segment over 100 characters')
  t.match(tooLong.body, shape)
  t.notOk(tooLong.body.includes(long.slice(0, 200)), 'the path is not quoted back')

  const headers = await raw(port, `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`)
  t.equal(headers.status, 431, 'headers over the limit')
  t.match(JSON.parse(headers.body).error, { code: 'headers_too_large' })
})
