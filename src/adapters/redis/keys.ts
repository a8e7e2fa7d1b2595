/**
 * Every Redis key of the service, built from the configured prefix in this one file, grouped by
 * the store that owns it. The names are those of stored data: renaming one here orphans what is
 * already stored under it (test/unit/redis-keys.test.ts pins them).
 */
export function redisKeys(prefix: string) {
  const key = (name: string) => `${prefix}:${name}`
  return {
    /** BullMQ's own prefix: every queue's keys live below it. */
    bull: key('bull'),
    /** Namespace of the API's per-key request counters (@fastify/rate-limit's Redis store). */
    rateLimit: key('ratelimit:'),
    /** The event log: every event published to organisations, a stream. */
    events: key('events'),
    /** The inventory change feed that keeps every process's in-memory indexes current, a stream. */
    patentChanges: key('patent-changes'),
    patents: {
      /** A hash: `record` (the patent, `encodeRecord`), `terms` (its analysed terms), `listed` (a mark: it has its listing position). */
      record: (pn: string) => key(`patent:${pn}`),
      /** A set of patent numbers that versions before the listings wrote: read once, by `completeListing`; no longer written. */
      all: key('patents'),
      /** The listing of every patent: positions `createdAt publicationNumber`, one sorted set ordered by them (equal scores, lex order). */
      listing: key('patents:listing'),
      /** The listing of one owner's patents (an organisation id, or `admin`). */
      listingOf: (owner: string) => key(`patents:listing:owner:${owner}`),
      /** Set once the patents stored before the listing existed are all in it. */
      listingComplete: key('patents:listing:complete'),
      /** Batches stored but not yet queued for indexing, by batch key. */
      indexOutbox: key('index-outbox'),
    },
    imports: {
      record: (id: string) => key(`import:${id}`),
      /** Index batches already counted, so a batch run again counts once. */
      batches: (id: string) => key(`import:${id}:batches`),
      /** Rejected rows kept for the download, a list of JSON rows; the header is a field of `record`. */
      rejected: (id: string) => key(`import:${id}:rejected`),
      /** Uploads being received, by their last sign of life. */
      receiving: key('imports:receiving'),
      ofOwner: (owner: string) => key(`imports:owner:${owner}`),
    },
    needs: {
      record: (id: string) => key(`need:${id}`),
      open: key('needs:open'),
      ofOwner: (owner: string) => key(`needs:owner:${owner}`),
      /** Patents indexed and not yet re-scored against the open needs. */
      rematchPending: key('needs:rematch-pending'),
      /** The number of the next reverse-matching pass. */
      rematchPass: key('needs:rematch-pass'),
      /** Needs to be matched again in full (reverse matching found them stale), each with a count of its marks. */
      stale: key('needs:stale'),
    },
    matches: (needId: string) => key(`matches:${needId}`),
    /** Each need's set in brief (`MatchEntry`), by need id: what a reverse-matching pass reads of every open need. */
    matchEntries: key('match-entries'),
    orgs: {
      record: (id: string) => key(`org:${id}`),
      all: key('orgs'),
    },
    apiKeys: {
      record: (keyId: string) => key(`apikey:${keyId}`),
      ofOrg: (orgId: string) => key(`org-keys:${orgId}`),
    },
    interests: {
      record: (id: string) => key(`interest:${id}`),
      all: key('interests'),
      ofEnterprise: (orgId: string) => key(`interests:enterprise:${orgId}`),
      ofUniversity: (orgId: string) => key(`interests:university:${orgId}`),
      /** The interests an enterprise holds, a hash from `publicationNumber|needId` to the interest's id: one each. */
      heldBy: (orgId: string) => key(`interests:enterprise:${orgId}:held`),
    },
    pairings: {
      record: (id: string) => key(`pairing:${id}`),
      history: (id: string) => key(`pairing-history:${id}`),
      all: key('pairings:all'),
      ofCentre: (orgId: string) => key(`pairings:centre:${orgId}`),
      ofUniversity: (orgId: string) => key(`pairings:university:${orgId}`),
      ofEnterprise: (orgId: string) => key(`pairings:enterprise:${orgId}`),
      centresOfNeed: (needId: string) => key(`need-centres:${needId}`),
      /** Pairings pushed to a centre on a day (China time), for its daily cap. */
      pushedOn: (orgId: string, day: string) => key(`pushed:${orgId}:${day}`),
      routing: (orgId: string) => key(`routing:${orgId}`),
      routedCentres: key('routed-centres'),
      centreMeta: (orgId: string) => key(`centre-meta:${orgId}`),
    },
    webhooks: {
      endpoint: (id: string) => key(`webhook:${id}`),
      all: key('webhooks'),
      ofOrg: (orgId: string) => key(`webhooks:org:${orgId}`),
      attempts: (id: string) => key(`webhook:${id}:attempts`),
      deliveries: (id: string) => key(`webhook:${id}:deliveries`),
      deliveryOrder: (id: string) => key(`webhook:${id}:delivery-order`),
      slots: (id: string) => key(`webhook:${id}:slots`),
      line: (id: string) => key(`webhook:${id}:line`),
    },
    rounds: {
      record: (id: string) => key(`round:${id}`),
      all: key('rounds'),
      poolLock: (province: string) => key(`pool-lock:${province}`),
    },
    value: {
      /** A counter: each value computation takes the next number before it reads, so a later reading always wins. */
      seq: key('value:seq'),
      /** What a patent's last value computation read besides its record, when it ran and its number, JSON. */
      profile: (pn: string) => key(`value:${pn}`),
      /** Profiles of one owner (`owner:<orgId>`, `owner:admin`) or of all (`all`), ordered for a scenario or by demand, sorted sets. */
      ranking: (of: string, order: string) => key(`value:ranking:${of}:${order}`),
      /** The open needs whose stored match of a patent is strong, a hash from need id to score. */
      demand: (pn: string) => key(`value:demand:${pn}`),
      /** The patents a need strongly matches as last recorded, with the computation's number, JSON. */
      need: (needId: string) => key(`value:need:${needId}`),
    },
    programme: {
      /** Needs stated, matches computed, pairings moved, patents listed, a stream. */
      activity: key('programme:activity'),
      /** Cultivation-pool decisions, a stream of its own (every recommendation replays it). */
      pool: key('programme:pool'),
    },
  }
}
