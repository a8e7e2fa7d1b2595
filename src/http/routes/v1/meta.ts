/**
 * `GET /v1/meta`: the domain's enums, each value with its names in Chinese and English, and the
 * pairing workflow's allowed moves, so that the console copies none of them. Any key may read it.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '../../../domain/errors.js'
import { EVENT_TYPES } from '../../../domain/events.js'
import { ATTEMPT_OUTCOMES } from '../../../domain/webhooks.js'
import { IMPORT_STATES } from '../../../domain/imports.js'
import {
  ATTEMPT_OUTCOME_LABELS,
  DECLINE_REASON_LABELS,
  DELIVERY_MODE_LABELS,
  DISCLOSURE_LEVEL_LABELS,
  ERROR_CODE_LABELS,
  ENTERPRISE_FLAG_LABELS,
  ENTERPRISE_SIZE_LABELS,
  IMPORT_STATE_LABELS,
  INTEREST_DECLINE_REASON_LABELS,
  INTEREST_STATE_LABELS,
  LEGAL_STATUS_LABELS,
  ORG_KIND_LABELS,
  PAIRING_STATE_LABELS,
  PATENT_STATUS_LABELS,
  POOL_EVENT_LABELS,
  POOL_STATUS_LABELS,
  PROGRESS_KIND_LABELS,
  TRANSFER_MODE_LABELS,
  VIOLATION_NAMES,
  WITHDRAWAL_REASON_LABELS,
  type Label,
} from '../../../domain/labels.js'
import { DISCLOSURE_LEVELS } from '../../../domain/need.js'
import { ENTERPRISE_FLAGS, ENTERPRISE_SIZES, ORG_KINDS } from '../../../domain/org.js'
import { INTEREST_STATES } from '../../../domain/interest.js'
import { DECLINE_REASONS, DELIVERY_MODES, INTEREST_DECLINE_REASONS, MAIN_PATH, PAIRING_STATES, TRANSITIONS } from '../../../domain/pairing.js'
import { LEGAL_STATUSES, PATENT_STATUSES, TRANSFER_MODES } from '../../../domain/patent.js'
import { POOL_EVENT_TYPES, POOL_STATUSES, PROGRESS_KINDS, VIOLATIONS, WITHDRAWAL_REASONS, type PoolEventType } from '../../../domain/pool.js'
import { errorResponses } from '../../schemas.js'

const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]

const labelled = <V extends string>(values: readonly [V, ...V[]]) => z.array(z.object({ value: z.enum(values), zh: z.string(), en: z.string() }))
const withLabels = <V extends string>(values: readonly V[], labels: Record<V, Label>) => values.map((value) => ({ value, ...labels[value] }))

const metaSchema = z.object({
  pairingStates: z.array(
    z.object({ value: z.enum(PAIRING_STATES), zh: z.string(), en: z.string(), next: z.array(z.enum(PAIRING_STATES)).describe('the states a pairing may move to from this one') }),
  ),
  mainPath: z.array(z.enum(PAIRING_STATES)).describe('the workflow from recommendation to industrialisation, without its early ends'),
  declineReasons: labelled(DECLINE_REASONS),
  interestStates: labelled(INTEREST_STATES).describe("an enterprise's interest: open until the patent's university accepts or declines it"),
  interestDeclineReasons: labelled(INTEREST_DECLINE_REASONS).describe('why a university declines an interest in its patent'),
  disclosureLevels: labelled(DISCLOSURE_LEVELS),
  legalStatuses: labelled(LEGAL_STATUSES),
  patentStatuses: labelled(PATENT_STATUSES).describe('listed: on the market; withdrawn: taken off it by its university'),
  transferModes: labelled(TRANSFER_MODES),
  orgKinds: labelled(ORG_KINDS),
  poolStatuses: labelled(POOL_STATUSES),
  importStates: labelled(IMPORT_STATES),
  deliveryModes: labelled(DELIVERY_MODES).describe("how an operations centre's pairings are pushed"),
  attemptOutcomes: labelled(ATTEMPT_OUTCOMES).describe('what became of one webhook delivery attempt'),
  enterpriseSizes: labelled(ENTERPRISE_SIZES),
  enterpriseFlags: labelled(ENTERPRISE_FLAGS),
  violations: labelled(VIOLATIONS).describe('the violations that withdraw an enterprise from the pool at once'),
  withdrawalReasons: labelled(WITHDRAWAL_REASONS),
  progressKinds: labelled(PROGRESS_KINDS),
  poolEventTypes: labelled(POOL_EVENT_TYPES as unknown as readonly [PoolEventType, ...PoolEventType[]]).describe('the kinds of pool decision'),
  eventTypes: z.array(z.enum(EVENT_TYPES)),
  errorCodes: labelled(ERROR_CODES).describe("every error `code` the API answers with, and what it means for a person (the error's `message` says the particulars, in English)"),
})

const META: z.infer<typeof metaSchema> = {
  pairingStates: PAIRING_STATES.map((value) => ({ value, ...PAIRING_STATE_LABELS[value], next: [...TRANSITIONS[value]] })),
  mainPath: [...MAIN_PATH],
  declineReasons: withLabels(DECLINE_REASONS, DECLINE_REASON_LABELS),
  interestStates: withLabels(INTEREST_STATES, INTEREST_STATE_LABELS),
  interestDeclineReasons: withLabels(INTEREST_DECLINE_REASONS, INTEREST_DECLINE_REASON_LABELS),
  disclosureLevels: withLabels(DISCLOSURE_LEVELS, DISCLOSURE_LEVEL_LABELS),
  legalStatuses: withLabels(LEGAL_STATUSES, LEGAL_STATUS_LABELS),
  patentStatuses: withLabels(PATENT_STATUSES, PATENT_STATUS_LABELS),
  transferModes: withLabels(TRANSFER_MODES, TRANSFER_MODE_LABELS),
  orgKinds: withLabels(ORG_KINDS, ORG_KIND_LABELS),
  poolStatuses: withLabels(POOL_STATUSES, POOL_STATUS_LABELS),
  importStates: withLabels(IMPORT_STATES, IMPORT_STATE_LABELS),
  deliveryModes: withLabels(DELIVERY_MODES, DELIVERY_MODE_LABELS),
  attemptOutcomes: withLabels(ATTEMPT_OUTCOMES, ATTEMPT_OUTCOME_LABELS),
  enterpriseSizes: withLabels(ENTERPRISE_SIZES, ENTERPRISE_SIZE_LABELS),
  enterpriseFlags: withLabels(ENTERPRISE_FLAGS, ENTERPRISE_FLAG_LABELS),
  violations: withLabels(VIOLATIONS, VIOLATION_NAMES),
  withdrawalReasons: withLabels(WITHDRAWAL_REASONS, WITHDRAWAL_REASON_LABELS),
  progressKinds: withLabels(PROGRESS_KINDS, PROGRESS_KIND_LABELS),
  poolEventTypes: withLabels(POOL_EVENT_TYPES, POOL_EVENT_LABELS),
  eventTypes: [...EVENT_TYPES],
  errorCodes: withLabels(ERROR_CODES, ERROR_CODE_LABELS),
}

export const metaRoutes: FastifyPluginAsync = async (app) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/meta',
    {
      config: { access: 'meta.read' },
      schema: { description: 'Any valid key. Each enum value comes with its Chinese and English names, so that clients (the console among them) copy no enum: pairing states with the moves each allows and the main path, decline reasons, disclosure levels, legal statuses, transfer modes, organisation kinds, pool statuses, import states, patent listing states, the event types of the live stream and webhooks, and the error codes.', summary: "The domain's enums with their names (zh, en), and the pairing workflow's moves", response: { 200: metaSchema, ...errorResponses } },
    },
    async () => META,
  )
}
