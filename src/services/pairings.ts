/**
 * Recommended pairings for operations centres: routing matches into pairings, the transfer
 * workflow with its audit trail, reason-coded feedback, and digests.
 */
import { z } from 'zod'
import { actorOf, authorize, disclosureTo, listScope, seesActorOrgs, type Action, type Principal } from '../domain/access.js'
import { NotFoundError, ValidationError, type ErrorDetail } from '../domain/errors.js'
import { withClassTitles, type IpcTitles } from '../domain/ipc-titles.js'
import { announceDigest, announcePairingChange } from '../domain/events.js'
import { disclosedNeedSchema, storedMatchSchema, type Need, type StoredMatch } from '../domain/need.js'
import { patentFactsSchema, type PatentFacts } from '../domain/patent-facts.js'
import { toPage, type Page, type PageRequest } from '../domain/paging.js'
import { loadPatentFacts } from './patent-facts.js'
import { orgSchema, type Org } from '../domain/org.js'
import {
  assertTransition,
  chinaDay,
  DECLINE_REASONS,
  inScope,
  pairingId,
  pairingSchema,
  toRouting,
  type DeclineReason,
  type Pairing,
  type PairingEvent,
  type PairingState,
  type Routing,
  type RoutingInput,
  type TransitionInput,
} from '../domain/pairing.js'
import type { MatchStore, NeedStore, OrgStore, PairingStore, PatentStore } from '../domain/ports.js'
import { readProvince, regionKey, type Regions } from '../domain/regions.js'
import type { JobQueue } from '../jobs.js'

export interface PairingsDeps {
  pairings: PairingStore
  needs: NeedStore
  matches: MatchStore
  patents: PatentStore
  orgs: OrgStore
  regions: Regions
  /** Titles of IPC codes, joined on reading to the classes an explanation shows; none by default. */
  ipcTitles?: IpcTitles
  /** The patents' value profiles are computed again when their pairings are created or move. */
  queue: Pick<JobQueue, 'enqueue'>
  now?: () => Date
}

/** What a caller sees of a pairing. A university sees the enterprise and need only as disclosed. */
export const pairingViewSchema = pairingSchema
  .pick({ id: true, publicationNumber: true, score: true, state: true, reason: true, centreOrgId: true, pushed: true, interestId: true, createdAt: true, updatedAt: true })
  .extend({
    needId: z.string().optional(),
    enterprise: orgSchema.pick({ id: true, name: true }).partial({ name: true }).optional(),
    need: disclosedNeedSchema.optional(),
    patent: patentFactsSchema.optional().describe('the patent as it is now: title, holder, kind, legal status, transfer modes, term left'),
    explanation: storedMatchSchema.shape.explanation.optional().describe("why the patent matched the need (shown as far as the need is disclosed to the caller)"),
  })
export type PairingView = z.infer<typeof pairingViewSchema>

/** Why enterprises passed over a patent: its pairings, the decline reasons counted, their notes. */
export const patentFeedbackSchema = z.object({
  publicationNumber: z.string(),
  pairings: z.number(),
  declined: z.record(z.enum(DECLINE_REASONS), z.number()),
  notes: z.array(z.string()),
})
export type PatentFeedback = z.infer<typeof patentFeedbackSchema>

const DIGEST_SIZE = 20

export function createPairingsService(deps: PairingsDeps) {
  const now = () => deps.now?.() ?? new Date()

  /** The pairing, when the caller takes part in it (for `action`); 404 otherwise, as for a missing one. */
  const mustSee = async (principal: Principal, action: Action, id: string): Promise<Pairing> => {
    const p = await deps.pairings.get(id)
    if (p === undefined) throw new NotFoundError(`pairing ${id}`)
    await authorize(principal, action, { ...p, kind: 'pairing' })
    return p
  }

  interface Loaded {
    needs: Map<string, Need | undefined>
    orgs: Map<string, Org | undefined>
    facts: Map<string, PatentFacts>
    /** Each need's stored match of each patent: need id → publication number → match. */
    matches: Map<string, Map<string, StoredMatch>>
  }

  const view = async (principal: Principal, p: Pairing, { needs, orgs, facts, matches }: Loaded): Promise<PairingView> => {
    const out: PairingView = {
      id: p.id,
      publicationNumber: p.publicationNumber,
      score: p.score,
      state: p.state,
      centreOrgId: p.centreOrgId,
      pushed: p.pushed,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    }
    if (p.reason !== undefined) out.reason = p.reason
    if (p.interestId !== undefined) out.interestId = p.interestId
    const need = needs.get(p.needId)
    const disclosure = disclosureTo(principal, need?.disclosure)
    if (disclosure === 'identity-and-need') {
      out.needId = p.needId
      if (need !== undefined) {
        out.need = { id: need.id, title: need.title }
        if (need.description !== undefined) out.need.description = need.description
      }
      // the explanation quotes the need's words: shown only where the need is
      const match = matches.get(p.needId)?.get(p.publicationNumber)
      if (match !== undefined) out.explanation = withClassTitles(match.explanation, deps.ipcTitles)
    }
    const patent = facts.get(p.publicationNumber)
    if (patent !== undefined) out.patent = patent
    if (disclosure !== 'none' && p.enterpriseOrgId !== undefined) {
      const org = orgs.get(p.enterpriseOrgId)
      out.enterprise = org === undefined ? { id: p.enterpriseOrgId } : { id: org.id, name: org.name }
    }
    return out
  }

  const views = async (principal: Principal, pairings: Pairing[]): Promise<PairingView[]> => {
    const needIds = [...new Set(pairings.map((p) => p.needId))]
    const loaded = await deps.needs.getMany(needIds)
    const needs = new Map(needIds.map((id, i) => [id, loaded[i]] as const))
    const orgIds = [...new Set(pairings.flatMap((p) => (p.enterpriseOrgId === undefined ? [] : [p.enterpriseOrgId])))]
    const orgs = new Map<string, Org | undefined>()
    for (const id of orgIds) orgs.set(id, await deps.orgs.get(id))
    const facts = await loadPatentFacts(deps, pairings.map((p) => p.publicationNumber), now())
    const sets = await Promise.all(needIds.map((id) => deps.matches.get(id)))
    const matches = new Map(needIds.map((id, i) => [id, new Map((sets[i]?.matches ?? []).map((m) => [m.publicationNumber, m] as const))] as const))
    return Promise.all(pairings.map((p) => view(principal, p, { needs, orgs, facts, matches })))
  }

  return {
    /** The `route-pairings` job: turns a need's matches in each centre's scope into pairings. */
    async routeNeed(payload: { needId: string }): Promise<void> {
      const need = await deps.needs.get(payload.needId)
      if (need === undefined || need.state !== 'open') return
      const set = await deps.matches.get(need.id)
      if (set === undefined || set.state !== 'ready' || set.matches.length === 0) return
      const centres = await deps.pairings.routedCentres()
      if (centres.length === 0) return
      const patents = await deps.patents.getMany(set.matches.map((m) => m.publicationNumber))
      const at = now()
      const paired = new Set<string>()
      for (const { orgId, routing } of centres) {
        const chosen = set.matches
          .map((m, i) => ({ m, patent: patents[i] }))
          .filter(({ m, patent }) => patent !== undefined && inScope(routing, regionKey(need), patent.ipc, m.score))
          .slice(0, routing.maxPerNeed)
        for (const { m, patent } of chosen) {
          const id = pairingId(orgId, need.id, m.publicationNumber)
          const pairing: Pairing = {
            id,
            centreOrgId: orgId,
            needId: need.id,
            publicationNumber: m.publicationNumber,
            score: m.score,
            state: 'recommended',
            pushed: false,
            createdAt: at.toISOString(),
            updatedAt: at.toISOString(),
          }
          if (need.ownerOrgId !== undefined) pairing.enterpriseOrgId = need.ownerOrgId
          if (need.province !== undefined) pairing.province = need.province
          if (need.provinceCode !== undefined) pairing.provinceCode = need.provinceCode
          if (patent!.ownerOrgId !== undefined) pairing.universityOrgId = patent!.ownerOrgId
          const history: PairingEvent = { pairingId: id, at: at.toISOString(), actor: { role: 'system' }, from: null, to: 'recommended' }
          await deps.pairings.createOrRescore({
            pairing,
            history,
            push: routing.delivery === 'immediate',
            ...(routing.dailyCap === undefined ? {} : { dailyCap: routing.dailyCap }),
            day: chinaDay(at),
            announce: announcePairingChange(pairing, history),
          })
          paired.add(m.publicationNumber)
        }
      }
      if (paired.size > 0) await deps.queue.enqueue('value-patents', { publicationNumbers: [...paired] })
    },

    /** The `pairing-digest` job: for each centre in digest mode whose period is over, one message. */
    async digest(): Promise<number> {
      const at = now()
      let sent = 0
      for (const { orgId, routing } of await deps.pairings.routedCentres()) {
        if (routing.delivery !== 'digest') continue
        const last = await deps.pairings.getMeta(orgId, 'lastDigestAt')
        if (last !== undefined && at.getTime() - Date.parse(last) < routing.digestHours * 3600_000) continue
        const held = (await deps.pairings.getMany(await deps.pairings.ids({ centre: orgId }))).filter((p) => !p.pushed && p.state === 'recommended')
        await deps.pairings.setMeta(orgId, 'lastDigestAt', at.toISOString())
        if (held.length === 0) continue
        const top = held.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, DIGEST_SIZE)
        await deps.pairings.publishDigest(top, announceDigest(orgId, at.toISOString(), last, held.length, top))
        sent++
      }
      return sent
    },

    async setRouting(principal: Principal, orgId: string, input: RoutingInput): Promise<Routing> {
      await authorize(principal, 'routing.set', { kind: 'organisation', id: orgId })
      const org = await deps.orgs.get(orgId)
      if (org === undefined) throw new NotFoundError(`organisation ${orgId}`)
      if (org.kind !== 'operations-centre') {
        throw new ValidationError('routing is set for operations centres only', [{ path: 'path.id', message: `this organisation is a ${org.kind}` }])
      }
      // Each province read against the region table, once each, in the order given.
      const read = { provinces: [] as string[], provinceCodes: [] as string[] }
      const unknown: ErrorDetail[] = []
      ;(input.provinces ?? []).forEach((p, i) => {
        const r = readProvince(deps.regions, p, `body.provinces.${i}`)
        if (!r.ok) unknown.push(r.detail)
        else if (!read.provinceCodes.includes(r.region.code)) {
          read.provinces.push(r.region.name)
          read.provinceCodes.push(r.region.code)
        }
      })
      if (unknown.length > 0) throw new ValidationError('the routing names provinces that are not known', unknown)
      const routing = toRouting(input, read)
      await deps.pairings.putRouting(orgId, routing)
      return routing
    },

    async getRouting(principal: Principal, orgId: string): Promise<Routing> {
      await authorize(principal, 'routing.read', { kind: 'organisation', id: orgId })
      const routing = await deps.pairings.getRouting(orgId)
      if (routing === undefined) throw new NotFoundError(`routing of ${orgId}`)
      return routing
    },

    /** The pairings the caller takes part in, newest first, a page at a time. */
    async list(principal: Principal, filter: { state?: PairingState }, page: PageRequest): Promise<Page<PairingView>> {
      const scope = listScope(principal, 'pairings.list')
      const index =
        scope === 'all' ? ('all' as const) : scope.party === 'centre' ? { centre: scope.orgId } : scope.party === 'university' ? { university: scope.orgId } : { enterprise: scope.orgId }
      const found = await deps.pairings.page(index, {
        limit: page.limit,
        ...(page.cursor === undefined ? {} : { after: page.cursor }),
        keep: (p) => filter.state === undefined || p.state === filter.state,
      })
      return toPage({ ...found, items: await views(principal, found.items) })
    },

    async get(principal: Principal, id: string): Promise<PairingView> {
      return (await views(principal, [await mustSee(principal, 'pairings.read', id)]))[0]!
    },

    async history(principal: Principal, id: string): Promise<PairingEvent[]> {
      await mustSee(principal, 'pairings.history', id)
      const events = await deps.pairings.history(id)
      return seesActorOrgs(principal) ? events : events.map((e) => ({ ...e, actor: { role: e.actor.role } }))
    },

    async transition(principal: Principal, id: string, input: TransitionInput): Promise<PairingView> {
      await mustSee(principal, 'pairings.transition', id)
      const at = now().toISOString()
      const next = await deps.pairings.transition(id, (current) => {
        assertTransition(current.state, input.to)
        const updated: Pairing = { ...current, state: input.to, updatedAt: at }
        if (input.reason !== undefined) updated.reason = input.reason
        const history: PairingEvent = {
          pairingId: id,
          at,
          actor: actorOf(principal),
          from: current.state,
          to: input.to,
        }
        if (input.reason !== undefined) history.reason = input.reason
        if (input.note !== undefined) history.note = input.note
        return { next: updated, history, announce: announcePairingChange(updated, history) }
      })
      if (next === undefined) throw new NotFoundError(`pairing ${id}`)
      await deps.queue.enqueue('value-patents', { publicationNumbers: [next.publicationNumber] })
      return (await views(principal, [next]))[0]!
    },

    /** Why enterprises passed over a patent: decline reasons counted, for its university. */
    async feedback(principal: Principal, publicationNumber: string): Promise<PatentFeedback> {
      const patent = await deps.patents.get(publicationNumber)
      if (patent === undefined) throw new NotFoundError(`patent ${publicationNumber}`)
      await authorize(principal, 'patents.feedback', { ...patent, kind: 'patent' })
      const ids = patent.ownerOrgId === undefined ? await deps.pairings.ids('all') : await deps.pairings.ids({ university: patent.ownerOrgId })
      const pairings = (await deps.pairings.getMany(ids)).filter((p) => p.publicationNumber === publicationNumber)
      const declined = Object.fromEntries(DECLINE_REASONS.map((r) => [r, 0])) as Record<DeclineReason, number>
      const notes: string[] = []
      for (const p of pairings) {
        if (p.state !== 'declined' || p.reason === undefined) continue
        declined[p.reason]++
        const last = (await deps.pairings.history(p.id)).findLast((e) => e.to === 'declined')
        if (last?.note !== undefined) notes.push(last.note)
      }
      return { publicationNumber, pairings: pairings.length, declined, notes }
    },

    /** Whether a need is routed to this centre (an operations centre may read such a need). */
    async isRoutedTo(needId: string, centreOrgId: string): Promise<boolean> {
      return (await deps.pairings.centresOfNeed(needId)).includes(centreOrgId)
    },
  }
}

export type PairingsService = ReturnType<typeof createPairingsService>
