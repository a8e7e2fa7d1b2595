// An operations centre: the pairing inbox, live through the event stream; each pairing's workflow
// and history; declining with a reason; the funnel of its scope; its scope (routing).
import { allItems, api, streamEvents } from '../api.js'
import { clear, fmtDate, h, splitList, table } from '../dom.js'
import { t } from '../i18n.js'
import { enums, errorNotice, field, notice, patentFactsLine, select, stateBadge } from './common.js'

let stateFilter = ''

async function inbox(ctx) {
  const { main } = ctx
  const liveBadge = h('span', { class: 'badge offline', id: 'stream-state' }, t('pairing.offline'))
  main.appendChild(h('h1', {}, t('pairing.inbox'), ' ', liveBadge))
  const filter = select('state', [['', t('pairing.allStates')], ...enums.pairingStates.map((s) => [s, t(`state.${s}`)])], stateFilter)
  filter.addEventListener('change', () => {
    stateFilter = filter.value
    void load()
  })
  const count = h('span', { class: 'muted', id: 'inbox-count' })
  main.appendChild(h('div', { class: 'actions' }, field(t('pairing.state'), filter), count))
  const list = h('section', { id: 'inbox' })
  main.appendChild(list)
  let known
  // Pages read so far: a live reload reads as many again, so the list does not shrink under the reader.
  let pages = 1
  const PAGE = 50
  const row = (p) => [
    h('div', {}, h('strong', {}, p.need?.title ?? p.needId ?? '—'), p.need?.description ? h('p', { class: 'muted clamp' }, p.need.description) : null, p.enterprise?.name ? h('p', { class: 'muted' }, p.enterprise.name) : null),
    h(
      'div',
      {},
      h('strong', {}, p.patent?.title ?? p.publicationNumber),
      h('p', { class: 'muted' }, p.publicationNumber),
      patentFactsLine(p.patent),
      p.explanation?.matchedTerms?.length ? h('p', { class: 'muted why' }, `${t('pairing.matchedTerms')}: ${p.explanation.matchedTerms.slice(0, 6).join('、')}`) : null,
    ),
    p.score.toFixed(2),
    h('span', {}, stateBadge(p.state), p.interestId ? h('span', { class: 'badge from-interest', title: t('pairing.fromInterestHelp') }, t('pairing.fromInterest')) : null),
    fmtDate(p.updatedAt),
    h('a', { href: `#/pairing/${p.id}`, class: 'button secondary', dataset: { pairing: p.id } }, t('pairing.open')),
  ]
  const load = async () => {
    const q = stateFilter ? `state=${encodeURIComponent(stateFilter)}&` : ''
    const items = []
    let cursor
    for (let i = 0; i < pages; i++) {
      const page = await api('GET', `/v1/pairings?${q}limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      items.push(...page.items)
      cursor = page.nextCursor
      if (!cursor) break
    }
    if (known && items.some((p) => !known.has(p.id))) ctx.announce(t('pairing.newArrived'))
    known = new Set(items.map((p) => p.id))
    count.textContent = t('pairing.count', { n: cursor ? `${items.length}+` : items.length })
    const more = h('button', { type: 'button', class: 'secondary', id: 'inbox-more' }, t('pairing.more'))
    more.addEventListener('click', () => {
      pages++
      void load()
    })
    list.replaceChildren(
      items.length
        ? table([t('pairing.need'), t('pairing.patent'), t('pairing.score'), t('pairing.state'), t('pairing.updated'), ''], items.map(row))
        : h('p', { class: 'muted' }, t('none')),
      cursor ? more : '',
    )
  }
  await load()
  let timer
  const stop = streamEvents('/v1/pairings/stream', {
    onState: (s) => {
      liveBadge.className = `badge ${s}`
      liveBadge.textContent = t(`pairing.${s}`)
    },
    onEvent: () => {
      clearTimeout(timer)
      timer = setTimeout(() => void load().catch(() => undefined), 200)
    },
  })
  ctx.onLeave(() => {
    stop()
    clearTimeout(timer)
  })
}

async function pairingView(ctx, id) {
  const { main } = ctx
  const [p, { items: history }] = await Promise.all([api('GET', `/v1/pairings/${encodeURIComponent(id)}`), api('GET', `/v1/pairings/${encodeURIComponent(id)}/history`)])
  main.appendChild(h('p', {}, h('a', { href: '#/inbox' }, `← ${t('pairing.inbox')}`)))
  main.appendChild(h('h1', {}, t('pairing.detail'), ' ', h('span', { id: 'pairing-state' }, stateBadge(p.state))))
  const patentTitle = h('span', {})
  main.appendChild(
    h(
      'div',
      { class: 'card' },
      h('p', {}, h('strong', {}, `${t('pairing.need')}: `), p.need?.title ?? p.needId ?? '—'),
      p.need?.description ? h('p', { class: 'muted' }, p.need.description) : null,
      p.enterprise?.name ? h('p', {}, h('strong', {}, `${t('pairing.enterprise')}: `), p.enterprise.name) : null,
      h('p', {}, h('strong', {}, `${t('pairing.patent')}: `), p.publicationNumber, ' ', patentTitle),
      patentFactsLine(p.patent),
      h('p', {}, h('strong', {}, `${t('pairing.score')}: `), p.score.toFixed(2)),
      p.explanation?.matchedTerms?.length ? h('p', { id: 'pairing-why' }, h('strong', {}, `${t('pairing.why')}: `), p.explanation.matchedTerms.join('、')) : null,
    ),
  )
  if (p.patent) patentTitle.textContent = `· ${p.patent.title}`

  const status = h('div', { 'aria-live': 'polite', id: 'transition-status' })
  const next = enums.transitions[p.state] ?? []
  const move = async (body) => {
    try {
      await api('POST', `/v1/pairings/${encodeURIComponent(id)}/transitions`, { body })
      ctx.announce(t(`state.${body.to}`))
      await ctx.refresh()
      document.getElementById('pairing-state')?.focus()
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  }
  const workflow = h('section', { class: 'card', 'aria-labelledby': 'next-h' }, h('h2', { id: 'next-h' }, t('pairing.next')))
  if (next.length === 0) workflow.appendChild(h('p', { class: 'muted' }, t('pairing.final')))
  const buttons = h('div', { class: 'actions' })
  workflow.appendChild(buttons)
  for (const s of next.filter((s) => s !== 'declined')) {
    const b = h('button', { type: 'button', class: s === 'withdrawn' ? 'secondary' : '', dataset: { to: s } }, t('pairing.moveTo', { s: t(`state.${s}`) }))
    b.addEventListener('click', () => {
      b.disabled = true
      void move({ to: s })
    })
    buttons.appendChild(b)
  }
  if (next.includes('declined')) {
    const openDecline = h('button', { type: 'button', class: 'danger', dataset: { to: 'declined' }, 'aria-expanded': 'false' }, t('pairing.decline'))
    buttons.appendChild(openDecline)
    const reason = select('reason', enums.declineReasons.map((r) => [r, t(`reason.${r}`)]), 'not-relevant')
    const note = h('textarea', { name: 'note', rows: '2', maxlength: '2000' })
    const form = h(
      'form',
      { id: 'decline-form', hidden: true },
      h('div', { class: 'row' }, field(t('pairing.reason'), reason), field(t('pairing.note'), note)),
      h('button', { type: 'submit', class: 'danger' }, t('pairing.confirmDecline')),
    )
    openDecline.addEventListener('click', () => {
      form.hidden = !form.hidden
      openDecline.setAttribute('aria-expanded', String(!form.hidden))
      if (!form.hidden) reason.focus()
    })
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const body = { to: 'declined', reason: reason.value }
      if (note.value.trim()) body.note = note.value.trim()
      void move(body)
    })
    workflow.appendChild(form)
  }
  workflow.appendChild(status)
  main.appendChild(workflow)

  const hist = table(
    [t('pairing.at'), t('pairing.actor'), t('pairing.from'), t('pairing.to'), t('pairing.reason'), t('pairing.note')],
    history.map((e) => [fmtDate(e.at), t(`role.${e.actor.role}`), e.from ? stateBadge(e.from) : '—', stateBadge(e.to), e.reason ? t(`reason.${e.reason}`) : '', e.note ?? '']),
    t('pairing.history'),
  )
  hist.id = 'history'
  main.appendChild(hist)
}

const SVG = 'http://www.w3.org/2000/svg'
const svg = (tag, attrs, ...children) => {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  for (const c of children) el.append(c)
  return el
}

/**
 * The funnel drawn as SVG in the page (no library, nothing fetched): one centred bar a stage of
 * the main path, as wide as the pairings that reached it, then the early ends beside each other.
 * Each stage is a group `[data-state]` titled with its name and count; the table below the
 * chart gives the same numbers as text.
 */
function funnelChart(reached, ends, total) {
  const W = 640
  const ROW = 44
  const max = Math.max(1, total)
  const rows = [...reached.map(([s, n]) => ({ s, n, end: false })), ...ends.map(([s, n]) => ({ s, n, end: true }))]
  const height = rows.length * ROW + 8
  const chart = svg('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-labelledby': 'funnel-title', id: 'funnel', class: 'funnel-chart' }, svg('title', { id: 'funnel-title' }, t('funnel.chart')))
  rows.forEach(({ s, n, end }, i) => {
    const y = i * ROW + 4
    const width = Math.max(2, ((W - 260) * n) / max)
    const x = end ? 170 : 170 + (W - 260 - width) / 2
    const label = svg('text', { x: 160, y: y + 24, 'text-anchor': 'end', class: 'funnel-label' }, t(`state.${s}`))
    const bar = svg('rect', { x, y: y + 6, width, height: ROW - 14, rx: 4, class: end ? 'funnel-bar end' : 'funnel-bar' })
    const count = svg('text', { x: W - 80, y: y + 24, class: 'funnel-count' }, String(n))
    chart.append(svg('g', { 'data-state': s }, svg('title', {}, `${t(`state.${s}`)}: ${n}`), label, bar, count))
  })
  return chart
}

async function funnel(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('funnel.title')))
  main.appendChild(h('p', { class: 'muted' }, t('funnel.help')))
  const items = await allItems('/v1/pairings')
  const { pairingStates, mainPath } = enums
  const now = Object.fromEntries(pairingStates.map((s) => [s, 0]))
  for (const p of items) now[p.state]++
  // The states off the main path end a pairing early; every pairing was recommended first.
  const ends = pairingStates.filter((s) => !mainPath.includes(s))
  const sum = (states) => states.reduce((n, x) => n + now[x], 0)
  // Reached: a pairing now at a later step of the main path has passed every earlier one.
  const reached = mainPath.map((s, i) => [s, sum(mainPath.slice(i)) + (i === 0 ? sum(ends) : 0)])
  main.appendChild(h('figure', { class: 'card' }, h('figcaption', { class: 'visually-hidden' }, t('funnel.chart')), funnelChart(reached, ends.map((s) => [s, now[s]]), items.length)))
  main.appendChild(table([t('pairing.state'), t('funnel.now')], pairingStates.map((s) => [t(`state.${s}`), String(now[s])])))
}

async function routing(ctx) {
  const { main, me } = ctx
  main.appendChild(h('h1', {}, t('routing.title')))
  main.appendChild(h('p', { class: 'muted' }, t('routing.help')))
  let current
  try {
    current = await api('GET', `/v1/orgs/${me.orgId}/routing`)
  } catch (err) {
    if (err.status !== 404) throw err
    main.appendChild(notice('', t('routing.notSet')))
  }
  const provinces = h('input', { type: 'text', name: 'provinces', value: current?.provinces.join(', ') ?? '' })
  const ipc = h('input', { type: 'text', name: 'ipcPrefixes', value: current?.ipcPrefixes.join(', ') ?? '' })
  const minScore = h('input', { type: 'number', name: 'minScore', min: '0', max: '1', step: '0.05', value: current === undefined ? '' : String(current.minScore), placeholder: t('routing.minScoreDefault') })
  const maxPerNeed = h('input', { type: 'number', name: 'maxPerNeed', min: '1', max: '100', step: '1', value: String(current?.maxPerNeed ?? 5) })
  const dailyCap = h('input', { type: 'number', name: 'dailyCap', min: '1', max: '10000', step: '1', value: current?.dailyCap === undefined ? '' : String(current.dailyCap), placeholder: t('routing.noCap') })
  const delivery = select('delivery', enums.deliveryModes.map((m) => [m, t(`delivery.${m}`)]), current?.delivery ?? 'immediate')
  const digestHours = h('input', { type: 'number', name: 'digestHours', min: '1', max: '168', step: '1', value: String(current?.digestHours ?? 24) })
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', id: 'routing-form' },
    h('div', { class: 'row' }, field(t('routing.provinces'), provinces), field(t('routing.ipcPrefixes'), ipc)),
    h('div', { class: 'row' }, field(t('routing.minScore'), minScore), field(t('routing.maxPerNeed'), maxPerNeed)),
    h('div', { class: 'row' }, field(t('routing.dailyCap'), dailyCap), field(t('routing.delivery'), delivery), field(t('routing.digestHours'), digestHours)),
    status,
    h('button', { type: 'submit' }, t('save')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const body = { maxPerNeed: Number(maxPerNeed.value), delivery: delivery.value, digestHours: Number(digestHours.value) }
    if (dailyCap.value.trim() !== '') body.dailyCap = Number(dailyCap.value)
    // left empty, the service's default applies: where a match is strong
    if (minScore.value.trim() !== '') body.minScore = Number(minScore.value)
    const pv = splitList(provinces.value)
    const ip = splitList(ipc.value)
    if (pv.length) body.provinces = pv
    if (ip.length) body.ipcPrefixes = ip
    try {
      await api('PUT', `/v1/orgs/${me.orgId}/routing`, { body })
      clear(status).appendChild(notice('ok', t('saved')))
    } catch (err) {
      clear(status).appendChild(errorNotice(err))
    }
  })
  main.appendChild(form)
}

/** The centre's webhooks: register (the secret shown once), enable, delete, and each one's delivery log with redelivery. */
async function webhooks(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('webhooks.title')))
  main.appendChild(h('p', { class: 'muted' }, t('webhooks.help')))
  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://example.org/hooks/patent-bridge' })
  const types = enums.eventTypes.map((e) => h('input', { type: 'checkbox', name: 'events', value: e, id: `event-${e}`, checked: true }))
  const status = h('div', { 'aria-live': 'polite', id: 'webhook-status' })
  const form = h(
    'form',
    { class: 'card', id: 'webhook-form' },
    field(t('webhooks.url'), url),
    h('fieldset', {}, h('legend', {}, t('webhooks.events')), types.map((c) => h('label', { for: c.id }, c, ' ', c.value))),
    h('button', { type: 'submit' }, t('webhooks.create')),
    status,
  )
  const list = h('section', { id: 'webhook-list' })
  main.append(form, list)
  const load = async () => {
    const { items } = await api('GET', '/v1/webhooks')
    list.replaceChildren(
      items.length === 0
        ? h('p', { class: 'muted' }, t('none'))
        : h(
            'div',
            {},
            items.map((w) => {
              const log = h('div', { class: 'deliveries' })
              const actions = h('div', { class: 'actions' })
              const showLog = h('button', { type: 'button', class: 'secondary', dataset: { deliveries: w.id } }, t('webhooks.deliveries'))
              showLog.addEventListener('click', () => void deliveries(w, log))
              actions.append(showLog)
              if (w.status === 'disabled') {
                const enable = h('button', { type: 'button', dataset: { enable: w.id } }, t('webhooks.enable'))
                enable.addEventListener('click', async () => {
                  try {
                    await api('POST', `/v1/webhooks/${encodeURIComponent(w.id)}/enable`)
                    await load()
                  } catch (err) {
                    log.replaceChildren(errorNotice(err))
                  }
                })
                actions.append(enable)
              }
              const remove = h('button', { type: 'button', class: 'danger', dataset: { remove: w.id } }, t('webhooks.delete'))
              remove.addEventListener('click', async () => {
                if (!window.confirm(t('webhooks.confirmDelete'))) return
                await api('DELETE', `/v1/webhooks/${encodeURIComponent(w.id)}`)
                await load()
              })
              actions.append(remove)
              return h(
                'article',
                { class: 'card', dataset: { webhook: w.id, status: w.status } },
                h('h2', {}, w.url),
                h('p', { class: 'muted' }, h('span', { class: `badge webhook-${w.status}` }, t(`webhooks.${w.status}`)), ' ', w.events.join(', '), w.disabledReason ? ` · ${w.disabledReason}` : ''),
                actions,
                log,
              )
            }),
          ),
    )
  }
  const deliveries = async (w, box) => {
    let cursor
    const rows = h('tbody')
    const more = h('button', { type: 'button', class: 'secondary' }, t('pairing.more'))
    const page = async () => {
      const res = await api('GET', `/v1/webhooks/${encodeURIComponent(w.id)}/deliveries?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      for (const a of res.items) {
        const redo = h('button', { type: 'button', class: 'secondary', dataset: { redeliver: a.deliveryId } }, t('webhooks.redeliver'))
        redo.addEventListener('click', async () => {
          try {
            await api('POST', `/v1/webhooks/${encodeURIComponent(w.id)}/deliveries/${encodeURIComponent(a.deliveryId)}/redeliver`)
            redo.replaceWith(notice('ok', t('webhooks.redelivered')))
          } catch (err) {
            redo.replaceWith(errorNotice(err))
          }
        })
        rows.append(h('tr', {}, [fmtDate(a.at), a.type, String(a.attempt), a.statusCode ? String(a.statusCode) : (a.error ?? '—'), `${Math.round(a.durationMs)} ms`, t(`outcome.${a.outcome}`)].map((c) => h('td', {}, c)), h('td', {}, redo)))
      }
      cursor = res.nextCursor
      more.hidden = !cursor
    }
    more.addEventListener('click', () => void page())
    const headers = [t('pairing.at'), t('webhooks.event'), t('webhooks.attempt'), t('webhooks.answer'), t('webhooks.duration'), t('webhooks.outcome'), '']
    box.replaceChildren(h('table', { class: 'deliveries-table' }, h('caption', {}, t('webhooks.deliveries')), h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), rows), more)
    await page()
    if (!rows.children.length) box.replaceChildren(h('p', { class: 'muted' }, t('webhooks.noDeliveries')))
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const events = types.filter((c) => c.checked).map((c) => c.value)
    try {
      const created = await api('POST', '/v1/webhooks', { body: { url: url.value.trim(), ...(events.length ? { events } : {}) } })
      // the secret is in this answer only: shown once, to be copied into the receiver
      status.replaceChildren(notice('ok', h('span', {}, t('webhooks.secretOnce'), ' ', h('code', { id: 'webhook-secret' }, created.secret))))
      form.reset()
      await load()
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  await load()
}

export const centrePages = [
  ['inbox', 'nav.inbox', inbox],
  ['pairing', null, pairingView],
  ['funnel', 'nav.funnel', funnel],
  ['routing', 'nav.routing', routing],
  ['webhooks', 'nav.webhooks', webhooks],
]
