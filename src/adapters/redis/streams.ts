/** What the stream-backed adapters (event log, programme log, change feed) share. */
import type { Redis } from 'ioredis'

/**
 * One append to a stream, worded by the adapter that owns the stream's format: `XADD key ...args`.
 * A store that must announce a change in the change's own transaction queues it on its MULTI or
 * passes it to its script, without knowing what the entry holds.
 */
export interface StreamAppend {
  key: string
  args: string[]
}

/** The id of a stream's newest entry, or `0-0` when it has none. */
export async function streamHead(redis: Redis, key: string): Promise<string> {
  const last = await redis.xrevrange(key, '+', '-', 'COUNT', 1)
  return last[0]?.[0] ?? '0-0'
}

/** The longest a blocking read here waits (BLOCK), well under the blocking connections' command timeout. */
const BLOCKING_COMMAND_TIMEOUT_MS = 15_000

/**
 * A connection of its own for blocking reads, which would hold up every other command on a shared
 * one. It does not inherit the request path's 2 s command timeout (a BLOCK of 2 s would race it),
 * and its errors are the readers' to handle (each read rejects), so none is left unhandled.
 */
export function blockingConnection(redis: Redis): Redis {
  const conn = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: BLOCKING_COMMAND_TIMEOUT_MS })
  conn.on('error', () => undefined)
  return conn
}
