/**
 * The annual evaluation report of a province (年度绩效评价): the year's figures beside the year
 * before, in Markdown, each with the number of recorded events behind it so that an inspector
 * knows what to sample. Built only from `computeStats` results.
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

function change(now: number, before: number | undefined): string {
  if (before === undefined) return '—'
  const d = now - before
  if (before === 0) return d === 0 ? '0' : `+${d}`
  return `${d >= 0 ? '+' : ''}${d} (${d >= 0 ? '+' : ''}${Math.round((d / before) * 100)} %)`
}

function row(label: string, now: Figure, before: Figure | undefined): string {
  return `| ${label} | ${now.value} | ${before?.value ?? '—'} | ${change(now.value, before?.value)} | ${now.eventIds.length} |`
}

const HEAD = '| 指标 figure | 本年 this year | 上年 last year | 变化 change | 事件数 events |\n| --- | ---: | ---: | ---: | ---: |'

/** Markdown report of `current` (a province and year) against `previous` (the same province, the year before). */
export function annualReport(current: Stats, previous: Stats | undefined, generatedAt: string): string {
  const province = current.scope.province ?? '全国 all provinces'
  const year = current.scope.year ?? '—'
  const f = current.funnel
  const p = previous?.funnel
  const out: string[] = [
    `# ${province} ${year} 年度专利产业化绩效评价报告`,
    '',
    `Annual evaluation report — ${province}, ${year}. Generated ${generatedAt} from recorded events only;`,
    'every figure can be traced with `GET /v1/stats` (JSON or CSV), which lists the ids of the events behind it.',
    '',
    '## 供需对接 Matching and pairing funnel',
    '',
    HEAD,
    row('企业技术需求 needs stated', f.needs, p?.needs),
    row('匹配 matches', f.matches, p?.matches),
    row('推荐对接 pairings', f.pairings.reached.recommended, p?.pairings.reached.recommended),
    row('签订协议 agreements', f.agreements, p?.agreements),
    row('实现产业化 industrialised', f.industrialised, p?.industrialised),
    '',
    '### 对接进展 Pairings reaching each state in the year',
    '',
    HEAD,
    ...Object.keys(STATE_LABELS).map((s) =>
      row(STATE_LABELS[s]!, f.pairings.reached[s as keyof typeof f.pairings.reached], p?.pairings.reached[s as keyof typeof f.pairings.reached]),
    ),
    '',
    '## 样板企业培育库 Cultivation pool',
    '',
  ]
  for (const pool of current.pool) {
    const before = previous?.pool.find((x) => x.province === pool.province)
    out.push(
      `### ${pool.province}: quota ${pool.quota}`,
      '',
      HEAD,
      row('推荐入库 recommended', pool.recommended, before?.recommended),
      row('滚动增补 added by rolling', pool.addedByRolling, before?.addedByRolling),
      row('培育出库 graduated', pool.graduated, before?.graduated),
      row('退出 withdrawn', pool.withdrawn, before?.withdrawn),
      row('年末在库 in the pool at year end', pool.in, before?.in),
      row('待核查(两年无进展) flagged', pool.flagged, before?.flagged),
      row('剩余名额 places left', pool.placesLeft, before?.placesLeft),
      row('滚动增补额度 rolling allowance', pool.rollingAllowance, before?.rollingAllowance),
      '',
    )
  }
  if (current.pool.length === 0) out.push('No pool events in scope.', '')
  out.push('## 高校专利转化 Universities', '', '| 高校 university | 新增上架专利 patents listed | 转让/许可 transferred or licensed |', '| --- | ---: | ---: |')
  for (const u of current.universities) out.push(`| ${u.universityOrgId} | ${u.patentsListed.value} | ${u.transferredOrLicensed.value} |`)
  if (current.universities.length === 0) out.push('| — | 0 | 0 |')
  out.push('')
  return out.join('\n')
}
