/**
 * Paging of lists by cursor, the same for every list route: `limit` (1–100, 20 by default) and
 * an opaque `cursor` that a previous page returned as `nextCursor`. A cursor names a position in
 * the list's own order (never an offset), so items added while a client pages through neither
 * shift what it has still to read nor make it read one twice.
 *
 * A cursor is the position as JSON with a version, in base64url: opaque to clients, checked
 * against the list's position schema when it comes back. One that does not decode is bad input
 * of the query's `cursor` field.
 */
import { z } from 'zod'

export const PAGE_LIMIT = { min: 1, max: 100, default: 20 } as const

/** The cursor format's version: a future format can still read (or refuse by name) this one. */
const VERSION = 1
const MAX_CURSOR_LENGTH = 1024

export interface CursorCodec<P> {
  encode(position: P): string
  /** The position, or undefined when `cursor` is not one this codec made. */
  decode(cursor: string): P | undefined
}

export function cursorCodec<P>(position: z.ZodType<P>): CursorCodec<P> {
  return {
    encode: (p) => Buffer.from(JSON.stringify({ v: VERSION, p }), 'utf8').toString('base64url'),
    decode(cursor) {
      if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
      try {
        const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
        if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== VERSION) return undefined
        const parsed = position.safeParse((raw as { p?: unknown }).p)
        return parsed.success ? parsed.data : undefined
      } catch {
        return undefined
      }
    },
  }
}

/**
 * The query fields of a paged list, to spread into the route's querystring schema: `cursor`
 * arrives decoded to the list's position (a malformed one fails validation at `query.cursor`).
 */
export function pageQueryShape<P>(codec: CursorCodec<P>, defaultLimit: number = PAGE_LIMIT.default) {
  return {
    limit: z.coerce.number().int().min(PAGE_LIMIT.min).max(PAGE_LIMIT.max).default(defaultLimit).describe(`items a page (${PAGE_LIMIT.min}–${PAGE_LIMIT.max}, default ${defaultLimit})`),
    cursor: z
      .string()
      .transform((s, ctx) => {
        const p = codec.decode(s)
        if (p === undefined) {
          ctx.addIssue({ code: 'custom', message: 'not a cursor of this list: pass the nextCursor of a previous page as it was given' })
          return z.NEVER
        }
        return p
      })
      .optional()
      .describe('the nextCursor of the previous page; absent for the first page'),
  }
}

/** A page as the API answers it: the items, a cursor to the next page when there is one, and the total when known. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().optional().describe('pass as `cursor` for the next page; absent on the last'),
    total: z.number().int().optional().describe('items in the whole list, when known without reading it (not with filters)'),
  })
}

/**
 * The position of most lists: the time an item was listed (epoch ms, its score in the store's
 * index) and its id, for items listed in the same millisecond; read newest first.
 */
export const scorePositionSchema = z.strictObject({ score: z.number(), id: z.string().min(1).max(200) })
export type ScorePosition = z.infer<typeof scorePositionSchema>
export const scoreCursor = cursorCodec(scorePositionSchema)

/**
 * Lists that answered everything in one response before they paged (pairings, needs,
 * interests, organisations) keep answering up to the largest page by default, so that a client
 * written for them still sees every item of a small list.
 */
export const FORMER_LIST_LIMIT = PAGE_LIMIT.max
export const scorePageQuery = pageQueryShape(scoreCursor, FORMER_LIST_LIMIT)
export type PageRequest = { limit: number; cursor?: ScorePosition | undefined }

/** What a store answers for one page of a list: the items, and where to go on from (absent at the end). */
export interface StorePage<T> {
  items: T[]
  next?: ScorePosition
}

/** A store's page as the API answers it. */
export const toPage = <T>(page: StorePage<T>): Page<T> => (page.next === undefined ? { items: page.items } : { items: page.items, nextCursor: scoreCursor.encode(page.next) })

/**
 * One page of a list held whole in memory and sorted by `compare` over its positions (lists of
 * thousands: organisations, the pool): the items after the cursor's position, the total, and a
 * cursor to the next page when more follow.
 */
export function sortedPage<T, P>(
  sorted: readonly T[],
  page: { limit: number; cursor?: P | undefined },
  positionOf: (item: T) => P,
  compare: (a: P, b: P) => number,
  codec: CursorCodec<P>,
): Page<T> & { total: number } {
  const after = page.cursor
  const from = after === undefined ? 0 : sorted.findIndex((item) => compare(positionOf(item), after) > 0)
  if (from < 0) return { items: [], total: sorted.length }
  const items = sorted.slice(from, from + page.limit)
  const more = from + items.length < sorted.length && items.length > 0
  return more ? { items, nextCursor: codec.encode(positionOf(items.at(-1)!)), total: sorted.length } : { items, total: sorted.length }
}

export interface Page<T> {
  items: T[]
  nextCursor?: string
  total?: number
}
