/**
 * Programme monitoring (监测评价): figures per province and year computed only from recorded events,
 * each figure with the ids of the events behind it, so a spot check can trace every number.
 *
 * Scope:
 * - Year: flows count events whose `at` falls in that calendar year in China time (UTC+8); stocks
 *   (pairings by current state, pool "in", places left) are as at the end of that year. Without a
 *   year, all events and the state after the last one.
 * - Province: a need's province is the last one recorded for it before the end of the scope: where
 *   it was stated (need-created), moved to (need-moved) or, for needs moved before moves were
 *   recorded, where its latest match was computed (match-computed carries the need's province at
 *   the time). Everything on a need (its creation, matches, pairings) counts in that one province,
 *   so the funnel's stages agree; a match or pairing whose need is not on record takes its own
 *   `province`. A listed patent takes its university's `province`. An event whose province is
 *   unknown is left out when a province is asked for. Pool events carry their province.
 *
 * Counting (value = eventIds.length for every counted figure, the id being the event that made it
 * count; but patents listed, whose events are batches: there the value counts patents and the ids
 * are the events that listed them):
 * - needs: need-created events.
 * - matches: distinct (need, patent) pairs with a match-computed event in the year; recomputations of
 *   the same pair count once, by their first event in the year.
 * - pairings.reached[state]: distinct pairings that entered that state in the year (first such event).
 * - pairings.inState[state]: pairings in that state at the end of the year (their latest event).
 * - agreements: distinct pairings that first reached agreement-signed or a later state
 *   (recorded, industrialised) in the year; a pairing counts in one year only.
 * - industrialised: distinct pairings that first reached industrialised in the year.
 * - per university: patents listed (distinct publication numbers listed in the year) and transferred or
 *   licensed (pairings of its patents counted under agreements). A pairing's university is its own
 *   `universityOrgId`, else the one that listed its patent.
 */
import { z } from 'zod'
import {
  chinaYearBounds,
  figureSchema,
  instantMs,
  isPoolEvent,
  poolCounts,
  poolCountsSchema,
  provinceQuota,
  sortByTime,
  type Figure,
  type PoolEvent,
} from './pool.js'

export type { Figure, PoolCounts } from './pool.js'

import { AGREED_STATES, PAIRING_STATES, type PairingState } from './pairing.js'
import { regionKey } from './regions.js'

export { PAIRING_STATES, type PairingState } from './pairing.js'

/** States at or after the signing of an agreement: the patent counts as transferred or licensed. */
export const AGREEMENT_STATES = AGREED_STATES

interface EventBase {
  id: string
  /** ISO 8601 instant. */
  at: string
}

/** Where an event happened: the province's full name, and its code (absent in events recorded before codes). */
type EventProvince = { province?: string; provinceCode?: string }

export type NeedCreatedEvent = EventBase & EventProvince & { type: 'need-created'; needId: string; orgId: string }
/** A need's province changed (`PATCH /v1/needs/{id}`): the need, its matches and pairings count in the new one. */
export type NeedMovedEvent = EventBase & EventProvince & { type: 'need-moved'; needId: string }
export type MatchComputedEvent = EventBase &
  EventProvince & {
    type: 'match-computed'
    needId: string
    publicationNumber: string
    universityOrgId?: string
  }
export type PairingStateChangedEvent = EventBase &
  EventProvince & {
    type: 'pairing-state-changed'
    pairingId: string
    /** null when the pairing is created. */
    from: PairingState | null
    to: PairingState
    needId?: string
    publicationNumber?: string
    universityOrgId?: string
    enterpriseId?: string
  }
/** A patent's first listing, one event each: what versions before `patents-listed` recorded (read still). */
export type PatentListedEvent = EventBase & EventProvince & { type: 'patent-listed'; publicationNumber: string; universityOrgId: string }
/** First listings of one university at one time (an import's batch), one event for them all. */
export type PatentsListedEvent = EventBase & EventProvince & { type: 'patents-listed'; publicationNumbers: string[]; universityOrgId: string }

export type ProgrammeEvent = NeedCreatedEvent | NeedMovedEvent | MatchComputedEvent | PairingStateChangedEvent | PatentListedEvent | PatentsListedEvent | PoolEvent

/** The patents an event of either listing kind lists. */
const listedIn = (e: PatentListedEvent | PatentsListedEvent): readonly string[] => (e.type === 'patent-listed' ? [e.publicationNumber] : e.publicationNumbers)

export interface StatsInput {
  events: readonly ProgrammeEvent[]
  /** The province asked for, by its key (its code, see `regionKey`) … */
  province?: string
  /** … and its full name, shown in the scope (the key when absent). */
  provinceName?: string
  year?: number
  /** Provinces (by key) whose pool quota is 500 rather than 300. */
  largeProvinces?: ReadonlySet<string>
}

export const universityFiguresSchema = z.object({
  universityOrgId: z.string(),
  /** The university's registered name (added by the service; absent for one not on record). */
  name: z.string().optional(),
  patentsListed: figureSchema,
  transferredOrLicensed: figureSchema,
})
export type UniversityFigures = z.infer<typeof universityFiguresSchema>

const byStateSchema = z.record(z.enum(PAIRING_STATES), figureSchema)

export const statsSchema = z.object({
  scope: z.object({ province: z.string().nullable(), provinceCode: z.string().nullable().optional(), year: z.number().int().nullable(), from: z.string().nullable(), to: z.string().nullable() }),
  funnel: z.object({
    needs: figureSchema,
    matches: figureSchema,
    pairings: z.object({ reached: byStateSchema, inState: byStateSchema }),
    agreements: figureSchema,
    industrialised: figureSchema,
  }),
  /** One entry per province in scope, by province code. */
  pool: z.array(poolCountsSchema),
  /** By university id. */
  universities: z.array(universityFiguresSchema),
})
export type Stats = z.infer<typeof statsSchema>

const byState = <T>(make: () => T): Record<PairingState, T> =>
  Object.fromEntries(PAIRING_STATES.map((s) => [s, make()])) as Record<PairingState, T>

const figure = (ids: string[]): Figure => ({ value: ids.length, eventIds: ids })

interface PairingInfo {
  province?: string
  needId?: string
  publicationNumber?: string
  universityOrgId?: string
}

export function computeStats(input: StatsInput): Stats {
  const { province, year } = input
  const bounds = year !== undefined ? chinaYearBounds(year) : undefined
  const fromMs = bounds?.from.getTime() ?? Number.NEGATIVE_INFINITY
  const toMs = bounds?.to.getTime() ?? Number.POSITIVE_INFINITY
  const events = sortByTime(input.events)

  // Joins use every event, whatever its time or province: a need created last year gives this year's pairing its province.
  const needProvince = new Map<string, string>()
  const listedBy = new Map<string, { universityOrgId: string; province?: string }>()
  const pairings = new Map<string, PairingInfo>()
  for (const e of events) {
    const key = regionKey(e)
    // A need's province: the latest recorded before the end of the scope.
    if (e.type === 'need-created' || e.type === 'need-moved' || e.type === 'match-computed') {
      if (key !== undefined && instantMs(e.at) < toMs) needProvince.set(e.needId, key)
    } else if (e.type === 'patent-listed' || e.type === 'patents-listed') {
      for (const pn of listedIn(e)) if (!listedBy.has(pn)) listedBy.set(pn, { universityOrgId: e.universityOrgId, ...(key !== undefined ? { province: key } : {}) })
    } else if (e.type === 'pairing-state-changed') {
      const p = pairings.get(e.pairingId) ?? {}
      p.province ??= key
      p.needId ??= e.needId
      p.publicationNumber ??= e.publicationNumber
      p.universityOrgId ??= e.universityOrgId
      pairings.set(e.pairingId, p)
    }
  }
  const pairingProvince = (id: string): string | undefined => {
    const p = pairings.get(id)
    return (p?.needId !== undefined ? needProvince.get(p.needId) : undefined) ?? p?.province
  }
  const pairingUniversity = (id: string): string | undefined => {
    const p = pairings.get(id)
    return p?.universityOrgId ?? (p?.publicationNumber !== undefined ? listedBy.get(p.publicationNumber)?.universityOrgId : undefined)
  }
  /** The key of an event's province (its code, see `regionKey`). */
  const provinceOf = (e: ProgrammeEvent): string | undefined => {
    switch (e.type) {
      case 'need-created':
      case 'need-moved':
      case 'match-computed':
        return needProvince.get(e.needId) ?? regionKey(e)
      case 'pairing-state-changed':
        return pairingProvince(e.pairingId)
      default:
        return regionKey(e)
    }
  }

  const needs: string[] = []
  const matchSeen = new Set<string>()
  const matches: string[] = []
  const reached = byState<string[]>(() => [])
  const reachedSeen = byState<Set<string>>(() => new Set())
  const latest = new Map<string, { id: string; to: PairingState }>()
  const agreed = new Set<string>()
  const agreements: string[] = []
  const industrialisedSeen = new Set<string>()
  const industrialised: string[] = []
  const listed = new Map<string, { ids: string[]; seen: Set<string> }>()
  const transferred = new Map<string, string[]>()
  const university = (id: string) => {
    if (!listed.has(id)) listed.set(id, { ids: [], seen: new Set() })
    if (!transferred.has(id)) transferred.set(id, [])
  }
  const poolEvents: PoolEvent[] = []
  const poolProvinces = new Set<string>()
  /** Each pool province's full name, by key. */
  const provinceNames = new Map<string, string>()

  for (const e of events) {
    const t = instantMs(e.at)
    if (t >= toMs) break
    if (province !== undefined && provinceOf(e) !== province) continue
    if (isPoolEvent(e)) {
      poolEvents.push(e)
      const key = regionKey(e)!
      poolProvinces.add(key)
      provinceNames.set(key, e.province)
      continue
    }
    if (e.type === 'pairing-state-changed') latest.set(e.pairingId, { id: e.id, to: e.to })
    const inYear = t >= fromMs
    switch (e.type) {
      case 'need-created':
        if (inYear) needs.push(e.id)
        break
      case 'match-computed': {
        const key = `${e.needId}\u0000${e.publicationNumber}`
        if (inYear && !matchSeen.has(key)) {
          matchSeen.add(key)
          matches.push(e.id)
        }
        break
      }
      case 'patent-listed':
      case 'patents-listed': {
        university(e.universityOrgId)
        const u = listed.get(e.universityOrgId)
        if (!inYear || !u) break
        const before = u.seen.size
        for (const pn of listedIn(e)) u.seen.add(pn)
        if (u.seen.size > before) u.ids.push(e.id)
        break
      }
      case 'pairing-state-changed': {
        if (inYear && !reachedSeen[e.to].has(e.pairingId)) {
          reachedSeen[e.to].add(e.pairingId)
          reached[e.to].push(e.id)
        }
        if (AGREEMENT_STATES.has(e.to) && !agreed.has(e.pairingId)) {
          agreed.add(e.pairingId)
          if (inYear) {
            agreements.push(e.id)
            const uni = pairingUniversity(e.pairingId)
            if (uni !== undefined) {
              university(uni)
              transferred.get(uni)?.push(e.id)
            }
          }
        }
        if (e.to === 'industrialised' && !industrialisedSeen.has(e.pairingId)) {
          industrialisedSeen.add(e.pairingId)
          if (inYear) industrialised.push(e.id)
        }
        break
      }
    }
  }

  const inState = byState<string[]>(() => [])
  for (const { id, to } of latest.values()) inState[to].push(id)

  if (province !== undefined) {
    poolProvinces.add(province)
    if (input.provinceName !== undefined) provinceNames.set(province, input.provinceName)
  }
  const large = input.largeProvinces ?? new Set<string>()
  const pool = [...poolProvinces].sort(compareText).map((p) => {
    const name = provinceNames.get(p)
    return poolCounts({
      events: poolEvents,
      province: p,
      ...(name !== undefined ? { provinceName: name } : {}),
      quota: provinceQuota(p, large),
      ...(year !== undefined ? { year } : {}),
    })
  })

  const universities = [...listed.keys()].sort(compareText).map((id) => ({
    universityOrgId: id,
    patentsListed: { value: listed.get(id)?.seen.size ?? 0, eventIds: listed.get(id)?.ids ?? [] },
    transferredOrLicensed: figure(transferred.get(id) ?? []),
  }))

  return {
    scope: {
      province: province === undefined ? null : (input.provinceName ?? province),
      ...(province !== undefined && /^\d{6}$/.test(province) ? { provinceCode: province } : {}),
      year: year ?? null,
      from: bounds ? bounds.from.toISOString() : null,
      to: bounds ? bounds.to.toISOString() : null,
    },
    funnel: {
      needs: figure(needs),
      matches: figure(matches),
      pairings: {
        reached: byStateFrom(reached),
        inState: byStateFrom(inState),
      },
      agreements: figure(agreements),
      industrialised: figure(industrialised),
    },
    pool,
    universities,
  }
}

function byStateFrom(ids: Record<PairingState, string[]>): Record<PairingState, Figure> {
  return Object.fromEntries(PAIRING_STATES.map((s) => [s, figure(ids[s])])) as Record<PairingState, Figure>
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// ---------------------------------------------------------------------------------------------
// CSV

export const STATS_CSV_HEADER = ['section', 'subject', 'figure', 'value', 'event_ids'] as const

export interface StatsRow {
  section: string
  subject: string
  figure: string
  value: string
  eventIds: string[]
}

const POOL_FIGURES = ['quota', 'recommended', 'addedByRolling', 'graduated', 'withdrawn', 'in', 'flagged', 'placesLeft', 'rollingAllowance'] as const

/** Every figure of the stats as one row, in a fixed order: scope, funnel, pairings, pool, universities. */
export function statsRows(stats: Stats): StatsRow[] {
  const rows: StatsRow[] = []
  const add = (section: string, subject: string, name: string, f: Figure) =>
    rows.push({ section, subject, figure: name, value: String(f.value), eventIds: f.eventIds })
  rows.push({ section: 'scope', subject: '', figure: 'province', value: stats.scope.province ?? '', eventIds: [] })
  rows.push({ section: 'scope', subject: '', figure: 'year', value: stats.scope.year === null ? '' : String(stats.scope.year), eventIds: [] })
  const f = stats.funnel
  add('funnel', '', 'needs', f.needs)
  add('funnel', '', 'matches', f.matches)
  add('funnel', '', 'pairings', f.pairings.reached.recommended)
  add('funnel', '', 'agreements', f.agreements)
  add('funnel', '', 'industrialised', f.industrialised)
  for (const s of PAIRING_STATES) add('pairings-reached', '', s, f.pairings.reached[s])
  for (const s of PAIRING_STATES) add('pairings-in-state', '', s, f.pairings.inState[s])
  for (const p of stats.pool) {
    for (const name of POOL_FIGURES) {
      if (name === 'quota') rows.push({ section: 'pool', subject: p.province, figure: 'quota', value: String(p.quota), eventIds: [] })
      else add('pool', p.province, name, p[name])
    }
  }
  for (const u of stats.universities) {
    add('university', u.universityOrgId, 'patentsListed', u.patentsListed)
    add('university', u.universityOrgId, 'transferredOrLicensed', u.transferredOrLicensed)
  }
  return rows
}

/** One CSV cell (RFC 4180 quoting); a text cell a spreadsheet would run as a formula gets an apostrophe. */
export function csvCell(value: string, text: boolean): string {
  // A text cell that a spreadsheet would run as a formula is prefixed with an apostrophe.
  const safe = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** RFC 4180 CSV (CRLF line ends) with the header `section,subject,figure,value,event_ids`; ids joined by `;`. */
export function statsToCsv(stats: Stats): string {
  const lines = [STATS_CSV_HEADER.join(',')]
  for (const r of statsRows(stats)) {
    lines.push([csvCell(r.section, true), csvCell(r.subject, true), csvCell(r.figure, true), csvCell(r.value, r.section === 'scope'), csvCell(r.eventIds.join(';'), true)].join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
