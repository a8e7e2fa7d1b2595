/** Highlights for the embedded search: matched terms wrapped in `<em>…</em>`, the abstract cut to a snippet. */

const SNIPPET = 90

// The syntax characters of a pattern (in `u` mode `\-` outside a class is an error, so `-` is left alone)
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const isLatin = (s: string) => /^[\p{Script=Latin}\p{N}]/u.test(s)

export interface Marker {
  /** The text with every occurrence of the terms wrapped in `<em>…</em>`. */
  (text: string): { text: string; first: number }
  /** Where the first occurrence starts in the text, -1 when none: what `mark(text).first` gives, without marking. */
  first(text: string): number
}

/** Marks every occurrence of the terms (Latin terms as word prefixes: a stem marks its whole word). */
export function highlighter(terms: string[]): Marker {
  const sorted = [...new Set(terms)].filter((t) => t.length > 0).sort((a, b) => b.length - a.length)
  if (sorted.length === 0) return Object.assign((text: string) => ({ text, first: -1 }), { first: () => -1 })
  const alternatives = sorted.map((t) => (isLatin(t) ? `\\b${escapeRegExp(t)}[\\p{Script=Latin}\\p{N}]*` : escapeRegExp(t)))
  const re = new RegExp(alternatives.join('|'), 'giu')
  const mark = (raw: string) => {
    // Terms are found in the normalised text, and marked in the text as written: full-width
    // punctuation (，：；) and letters stay as the patent has them.
    const { norm, from, to } = normalisedWithOffsets(raw)
    let first = -1
    let out = ''
    let at = 0
    re.lastIndex = 0
    for (let m = re.exec(norm); m !== null; m = re.exec(norm)) {
      if (m[0].length === 0) {
        re.lastIndex++
        continue
      }
      const start = from === undefined ? m.index : from[m.index]!
      const end = to === undefined ? m.index + m[0].length : to[m.index + m[0].length - 1]!
      if (start < at) continue
      if (first < 0) first = start
      out += `${raw.slice(at, start)}<em>${raw.slice(start, end)}</em>`
      at = end
    }
    return { text: out + raw.slice(at), first }
  }
  const first = (raw: string) => {
    const { norm, from } = normalisedWithOffsets(raw)
    re.lastIndex = 0
    for (let m = re.exec(norm); m !== null; m = re.exec(norm)) {
      if (m[0].length === 0) {
        re.lastIndex++
        continue
      }
      return from === undefined ? m.index : from[m.index]!
    }
    return -1
  }
  return Object.assign(mark, { first })
}

/** Characters that may not be their own NFKC form: all but ASCII and the CJK unified ideographs (with extension A). */
const UNSTABLE = /[^\u0000-\u007f\u3400-\u4dbf\u4e00-\u9fff]/gu

/**
 * NFKC and its way back: for each unit of the normalised text, where the character it came
 * from starts (`from`) and ends (`to`) in the original. Characters are normalised one at a time,
 * which for patent text (no combining sequences to speak of) is the same as the whole.
 *
 * Nearly always every character keeps its length (ASCII and ideographs are their own form,
 * full-width punctuation and letters become one unit each): then a position in the normalised
 * text is the same position in the original, and no offsets are returned (`from`/`to` absent).
 * Only the other characters are looked at, found by one regular expression.
 */
function normalisedWithOffsets(raw: string): { norm: string; from?: number[]; to?: number[] } {
  let norm = ''
  let copied = 0
  UNSTABLE.lastIndex = 0
  for (let m = UNSTABLE.exec(raw); m !== null; m = UNSTABLE.exec(raw)) {
    const ch = m[0]
    const n = ch.normalize('NFKC')
    if (n.length !== ch.length) return withOffsets(raw)
    if (n !== ch) {
      norm += raw.slice(copied, m.index) + n
      copied = m.index + ch.length
    }
  }
  return { norm: copied === 0 ? raw : norm + raw.slice(copied) }
}

/** `normalisedWithOffsets` for a text in which some character changes length (ﬁ → fi, ㎏ → kg). */
function withOffsets(raw: string): { norm: string; from: number[]; to: number[] } {
  let norm = ''
  const from: number[] = []
  const to: number[] = []
  for (let i = 0; i < raw.length; ) {
    const cp = raw.codePointAt(i)!
    const width = cp > 0xffff ? 2 : 1
    const n = raw.slice(i, i + width).normalize('NFKC')
    norm += n
    for (let k = 0; k < n.length; k++) {
      from.push(i)
      to.push(i + width)
    }
    i += width
  }
  return { norm, from, to }
}

/** About two snippet widths of the text around its first match, marked. */
export function snippet(text: string, mark: Marker): string {
  const first = mark.first(text)
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(SNIPPET / 3))
  const end = Math.min(text.length, start + SNIPPET * 2)
  const cut = text.slice(start, end)
  return (start > 0 ? '…' : '') + mark(cut).text + (end < text.length ? '…' : '')
}
