/**
 * The programme's record: append-only Redis streams of what happened (needs stated, matches
 * computed, pairings moved, patents listed, and every cultivation-pool decision). Figures are
 * computed from these events only, and each figure lists the ids of the events behind it.
 * Pool decisions have a stream of their own, since every recommendation replays them.
 */
import type { ChainableCommander, Redis } from 'ioredis'
import type { PoolEvent } from '../../domain/pool.js'
import type { NewEvent, ProgrammeLog } from '../../domain/ports.js'
import type { ProgrammeEvent } from '../../domain/stats.js'

type Entry = [id: string, fields: string[]]

export function programmeKeys(prefix: string) {
  return { activity: `${prefix}:programme:activity`, pool: `${prefix}:programme:pool` }
}

/** Queues the append of an activity event on a MULTI, so it commits with the change it records. */
export function appendActivity(multi: ChainableCommander, prefix: string, event: NewEvent<ProgrammeEvent>): void {
  multi.xadd(programmeKeys(prefix).activity, '*', 'e', JSON.stringify(event))
}

async function readAll<E>(redis: Redis, key: string): Promise<E[]> {
  const out: E[] = []
  let from = '-'
  for (;;) {
    const entries = (await redis.xrange(key, from, '+', 'COUNT', 5000)) as Entry[]
    for (const [id, fields] of entries) out.push({ ...(JSON.parse(fields[1] ?? '{}') as object), id } as E)
    if (entries.length < 5000) return out
    from = `(${entries[entries.length - 1]![0]}`
  }
}

export function createProgrammeLog(redis: Redis, prefix: string): ProgrammeLog {
  const k = programmeKeys(prefix)
  return {
    async append(event) {
      return (await redis.xadd(k.activity, '*', 'e', JSON.stringify(event))) ?? ''
    },
    async appendMany(events) {
      if (events.length === 0) return
      const pipe = redis.pipeline()
      for (const e of events) pipe.xadd(k.activity, '*', 'e', JSON.stringify(e))
      await pipe.exec()
    },
    async appendPool(event) {
      const id = (await redis.xadd(k.pool, '*', 'e', JSON.stringify(event))) ?? ''
      return { ...event, id } as PoolEvent
    },
    activity: () => readAll<ProgrammeEvent>(redis, k.activity),
    pool: () => readAll<PoolEvent>(redis, k.pool),
  }
}
