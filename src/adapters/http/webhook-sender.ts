/**
 * Outgoing webhook requests, and the guard that keeps them off private networks.
 *
 * The host is resolved once (every address), each address is checked, and the connection is made
 * to a checked address through a `lookup` that answers with those addresses only, so a DNS answer
 * that changes between the check and the connection (DNS rebinding) cannot redirect the request.
 * TLS still verifies the certificate against the URL's host name.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { classifyAddress } from '../../domain/webhooks.js'

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError'
}

export interface SendResult {
  statusCode?: number
  headers?: IncomingHttpHeaders
  /** Network error, timeout or refusal, when there is no status. */
  error?: string
  durationMs: number
}

export interface WebhookSender {
  /** Resolves the URL's host and throws UnsafeUrlError when any of its addresses is refused. */
  check(url: string): Promise<LookupAddress[]>
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>
}

export interface SenderOptions {
  allowPrivateNetworks: boolean
  /** Loopback only (a local installation talking to a receiver on the same machine). */
  allowLoopback?: boolean
  timeoutMs: number
  /** For tests: resolves a host name to every address. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>
}

const resolveAll = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  )

/** Most bytes of a response body read (then discarded) before the connection is closed. */
const MAX_RESPONSE_BYTES = 64 * 1024

export function createWebhookSender(opts: SenderOptions): WebhookSender {
  const resolve = opts.resolve ?? resolveAll

  async function check(url: string): Promise<LookupAddress[]> {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UnsafeUrlError('only http:// and https:// URLs are allowed')
    const host = parsed.hostname.replace(/^\[|\]$/g, '')
    let addresses: LookupAddress[]
    if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }]
    else {
      try {
        addresses = await resolve(host)
      } catch (err) {
        throw new UnsafeUrlError(`the host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
      }
      if (addresses.length === 0) throw new UnsafeUrlError(`the host ${host} does not resolve`)
    }
    if (!opts.allowPrivateNetworks) {
      for (const a of addresses) {
        const cls = classifyAddress(a.address)
        if (cls === 'loopback' && opts.allowLoopback === true) continue
        if (cls !== undefined) {
          const named = a.address === host ? host : `${host} (${a.address})`
          throw new UnsafeUrlError(
            `${named} is a ${cls} address: webhooks may only reach public addresses (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)`,
          )
        }
      }
    }
    return addresses
  }

  async function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    let addresses: LookupAddress[]
    try {
      addresses = await check(url)
    } catch (err) {
      return { error: (err as Error).message, durationMs: elapsed() }
    }
    const pinned: LookupFunction = (_hostname, options, callback) => {
      const cb = callback as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
      if ((options as { all?: boolean }).all) cb(null, addresses)
      else cb(null, addresses[0]!.address, addresses[0]!.family)
    }
    const parsed = new URL(url)
    const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<SendResult>((resolveResult) => {
      let settled = false
      const finish = (r: Omit<SendResult, 'durationMs'>) => {
        if (settled) return
        settled = true
        resolveResult({ ...r, durationMs: elapsed() })
      }
      const req = request(
        parsed,
        {
          method: 'POST',
          agent: false,
          lookup: pinned,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'patent-bridge-webhooks/1',
            connection: 'close',
          },
        },
        (res) => {
          let read = 0
          res.on('data', (chunk: Buffer) => {
            read += chunk.length
            if (read > MAX_RESPONSE_BYTES) res.destroy()
          })
          res.on('error', () => undefined)
          finish({ statusCode: res.statusCode ?? 0, headers: res.headers })
          res.on('end', () => req.destroy())
        },
      )
      const timer = setTimeout(() => {
        finish({ error: `no answer within ${opts.timeoutMs} ms` })
        req.destroy()
      }, opts.timeoutMs)
      // The timer also ends a receiver that answers but never finishes its body.
      req.on('close', () => clearTimeout(timer))
      req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code === undefined ? err.message : `${err.code}: ${err.message}` }))
      req.end(body)
    })
  }

  return { check, send }
}
