import t from 'tap'
import type { Patent } from '../../src/domain/patent.js'
import { recentPatentReads } from '../../src/services/recent-reads.js'

/** A patent store in memory that counts the records it is asked for (the reads' backing store, not what is tested). */
function counting() {
  const records = new Map<string, Patent>()
  const asked: string[] = []
  const store = {
    async get(pn: string) {
      asked.push(pn)
      return records.get(pn)
    },
    async getMany(pns: string[]) {
      asked.push(...pns)
      return pns.map((pn) => records.get(pn))
    },
  }
  const put = (pn: string, title: string) => records.set(pn, { publicationNumber: pn, title } as Patent)
  return { store, asked, put }
}

t.test('a record read a moment ago is served from memory, once per number, in the order asked', async (t) => {
  const { store, asked, put } = counting()
  put('CN1A', 'one')
  put('CN2A', 'two')
  let clock = 0
  const reads = recentPatentReads(store, { ttlMs: 1000, now: () => clock })
  t.same((await reads.getMany(['CN2A', 'CN1A', 'CN2A', 'CN9A'])).map((p) => p?.title), ['two', 'one', 'two', undefined])
  t.same(asked, ['CN2A', 'CN1A', 'CN9A'], 'each number read once')
  clock = 999
  t.equal((await reads.get('CN1A'))?.title, 'one')
  t.equal(asked.length, 3, 'within the time: no read')
  clock = 1000
  put('CN1A', 'one, changed')
  t.equal((await reads.get('CN1A'))?.title, 'one, changed', 'after the time: read again')
  t.equal(asked.length, 4)
})

t.test('a patent said to have changed is read again at once; all of them on clear', async (t) => {
  const { store, asked, put } = counting()
  put('CN1A', 'one')
  put('CN2A', 'two')
  const reads = recentPatentReads(store, { ttlMs: 60_000 })
  await reads.getMany(['CN1A', 'CN2A'])
  put('CN1A', 'one, changed')
  put('CN2A', 'two, changed')
  reads.forget(['CN1A'])
  t.same((await reads.getMany(['CN1A', 'CN2A'])).map((p) => p?.title), ['one, changed', 'two'])
  reads.forget('all')
  t.equal((await reads.get('CN2A'))?.title, 'two, changed')
  t.same(asked, ['CN1A', 'CN2A', 'CN1A', 'CN2A'])
})

t.test('at most max records are kept, the least recently read dropped; a failed read is not kept', async (t) => {
  const { store, asked, put } = counting()
  for (const pn of ['CN1A', 'CN2A', 'CN3A']) put(pn, pn)
  const reads = recentPatentReads(store, { ttlMs: 60_000, max: 2 })
  await reads.getMany(['CN1A', 'CN2A'])
  await reads.get('CN1A') // CN1A is now the most recent
  await reads.get('CN3A') // drops CN2A
  asked.length = 0
  await reads.getMany(['CN1A', 'CN3A'])
  t.same(asked, [], 'the two most recently read are kept')
  await reads.get('CN2A')
  t.same(asked, ['CN2A'], 'the dropped one is read again')

  let fail = true
  const flaky = {
    get: async () => undefined,
    getMany: async (pns: string[]) => {
      if (fail) throw new Error('Redis went away')
      return pns.map((pn) => ({ publicationNumber: pn, title: 'back' }) as Patent)
    },
  }
  const r2 = recentPatentReads(flaky, { ttlMs: 60_000 })
  await t.rejects(r2.get('CN1A'), /went away/)
  fail = false
  t.equal((await r2.get('CN1A'))?.title, 'back', 'the failure was not remembered')
})
