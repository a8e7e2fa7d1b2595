/**
 * The annual evaluation report of a province (年度绩效评价): the year's figures beside the year
 * before, each with the number of recorded events behind it so that an inspector knows what to
 * sample. Built only from `computeStats` results, as one model (`reportModel`) rendered as
 * Markdown (`annualReport`) or as an HTML page to print or save as PDF (`reportHtml`); the Word
 * document is rendered from the same model by `adapters/report-docx.ts`.
 */
import type { Figure, Stats } from './stats.js'

const STATE_LABELS: Record<string, string> = {
  recommended: '已推荐 recommended',
  contacted: '已联系 contacted',
  'nda-signed': '已签保密协议 nda-signed',
  negotiating: '谈判中 negotiating',
  'agreement-signed': '已签协议 agreement-signed',
  recorded: '已备案 recorded',
  industrialised: '已产业化 industrialised',
  declined: '已放弃 declined',
  withdrawn: '已撤回 withdrawn',
}

/** A piece of the report: a heading, a paragraph (its lines), or a table (numeric columns right-aligned). */
export type ReportBlock =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; lines: string[] }
  | { kind: 'table'; head: string[]; numeric: boolean[]; rows: string[][] }

export interface Report {
  /** For file names: the province's name (or 全国) and the year. */
  province: string
  year: number | string
  blocks: ReportBlock[]
}

function change(now: number, before: number | undefined): string {
  if (before === undefined) return '—'
  const d = now - before
  if (before === 0) return d === 0 ? '0' : `+${d}`
  return `${d >= 0 ? '+' : ''}${d} (${d >= 0 ? '+' : ''}${Math.round((d / before) * 100)} %)`
}

const row = (label: string, now: Figure, before: Figure | undefined): string[] => [
  label,
  String(now.value),
  before === undefined ? '—' : String(before.value),
  change(now.value, before?.value),
  String(now.eventIds.length),
]

const figureTable = (rows: string[][]): ReportBlock => ({
  kind: 'table',
  head: ['指标 figure', '本年 this year', '上年 last year', '变化 change', '事件数 events'],
  numeric: [false, true, true, true, true],
  rows,
})

/** The report of `current` (a province and year) against `previous` (the same province, the year before). */
export function reportModel(current: Stats, previous: Stats | undefined, generatedAt: string): Report {
  const province = current.scope.province ?? '全国 all provinces'
  const year = current.scope.year ?? '—'
  const f = current.funnel
  const p = previous?.funnel
  type S = keyof typeof f.pairings.reached
  const blocks: ReportBlock[] = [
    { kind: 'heading', level: 1, text: `${province} ${year} 年度专利产业化绩效评价报告` },
    {
      kind: 'paragraph',
      lines: [
        `Annual evaluation report — ${province}, ${year}. Generated ${generatedAt} from recorded events only;`,
        'every figure can be traced with `GET /v1/stats` (JSON or CSV), which lists the ids of the events behind it.',
      ],
    },
    { kind: 'heading', level: 2, text: '供需对接 Matching and pairing funnel' },
    figureTable([
      row('企业技术需求 needs stated', f.needs, p?.needs),
      row('匹配 matches', f.matches, p?.matches),
      row('推荐对接 pairings', f.pairings.reached.recommended, p?.pairings.reached.recommended),
      row('签订协议 agreements', f.agreements, p?.agreements),
      row('实现产业化 industrialised', f.industrialised, p?.industrialised),
    ]),
    { kind: 'heading', level: 3, text: '对接进展 Pairings reaching each state in the year' },
    figureTable(Object.keys(STATE_LABELS).map((s) => row(STATE_LABELS[s]!, f.pairings.reached[s as S], p?.pairings.reached[s as S]))),
    { kind: 'heading', level: 2, text: '样板企业培育库 Cultivation pool' },
  ]
  for (const pool of current.pool) {
    const before = previous?.pool.find((x) => x.province === pool.province)
    blocks.push(
      { kind: 'heading', level: 3, text: `${pool.province}: quota ${pool.quota}` },
      figureTable([
        row('推荐入库 recommended', pool.recommended, before?.recommended),
        row('滚动增补 added by rolling', pool.addedByRolling, before?.addedByRolling),
        row('培育出库 graduated', pool.graduated, before?.graduated),
        row('退出 withdrawn', pool.withdrawn, before?.withdrawn),
        row('年末在库 in the pool at year end', pool.in, before?.in),
        row('待核查(两年无进展) flagged', pool.flagged, before?.flagged),
        row('剩余名额 places left', pool.placesLeft, before?.placesLeft),
        row('滚动增补额度 rolling allowance', pool.rollingAllowance, before?.rollingAllowance),
      ]),
    )
  }
  if (current.pool.length === 0) blocks.push({ kind: 'paragraph', lines: ['No pool events in scope.'] })
  blocks.push(
    { kind: 'heading', level: 2, text: '高校专利转化 Universities' },
    {
      kind: 'table',
      head: ['高校 university', '新增上架专利 patents listed', '转让/许可 transferred or licensed'],
      numeric: [false, true, true],
      rows:
        current.universities.length === 0
          ? [['—', '0', '0']]
          : current.universities.map((u) => [u.name ?? u.universityOrgId, String(u.patentsListed.value), String(u.transferredOrLicensed.value)]),
    },
  )
  return { province, year, blocks }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

/** The report as Markdown. */
export function reportMarkdown(report: Report): string {
  const out: string[] = []
  for (const b of report.blocks) {
    if (b.kind === 'heading') out.push(`${'#'.repeat(b.level)} ${b.text}`, '')
    else if (b.kind === 'paragraph') out.push(...b.lines, '')
    else {
      out.push(`| ${b.head.join(' | ')} |`, `| ${b.numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`)
      for (const r of b.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`)
      out.push('')
    }
  }
  return out.join('\n')
}

/** Markdown report of `current` (a province and year) against `previous` (the same province, the year before). */
export function annualReport(current: Stats, previous: Stats | undefined, generatedAt: string): string {
  return reportMarkdown(reportModel(current, previous, generatedAt))
}

/** Inline code marks (`…`) of the report's text, dropped for the document formats. */
export const plainText = (s: string) => s.replace(/`([^`]*)`/g, '$1')

/**
 * The report as a self-contained HTML page (no script, no outside resource) with a print
 * stylesheet: A4, tables unbroken across pages where they fit, headings kept with what follows;
 * printed to PDF from any browser it is the document to file.
 */
export function reportHtml(report: Report): string {
  const title = report.blocks.find((b) => b.kind === 'heading')
  const body: string[] = []
  for (const b of report.blocks) {
    if (b.kind === 'heading') body.push(`<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`)
    else if (b.kind === 'paragraph') body.push(`<p>${b.lines.map((l) => escapeHtml(plainText(l))).join('<br>')}</p>`)
    else {
      const cls = (i: number) => (b.numeric[i] ? ' class="n"' : '')
      body.push(
        '<table>',
        `<thead><tr>${b.head.map((x, i) => `<th scope="col"${cls(i)}>${escapeHtml(x)}</th>`).join('')}</tr></thead>`,
        `<tbody>${b.rows.map((r) => `<tr>${r.map((x, i) => `<td${cls(i)}>${escapeHtml(x)}</td>`).join('')}</tr>`).join('')}</tbody>`,
        '</table>',
      )
    }
  }
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title?.kind === 'heading' ? title.text : 'report')}</title>
<style>
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; color: #000; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; }
  h1 { font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; font-size: 1.6rem; text-align: center; margin: 0 0 1rem; }
  h2, h3 { font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; margin: 1.5rem 0 .5rem; }
  h2 { font-size: 1.25rem; } h3 { font-size: 1.05rem; }
  p { color: #333; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
  th, td { border: 1px solid #444; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #eee; }
  .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  @media (max-width: 600px) { body { margin: 1rem auto; } table { font-size: .8rem; } th, td { padding: .2rem .3rem; } }
  @page { size: A4; margin: 2.5cm 2cm; }
  @media print {
    body { margin: 0; max-width: none; padding: 0; font-size: 11pt; }
    h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
    table { break-inside: auto; } tr { break-inside: avoid; page-break-inside: avoid; }
    thead { display: table-header-group; }
    th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  }
</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`
}
