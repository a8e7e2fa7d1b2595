import t from 'tap'
import { ConflictError, DomainError, ERROR_STATUS, NotFoundError } from '../../src/domain/errors.js'

t.test('every error code has its status; limits and conflicts are 409, never the 400 of bad input', async (t) => {
  for (const code of ['quota_exceeded', 'webhook_limit_exceeded', 'webhook_disabled', 'need_closed', 'illegal_transition'] as const) {
    t.equal(ERROR_STATUS[code], 409, code)
  }
  t.equal(ERROR_STATUS.rate_limited, 429)
  t.equal(ERROR_STATUS[new NotFoundError('need x').code], 404)
})

t.test('a code without a status, or a conflict that is not a 409, does not compile', async (t) => {
  // @ts-expect-error an unmapped code: add it to ERROR_STATUS with its status first
  t.equal(new DomainError('some_new_code', 'x').code, 'some_new_code')
  // @ts-expect-error a ConflictError carries 409 codes only
  t.ok(new ConflictError('not_found', 'x'))
})
