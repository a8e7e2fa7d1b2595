/**
 * The error body, and the response schemas the API derives from a domain record by leaving out
 * what callers are not shown. Every other response is the schema of its domain record or service
 * view as it is. The serializer drops whatever a schema leaves out, and the OpenAPI document
 * shows every field.
 */
import { z } from 'zod'
import { importStatusSchema as importRecordSchema } from '../domain/imports.js'
import { MATCH_STRENGTHS } from '../domain/matching/index.js'
import { matchSetSchema, matchViewSchema, needSchema as needRecordSchema } from '../domain/need.js'
import { patentSchema as patentRecordSchema } from '../domain/patent.js'

/** A field's problem; import rows and headers also say it in Chinese and quote (a short excerpt of) the value. */
const detail = z.object({ path: z.string(), message: z.string(), zh: z.string().optional(), value: z.string().optional() })

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(detail),
  }),
})

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  503: errorSchema,
}

// Owners are not shown: the caller's key already says whose an object is.
export const patentSchema = patentRecordSchema.omit({ ownerOrgId: true })
/** A patent in a list: the record without its claims (read them at `/v1/patents/{publicationNumber}`). */
export const patentListItemSchema = patentSchema.omit({ claims: true })
export const importStatusSchema = importRecordSchema.omit({ ownerOrgId: true })
// A need is shown with its disclosure setting: what universities see of it and its enterprise.
export const needSchema = needRecordSchema.omit({ ownerOrgId: true })

export const matchesSchema = matchSetSchema.omit({ needVersion: true }).extend({
  strength: z
    .enum(MATCH_STRENGTHS)
    .describe('strong: the best match reaches `threshold` (pairings are pushed from there by default); weak: matches, all below it; none: no match yet'),
  threshold: z.number().describe('the score from which a match is strong; scores are estimated probabilities of relevance, comparable across needs'),
  matches: z.array(z.object({ rank: z.number().int(), ...matchViewSchema.shape })),
})
