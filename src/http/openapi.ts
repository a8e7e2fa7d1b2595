/**
 * The OpenAPI document's shape beyond what each route declares: one tag per resource, taken
 * from the route's URL, so the document groups operations as the URLs do and a new route under
 * a known segment is tagged without saying so.
 */
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { globalRegistry, type ZodType } from 'zod'

/** The resources, by the first segment after /v1, in the order the document lists them. */
export const TAGS = [
  { name: 'patents', description: "A university's inventory of idle patents: list, change, withdraw, bulk import from Excel, CSV or NDJSON; search" },
  { name: 'imports', description: 'Bulk imports: their state as they are indexed, their history, and their rejected rows' },
  { name: 'needs', description: "Enterprises' technology needs and their ranked, explained matches" },
  { name: 'interests', description: "An enterprise's interest in a patent, and the university's answer" },
  { name: 'pairings', description: 'Recommended pairings for operations centres, the transfer workflow and its audit trail, live events' },
  { name: 'orgs', description: 'Organisations, their API keys, and operations centres’ routing' },
  { name: 'pool', description: 'The provincial cultivation pool of sample enterprises: recommendations and decisions' },
  { name: 'rounds', description: 'Recommendation rounds of the cultivation pool' },
  { name: 'stats', description: "The programme's figures and a province's annual evaluation report" },
  { name: 'webhooks', description: "Operations centres' webhooks (Standard Webhooks), their delivery log and redelivery" },
  { name: 'me', description: 'The caller, as its key says' },
  { name: 'meta', description: "The domain's enums with their Chinese and English names" },
  { name: 'service', description: 'Liveness and readiness, without a key' },
] as const

/** The tag of a route: its first segment after /v1 (`service` for those outside /v1). */
export function tagOf(url: string): string {
  const m = /^\/v1\/([^/]+)/.exec(url)
  return m === null ? 'service' : m[1]!
}

/**
 * jsonSchemaTransform, the route's tag where it names none, and the body's examples: a route
 * gives them as the body schema's metadata (`schema.meta({ examples })`), which the converter
 * drops for the root of a schema.
 */
export const transform: typeof jsonSchemaTransform = (args) => {
  const out = jsonSchemaTransform(args)
  const schema = out.schema as { tags?: string[]; body?: Record<string, unknown> }
  if (schema.tags === undefined) schema.tags = [tagOf(args.url)]
  const body = (args.schema as { body?: unknown }).body
  const examples = body instanceof Object && 'def' in body ? globalRegistry.get(body as ZodType)?.examples : undefined
  if (examples !== undefined && schema.body !== undefined) schema.body.examples = examples
  return out
}
