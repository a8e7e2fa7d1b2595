/** One error handler: every error leaves as the contract's `{error: {code, message, details}}`. */
import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { DomainError, type ErrorDetail } from '../domain/errors.js'

/** Domain error code → HTTP status: the one table. */
const STATUS: Record<string, number> = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  already_exists: 409,
  need_closed: 409,
  illegal_transition: 409,
  quota_exceeded: 409,
  deadline_passed: 409,
  already_in_pool: 409,
  left_pool: 409,
  province_mismatch: 409,
  not_in_pool: 409,
  not_eligible: 409,
  webhook_disabled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  dependency_unavailable: 503,
}

export function errorBody(code: string, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details } }
}

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' }

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const part = PART[err.validationContext ?? ''] ?? err.validationContext ?? 'request'
      const details = err.validation.flatMap((v) => {
        const path = [part, ...v.instancePath.split('/').filter((s) => s !== '')]
        const keys = (v.params as { keys?: string[] }).keys
        if (v.keyword === 'unrecognized_keys' && keys !== undefined) {
          return keys.map((key) => ({ path: [...path, key].join('.'), message: `unknown field "${key}"` }))
        }
        return [{ path: path.join('.'), message: v.message ?? 'invalid' }]
      })
      return reply.code(400).send(errorBody('validation_failed', `the request ${part} is not valid`, details))
    }
    if (err instanceof DomainError) {
      const status = STATUS[err.code] ?? 400
      return reply.code(status).send(errorBody(err.code, err.message, err.details))
    }
    const status = err.statusCode ?? 500
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody('payload_too_large', 'the request body is larger than this route accepts'))
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(errorBody('unsupported_media_type', err.message))
    }
    if (status === 429) {
      return reply.code(429).send(errorBody('rate_limited', err.message))
    }
    if (status < 500) {
      // Bodies that cannot be read (bad JSON, a forbidden __proto__ key …) name the body as the bad field.
      const path = err.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError ? 'body' : '(request)'
      return reply.code(status).send(errorBody('bad_request', err.message, [{ path, message: err.message }]))
    }
    if (isRedisDown(err)) {
      request.log.warn({ err }, 'dependency unavailable')
      return reply.code(503).send(errorBody('dependency_unavailable', 'Redis does not answer; try again shortly'))
    }
    request.log.error({ err }, 'unexpected error')
    return reply.code(500).send(errorBody('internal_error', 'something went wrong on our side; it has been logged'))
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`))
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
