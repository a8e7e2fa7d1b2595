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

/**
 * The error answers every /v1 route may give, each described once for the OpenAPI document. A
 * route lists the 2xx it answers and spreads these; `error.code` says which refusal it is.
 */
export const errorResponses = {
  400: errorSchema.describe('Bad input: `details` name each bad field by its path (`body.title`, `query.limit`, `path.id`)'),
  401: errorSchema.describe('No API key, or one that is unknown, revoked or expired'),
  403: errorSchema.describe("The key's role may not take this action (see the access matrix)"),
  404: errorSchema.describe('Not found, or not the caller’s to see (the same answer, so that nothing leaks)'),
  409: errorSchema.describe('A conflict with the state of things: an illegal workflow step, a quota or limit reached, an existing object'),
  413: errorSchema.describe('The body is larger than this route accepts'),
  415: errorSchema.describe('A media type this route does not read'),
  429: errorSchema.describe('Too many requests for this key: wait as long as `retry-after` says'),
  503: errorSchema.describe('Redis does not answer: try again shortly'),
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
