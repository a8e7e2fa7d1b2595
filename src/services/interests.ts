/**
 * Enterprises express interest in a patent; the patent's university sees that interest, with the
 * enterprise's identity and need only as far as the enterprise chose to disclose them, and answers
 * it: accepting opens a pairing with the operations centre of the enterprise's province, declining
 * gives a reason. An enterprise holds one interest per patent and need.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { actorOf, authorize, disclosureTo, listScope, type Action, type Principal } from '../domain/access.js'
import { ConflictError, NotFoundError } from '../domain/errors.js'
import { announcePairingChange } from '../domain/events.js'
import {
  INTEREST_STATES,
  interestAnswerSchema,
  interestSchema,
  type AcceptInterestInput,
  type DeclineInterestInput,
  type Interest,
  type InterestState,
} from '../domain/interest.js'
import { disclosedNeedSchema, DISCLOSURE_LEVELS } from '../domain/need.js'
import { orgSchema } from '../domain/org.js'
import { toPage, type Page, type PageRequest } from '../domain/paging.js'
import { centreForProvince, chinaDay, pairingId, type Pairing, type PairingEvent } from '../domain/pairing.js'
import { publicationNumberSchema } from '../domain/patent.js'
import type { CreatePairing, InterestStore, MatchStore, NeedStore, OrgStore, PairingStore, PatentStore } from '../domain/ports.js'
import { regionKey } from '../domain/regions.js'
import type { JobQueue } from '../jobs.js'

export const interestInputSchema = z.strictObject({
  publicationNumber: publicationNumberSchema,
  /** One of the enterprise's own needs that this patent would answer. */
  needId: z.uuid().optional(),
  message: z.string().trim().min(1).max(2000).optional(),
  disclosure: z.enum(DISCLOSURE_LEVELS).default('none'),
})
export type InterestInput = z.infer<typeof interestInputSchema>

/** What a caller sees of an interest: the enterprise and its need only as far as disclosed; its state and answer to both sides. */
export const interestViewSchema = interestSchema
  .pick({ id: true, publicationNumber: true, message: true, disclosure: true, state: true, createdAt: true })
  .extend({
    enterprise: orgSchema.pick({ id: true, name: true }).optional(),
    need: disclosedNeedSchema.optional(),
    hasNeed: z.boolean().describe('whether the interest names a need (shown in `need` only as far as disclosed): only such an interest can be accepted'),
    answer: interestAnswerSchema
      .extend({ centre: orgSchema.pick({ id: true, name: true }).optional().describe('the operations centre that carries the pairing') })
      .optional()
      .describe("the university's answer: when, by whom, the pairing it opened or why it declined"),
  })
export type InterestView = z.infer<typeof interestViewSchema>

export interface InterestFilter {
  state?: InterestState
  needId?: string
  publicationNumber?: string
}
export const interestFilterQuery = {
  state: z.enum(INTEREST_STATES).optional(),
  needId: z.uuid('expected a need id').optional(),
  publicationNumber: publicationNumberSchema.optional(),
}

export interface InterestsDeps {
  interests: InterestStore
  patents: PatentStore
  needs: NeedStore
  orgs: OrgStore
  pairings: PairingStore
  matches: MatchStore
  /** The patent's value profile is computed again when an interest in it is expressed or answered. */
  queue: Pick<JobQueue, 'enqueue'>
  now?: () => Date
}

export function createInterestsService(deps: InterestsDeps) {
  const now = () => deps.now?.() ?? new Date()
  const revalue = (i: Pick<Interest, 'publicationNumber'>) => deps.queue.enqueue('value-patents', { publicationNumbers: [i.publicationNumber] })

  /** What the caller may see of an interest: the university sees the enterprise as far as it disclosed itself. */
  const view = async (principal: Principal, i: Interest): Promise<InterestView> => {
    const disclosure = disclosureTo(principal, i.disclosure)
    const out: InterestView = { id: i.id, publicationNumber: i.publicationNumber, disclosure: i.disclosure, state: i.state, hasNeed: i.needId !== undefined, createdAt: i.createdAt }
    if (i.message !== undefined) out.message = i.message
    if (disclosure !== 'none') {
      const org = await deps.orgs.get(i.enterpriseOrgId)
      if (org !== undefined) out.enterprise = { id: org.id, name: org.name }
    }
    if (i.needId !== undefined && disclosure === 'identity-and-need') {
      const need = await deps.needs.get(i.needId)
      if (need !== undefined) {
        out.need = { id: need.id, title: need.title }
        if (need.description !== undefined) out.need.description = need.description
      }
    }
    if (i.answer !== undefined) {
      out.answer = { ...i.answer }
      if (i.answer.centreOrgId !== undefined) {
        const centre = await deps.orgs.get(i.answer.centreOrgId)
        if (centre !== undefined) out.answer.centre = { id: centre.id, name: centre.name }
      }
    }
    return out
  }

  /** The interest, when the caller may take `action` on it; 404 otherwise, as for a missing one. */
  const mustSee = async (principal: Principal, action: Action, id: string): Promise<Interest> => {
    const i = await deps.interests.get(id)
    if (i === undefined) throw new NotFoundError(`interest ${id}`)
    await authorize(principal, action, { ...i, kind: 'interest' })
    return i
  }

  const assertOpen = (i: Interest) => {
    if (i.state !== 'open') {
      throw new ConflictError('interest_answered', `interest ${i.id} was already ${i.state} on ${i.answer?.at ?? 'an earlier day'}; an answer is final`, [
        { path: 'path.id', message: `already ${i.state}`, zh: `已${i.state === 'accepted' ? '接受' : '拒绝'}` },
      ])
    }
  }

  return {
    async create(principal: Principal & { orgId: string }, input: InterestInput): Promise<InterestView> {
      const patent = await deps.patents.get(input.publicationNumber)
      if (patent === undefined || patent.status !== 'listed') throw new NotFoundError(`patent ${input.publicationNumber}`)
      if (input.needId !== undefined) {
        const need = await deps.needs.get(input.needId)
        if (need === undefined) throw new NotFoundError(`need ${input.needId}`)
        await authorize(principal, 'interests.create', { ...need, kind: 'need' })
      }
      const interest: Interest = {
        id: randomUUID(),
        publicationNumber: patent.publicationNumber,
        enterpriseOrgId: principal.orgId,
        disclosure: input.disclosure,
        state: 'open',
        createdAt: now().toISOString(),
      }
      if (patent.ownerOrgId !== undefined) interest.universityOrgId = patent.ownerOrgId
      if (input.needId !== undefined) interest.needId = input.needId
      if (input.message !== undefined) interest.message = input.message
      const stored = await deps.interests.create(interest)
      if (!stored.created) {
        const forWhat = input.needId === undefined ? 'without a need' : `for need ${input.needId}`
        throw new ConflictError('already_exists', `this enterprise already expressed interest in ${patent.publicationNumber} ${forWhat}: interest ${stored.existingId}`, [
          { path: 'body.publicationNumber', message: `already expressed: interest ${stored.existingId}`, zh: `已表达过意向（意向 ${stored.existingId}）`, value: stored.existingId },
        ])
      }
      await revalue(interest)
      return view(principal, interest)
    },

    async get(principal: Principal, id: string): Promise<InterestView> {
      return view(principal, await mustSee(principal, 'interests.read', id))
    },

    /** The enterprise's own interests; a university's, those in its patents; the admin's, all; newest first, a page at a time. */
    async list(principal: Principal, filter: InterestFilter, page: PageRequest): Promise<Page<InterestView>> {
      const scope = listScope(principal, 'interests.list')
      const index = scope === 'all' ? ('all' as const) : scope.party === 'university' ? { university: scope.orgId } : { enterprise: scope.orgId }
      const filtered = filter.state !== undefined || filter.needId !== undefined || filter.publicationNumber !== undefined
      const keep = (i: Interest) =>
        (filter.state === undefined || i.state === filter.state) &&
        (filter.needId === undefined || i.needId === filter.needId) &&
        (filter.publicationNumber === undefined || i.publicationNumber === filter.publicationNumber)
      const found = await deps.interests.page(index, { limit: page.limit, ...(page.cursor === undefined ? {} : { after: page.cursor }), ...(filtered ? { keep } : {}) })
      const items = await Promise.all(found.items.map((i) => view(principal, i)))
      return toPage({ ...found, items })
    },

    /**
     * The university accepts: the interest becomes a pairing, at the workflow's first state, with
     * the operations centre of the enterprise's province (its registered province, else its need's),
     * the university as the actor of its first audit entry. Written with the answer in one transaction.
     */
    async accept(principal: Principal, id: string, input: AcceptInterestInput): Promise<InterestView> {
      const interest = await mustSee(principal, 'interests.accept', id)
      assertOpen(interest)
      if (interest.needId === undefined) {
        throw new ConflictError(
          'interest_without_need',
          `interest ${id} names no need: a pairing is a need and a patent, so it can be declined (reason "insufficient-information") but not accepted`,
        )
      }
      const need = await deps.needs.get(interest.needId)
      if (need === undefined) throw new ConflictError('interest_without_need', `the need of interest ${id} is no longer on record`)
      if (need.state !== 'open') throw new ConflictError('need_closed', `the enterprise has closed the need of interest ${id}; there is nothing to pair it with`)
      const [enterprise, patent, centres, matches] = await Promise.all([
        deps.orgs.get(interest.enterpriseOrgId),
        deps.patents.get(interest.publicationNumber),
        deps.pairings.routedCentres(),
        deps.matches.get(need.id),
      ])
      // The enterprise's place: where it is registered; failing that, where its need is.
      const place = enterprise !== undefined && regionKey(enterprise) !== undefined ? enterprise : need
      const province = regionKey(place)
      const centreOrgId = centreForProvince(centres, province, patent?.ipc ?? [])
      if (centreOrgId === undefined) {
        const where = place.province ?? province
        throw new ConflictError(
          'no_centre_for_province',
          where === undefined
            ? `the enterprise has no province on record, so no operations centre can take the pairing; the interest stays open`
            : `no operations centre serves ${where} (${province}) yet; the interest stays open and can be accepted once one does`,
        )
      }
      const routing = centres.find((c) => c.orgId === centreOrgId)!.routing
      const at = now()
      const pid = pairingId(centreOrgId, need.id, interest.publicationNumber)
      const existing = await deps.pairings.get(pid)
      const actor = actorOf(principal)
      let create: CreatePairing | undefined
      if (existing === undefined) {
        const pairing: Pairing = {
          id: pid,
          centreOrgId,
          needId: need.id,
          enterpriseOrgId: interest.enterpriseOrgId,
          publicationNumber: interest.publicationNumber,
          score: matches?.matches.find((m) => m.publicationNumber === interest.publicationNumber)?.score ?? 0,
          state: 'recommended',
          pushed: false,
          interestId: interest.id,
          createdAt: at.toISOString(),
          updatedAt: at.toISOString(),
        }
        if (interest.universityOrgId !== undefined) pairing.universityOrgId = interest.universityOrgId
        if (place.province !== undefined) pairing.province = place.province
        if (province !== undefined) pairing.provinceCode = province
        const history: PairingEvent = { pairingId: pid, at: at.toISOString(), actor, from: null, to: 'recommended' }
        if (input.note !== undefined) history.note = input.note
        create = {
          pairing,
          history,
          push: routing.delivery === 'immediate',
          ...(routing.dailyCap === undefined ? {} : { dailyCap: routing.dailyCap }),
          day: chinaDay(at),
          announce: announcePairingChange(pairing, history),
        }
      }
      const answered = await deps.interests.answer(id, (current) => {
        assertOpen(current)
        const answer: Interest['answer'] = { at: at.toISOString(), actor, pairingId: pid, centreOrgId }
        if (input.note !== undefined) answer.note = input.note
        return { next: { ...current, state: 'accepted', answer }, ...(create === undefined ? {} : { pairing: create }) }
      })
      if (answered === undefined) throw new NotFoundError(`interest ${id}`)
      await revalue(answered)
      return view(principal, answered)
    },

    /** The university declines, with a reason (and a note, required for "other"). */
    async decline(principal: Principal, id: string, input: DeclineInterestInput): Promise<InterestView> {
      const interest = await mustSee(principal, 'interests.decline', id)
      assertOpen(interest)
      const at = now().toISOString()
      const answered = await deps.interests.answer(id, (current) => {
        assertOpen(current)
        const answer: Interest['answer'] = { at, actor: actorOf(principal), reason: input.reason }
        if (input.note !== undefined) answer.note = input.note
        return { next: { ...current, state: 'declined', answer } }
      })
      if (answered === undefined) throw new NotFoundError(`interest ${id}`)
      await revalue(answered)
      return view(principal, answered)
    },
  }
}

export type InterestsService = ReturnType<typeof createInterestsService>
