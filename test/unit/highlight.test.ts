import fc from 'fast-check'
import t from 'tap'
import { highlighter, snippet } from '../../src/adapters/embedded-search/highlight.js'

/**
 * The marking as first written: every character normalised on its own, with its offsets kept,
 * then the terms found in the normalised text and marked in the original. The highlighter's
 * shortcut (no offsets when every character keeps its length) must give the same.
 */
function reference(terms: string[], raw: string): { text: string; first: number } {
  const sorted = [...new Set(terms)].filter((x) => x.length > 0).sort((a, b) => b.length - a.length)
  if (sorted.length === 0) return { text: raw, first: -1 }
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const re = new RegExp(sorted.map((x) => (/^[\p{Script=Latin}\p{N}]/u.test(x) ? `\\b${esc(x)}[\\p{Script=Latin}\\p{N}]*` : esc(x))).join('|'), 'giu')
  let norm = ''
  const from: number[] = []
  const to: number[] = []
  for (let i = 0; i < raw.length; ) {
    const width = raw.codePointAt(i)! > 0xffff ? 2 : 1
    const n = raw.slice(i, i + width).normalize('NFKC')
    norm += n
    for (let k = 0; k < n.length; k++) {
      from.push(i)
      to.push(i + width)
    }
    i += width
  }
  let out = ''
  let at = 0
  let first = -1
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

t.test('marks the terms in the text as written: full-width punctuation and letters kept', async (t) => {
  const mark = highlighter(['图像', 'neural', 'tio2'])
  t.same(mark('一种图像识别方法，基于ＮＥＵＲＡＬ networks；ＴｉＯ２涂层'), {
    text: '一种<em>图像</em>识别方法，基于<em>ＮＥＵＲＡＬ</em> networks；<em>ＴｉＯ２</em>涂层',
    first: 2,
  })
  t.equal(mark.first('没有匹配'), -1)
  t.equal(mark.first('ａｂ图像'), 2)
})

t.test('a character that changes length (ligature, unit sign) is marked whole', async (t) => {
  const mark = highlighter(['fi', 'kg'])
  t.same(mark('ﬁlter of 5㎏'), reference(['fi', 'kg'], 'ﬁlter of 5㎏'))
  t.equal(mark('ﬁlter of 5㎏').text, '<em>ﬁlter</em> of 5㎏', 'a Latin term marks whole words only: 5kg has no word start at k')
})

t.test('the same marks as marking every character on its own, for any text', async (t) => {
  const pieces = fc.constantFrom('图像', '识别', '，', '；', 'Ａ', 'ａ', 'a', 'B', '1', '２', ' ', 'ﬁ', '㎏', '𝐀', '😀', 'é', 'e\u0301', '①', '…', 'tio2', 'neural', '网络')
  const text = fc.array(pieces, { maxLength: 40 }).map((a) => a.join(''))
  const terms = fc.array(fc.constantFrom('图像', '识别', 'a', 'neural', 'fi', 'kg', '1', 'tio2', '网络', 'e'), { maxLength: 4 })
  fc.assert(
    fc.property(terms, text, (ts, raw) => {
      const mark = highlighter(ts)
      const want = reference(ts, raw)
      const got = mark(raw)
      return got.text === want.text && got.first === want.first && mark.first(raw) === want.first
    }),
    { numRuns: 500 },
  )
  t.pass('500 random texts marked as the reference marks them')
})

t.test('a snippet is cut around the first match and marked', async (t) => {
  const text = `${'无关内容'.repeat(40)}图像识别${'其他'.repeat(100)}`
  const s = snippet(text, highlighter(['图像']))
  t.ok(s.startsWith('…') && s.endsWith('…'), 'cut on both sides')
  t.match(s, /<em>图像<\/em>识别/)
})
