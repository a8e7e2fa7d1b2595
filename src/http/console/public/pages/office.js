// A provincial IP office: the cultivation pool and its quota, a directory of its province's
// enterprises to recommend from, each enterprise's pool record with the decisions on it and the
// forms to take them (graduation, violation, progress, withdrawal), the programme's figures with
// their CSV export and the annual report as a document. Financial institutions see the pool list,
// with each enterprise's patents and pairing progress, and export it.
import { allItems, api, download } from '../api.js'
import { fmtDate, h, stackRow, stackTable } from '../dom.js'
import { getLang, t } from '../i18n.js'
import { enums, errorNotice, field, notice, select, stateBadge } from './common.js'
import { gradeBadge, rowBelow, valueToggle } from './value.js'

const stat = (label, value, id) => h('div', { class: 'stat', id }, h('div', { class: 'n' }, String(value)), h('div', { class: 'l' }, label))

/** An enterprise's pairings in one line: how many, and how many in each state now. */
function progressLine(pairings) {
  if (!pairings || pairings.total === 0) return h('span', { class: 'muted' }, t('pool.noPairings'))
  const states = (enums.pairingStates ?? []).filter((s) => pairings.byState[s])
  return h(
    'span',
    { class: 'progress-line' },
    h('strong', {}, t('pool.pairingsTotal', { n: pairings.total })),
    ...states.map((s) => h('span', { class: 'nowrap' }, ' · ', stateBadge(s), ` ${pairings.byState[s]}`)),
  )
}

/** A lender's button to a patent's value profile, which opens in a full-width row below the enterprise's. */
function lenderToggle(pn) {
  const toggle = valueToggle(pn, rowBelow(() => toggle))
  return toggle
}

/**
 * The patents an enterprise obtained through pairings: publication number, title, holder, state
 * and its grade for pledge financing; a financial institution opens each one's value profile.
 */
function patentList(patents, lender) {
  if (!patents?.length) return h('span', { class: 'muted' }, t('pool.noPatents'))
  return h(
    'ul',
    { class: 'plain' },
    patents.map((p) =>
      h(
        'li',
        { dataset: { pn: p.publicationNumber } },
        h('span', { class: 'pn' }, p.publicationNumber),
        ' ',
        p.title ?? '',
        p.holder ? h('span', { class: 'muted' }, ` · ${p.holder}`) : null,
        ' ',
        stateBadge(p.state),
        p.value ? h('span', { class: 'nowrap', title: t('pool.pledgeGrade') }, ' ', gradeBadge(p.value.grade, 'pledge')) : null,
        lender ? lenderToggle(p.publicationNumber) : null,
      ),
    ),
  )
}

const profileLine = (e) =>
  [e.city, e.size ? t(`size.${e.size}`) : null, ...(e.flags ?? []).map((f) => t(`flag.${f}`)), e.industry].filter(Boolean).join(' · ')

function poolTable(items, office) {
  const headers = [t('pool.enterprise'), t('pool.profile'), t('pool.status'), t('pool.since'), t('pool.progress'), t('pool.patents')]
  return stackTable(
    headers,
    items.map((e) =>
      stackRow(
        headers,
        [
          office ? h('a', { href: `#/enterprise/${e.enterpriseId}` }, e.enterprise?.name || e.enterpriseId) : e.enterprise?.name || e.enterpriseId,
          profileLine(e.enterprise ?? {}),
          h('span', {}, t(`status.${e.status}`), e.flag ? h('span', { class: 'badge flag', title: t('pool.flagged') }, ` ⚑ ${t('pool.flagged')}`) : null),
          fmtDate(e.enteredAt),
          progressLine(e.pairings),
          patentList(e.patents, !office),
        ],
        { dataset: { enterprise: e.enterpriseId } },
      ),
    ),
    { id: 'pool-table', caption: t('pool.title') },
  )
}

async function pool(ctx) {
  const { main, me } = ctx
  const office = me.role === 'provincial-office'
  main.appendChild(h('h1', {}, t('pool.title'), me.org?.province && office ? ` · ${me.org.province}` : ''))
  if (office) {
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
  const items = await allItems('/v1/pool')
  const exportStatus = h('div', { 'aria-live': 'polite', id: 'pool-export-status' })
  const exportBtn = h('button', { type: 'button', id: 'pool-export', class: 'secondary' }, t('pool.export'))
  exportBtn.addEventListener('click', async () => {
    try {
      await download(`/v1/pool?lang=${getLang()}`, 'text/csv', 'pool.csv')
      exportStatus.replaceChildren(notice('ok', t('pool.exported')))
    } catch (err) {
      exportStatus.replaceChildren(errorNotice(err))
    }
  })
  const list = h('section', { id: 'pool-list' }, h('p', { class: 'muted' }, t(office ? 'pool.helpOffice' : 'pool.helpBank')), h('div', { class: 'actions' }, exportBtn, exportStatus))
  main.appendChild(list)
  list.appendChild(items.length ? poolTable(items, office) : h('p', { class: 'muted' }, t('pool.empty')))
  if (office) await directory(ctx)
}

/** The office's directory: search its province's enterprises and recommend one into the pool. */
async function directory(ctx) {
  const { main } = ctx
  const { items: rounds } = await api('GET', '/v1/rounds')
  const q = h('input', { type: 'search', name: 'q', id: 'directory-q', placeholder: t('dir.placeholder') })
  const round = rounds.length ? select('roundId', rounds.map((r) => [r.id, `${r.name} (${r.deadline})`]), rounds[rounds.length - 1].id) : null
  const status = h('div', { 'aria-live': 'polite', id: 'recommend-status' })
  const results = h('div', { id: 'directory-results' })
  const more = h('button', { type: 'button', class: 'secondary more', hidden: true }, t('inventory.more'))
  const form = h(
    'form',
    { class: 'card', id: 'recommend-form', role: 'search' },
    h('h2', {}, t('pool.recommend')),
    h('p', { class: 'muted' }, t('dir.help')),
    h('div', { class: 'row' }, field(t('dir.q'), q), round ? field(t('pool.roundId'), round) : h('p', { class: 'notice warn' }, t('dir.noRound'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('search.go'))),
    status,
    results,
    more,
  )
  main.appendChild(form)
  const headers = [t('pool.enterprise'), t('org.creditCode'), t('pool.profile'), t('pool.status'), '']
  let rows = []
  let cursor
  const row = (o) => {
    let action
    if (o.pool) action = h('span', { class: 'muted' }, t(`status.${o.pool.status}`))
    else if (round) {
      action = h('button', { type: 'button', dataset: { recommend: o.id } }, t('pool.recommendGo'))
      action.addEventListener('click', async () => {
        action.disabled = true
        try {
          await api('POST', '/v1/pool/recommendations', { body: { enterpriseId: o.id, roundId: round.value } })
          ctx.announce(t('dir.recommended', { name: o.name }))
          await ctx.refresh()
        } catch (err) {
          action.disabled = false
          status.replaceChildren(errorNotice(err))
        }
      })
    } else action = ''
    return stackRow(headers, [o.name, o.creditCode ? h('span', { class: 'pn' }, o.creditCode) : '', profileLine(o), o.pool ? t('dir.inPool') : t('dir.notInPool'), action], { dataset: { candidate: o.id } })
  }
  const load = async (append) => {
    const params = new URLSearchParams({ limit: '20' })
    if (q.value.trim()) params.set('q', q.value.trim())
    if (append && cursor) params.set('cursor', cursor)
    try {
      const page = await api('GET', `/v1/pool/candidates?${params}`)
      rows = append ? [...rows, ...page.items] : page.items
      cursor = page.nextCursor
      more.hidden = !cursor
      status.replaceChildren()
      results.replaceChildren(
        h('p', { class: 'muted', id: 'directory-total' }, t('dir.total', { n: page.total ?? rows.length })),
        rows.length ? stackTable(headers, rows.map(row), { id: 'directory-table' }) : h('p', { class: 'muted' }, t('dir.none')),
      )
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void load(false)
  })
  more.addEventListener('click', () => void load(true))
  await load(false)
}

/** What a decision says beyond its kind: the evidence, the reasons, the note. */
function decisionDetails(d) {
  const parts = []
  const ev = d.evidence ?? {}
  if (d.type === 'recommended') parts.push(d.addedByRolling ? t('dec.rolling') : t('dec.quota'))
  if (d.type === 'graduated') {
    if (ev.industrialisationRateBefore !== undefined || ev.industrialisationRateAfter !== undefined) parts.push(t('dec.rate', { a: ev.industrialisationRateBefore ?? '—', b: ev.industrialisationRateAfter ?? '—' }))
    if (ev.newPatentIntensiveProducts !== undefined) parts.push(t('dec.products', { n: ev.newPatentIntensiveProducts }))
    if (ev.salesGrowth !== undefined) parts.push(t('dec.sales', { n: ev.salesGrowth }))
    if (ev.profitGrowth !== undefined) parts.push(t('dec.profit', { n: ev.profitGrowth }))
  }
  if (d.type === 'violation-recorded') parts.push(t(`violation.${d.violation}`))
  if (d.type === 'progress-recorded') parts.push(t(`progress.${d.kind}`))
  if (d.type === 'withdrawn') parts.push(t(`wreason.${d.reason}`))
  if (d.type === 'withdrawal-flagged') parts.push(t('dec.dueOn', { d: d.dueOn }))
  return h(
    'div',
    { class: 'evidence' },
    parts.length ? h('p', {}, parts.join(' · ')) : null,
    ev.description ? h('p', {}, h('strong', {}, `${t('ev.description')}: `), ev.description) : null,
    ev.reference ? h('p', {}, h('strong', {}, `${t('ev.reference')}: `), ev.reference) : null,
    d.note ? h('p', {}, h('strong', {}, `${t('pairing.note')}: `), d.note) : null,
  )
}

const actorName = (a) => (a?.role ? t(`role.${a.role}`) : '')

/** A form of one pool decision: its fields, and a POST to its route; the record reloads after. */
function decisionForm(ctx, id, { key, path, fields, body }) {
  const status = h('div', { 'aria-live': 'polite' })
  const form = h('form', { class: 'card decision-form', id: `${key}-form` }, h('h3', {}, t(`form.${key}`)), h('p', { class: 'muted' }, t(`form.${key}Help`)), h('div', { class: 'row' }, fields), status, h('button', { type: 'submit', class: key === 'violation' || key === 'withdrawal' ? 'danger' : undefined }, t(`form.${key}Go`)))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api('POST', `/v1/pool/enterprises/${id}/${path}`, { body: body(form) })
      ctx.announce(t('form.recorded'))
      await ctx.refresh()
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  return form
}

const num = (form, name) => {
  const v = form.elements[name].value.trim()
  return v === '' ? undefined : Number(v)
}
const text = (form, name) => form.elements[name].value.trim() || undefined
const compact = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
const evidenceNote = (form) => compact({ description: text(form, 'description'), reference: text(form, 'reference') })

const numberInput = (name, attrs = {}) => h('input', { type: 'number', name, step: 'any', inputmode: 'decimal', ...attrs })
const descriptionFields = (required) => [
  field(t('ev.description'), h('textarea', { name: 'description', rows: '3', maxlength: '5000', required })),
  field(t('ev.reference'), h('input', { type: 'text', name: 'reference', maxlength: '1000', placeholder: t('ev.referenceHint') })),
]

/** One enterprise of the office's pool: its profile and progress, every decision with its evidence, and the forms of the next ones. */
async function enterprisePage(ctx, id) {
  const { main } = ctx
  const { entry, decisions } = await api('GET', `/v1/pool/enterprises/${encodeURIComponent(id)}`)
  const e = entry.enterprise
  main.append(
    h('p', {}, h('a', { href: '#/pool' }, `← ${t('pool.title')}`)),
    h('h1', {}, e.name || id),
    h(
      'section',
      { class: 'card', id: 'enterprise-profile' },
      h('p', {}, h('strong', {}, `${t('pool.status')}: `), h('span', { id: 'pool-status', dataset: { status: entry.status } }, t(`status.${entry.status}`)), entry.flag ? h('span', { class: 'badge flag' }, ` ⚑ ${t('pool.flagged')} (${entry.flag.dueOn})`) : null),
      e.creditCode ? h('p', {}, h('strong', {}, `${t('org.creditCode')}: `), h('span', { class: 'pn' }, e.creditCode)) : null,
      h('p', {}, h('strong', {}, `${t('pool.profile')}: `), profileLine(e) || '—'),
      h('p', {}, h('strong', {}, `${t('pool.since')}: `), fmtDate(entry.enteredAt)),
      h('p', {}, h('strong', {}, `${t('pool.progress')}: `), progressLine(entry.pairings)),
      h('div', {}, h('strong', {}, `${t('pool.patents')}: `), patentList(entry.patents)),
    ),
  )
  const headers = [t('dec.at'), t('dec.type'), t('dec.details'), t('pairing.actor')]
  main.append(
    h('h2', {}, t('dec.title')),
    stackTable(headers, decisions.map((d) => stackRow(headers, [fmtDate(d.at), h('strong', {}, t(`poolEvent.${d.type}`)), decisionDetails(d), actorName(d.actor)], { dataset: { decision: d.type } })), { id: 'decisions' }),
  )
  if (entry.status !== 'in') {
    main.append(notice('info', t('dec.closed')))
    return
  }
  main.append(
    h('h2', {}, t('dec.next')),
    decisionForm(ctx, id, {
      key: 'graduation',
      path: 'graduation',
      fields: [
        field(t('grad.rateBefore'), numberInput('industrialisationRateBefore', { min: '0', max: '100' })),
        field(t('grad.rateAfter'), numberInput('industrialisationRateAfter', { min: '0', max: '100' })),
        field(t('grad.products'), numberInput('newPatentIntensiveProducts', { min: '0', step: '1', inputmode: 'numeric' })),
        field(t('grad.sales'), numberInput('salesGrowth', { min: '-100' })),
        field(t('grad.profit'), numberInput('profitGrowth', { min: '-100' })),
        ...descriptionFields(false),
      ],
      body: (f) =>
        ({
          evidence: compact({
            industrialisationRateBefore: num(f, 'industrialisationRateBefore'),
            industrialisationRateAfter: num(f, 'industrialisationRateAfter'),
            newPatentIntensiveProducts: num(f, 'newPatentIntensiveProducts'),
            salesGrowth: num(f, 'salesGrowth'),
            profitGrowth: num(f, 'profitGrowth'),
            ...evidenceNote(f),
          }),
        }),
    }),
    decisionForm(ctx, id, {
      key: 'progress',
      path: 'progress',
      fields: descriptionFields(true),
      body: (f) => ({ kind: 'new-patent-intensive-product', evidence: evidenceNote(f) }),
    }),
    decisionForm(ctx, id, {
      key: 'violation',
      path: 'violations',
      fields: [field(t('form.violationKind'), select('violation', enums.violations.map((v) => [v, t(`violation.${v}`)]), enums.violations[0])), ...descriptionFields(true)],
      body: (f) => ({ violation: f.elements.violation.value, evidence: evidenceNote(f) }),
    }),
    decisionForm(ctx, id, {
      key: 'withdrawal',
      path: 'withdrawal',
      fields: [
        field(t('form.withdrawalReason'), select('reason', enums.withdrawalReasons.map((r) => [r, t(`wreason.${r}`)]), entry.flag ? 'no-progress' : 'other')),
        ...descriptionFields(false),
        field(t('pairing.note'), h('input', { type: 'text', name: 'note', maxlength: '2000' })),
      ],
      body: (f) => {
        const ev = evidenceNote(f)
        return compact({ reason: f.elements.reason.value, evidence: ev.description ? ev : undefined, note: text(f, 'note') })
      },
    }),
  )
}

async function figures(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('stats.title')))
  const thisYear = new Date().getFullYear()
  const year = select('year', [['', t('search.any')], ...[0, 1, 2, 3].map((i) => [String(thisYear - i), String(thisYear - i)])], '')
  const out = h('section', { id: 'figures' })
  const status = h('div', { 'aria-live': 'polite', id: 'export-status' })
  const exportBtn = h('button', { type: 'button', id: 'export-csv' }, t('stats.export'))
  const reportHtml = h('button', { type: 'button', id: 'report-html', class: 'secondary' }, t('report.html'))
  const reportDocx = h('button', { type: 'button', id: 'report-docx', class: 'secondary' }, t('report.docx'))
  main.append(
    h('div', { class: 'actions' }, field(t('stats.year'), year), exportBtn),
    h('section', { class: 'card', id: 'report' }, h('h2', {}, t('report.title')), h('p', { class: 'muted' }, t('report.help')), h('div', { class: 'actions' }, reportHtml, reportDocx)),
    status,
    out,
  )
  const query = () => (year.value ? `?year=${year.value}` : '')
  const load = async () => {
    const s = await api('GET', `/v1/stats${query()}`)
    const f = s.funnel
    const uniHeaders = [t('stats.university'), t('stats.listed'), t('stats.transferred')]
    out.replaceChildren(
      h(
        'div',
        { class: 'grid' },
        stat(t('stats.needs'), f.needs.value, 'figure-needs'),
        stat(t('stats.matches'), f.matches.value, 'figure-matches'),
        stat(t('stats.pairings'), f.pairings.reached.recommended.value),
        stat(t('stats.agreements'), f.agreements.value),
        stat(t('stats.industrialised'), f.industrialised.value),
      ),
      stackTable(
        [t('pairing.state'), t('funnel.reached'), t('funnel.now')],
        Object.keys(f.pairings.reached).map((k) => stackRow([t('pairing.state'), t('funnel.reached'), t('funnel.now')], [t(`state.${k}`), String(f.pairings.reached[k].value), String(f.pairings.inState[k].value)])),
        { caption: t('funnel.title') },
      ),
      stackTable(
        uniHeaders,
        s.universities.map((u) => stackRow(uniHeaders, [u.name ?? u.universityOrgId, String(u.patentsListed.value), String(u.transferredOrLicensed.value)])),
        { id: 'universities', caption: t('stats.universities') },
      ),
    )
  }
  year.addEventListener('change', () => void load())
  const get = (path, accept, name, done) => async () => {
    try {
      await download(path, accept, name)
      status.replaceChildren(notice('ok', t(done)))
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  }
  const reportYear = () => year.value || String(thisYear)
  exportBtn.addEventListener('click', () => void get(`/v1/stats${query()}`, 'text/csv', 'stats.csv', 'stats.downloaded')())
  reportHtml.addEventListener('click', () => void get(`/v1/stats/report?format=html&year=${reportYear()}`, 'text/html', 'report.html', 'report.downloaded')())
  reportDocx.addEventListener('click', () => void get(`/v1/stats/report?format=docx&year=${reportYear()}`, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'report.docx', 'report.downloaded')())
  await load()
}

export const officePages = [
  ['pool', 'nav.pool', pool],
  ['stats', 'nav.stats', figures],
  ['enterprise', null, enterprisePage],
]
