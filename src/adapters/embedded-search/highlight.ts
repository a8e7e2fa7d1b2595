/** Highlights for the embedded search: matched terms wrapped in `<em>…</em>`, the abstract cut to a snippet. */

const SNIPPET = 90

// The syntax characters of a pattern (in `u` mode `\-` outside a class is an error, so `-` is left alone)
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const isLatin = (s: string) => /^[\p{Script=Latin}\p{N}]/u.test(s)

export type Marker = (text: string) => { text: string; first: number }

/** Marks every occurrence of the terms (Latin terms as word prefixes: a stem marks its whole word). */
export function highlighter(terms: string[]): Marker {
  const sorted = [...new Set(terms)].filter((t) => t.length > 0).sort((a, b) => b.length - a.length)
  if (sorted.length === 0) return (text) => ({ text, first: -1 })
  const alternatives = sorted.map((t) => (isLatin(t) ? `\\b${escapeRegExp(t)}[\\p{Script=Latin}\\p{N}]*` : escapeRegExp(t)))
  const re = new RegExp(alternatives.join('|'), 'giu')
  return (raw) => {
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
      const start = from[m.index]!
      const end = to[m.index + m[0].length - 1]!
      if (start < at) continue
      if (first < 0) first = start
      out += `${raw.slice(at, start)}<em>${raw.slice(start, end)}</em>`
      at = end
    }
    return { text: out + raw.slice(at), first }
  }
}

/**
 * NFKC and its way back: for each unit of the normalised text, where the character it came
 * from starts (`from`) and ends (`to`) in the original. Characters are normalised one at a time,
 * which for patent text (no combining sequences to speak of) is the same as the whole.
 */
function normalisedWithOffsets(raw: string): { norm: string; from: number[]; to: number[] } {
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
  const { first } = mark(text)
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(SNIPPET / 3))
  const end = Math.min(text.length, start + SNIPPET * 2)
  const cut = text.slice(start, end)
  return (start > 0 ? '…' : '') + mark(cut).text + (end < text.length ? '…' : '')
}
