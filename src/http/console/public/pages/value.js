// Value profiles after GB/T 42748-2023: one patent's profile (opened beside a match, a row of the
// university's tiers, a pool enterprise's patent), and the university's inventory in tiers, by
// grade or by demand. Indicator names, notes and what is not assessed come from the API in both
// languages; the console adds only its own words.
import { api } from '../api.js'
import { fmtDate, h, pct, stackRow, stackTable } from '../dom.js'
import { getLang, t } from '../i18n.js'
import { errorNotice, field, notice, select, stateBadge } from './common.js'

const SCENARIOS = ['transfer', 'pledge']
/** A label the API gives in both languages, in the console's. */
const L = (label) => (label ? (label[getLang()] ?? label.zh) : '')

export const gradeBadge = (grade, scenario) =>
  h('span', { class: `badge grade grade-${grade}`, title: t(`value.scenario.${scenario}`), dataset: { grade: String(grade), scenario } }, t('value.grade', { g: grade }))

/** An indicator's value in words. */
function valueText(i) {
  const v = i.value
  const d = i.details ?? {}
  if (v === null) return h('span', { class: 'muted' }, t('value.noData'))
  switch (i.id) {
    case 'legal-status':
      return t(`legal.${v}`)
    case 'remaining-term':
      return t('value.years', { n: v })
    case 'patent-type':
      return t(`kind.${v}`)
    case 'claims':
      return t('value.claims', { n: v, i: d.independent ?? 0 })
    case 'classification-breadth':
      return t('value.classes', { n: v, g: d.mainGroups ?? 0 })
    case 'maturity':
      return `TRL ${v} / 9`
    case 'office-grade':
      return `${v} / 5`
    case 'matching-needs':
      return t('value.needs', { n: v })
    case 'interests':
      return t('value.interests', { n: v })
    case 'pairing-progress':
      return v === 'none' ? t('value.noPairings') : h('span', {}, t('value.furthest'), ' ', stateBadge(v))
    case 'declines':
      return t('value.declines', { n: v, of: d.pairings ?? 0 })
    default:
      return String(v)
  }
}

/** What an indicator rests on: the record's fields as read, or the records behind it (as far as the caller sees them). */
function basisText(i) {
  const b = i.basis ?? {}
  const parts = []
  for (const [k, v] of Object.entries(b.fields ?? {})) parts.push(`${k}: ${Array.isArray(v) ? v.join('; ') || '—' : v ?? '—'}`)
  if (b.needs) parts.push(t('value.basisNeeds', { n: b.needs.length, scores: b.needs.map((n) => pct(n.score)).join(', ') || '—' }) + (b.needs.some((n) => n.id) ? ` (${b.needs.map((n) => n.id).join(', ')})` : ''))
  if (b.interests) parts.push(`${t('value.basisInterests')}: ${b.interests.map((x) => x.id).join(', ') || '—'}`)
  if (b.pairings) parts.push(`${t('value.basisPairings')}: ${b.pairings.map((x) => `${x.id}${x.reason ? ` (${t(`reason.${x.reason}`)})` : ''}`).join(', ') || '—'}`)
  if (b.withheld) parts.push(t('value.withheld'))
  return h('span', { class: 'basis' }, parts.join(' · '))
}

/** A stored profile: both scenarios' grades, each dimension's indicators, and what is not assessed. */
export function profileView(p) {
  const headers = [t('value.indicator'), t('value.value'), t('value.score'), t('value.points.transfer'), t('value.points.pledge'), t('value.basis')]
  const scenarios = h(
    'div',
    { class: 'row value-scenarios' },
    SCENARIOS.map((s) => {
      const r = p.scenarios[s]
      return h(
        'div',
        { class: 'stat', dataset: { scenario: s } },
        h('div', { class: 'n' }, gradeBadge(r.grade, s)),
        h('div', { class: 'l' }, t(`value.scenario.${s}`), ' · ', t('value.scoreOf', { n: r.score }), ' · ', t('value.coverage', { p: pct(r.coverage) })),
        r.cappedBy ? h('div', { class: 'muted' }, t('value.capped')) : null,
      )
    }),
  )
  return h(
    'section',
    { class: 'card value-profile', dataset: { pn: p.publicationNumber } },
    h('h3', {}, t('value.title'), ' · ', h('span', { class: 'pn' }, p.publicationNumber)),
    h('p', { class: 'muted' }, t('value.help', { at: fmtDate(p.computedAt) })),
    scenarios,
    ...p.dimensions.map((d) =>
      stackTable(
        headers,
        d.indicators.map((i) =>
          stackRow(
            headers,
            [
              h('span', {}, h('strong', {}, L(i.name)), h('br'), h('small', { class: 'muted' }, L(i.standard))),
              h('span', {}, valueText(i), i.note ? h('small', { class: 'muted note' }, ' ', L(i.note)) : null),
              i.score === null ? '—' : pct(i.score),
              i.assessed ? String(i.points.transfer) : '—',
              i.assessed ? String(i.points.pledge) : '—',
              basisText(i),
            ],
            { dataset: { indicator: i.id, assessed: String(i.assessed) } },
          ),
        ),
        { caption: `${L(d.name)} · ${SCENARIOS.map((s) => `${t(`value.scenario.${s}`)} ${p.scenarios[s].byDimension[d.id]}`).join(' · ')}` },
      ),
    ),
    h(
      'details',
      { class: 'not-assessed' },
      h('summary', {}, t('value.notAssessed', { n: p.notAssessed.length })),
      h('ul', {}, p.notAssessed.map((n) => h('li', {}, h('strong', {}, L(n.name)), ' — ', L(n.reason)))),
    ),
  )
}

/**
 * A button that opens (and closes) a patent's profile: below it, or where `mount` puts the panel
 * (a table row of its own, say); `mount` returns what takes the panel away again.
 */
export function valueToggle(publicationNumber, mount) {
  const box = h('div', { class: 'value-toggle' })
  const button = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', dataset: { value: publicationNumber } }, t('value.open'))
  const panel = h('div', { class: 'value-panel', 'aria-live': 'polite' })
  let unmount
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-expanded') === 'true') {
      button.setAttribute('aria-expanded', 'false')
      panel.replaceChildren()
      unmount?.()
      return
    }
    button.setAttribute('aria-expanded', 'true')
    unmount = mount ? mount(panel) : (box.append(panel), () => panel.remove())
    panel.replaceChildren(h('p', { class: 'muted' }, t('loading')))
    try {
      const p = await api('GET', `/v1/patents/${encodeURIComponent(publicationNumber)}/value`)
      panel.replaceChildren(p.state === 'pending' ? notice('warn', t('value.pending')) : profileView(p))
    } catch (err) {
      panel.replaceChildren(errorNotice(err))
    }
  })
  box.append(button)
  return box
}

/** A panel mount for a toggle inside a table cell: the profile opens in a full-width row below the toggle's own row. */
export function rowBelow(toggle) {
  return (panel) => {
    const tr = toggle().closest('tr')
    const cells = tr?.children.length ?? 1
    const below = h('tr', { class: 'value-row' }, h('td', { colspan: String(cells) }, panel))
    if (tr) tr.after(below)
    else toggle().append(below)
    return () => below.remove()
  }
}

/** A university's inventory in tiers: best first by grade (a scenario's) or by demand, filtered; each row opens its profile. */
export async function tiers(ctx) {
  const { main } = ctx
  main.append(h('h1', {}, t('value.tiersTitle')), h('p', { class: 'muted' }, t('value.tiersHelp')))
  const order = select('order', [['grade', t('value.order.grade')], ['demand', t('value.order.demand')]], 'grade')
  const scenario = select('scenario', SCENARIOS.map((s) => [s, t(`value.scenario.${s}`)]), 'transfer')
  const minGrade = select('minGrade', [['', t('search.any')], ...[5, 4, 3, 2].map((g) => [String(g), t('value.atLeast', { g })])], '')
  const demand = select('demand', [['', t('search.any')], ['with', t('value.demand.with')], ['without', t('value.demand.without')]], '')
  const form = h(
    'form',
    { class: 'card filters', id: 'value-filters' },
    h(
      'div',
      { class: 'row' },
      field(t('value.orderBy'), order),
      field(t('value.scenarioLabel'), scenario),
      field(t('value.minGrade'), minGrade),
      field(t('value.demandLabel'), demand),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('inventory.filter'))),
    ),
  )
  const messages = h('div', { 'aria-live': 'polite' })
  const list = h('div', { id: 'value-list' })
  const more = h('button', { type: 'button', class: 'secondary more', hidden: true }, t('inventory.more'))
  main.append(form, messages, list, more)
  const headers = [t('inventory.pn'), t('inventory.name'), t('value.gradeCol'), t('value.scoreCol'), t('value.demandCol'), t('value.profile')]
  let cursor
  let tbody
  const row = (i) => {
    // the profile opens in a full-width row below the patent's
    const toggle = valueToggle(i.publicationNumber, rowBelow(() => toggle))
    const tr = stackRow(
      headers,
      [
        h('span', { class: 'pn' }, i.publicationNumber),
        h('span', {}, i.title, ' ', h('small', { class: 'muted' }, t(`legal.${i.legalStatus}`))),
        gradeBadge(i.grade, i.scenario),
        h('span', {}, String(i.score), ' ', h('small', { class: 'muted' }, t('value.coverage', { p: pct(i.coverage) }))),
        h(
          'span',
          { class: 'demand' },
          t('value.demandLine', { needs: i.demand.matchingNeeds, interests: i.demand.interests, pairings: i.demand.pairings }),
          i.demand.furthestStage ? h('span', {}, ' ', stateBadge(i.demand.furthestStage)) : null,
        ),
        toggle,
      ],
      { dataset: { pn: i.publicationNumber, grade: String(i.grade) } },
    )
    return tr
  }
  const load = async (fresh) => {
    const params = new URLSearchParams({ order: order.value, scenario: scenario.value, limit: '20' })
    if (minGrade.value) params.set('minGrade', minGrade.value)
    if (demand.value) params.set('demand', demand.value)
    if (!fresh && cursor) params.set('cursor', cursor)
    try {
      const page = await api('GET', `/v1/patents/values?${params}`)
      if (fresh) {
        const table = stackTable(headers, [], { id: 'value-table', caption: t('value.tiersTitle') })
        table.querySelector('caption').className = 'visually-hidden'
        tbody = table.querySelector('tbody')
        list.replaceChildren(page.items.length ? table : h('p', { class: 'muted' }, t('value.empty')))
        messages.replaceChildren(page.total === undefined ? '' : h('p', {}, t('value.total', { n: page.total })))
      }
      for (const i of page.items) tbody.append(row(i))
      cursor = page.nextCursor
      more.hidden = cursor === undefined
    } catch (err) {
      messages.replaceChildren(errorNotice(err))
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void load(true)
  })
  more.addEventListener('click', () => void load(false))
  await load(true)
}
