// A provincial IP office: the cultivation pool and its quota, the programme's figures and their
// CSV export. Financial institutions see the pool list only.
import { api, download } from '../api.js'
import { fmtDate, h, table } from '../dom.js'
import { t } from '../i18n.js'
import { errorNotice, field, notice, select } from './common.js'

const stat = (label, value, id) => h('div', { class: 'stat', id }, h('div', { class: 'n' }, String(value)), h('div', { class: 'l' }, label))

async function pool(ctx) {
  const { main, me } = ctx
  main.appendChild(h('h1', {}, t('pool.title'), me.org?.province ? ` · ${me.org.province}` : ''))
  if (me.role === 'provincial-office') {
    const stats = await api('GET', '/v1/stats')
    const counts = stats.pool.find((p) => (p.provinceCode ?? p.province) === (me.org?.provinceCode ?? me.org?.province)) ?? stats.pool[0]
    if (counts) {
      main.appendChild(
        h(
          'section',
          { class: 'grid', id: 'quota', 'aria-label': t('pool.quota') },
          stat(t('pool.quota'), counts.quota, 'quota-total'),
          stat(t('pool.in'), counts.in.value),
          stat(t('pool.placesLeft'), counts.placesLeft.value, 'places-left'),
          stat(t('pool.recommended'), counts.recommended.value),
          stat(t('pool.graduated'), counts.graduated.value),
          stat(t('pool.withdrawn'), counts.withdrawn.value),
          stat(t('pool.flagged'), counts.flagged.value),
          stat(t('pool.rolling'), counts.rollingAllowance.value),
        ),
      )
    }
  }
  const { items } = await api('GET', '/v1/pool')
  const list = h('section', { id: 'pool-list' })
  main.appendChild(list)
  list.appendChild(
    items.length
      ? table(
          [t('pool.enterprise'), t('admin.province'), t('pool.status'), t('pool.since'), t('pool.flagged')],
          items.map((e) => [e.enterprise?.name ?? e.enterpriseId, e.province ?? '', t(`status.${e.status}`), fmtDate(e.enteredAt), e.flagged ? '⚑' : '']),
          t('pool.title'),
        )
      : h('p', { class: 'muted' }, t('pool.empty')),
  )
  if (me.role === 'provincial-office') {
    const { items: rounds } = await api('GET', '/v1/rounds')
    if (rounds.length) {
      const enterpriseId = h('input', { type: 'text', name: 'enterpriseId', required: true })
      const round = select('roundId', rounds.map((r) => [r.id, `${r.name} (${r.deadline})`]), rounds[rounds.length - 1].id)
      const status = h('div', { 'aria-live': 'polite' })
      const form = h(
        'form',
        { class: 'card', id: 'recommend-form' },
        h('h2', {}, t('pool.recommend')),
        h('div', { class: 'row' }, field(t('pool.enterpriseId'), enterpriseId), field(t('pool.roundId'), round)),
        status,
        h('button', { type: 'submit' }, t('pool.recommendGo')),
      )
      form.addEventListener('submit', async (e) => {
        e.preventDefault()
        try {
          await api('POST', '/v1/pool/recommendations', { body: { enterpriseId: enterpriseId.value.trim(), roundId: round.value } })
          await ctx.refresh()
        } catch (err) {
          status.replaceChildren(errorNotice(err))
        }
      })
      main.appendChild(form)
    }
  }
}

async function figures(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('stats.title')))
  const thisYear = new Date().getFullYear()
  const year = select('year', [['', t('search.any')], ...[0, 1, 2, 3].map((i) => [String(thisYear - i), String(thisYear - i)])], '')
  const out = h('section', { id: 'figures' })
  const status = h('div', { 'aria-live': 'polite', id: 'export-status' })
  const exportBtn = h('button', { type: 'button', id: 'export-csv' }, t('stats.export'))
  main.append(h('div', { class: 'actions' }, field(t('stats.year'), year), exportBtn, status), out)
  const query = () => (year.value ? `?year=${year.value}` : '')
  const load = async () => {
    const s = await api('GET', `/v1/stats${query()}`)
    const f = s.funnel
    out.replaceChildren(
      h(
        'div',
        { class: 'grid' },
        stat(t('stats.needs'), f.needs.value),
        stat(t('stats.matches'), f.matches.value),
        stat(t('stats.pairings'), f.pairings.reached.recommended.value),
        stat(t('stats.agreements'), f.agreements.value),
        stat(t('stats.industrialised'), f.industrialised.value),
      ),
      table(
        [t('pairing.state'), t('funnel.reached'), t('funnel.now')],
        Object.keys(f.pairings.reached).map((k) => [t(`state.${k}`), String(f.pairings.reached[k].value), String(f.pairings.inState[k].value)]),
        t('funnel.title'),
      ),
    )
  }
  year.addEventListener('change', () => void load())
  exportBtn.addEventListener('click', async () => {
    try {
      await download(`/v1/stats${query()}`, 'text/csv', 'stats.csv')
      status.replaceChildren(notice('ok', t('stats.downloaded')))
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  await load()
}

export const officePages = [
  ['pool', 'nav.pool', pool],
  ['stats', 'nav.stats', figures],
]
