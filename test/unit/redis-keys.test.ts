/**
 * The Redis key names are those of stored data: a renamed key would orphan what a running
 * installation has under the old name. Every key of the schema is pinned here, spelled out.
 */
import t from 'tap'
import { redisKeys } from '../../src/adapters/redis/keys.js'

/** Every key of the schema by its path, functions called with `A` (and `B`). */
function flatten(node: object, path = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(node)) {
    const at = path === '' ? name : `${path}.${name}`
    if (typeof value === 'string') out[at] = value
    else if (typeof value === 'function') out[at] = (value as (...args: string[]) => string)('A', 'B')
    else Object.assign(out, flatten(value as object, at))
  }
  return out
}

t.test('every key keeps its stored name', async (t) => {
  t.strictSame(flatten(redisKeys('pb')), {
    bull: 'pb:bull',
    rateLimit: 'pb:ratelimit:',
    events: 'pb:events',
    patentChanges: 'pb:patent-changes',
    'patents.record': 'pb:patent:A',
    'patents.all': 'pb:patents',
    'patents.listing': 'pb:patents:listing',
    'patents.listingOf': 'pb:patents:listing:owner:A',
    'patents.listingComplete': 'pb:patents:listing:complete',
    'patents.indexOutbox': 'pb:index-outbox',
    'imports.record': 'pb:import:A',
    'imports.batches': 'pb:import:A:batches',
    'imports.rejected': 'pb:import:A:rejected',
    'imports.receiving': 'pb:imports:receiving',
    'imports.ofOwner': 'pb:imports:owner:A',
    'needs.record': 'pb:need:A',
    'needs.open': 'pb:needs:open',
    'needs.ofOwner': 'pb:needs:owner:A',
    'needs.rematchPending': 'pb:needs:rematch-pending',
    'needs.stale': 'pb:needs:stale',
    'needs.rematchPass': 'pb:needs:rematch-pass',
    matches: 'pb:matches:A',
    matchEntries: 'pb:match-entries',
    'orgs.record': 'pb:org:A',
    'orgs.all': 'pb:orgs',
    'apiKeys.record': 'pb:apikey:A',
    'apiKeys.ofOrg': 'pb:org-keys:A',
    'interests.record': 'pb:interest:A',
    'interests.all': 'pb:interests',
    'interests.ofEnterprise': 'pb:interests:enterprise:A',
    'interests.ofUniversity': 'pb:interests:university:A',
    'interests.heldBy': 'pb:interests:enterprise:A:held',
    'pairings.record': 'pb:pairing:A',
    'pairings.history': 'pb:pairing-history:A',
    'pairings.all': 'pb:pairings:all',
    'pairings.ofCentre': 'pb:pairings:centre:A',
    'pairings.ofUniversity': 'pb:pairings:university:A',
    'pairings.ofEnterprise': 'pb:pairings:enterprise:A',
    'pairings.centresOfNeed': 'pb:need-centres:A',
    'pairings.pushedOn': 'pb:pushed:A:B',
    'pairings.routing': 'pb:routing:A',
    'pairings.routedCentres': 'pb:routed-centres',
    'pairings.centreMeta': 'pb:centre-meta:A',
    'webhooks.endpoint': 'pb:webhook:A',
    'webhooks.all': 'pb:webhooks',
    'webhooks.ofOrg': 'pb:webhooks:org:A',
    'webhooks.attempts': 'pb:webhook:A:attempts',
    'webhooks.deliveries': 'pb:webhook:A:deliveries',
    'webhooks.deliveryOrder': 'pb:webhook:A:delivery-order',
    'webhooks.slots': 'pb:webhook:A:slots',
    'webhooks.line': 'pb:webhook:A:line',
    'rounds.record': 'pb:round:A',
    'rounds.all': 'pb:rounds',
    'rounds.poolLock': 'pb:pool-lock:A',
    'value.seq': 'pb:value:seq',
    'value.profile': 'pb:value:A',
    'value.ranking': 'pb:value:ranking:A:B',
    'value.demand': 'pb:value:demand:A',
    'value.need': 'pb:value:need:A',
    'programme.activity': 'pb:programme:activity',
    'programme.pool': 'pb:programme:pool',
  })
})

t.test('the prefix is the only part that varies', async (t) => {
  t.equal(redisKeys('tenant-2').patents.record('CN1A'), 'tenant-2:patent:CN1A')
  t.equal(redisKeys('tenant-2').bull, 'tenant-2:bull')
})
