/**
 * Enterprises express interest in a patent; the patent's university sees that interest, with the
 * enterprise's identity and need only as far as the enterprise chose to disclose them.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { authorize, disclosureTo, listScope, type Principal } from '../domain/access.js'
import { NotFoundError } from '../domain/errors.js'
import { toPage, type Page, type PageRequest } from '../domain/paging.js'
import { publicationNumberSchema } from '../domain/patent.js'
import { interestSchema, type Interest } from '../domain/interest.js'
import { disclosedNeedSchema, DISCLOSURE_LEVELS } from '../domain/need.js'
import { orgSchema } from '../domain/org.js'
import type { InterestStore, NeedStore, OrgStore, PatentStore } from '../domain/ports.js'

export const interestInputSchema = z.strictObject({
  publicationNumber: publicationNumberSchema,
  /** One of the enterprise's own needs that this patent would answer. */
  needId: z.uuid().optional(),
  message: z.string().trim().min(1).max(2000).optional(),
  disclosure: z.enum(DISCLOSURE_LEVELS).default('none'),
})
export type InterestInput = z.infer<typeof interestInputSchema>

/** What a caller sees of an interest: the enterprise and its need only as far as disclosed. */
export const interestViewSchema = interestSchema.pick({ id: true, publicationNumber: true, message: true, disclosure: true, createdAt: true }).extend({
  enterprise: orgSchema.pick({ id: true, name: true }).optional(),
  need: disclosedNeedSchema.optional(),
})
export type InterestView = z.infer<typeof interestViewSchema>

export interface InterestsDeps {
  interests: InterestStore
  patents: PatentStore
  needs: NeedStore
  orgs: OrgStore
  now?: () => Date
}

export function createInterestsService(deps: InterestsDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString()

  /** What the caller may see of an interest: the university sees the enterprise as far as it disclosed itself. */
  const view = async (principal: Principal, i: Interest): Promise<InterestView> => {
    const disclosure = disclosureTo(principal, i.disclosure)
    const out: InterestView = { id: i.id, publicationNumber: i.publicationNumber, disclosure: i.disclosure, createdAt: i.createdAt }
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
    return out
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
        createdAt: now(),
      }
      if (patent.ownerOrgId !== undefined) interest.universityOrgId = patent.ownerOrgId
      if (input.needId !== undefined) interest.needId = input.needId
      if (input.message !== undefined) interest.message = input.message
      await deps.interests.create(interest)
      return view(principal, interest)
    },

    /** The enterprise's own interests; a university's, those in its patents; the admin's, all; newest first, a page at a time. */
    async list(principal: Principal, page: PageRequest): Promise<Page<InterestView>> {
      const scope = listScope(principal, 'interests.list')
      const index = scope === 'all' ? ('all' as const) : scope.party === 'university' ? { university: scope.orgId } : { enterprise: scope.orgId }
      const found = await deps.interests.page(index, { limit: page.limit, ...(page.cursor === undefined ? {} : { after: page.cursor }) })
      const items = await Promise.all(found.items.map((i) => view(principal, i)))
      return toPage({ ...found, items })
    },
  }
}

export type InterestsService = ReturnType<typeof createInterestsService>
