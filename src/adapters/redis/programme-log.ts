/**
 * The programme's record: append-only Redis streams of what happened (needs stated, matches
 * computed, pairings moved, patents listed, and every cultivation-pool decision). Figures are
 * computed from these events only, and each figure lists the ids of the events behind it.
 * Pool decisions have a stream of their own, since every recommendation replays them.
 */
import type { Redis } from 'ioredis'
import type { PoolEvent } from '../../domain/pool.js'
import type { NewEvent, ProgrammeLog } from '../../domain/ports.js'
import { placeOnRecord, type Place, type Regions } from '../../domain/regions.js'
import type { ProgrammeEvent } from '../../domain/stats.js'
import { redisKeys } from './keys.js'
import type { StreamAppend } from './streams.js'

type Entry = [id: string, fields: string[]]

/** An entry holds the event's JSON in its one field `e`. */
const entry = (event: object): string[] => ['*', 'e', JSON.stringify(event)]

/** Appends entries as `entry` makes them, in order. KEYS[1]: the stream; ARGV: the events' JSON. */
const APPEND_MANY = `
for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end
return #ARGV
`

/** The append of an activity event, for the transaction of the change it records. */
export function activityAppend(prefix: string, event: NewEvent<ProgrammeEvent>): StreamAppend {
  return { key: redisKeys(prefix).programme.activity, args: entry(event) }
}

/** Every event of a stream, in order; an event recorded before codes gets its province's code (see `placeOnRecord`). */
async function readAll<E>(redis: Redis, key: string, regions: Regions): Promise<E[]> {
  const out: E[] = []
  let from = '-'
  for (;;) {
    const entries = (await redis.xrange(key, from, '+', 'COUNT', 5000)) as Entry[]
    for (const [id, fields] of entries) {
      const event: Place & { id: string } = { ...(JSON.parse(fields[1] ?? '{}') as Place), id }
      out.push(placeOnRecord(regions, event) as E)
    }
    if (entries.length < 5000) return out
    from = `(${entries[entries.length - 1]![0]}`
  }
}

export function createProgrammeLog(redis: Redis, prefix: string, regions: Regions): ProgrammeLog {
  const k = redisKeys(prefix).programme
  return {
    async append(event) {
      return (await redis.xadd(k.activity, ...entry(event))) ?? ''
    },
    async appendMany(events) {
      // one script for the batch (an import's listings): a command each cost the client more than Redis
      for (let i = 0; i < events.length; i += 1000) await redis.eval(APPEND_MANY, 1, k.activity, ...events.slice(i, i + 1000).map((e) => JSON.stringify(e)))
    },
    async appendPool(event) {
      const id = (await redis.xadd(k.pool, ...entry(event))) ?? ''
      return { ...event, id } as PoolEvent
    },
    activity: () => readAll<ProgrammeEvent>(redis, k.activity, regions),
    pool: () => readAll<PoolEvent>(redis, k.pool, regions),
  }
}
