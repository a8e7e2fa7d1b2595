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
    const text = raw.normalize('NFKC')
    let first = -1
    const out = text.replace(re, (m, offset: number) => {
      if (first < 0) first = offset
      return `<em>${m}</em>`
    })
    return { text: out, first }
  }
}

/** About two snippet widths of the text around its first match, marked. */
export function snippet(raw: string, mark: Marker): string {
  const text = raw.normalize('NFKC')
  const { first } = mark(text)
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(SNIPPET / 3))
  const end = Math.min(text.length, start + SNIPPET * 2)
  const cut = text.slice(start, end)
  return (start > 0 ? '…' : '') + mark(cut).text + (end < text.length ? '…' : '')
}
