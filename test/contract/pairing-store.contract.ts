/**
 * The contract every PairingStore adapter must pass, read through the event log and programme
 * log of the same backend: each change is stored together with what it announces (a programme
 * record always, the centre's event when the pairing is pushed), and nothing else is written.
 * `make` returns a fresh, empty backend.
 */
import type { Test } from 'tap'
import { announceDigest, announcePairingChange, type EventLog } from '../../src/domain/events.js'
import { pairingId, toRouting, type Pairing, type PairingEvent } from '../../src/domain/pairing.js'
import type { PairingStore, ProgrammeLog } from '../../src/domain/ports.js'

export interface PairingBackend {
  pairings: PairingStore
  events: EventLog
  programme: ProgrammeLog
}

const CENTRE = 'centre-zj'
const DAY = '2024-05-01'
const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 2, minute)).toISOString()

function proposal(needId: string, publicationNumber: string, score: number, minute: number) {
  const id = pairingId(CENTRE, needId, publicationNumber)
  const pairing: Pairing = {
    id,
    centreOrgId: CENTRE,
    needId,
    enterpriseOrgId: 'ent-1',
    // as the service writes it: the full name beside its code (a store reads older records into this form)
    province: '浙江省',
    provinceCode: '330000',
    publicationNumber,
    universityOrgId: 'uni-1',
    score,
    state: 'recommended',
    pushed: false,
    createdAt: at(minute),
    updatedAt: at(minute),
  }
  const history: PairingEvent = { pairingId: id, at: at(minute), actor: { role: 'system' }, from: null, to: 'recommended' }
  return { pairing, history, announce: announcePairingChange(pairing, history) }
}

const create = (b: PairingBackend, p: ReturnType<typeof proposal>, options: { push?: boolean; dailyCap?: number; day?: string } = {}) =>
  b.pairings.createOrRescore({
    ...p,
    push: options.push ?? true,
    ...(options.dailyCap === undefined ? {} : { dailyCap: options.dailyCap }),
    day: options.day ?? DAY,
  })

/** What the backend announced, without the ids its logs gave. */
async function announced(b: PairingBackend) {
  const strip = <E extends { id: string }>({ id: _id, ...rest }: E) => rest
  return { events: (await b.events.readAfter('0-0', 1000)).map(strip), records: (await b.programme.activity()).map(strip) }
}

export async function pairingStoreContract(t: Test, make: () => Promise<PairingBackend>): Promise<void> {
  await t.test('a pushed pairing is stored with its audit event, indexed, and announced: record and event', async (t) => {
    const b = await make()
    const p = proposal('need-1', 'CN1A', 0.8, 0)
    t.equal(await create(b, p), 'created-pushed')
    t.strictSame(await b.pairings.get(p.pairing.id), { ...p.pairing, pushed: true })
    t.strictSame(await b.pairings.history(p.pairing.id), [p.history])
    for (const index of ['all', { centre: CENTRE }, { university: 'uni-1' }, { enterprise: 'ent-1' }] as const) {
      t.same(await b.pairings.ids(index), [p.pairing.id], `listed in ${JSON.stringify(index)}`)
    }
    t.same(await b.pairings.ids({ centre: 'centre-other' }), [])
    t.same(await b.pairings.centresOfNeed('need-1'), [CENTRE])
    t.strictSame(await announced(b), { events: [p.announce.event], records: [p.announce.record] })
  })

  await t.test('a pairing proposed again only takes a new score, and announces nothing more', async (t) => {
    const b = await make()
    const p = proposal('need-1', 'CN1A', 0.8, 0)
    await create(b, p)
    t.equal(await create(b, p), 'unchanged')
    const rescored = proposal('need-1', 'CN1A', 0.9, 5)
    t.equal(await create(b, rescored), 'rescored')
    t.strictSame(await b.pairings.get(p.pairing.id), { ...p.pairing, pushed: true, score: 0.9 })
    t.equal((await b.pairings.history(p.pairing.id)).length, 1)
    t.strictSame(await announced(b), { events: [p.announce.event], records: [p.announce.record] })
  })

  await t.test('a pairing not pushed is held: recorded for the programme, no event', async (t) => {
    const b = await make()
    const p = proposal('need-1', 'CN1A', 0.8, 0)
    t.equal(await create(b, p, { push: false }), 'created-held')
    t.equal((await b.pairings.get(p.pairing.id))?.pushed, false)
    t.strictSame(await announced(b), { events: [], records: [p.announce.record] })
  })

  await t.test('the daily cap holds back pairings past it, per day', async (t) => {
    const b = await make()
    const ps = [0, 1, 2].map((i) => proposal('need-1', `CN${i}A`, 0.8, i))
    t.equal(await create(b, ps[0]!, { dailyCap: 2 }), 'created-pushed')
    t.equal(await create(b, ps[1]!, { dailyCap: 2 }), 'created-pushed')
    t.equal(await create(b, ps[2]!, { dailyCap: 2 }), 'created-held', 'the third of the day is held')
    const nextDay = proposal('need-2', 'CN0A', 0.8, 3)
    t.equal(await create(b, nextDay, { dailyCap: 2, day: '2024-05-02' }), 'created-pushed', 'the next day has its own count')
    const { events, records } = await announced(b)
    t.strictSame(events, [ps[0]!.announce.event, ps[1]!.announce.event, nextDay.announce.event])
    t.equal(records.length, 4, 'every pairing is recorded')
  })

  await t.test('indexes list newest first; getMany keeps the order asked and skips unknown ids', async (t) => {
    const b = await make()
    const older = proposal('need-1', 'CN1A', 0.8, 0)
    const newer = proposal('need-1', 'CN2A', 0.7, 10)
    await create(b, newer)
    await create(b, older)
    t.same(await b.pairings.ids('all'), [newer.pairing.id, older.pairing.id])
    const got = await b.pairings.getMany([older.pairing.id, 'unknown', newer.pairing.id])
    t.same(got.map((p) => p.id), [older.pairing.id, newer.pairing.id])
    t.same(await b.pairings.getMany([]), [])
    t.equal(await b.pairings.get('unknown'), undefined)
  })

  await t.test('a transition stores the new state with its audit event and announces it', async (t) => {
    const b = await make()
    const p = proposal('need-1', 'CN1A', 0.8, 0)
    await create(b, p)
    let seen: Pairing | undefined
    const moved = await b.pairings.transition(p.pairing.id, (current) => {
      seen = current
      const next: Pairing = { ...current, state: 'declined', reason: 'price', updatedAt: at(20) }
      const history: PairingEvent = { pairingId: current.id, at: at(20), actor: { role: 'operations-centre', orgId: CENTRE }, from: 'recommended', to: 'declined', reason: 'price', note: '太贵' }
      return { next, history, announce: announcePairingChange(next, history) }
    })
    t.strictSame(seen, { ...p.pairing, pushed: true }, 'the plan is given the stored pairing')
    t.equal(moved?.state, 'declined')
    t.strictSame(await b.pairings.get(p.pairing.id), moved)
    const history = await b.pairings.history(p.pairing.id)
    t.same(history.map((h) => h.to), ['recommended', 'declined'])
    const { events, records } = await announced(b)
    t.same(events.map((e) => e.type), ['pairing.created', 'pairing.updated'])
    t.strictSame(events[1], { type: 'pairing.updated', recipients: [CENTRE], at: at(20), data: { pairingId: p.pairing.id, from: 'recommended', to: 'declined', reason: 'price' } })
    t.strictSame(records[1], announcePairingChange(moved!, history[1]!).record)
  })

  await t.test('a transition of an unknown pairing, or one its plan refuses, writes nothing', async (t) => {
    const b = await make()
    const p = proposal('need-1', 'CN1A', 0.8, 0)
    await create(b, p)
    let planned = false
    t.equal(
      await b.pairings.transition('unknown', () => {
        planned = true
        throw new Error('not reached')
      }),
      undefined,
    )
    t.equal(planned, false, 'no plan for a pairing that does not exist')
    await t.rejects(
      b.pairings.transition(p.pairing.id, () => {
        throw new Error('illegal')
      }),
      /illegal/,
    )
    t.strictSame(await b.pairings.get(p.pairing.id), { ...p.pairing, pushed: true })
    t.equal((await b.pairings.history(p.pairing.id)).length, 1)
    t.strictSame(await announced(b), { events: [p.announce.event], records: [p.announce.record] })
  })

  await t.test('a digest marks its held pairings pushed and publishes one event', async (t) => {
    const b = await make()
    const held = [proposal('need-1', 'CN1A', 0.8, 0), proposal('need-1', 'CN2A', 0.6, 1)]
    for (const p of held) await create(b, p, { push: false })
    const pairings = await b.pairings.getMany(held.map((p) => p.pairing.id))
    const event = announceDigest(CENTRE, at(30), undefined, 2, pairings)
    await b.pairings.publishDigest(pairings, event)
    t.same((await b.pairings.getMany(held.map((p) => p.pairing.id))).map((p) => p.pushed), [true, true])
    const { events, records } = await announced(b)
    t.strictSame(events, [event])
    t.equal(records.length, 2, 'a digest is no change of state')
  })

  await t.test('routing and centre notes are kept per centre', async (t) => {
    const b = await make()
    t.equal(await b.pairings.getRouting(CENTRE), undefined)
    t.same(await b.pairings.routedCentres(), [])
    const routing = toRouting({ provinces: ['浙江'], dailyCap: 5 }, { provinces: ['浙江省'], provinceCodes: ['330000'] })
    await b.pairings.putRouting(CENTRE, routing)
    await b.pairings.putRouting('centre-js', toRouting({}))
    t.strictSame(await b.pairings.getRouting(CENTRE), routing)
    const routed = (await b.pairings.routedCentres()).sort((x, y) => x.orgId.localeCompare(y.orgId))
    t.strictSame(routed, [
      { orgId: 'centre-js', routing: toRouting({}) },
      { orgId: CENTRE, routing },
    ])
    t.equal(await b.pairings.getMeta(CENTRE, 'lastDigestAt'), undefined)
    await b.pairings.setMeta(CENTRE, 'lastDigestAt', at(0))
    t.equal(await b.pairings.getMeta(CENTRE, 'lastDigestAt'), at(0))
    t.equal(await b.pairings.getMeta('centre-js', 'lastDigestAt'), undefined)
  })
}
