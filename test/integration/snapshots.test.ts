/**
 * Fast restarts: a process loads its matcher from the snapshot the previous one saved at
 * shutdown and catches up from the change feed; a snapshot that is stale, damaged, of another
 * version or missing is rebuilt from Redis instead. Real Redis, real files, the real container.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { createChangeFeed, createPatentStore, redisKeys } from '../../src/adapters/redis/index.js'
import { loadConfig } from '../../src/config.js'
import { createContainer, type Container } from '../../src/container.js'
import type { Patent } from '../../src/domain/patent.js'
import { buildApp, type App } from '../../src/http/app.js'
import { ADMIN, auth, deleteKeys, importNdjson, REDIS_URL, samplePatents, waitForImport } from '../helper.js'

interface Process {
  container: Container
  app: App | undefined
  logs: Array<Record<string, unknown>>
  close(): Promise<void>
}

/** A process of the service on `prefix` with snapshots in `dir`; its log lines are kept. */
async function start(t: Test, env: Record<string, string>): Promise<Process> {
  const logs: Array<Record<string, unknown>> = []
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) })
  const config = loadConfig({ REDIS_URL, ADMIN_TOKEN: ADMIN, ...env })
  const container = await createContainer(config, log)
  const app = container.search === undefined ? undefined : await buildApp(container, { loggerInstance: log })
  await container.start()
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await app?.close()
    await container.close()
  }
  t.teardown(close)
  return { container, app, logs, close }
}

const loadedLine = (p: Process) => p.logs.find((l) => l.msg === 'in-memory index loaded from its snapshot' && l.index === 'matcher')
const rebuildReason = (p: Process) => p.logs.find((l) => l.msg === 'in-memory index will be rebuilt from Redis' && l.index === 'matcher')?.reason as string | undefined

interface Installation {
  prefix: string
  dir: string
  env: Record<string, string>
  redis: Redis
  patents: ReturnType<typeof createPatentStore>
  feed: ReturnType<typeof createChangeFeed>
  /** A patent stored in Redis the snapshot was taken of. */
  some: Patent
  /** How many patents the first process's matcher held when it saved. */
  size: number
}

/** The sample inventory imported through a first process, which saves its matcher at shutdown. */
async function installation(t: Test): Promise<Installation> {
  const prefix = `test-${randomUUID()}`
  const dir = await mkdtemp(join(tmpdir(), 'pb-snapshots-'))
  const redis = new Redis(REDIS_URL)
  t.teardown(async () => {
    redis.disconnect()
    await deleteKeys(prefix)
    await rm(dir, { recursive: true, force: true })
  })
  const env = { REDIS_PREFIX: prefix, SNAPSHOT_DIR: dir, LOG_LEVEL: 'info' }
  const first = await start(t, env)
  const res = await importNdjson(first.app!, samplePatents())
  await waitForImport(first.app!, res.json().importId)
  const size = first.container.matchIndex!.size
  await first.close()
  const patents = createPatentStore(redis, prefix)
  const some = (await patents.get(samplePatents()[0]!.publicationNumber as string))!
  return { prefix, dir, env, redis, patents, feed: createChangeFeed(redis, prefix, 'test'), some, size }
}

const snapshotFile = (i: Installation) => join(i.dir, `${i.prefix}.matcher.snapshot`)

/** A patent stored in Redis after the snapshot; announced on the change feed or not. */
async function storeAfter(i: Installation, publicationNumber: string, announce: boolean): Promise<void> {
  await i.patents.putMany([{ ...i.some, publicationNumber, title: `${i.some.title}（${publicationNumber}）` }])
  if (announce) await i.feed.publish({ op: 'upsert', publicationNumbers: [publicationNumber] })
}

t.test('a restart loads the saved matcher and catches up from the feed, without scanning Redis', async (t) => {
  const i = await installation(t)
  t.ok(i.size > 10, 'the first process indexed the sample')
  // after the snapshot: one patent changed and announced, one withdrawn and announced, one stored
  // without an announcement (found only by a scan of Redis)
  await storeAfter(i, 'CN900000001A', true)
  const withdrawn = samplePatents()[1]!.publicationNumber as string
  await i.patents.putMany([{ ...(await i.patents.get(withdrawn))!, status: 'withdrawn' }])
  await i.feed.publish({ op: 'upsert', publicationNumbers: [withdrawn] })
  await storeAfter(i, 'CN900000002A', false)

  const worker = await start(t, { ...i.env, ROLE: 'worker' })
  const m = worker.container.matchIndex!
  t.ok(loadedLine(worker), 'the matcher was loaded from its snapshot')
  t.equal(rebuildReason(worker), undefined, 'and not rebuilt')
  t.notOk(worker.logs.some((l) => l.msg === 'in-memory indexes rebuilt from Redis'), 'Redis was not scanned')
  t.ok(m.has('CN900000001A'), 'a patent announced after the snapshot is caught up')
  t.notOk(m.has(withdrawn), 'a withdrawal announced after the snapshot is caught up')
  t.notOk(m.has('CN900000002A'), 'a patent in Redis but neither in the snapshot nor on the feed is not there: no scan ran')
  t.equal(m.size, i.size, 'one patent more, one fewer')
  const best = m.match({ title: i.some.title }, { limit: 3 }).map((r) => r.publicationNumber)
  t.ok(best.includes(i.some.publicationNumber) && best.includes('CN900000001A'), 'the loaded index matches: the patent and its caught-up twin are among the best')
  await worker.close()

  // an API and worker process: the matcher is loaded from the worker's snapshot, the embedded
  // search from the first process's, older, and both catch up from the older position
  const all = await start(t, { ...i.env, ROLE: 'all' })
  t.ok(loadedLine(all), 'the matcher is loaded again, from the snapshot the worker saved at shutdown')
  t.ok(all.logs.find((l) => l.msg === 'in-memory index loaded from its snapshot' && l.index === 'search'), 'the search index is loaded from its snapshot')
  t.notOk(all.logs.some((l) => l.msg === 'in-memory indexes rebuilt from Redis'), 'Redis was not scanned')
  t.notOk(all.container.matchIndex!.has('CN900000002A'))
  const ready = await all.app!.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 200, 'ready')
  // asked of the index itself (the API looks a publication number up in the store)
  const found = async (pn: string) => (await all.container.search!.search({ q: pn, filters: {}, limit: 5, offset: 0 })).hits.map((h) => h.publicationNumber)
  t.same(await found('CN900000001A'), ['CN900000001A'], 'the search finds the patent announced after its snapshot: caught up')
  t.same(await found('CN900000002A'), [], 'and not the one never announced: no scan ran')
  t.same(await found(withdrawn), [], 'a withdrawal announced after the snapshot is caught up in the search too')
})

t.test('a stale snapshot (the feed trimmed past its position) is rebuilt from Redis', async (t) => {
  const i = await installation(t)
  await storeAfter(i, 'CN900000003A', false)
  await i.feed.publish({ op: 'upsert', publicationNumbers: [i.some.publicationNumber] })
  const kept = await i.feed.publish({ op: 'upsert', publicationNumbers: [i.some.publicationNumber] })
  await i.redis.xtrim(redisKeys(i.prefix).patentChanges, 'MINID', kept)

  const worker = await start(t, { ...i.env, ROLE: 'worker' })
  t.match(rebuildReason(worker), /stale: the change feed no longer holds the changes after/, 'the reason is logged')
  t.notOk(loadedLine(worker))
  t.ok(worker.container.matchIndex!.has('CN900000003A'), 'rebuilt from Redis: the patent never announced is there')
  t.equal(worker.container.matchIndex!.size, i.size + 1)
})

t.test('a damaged, truncated, other-version or missing snapshot is rebuilt from Redis', async (t) => {
  const i = await installation(t)
  await storeAfter(i, 'CN900000004A', false)
  const file = snapshotFile(i)
  const cases: Array<[string, () => Promise<void>, RegExp]> = [
    [
      'a flipped byte',
      async () => {
        const b = await readFile(file)
        b[b.length >> 1] = b[b.length >> 1]! ^ 0x01
        await writeFile(file, b)
      },
      /damaged/,
    ],
    ['a truncated file', () => truncate(file, 4096), /truncated/],
    [
      'another format version',
      async () => {
        const b = await readFile(file)
        b.writeUInt32LE(0, 8)
        await writeFile(file, b)
      },
      /format 0/,
    ],
    ['no file', () => unlink(file), /no snapshot/],
  ]
  for (const [what, damage, reason] of cases) {
    // each rebuilt process saves a good snapshot again (at once and at shutdown), damaged anew here
    await damage()
    const worker = await start(t, { ...i.env, ROLE: 'worker' })
    t.match(rebuildReason(worker), reason, `${what}: rebuilt, and why is logged`)
    t.notOk(loadedLine(worker), `${what}: not loaded`)
    t.ok(worker.container.matchIndex!.has('CN900000004A'), `${what}: the index holds what Redis holds`)
    t.equal(worker.container.matchIndex!.size, i.size + 1)
    await worker.close()
  }
  const last = await start(t, { ...i.env, ROLE: 'worker' })
  t.ok(loadedLine(last), 'the snapshot saved by the last rebuilt process loads')
  t.ok(last.container.matchIndex!.has('CN900000004A'))
})

t.test('with SNAPSHOT_DIR=off nothing is saved or loaded', async (t) => {
  const i = await installation(t)
  await unlink(snapshotFile(i))
  const worker = await start(t, { ...i.env, ROLE: 'worker', SNAPSHOT_DIR: 'off' })
  t.match(rebuildReason(worker), /snapshots are off/)
  await worker.close()
  await t.rejects(readFile(snapshotFile(i)), 'no snapshot was written')
})
