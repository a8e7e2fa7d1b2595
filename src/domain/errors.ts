/**
 * Domain errors carry a stable snake_case `code`, a message for a person and, for bad input,
 * the path of each bad field. Every code is declared below with the status the API answers it
 * with, so a code without a status does not compile and none falls through to a default.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  already_exists: 409,
  need_closed: 409,
  illegal_transition: 409,
  not_in_pool: 409,
  not_eligible: 409,
  webhook_disabled: 409,
  // answers to an enterprise's interest (services/interests.ts)
  interest_answered: 409,
  interest_without_need: 409,
  no_centre_for_province: 409,
  // refusals of a recommendation (domain/pool.ts)
  already_in_pool: 409,
  left_pool: 409,
  province_mismatch: 409,
  deadline_passed: 409,
  // limits on what is already held (a province's places, an organisation's webhooks): 409, as
  // the contract says for the quota; 429 is for the rate of requests
  quota_exceeded: 409,
  webhook_limit_exceeded: 409,
  request_timeout: 408,
  payload_too_large: 413,
  headers_too_large: 431,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  dependency_unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS
/** The codes of refusals that the state of things causes (409): what a ConflictError may carry. */
export type ConflictCode = { [C in ErrorCode]: (typeof ERROR_STATUS)[C] extends 409 ? C : never }[ErrorCode]

export interface ErrorDetail {
  path: string
  message: string
  /** The message in Chinese, where one is written (import rows, for the console). */
  zh?: string
  /** A short excerpt of the value at fault, where showing it helps. */
  value?: string
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('validation_failed', message, details)
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not_found', `${what} not found`)
  }
}

export class ConflictError extends DomainError {
  constructor(code: ConflictCode, message: string, details: ErrorDetail[] = []) {
    super(code, message, details)
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'this key may not do that') {
    super('forbidden', message)
  }
}

export class UnavailableError extends DomainError {
  constructor(message: string) {
    super('dependency_unavailable', message)
  }
}

/** At most `max` characters of a value, for a message or a path: no answer echoes a long input back. */
export function excerpt(value: unknown, max = 40): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  return s.length > max ? `${s.slice(0, max)}…` : s
}

/** Zod issues → error details with dotted field paths. */
export function issuesToDetails(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>, prefix = ''): ErrorDetail[] {
  const out: ErrorDetail[] = []
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.')
    if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
      for (const key of issue.keys.map((k) => excerpt(k))) out.push({ path: base === '' ? key : `${base}.${key}`, message: `unknown field "${key}"` })
    } else {
      out.push({ path: base === '' ? '(root)' : base, message: issue.message })
    }
  }
  return out
}
