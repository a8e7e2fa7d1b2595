/** One error handler: every error leaves as the contract's `{error: {code, message, details}}`. */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { DomainError, ERROR_STATUS, excerpt, type ErrorCode, type ErrorDetail } from '../domain/errors.js'
import { zhIssue } from '../domain/zod-messages.js'

function errorBody(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details } }
}

/** Answers with the code's status from the one table (src/domain/errors.ts). */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string, details: ErrorDetail[] = []) {
  return reply.code(ERROR_STATUS[code]).send(errorBody(code, message, details))
}

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' }

/**
 * What Node's HTTP parser refuses before any route sees the request (a URL with raw non-ASCII
 * bytes, a malformed request line, headers over the limit, a client too slow to send them),
 * answered on the socket in the contract's shape rather than Fastify's default body.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [code, message]: [ErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['request_timeout', 'the request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers_too_large', 'the request headers are larger than the server accepts']
        : err.code === 'HPE_INVALID_URL' || err.code === 'HPE_INVALID_CHARACTER' || err.code === 'HPE_INVALID_METHOD'
          ? ['bad_request', 'the request line is not valid HTTP: percent-encode characters outside ASCII in the URL (q=%E5%9B%BE%E5%83%8F for q=图像)']
          : ['bad_request', 'the request is not valid HTTP']
  const body = JSON.stringify(errorBody(code, message, [{ path: 'request', message }]))
  const status = ERROR_STATUS[code]
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(err)
}

/** The value at a JSON pointer (`/a/0/b`) in a request part; undefined where there is none. */
function valueAt(root: unknown, pointer: string): unknown {
  let at = root
  for (const key of pointer.split('/').filter((s) => s !== '')) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return at
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const part = PART[err.validationContext ?? ''] ?? err.validationContext ?? 'request'
      const details = err.validation.flatMap((v) => {
        const path = [part, ...v.instancePath.split('/').filter((s) => s !== '')]
        const keys = (v.params as { keys?: string[] }).keys
        if (v.keyword === 'unrecognized_keys' && keys !== undefined) {
          return keys.map((k) => excerpt(k)).map((key) => ({ path: [...path, key].join('.'), message: `unknown field "${key}"`, zh: `未知字段「${key}」` }))
        }
        const message = v.message ?? 'invalid'
        // a field that is not there at all is missing, whatever message its schema gives
        const given = valueAt((request as unknown as Record<string, unknown>)[err.validationContext ?? ''], v.instancePath)
        const zh = v.keyword === 'invalid_type' && given === undefined ? '必填' : zhIssue(v.keyword, (v.params ?? {}) as Record<string, unknown>, message)
        return [{ path: path.join('.'), message, zh }]
      })
      return sendError(reply, 'validation_failed', `the request ${part} is not valid`, details)
    }
    if (err instanceof DomainError) return sendError(reply, err.code, err.message, err.details)
    const status = err.statusCode ?? 500
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 'payload_too_large', 'the request body is larger than this route accepts')
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, 'unsupported_media_type', err.message)
    }
    if (status === 429) {
      return sendError(reply, 'rate_limited', err.message)
    }
    if (status < 500) {
      // Bodies that cannot be read (bad JSON, a forbidden __proto__ key …) name the body as the bad field.
      const path = err.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError ? 'body' : '(request)'
      return reply.code(status).send(errorBody('bad_request', err.message, [{ path, message: err.message }]))
    }
    if (isRedisDown(err)) {
      request.log.warn({ err }, 'dependency unavailable')
      return sendError(reply, 'dependency_unavailable', 'Redis does not answer; try again shortly')
    }
    request.log.error({ err }, 'unexpected error')
    return sendError(reply, 'internal_error', 'something went wrong on our side; it has been logged')
  })

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 'not_found', `no route ${request.method} ${excerpt(request.url.split('?')[0], 200)}`)
  })
}

function isRedisDown(err: Error): boolean {
  // ioredis: offline, refused, closed, out of retries (MaxRetriesPerRequestError), no answer
  // within commandTimeout; Redis itself: still loading its data set after a restart
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|Connection is closed|max retries per request|Command timed out|^LOADING/.test(err.message)
  )
}
