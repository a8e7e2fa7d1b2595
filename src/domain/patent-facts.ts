/**
 * The facts about a patent that a person deciding on it reads first, beside every search hit,
 * match and pairing: who holds it (the organisation to approach), what kind of patent it is, its
 * legal status, how it may be transferred, and how long it has left.
 */
import { z } from 'zod'
import { LEGAL_STATUSES, TRANSFER_MODES, type Patent } from './patent.js'

/**
 * The kind of a Chinese patent, read from the kind code at the end of its publication number
 * (GB/T 17643 / WIPO ST.16 as CNIPA applies them): A an invention application, B (C before
 * 2007) a granted invention, U (Y before 2007) a utility model, S (D before 2007) a design.
 * Other offices' numbers: `unknown`, nothing guessed.
 */
export const PATENT_KINDS = ['invention', 'utility-model', 'design', 'unknown'] as const
export type PatentKind = (typeof PATENT_KINDS)[number]

export function patentKind(publicationNumber: string): PatentKind {
  const m = /^CN\d+([A-Z])\d?$/.exec(publicationNumber.toUpperCase())
  if (m === null) return 'unknown'
  const code = m[1]!
  if ('ABC'.includes(code)) return 'invention'
  if ('UY'.includes(code)) return 'utility-model'
  if ('SD'.includes(code)) return 'design'
  return 'unknown'
}

/**
 * Terms from the filing date under China's Patent Law (art. 42): invention 20 years, utility
 * model 10, design 15 for applications filed from 2021-06-01 (10 before). Term extensions
 * (art. 42 §2–3) are not known here: a recorded expiry date always wins.
 */
function termYears(kind: PatentKind, filingDate: string): number | undefined {
  if (kind === 'invention') return 20
  if (kind === 'utility-model') return 10
  if (kind === 'design') return filingDate >= '2021-06-01' ? 15 : 10
  return undefined
}

const addYears = (date: string, years: number) => `${String(Number(date.slice(0, 4)) + years).padStart(4, '0')}${date.slice(4, 10)}`

export const patentFactsSchema = z.object({
  publicationNumber: z.string(),
  title: z.string(),
  kind: z.enum(PATENT_KINDS).describe("from the publication number's kind code (A/B invention, U utility model, S design)"),
  legalStatus: z.enum(LEGAL_STATUSES),
  transferModes: z.array(z.enum(TRANSFER_MODES)).describe('how the holder offers it; empty: open to any'),
  applicants: z.array(z.string()),
  holder: z.object({ id: z.string(), name: z.string() }).optional().describe('the organisation that lists the patent: the one to approach'),
  expiryDate: z.string().optional(),
  expirySource: z.enum(['recorded', 'filing-date']).optional().describe('recorded by the holder, or the statutory term from the filing date'),
  yearsLeft: z.number().optional().describe('years of protection left from today (one decimal); 0 once expired'),
})
export type PatentFacts = z.infer<typeof patentFactsSchema>

/** The patent's facts on `today`; `holder` is its listing organisation when known. */
export function patentFacts(p: Patent, holder: { id: string; name: string } | undefined, today: Date): PatentFacts {
  const kind = patentKind(p.publicationNumber)
  const facts: PatentFacts = {
    publicationNumber: p.publicationNumber,
    title: p.title,
    kind,
    legalStatus: p.legalStatus,
    transferModes: p.transferModes,
    applicants: p.applicants,
  }
  if (holder !== undefined) facts.holder = holder
  const years = p.filingDate === undefined ? undefined : termYears(kind, p.filingDate)
  const expiry = p.expiryDate ?? (p.filingDate !== undefined && years !== undefined ? addYears(p.filingDate, years) : undefined)
  if (expiry !== undefined) {
    facts.expiryDate = expiry
    facts.expirySource = p.expiryDate !== undefined ? 'recorded' : 'filing-date'
    const left = (Date.parse(`${expiry}T00:00:00Z`) - today.getTime()) / (365.25 * 86_400_000)
    facts.yearsLeft = Math.max(0, Math.round(left * 10) / 10)
  }
  return facts
}
