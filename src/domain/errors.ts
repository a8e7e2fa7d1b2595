/**
 * Domain errors carry a stable snake_case `code`, a message for a person and, for bad input,
 * the path of each bad field. The HTTP layer maps codes to statuses in one table.
 */
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
    readonly code: string,
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
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
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

/** Zod issues → error details with dotted field paths. */
export function issuesToDetails(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>, prefix = ''): ErrorDetail[] {
  const out: ErrorDetail[] = []
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.')
    if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
      for (const key of issue.keys) out.push({ path: base === '' ? key : `${base}.${key}`, message: `unknown field "${key}"` })
    } else {
      out.push({ path: base === '' ? '(root)' : base, message: issue.message })
    }
  }
  return out
}
