/** Plain-language messages for the zod issues a person meets most: a missing field. */
import { z } from 'zod'

z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'required'
    return undefined
  },
})
