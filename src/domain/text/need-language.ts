/**
 * How a need is read: which of its words carry its technical content.
 *
 * Enterprises write needs in a language of their own: a title that names the technology, then a
 * description in parts (需求内容, 预期目标, 现有工作基础 …) that mixes the problem with the firm's
 * turnover, staff and honours, and words every need shares (研究, 开发, 关键技术, 产业化). Read
 * as one bag of words, that language outweighs the technology: 公司 and 目标 are rare in patents,
 * so their idf is high. Here each word of a need gets a weight before idf:
 *
 * - the title counts `titleWeight` (default 1.5) once, whatever its repetitions; keywords the same;
 * - a description word counts by its occurrences with diminishing returns (1 + ln n), each
 *   occurrence weighted by its part's weight (`[sections]`) and by its sentence: a sentence about
 *   the firm (`[facts]`) counts 0.15;
 * - a shorter word inside a longer one (图像 in 图像识别) counts `subwordWeight`;
 * - a word of the need language (`[generic]`) is multiplied by its factor.
 *
 * The word lists are data (`search-config/need-language.txt`), not code.
 */
/** The analyser's `analyzeParts`: a text's terms, each with whether it is inside a longer word and as written. */
export type PartsOf = (text: string) => { term: string; subword: boolean; surface: string }[]

export interface NeedLanguage {
  /** Section headings, normalised, and the weight of their part. */
  sections: Map<string, number>
  /** Words marking a sentence about the firm. */
  facts: string[]
  /** Words of the need language, and their factor. */
  generic: Map<string, number>
}

const FACT_WEIGHT = 0.15
const GENERIC_FACTOR = 0.15

/** Parses `need-language.txt`: `[sections]` `heading weight`, `[facts]` `word`, `[generic]` `word [factor]`. */
export function parseNeedLanguage(text: string): NeedLanguage {
  const lang: NeedLanguage = { sections: new Map(), facts: [], generic: new Map() }
  let part = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) {
      part = header[1]!
      continue
    }
    const [word, num] = line.split(/\s+/) as [string, string | undefined]
    const n = num === undefined ? undefined : Number(num)
    if (n !== undefined && !Number.isFinite(n)) throw new Error(`need-language: "${line}" has no number`)
    const w = word.normalize('NFKC').toLowerCase()
    if (part === 'sections') lang.sections.set(w, n ?? 1)
    else if (part === 'facts') lang.facts.push(w)
    else if (part === 'generic') lang.generic.set(w, n ?? GENERIC_FACTOR)
    else throw new Error(`need-language: "${line}" is outside [sections], [facts] and [generic]`)
  }
  return lang
}

export const EMPTY_NEED_LANGUAGE: NeedLanguage = { sections: new Map(), facts: [], generic: new Map() }

export interface NeedText {
  title: string
  description?: string
  keywords?: string[]
}

export interface NeedReading {
  titleWeight?: number
  subwordWeight?: number
}

/** Numbering and punctuation around a heading: "二、", "（一）", "1.", "①", spaces. */
const HEADING_NOISE = /^[\s\d一二三四五六七八九十①-⑩()（）、.．:：)）]+|[\s:：]+$/gu
/** A line's heading: the text before its first colon, or the whole line when short. */
const HEADING = /^([^:：。；;，,]{2,16})[:：]/u

/** The description in sentences, each with the weight of its part and of its own content. */
function sentences(description: string, lang: NeedLanguage): { text: string; weight: number }[] {
  const out: { text: string; weight: number }[] = []
  let part = 1
  for (const rawLine of description.normalize('NFKC').toLowerCase().split(/\r?\n/)) {
    let line = rawLine.trim()
    if (line === '') continue
    const head = HEADING.exec(line)
    const candidate = (head ? head[1]! : line).replace(HEADING_NOISE, '')
    const section = lang.sections.get(candidate)
    if (section !== undefined) {
      part = section
      line = head ? line.slice(head[0].length) : ''
    }
    for (const s of line.split(/[。；;!?！？]/u)) {
      if (s.trim() === '') continue
      const fact = lang.facts.some((f) => s.includes(f))
      out.push({ text: s, weight: part * (fact ? FACT_WEIGHT : 1) })
    }
  }
  return out
}

/** A term of a need: its weight before idf, and the word as the need wrote it when it is a whole word there. */
export interface NeedTerm {
  weight: number
  /** Unset for a term that occurs only inside a longer word (识别 in 图像识别): not a word a person reads as matched. */
  surface?: string
  /** Its weight from the title and keywords alone (0 when only the description has it). */
  titleWeight: number
}

/**
 * The need's terms with their weight before idf, in first-seen order (title first). Empty terms
 * and zero weights are left out.
 */
export function readNeed(partsOf: PartsOf, lang: NeedLanguage, need: NeedText, reading: NeedReading = {}): Map<string, NeedTerm> {
  const titleWeight = reading.titleWeight ?? 1.5
  const subwordWeight = reading.subwordWeight ?? 0.1
  const head = new Map<string, number>()
  const body = new Map<string, number>()
  const surface = new Map<string, string>()
  const add = (into: Map<string, number>, text: string, weight: number, once: boolean) => {
    for (const part of partsOf(text)) {
      const { term, subword } = part
      if (!subword && !surface.has(term)) surface.set(term, part.surface)
      const w = weight * (subword ? subwordWeight : 1)
      if (w <= 0) continue
      into.set(term, once ? Math.max(into.get(term) ?? 0, w) : (into.get(term) ?? 0) + w)
    }
  }
  add(head, [need.title, ...(need.keywords ?? [])].join('\n'), 1, true)
  for (const s of sentences(need.description ?? '', lang)) add(body, s.text, s.weight, false)
  const out = new Map<string, NeedTerm>()
  for (const term of new Set([...head.keys(), ...body.keys()])) {
    const h = head.get(term) ?? 0
    const b = body.get(term) ?? 0
    const factor = lang.generic.get(term) ?? 1
    const weight = (titleWeight * h + (b <= 1 ? b : 1 + Math.log(b))) * factor
    if (weight <= 0) continue
    const written = surface.get(term)
    const fromTitle = titleWeight * h * factor
    out.set(term, written === undefined ? { weight, titleWeight: fromTitle } : { weight, surface: written, titleWeight: fromTitle })
  }
  return out
}
