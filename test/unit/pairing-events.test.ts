import t from 'tap'
import { announceDigest, announcePairingChange } from '../../src/domain/events.js'
import type { Pairing, PairingEvent } from '../../src/domain/pairing.js'

const pairing: Pairing = {
  id: 'p1',
  centreOrgId: 'centre-1',
  needId: 'n1',
  enterpriseOrgId: 'ent-1',
  province: '浙江',
  publicationNumber: 'CN1A',
  universityOrgId: 'uni-1',
  score: 0.72,
  state: 'recommended',
  pushed: false,
  createdAt: '2024-05-01T02:00:00.000Z',
  updatedAt: '2024-05-01T02:00:00.000Z',
}
const created: PairingEvent = { pairingId: 'p1', at: '2024-05-01T02:00:00.000Z', actor: { role: 'system' }, from: null, to: 'recommended' }

t.test('a new pairing announces pairing.created to its centre and records its first state', async (t) => {
  t.strictSame(announcePairingChange(pairing, created), {
    record: {
      type: 'pairing-state-changed',
      at: created.at,
      pairingId: 'p1',
      from: null,
      to: 'recommended',
      needId: 'n1',
      publicationNumber: 'CN1A',
      province: '浙江',
      universityOrgId: 'uni-1',
      enterpriseId: 'ent-1',
    },
    event: { type: 'pairing.created', recipients: ['centre-1'], at: created.at, data: { pairingId: 'p1', needId: 'n1', publicationNumber: 'CN1A', score: 0.72 } },
  })
})

t.test('a transition announces pairing.updated with its reason, if any; the record leaves out what the pairing lacks', async (t) => {
  const bare: Pairing = { id: 'p2', centreOrgId: 'c', needId: 'n', publicationNumber: 'CN2A', score: 0.5, state: 'contacted', pushed: true, createdAt: created.at, updatedAt: created.at }
  const contacted: PairingEvent = { pairingId: 'p2', at: '2024-05-02T00:00:00.000Z', actor: { role: 'operations-centre', orgId: 'c' }, from: 'recommended', to: 'contacted', note: '已联系' }
  const a = announcePairingChange(bare, contacted)
  t.strictSame(a.event, { type: 'pairing.updated', recipients: ['c'], at: contacted.at, data: { pairingId: 'p2', from: 'recommended', to: 'contacted' } })
  t.strictSame(a.record, { type: 'pairing-state-changed', at: contacted.at, pairingId: 'p2', from: 'recommended', to: 'contacted', needId: 'n', publicationNumber: 'CN2A' })
  const declined = announcePairingChange({ ...bare, state: 'declined', reason: 'price' }, { ...contacted, from: 'contacted', to: 'declined', reason: 'price' })
  t.strictSame(declined.event.data, { pairingId: 'p2', from: 'contacted', to: 'declined', reason: 'price' })
})

t.test('a digest counts the held pairings and lists the best', async (t) => {
  t.strictSame(announceDigest('centre-1', created.at, undefined, 7, [pairing]), {
    type: 'pairing.digest',
    recipients: ['centre-1'],
    at: created.at,
    data: { since: null, count: 7, pairings: [{ pairingId: 'p1', needId: 'n1', publicationNumber: 'CN1A', score: 0.72 }] },
  })
  t.equal(announceDigest('centre-1', created.at, '2024-04-30T02:00:00.000Z', 1, []).data.since, '2024-04-30T02:00:00.000Z')
})
