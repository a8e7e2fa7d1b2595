// A university's tech-transfer office: its inventory (filter, page, edit, withdraw, list again),
// uploading it and watching it indexed, fixing rejected rows, the history of its imports, and each
// patent's pairings, enterprises' interests and why they declined.
import { tiers } from './value.js'
import { allItems, api, download } from '../api.js'
import { append, fmtDate, h, splitList, stackRow, stackTable, table } from '../dom.js'
import { getLang, t } from '../i18n.js'
import { enums, errorNotice, field, interestOutcome, notice, select, stateBadge } from './common.js'

const PAGE = 20

const listingBadge = (status) => h('span', { class: `badge listing-${status}` }, t(`listing.${status}`))

/** The edit form of one patent: the fields an office corrects most, sent as a PATCH of what changed. */
function editForm(p, { onSaved, onCancel }) {
  const title = h('input', { type: 'text', name: 'title', value: p.title, required: true, maxlength: '500' })
  const abstract = h('textarea', { name: 'abstract', rows: '4', required: true, maxlength: '20000' })
  abstract.value = p.abstract
  const keywords = h('input', { type: 'text', name: 'keywords', value: p.keywords.join('；') })
  const legal = select('legalStatus', enums.legalStatuses.map((v) => [v, t(`legal.${v}`)]), p.legalStatus)
  const modes = enums.transferModes.map((m) => h('input', { type: 'checkbox', name: 'transferModes', value: m, checked: p.transferModes.includes(m) }))
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card edit-form', dataset: { pn: p.publicationNumber }, 'aria-label': t('edit.title', { pn: p.publicationNumber }) },
    h('h3', {}, t('edit.title', { pn: p.publicationNumber })),
    field(t('edit.name'), title),
    field(t('edit.abstract'), abstract),
    h('div', { class: 'row' }, field(t('edit.keywords'), keywords), field(t('edit.legalStatus'), legal)),
    h('fieldset', {}, h('legend', {}, t('edit.transferModes')), modes.map((m) => h('label', {}, m, ' ', t(`mode.${m.value}`)))),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('edit.save')), h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('edit.cancel')), status),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const next = {
      title: title.value.trim(),
      abstract: abstract.value.trim(),
      keywords: splitList(keywords.value),
      legalStatus: legal.value,
      transferModes: modes.filter((m) => m.checked).map((m) => m.value),
    }
    const patch = Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(p[k])))
    if (Object.keys(patch).length === 0) return status.replaceChildren(notice('ok', t('inventory.noChange')))
    try {
      onSaved(await api('PATCH', `/v1/patents/${encodeURIComponent(p.publicationNumber)}`, { body: patch }))
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  setTimeout(() => title.focus(), 0)
  return form
}

async function inventory(ctx) {
  const { main } = ctx
  main.append(h('h1', {}, t('inventory.title')), h('p', { class: 'muted' }, t('inventory.help')))
  const q = h('input', { type: 'search', name: 'q', maxlength: '200' })
  const status = select('status', [['', t('inventory.anyStatus')], ...enums.patentStatuses.map((v) => [v, t(`listing.${v}`)])], '')
  const legal = select('legalStatus', [['', t('search.any')], ...enums.legalStatuses.map((v) => [v, t(`legal.${v}`)])], '')
  const form = h(
    'form',
    { class: 'card filters', id: 'inventory-filters', role: 'search' },
    h(
      'div',
      { class: 'row' },
      field(t('inventory.q'), q),
      field(t('inventory.status'), status),
      field(t('search.legalStatus'), legal),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('inventory.filter')), h('button', { type: 'reset', class: 'secondary' }, t('inventory.reset'))),
    ),
  )
  const summary = h('p', { id: 'inventory-total', 'aria-live': 'polite' })
  const messages = h('div', { id: 'inventory-status', 'aria-live': 'polite' })
  const headers = [t('inventory.pn'), t('inventory.name'), t('inventory.legal'), t('inventory.modes'), t('inventory.listing'), t('inventory.updated'), t('inventory.actions')]
  const wrap = stackTable(headers, [], { id: 'inventory-table', caption: t('inventory.title') })
  wrap.querySelector('caption').className = 'visually-hidden'
  const tbody = wrap.querySelector('tbody')
  const more = h('button', { type: 'button', id: 'inventory-more', class: 'secondary more', hidden: true }, t('inventory.more'))
  const empty = h('p', { id: 'inventory-empty', class: 'muted', hidden: true })
  main.append(form, summary, messages, wrap, empty, more)

  const say = (kind, text) => {
    messages.replaceChildren(notice(kind, text))
    ctx.announce(text)
  }
  /** The row of a patent; its buttons replace it with the patent as the API returns it. */
  const row = (p) => {
    const pn = p.publicationNumber
    const path = `/v1/patents/${encodeURIComponent(pn)}`
    const act = async (method, url, message) => {
      try {
        const next = await api(method, url)
        tr.replaceWith(row(next))
        say('ok', t(message, { pn }))
      } catch (err) {
        messages.replaceChildren(errorNotice(err))
      }
    }
    const edit = h('button', { type: 'button', class: 'secondary', 'data-action': 'edit', 'aria-expanded': 'false' }, t('inventory.edit'))
    const toggle =
      p.status === 'withdrawn'
        ? h('button', { type: 'button', 'data-action': 'relist', onclick: () => act('POST', `${path}/relist`, 'inventory.relisted') }, t('inventory.relist'))
        : h('button', { type: 'button', class: 'danger', 'data-action': 'withdraw', onclick: () => act('DELETE', path, 'inventory.withdrawn') }, t('inventory.withdraw'))
    const tr = stackRow(
      headers,
      [
        h('span', { class: 'pn' }, pn),
        p.title,
        h('span', { class: 'nowrap' }, t(`legal.${p.legalStatus}`)),
        p.transferModes.length ? p.transferModes.map((m) => t(`mode.${m}`)).join('、') : '—',
        listingBadge(p.status),
        fmtDate(p.updatedAt),
        h('div', { class: 'actions' }, edit, toggle),
      ],
      { dataset: { pn, status: p.status } },
    )
    edit.addEventListener('click', () => {
      const open = tr.nextElementSibling?.classList.contains('edit-row')
      for (const other of tbody.querySelectorAll('tr.edit-row')) other.remove()
      for (const b of tbody.querySelectorAll('button[data-action=edit]')) b.setAttribute('aria-expanded', 'false')
      if (open) return
      edit.setAttribute('aria-expanded', 'true')
      const editRow = h('tr', { class: 'edit-row' })
      const close = () => {
        editRow.remove()
        edit.setAttribute('aria-expanded', 'false')
        edit.focus()
      }
      const saved = (next) => {
        editRow.remove()
        tr.replaceWith(row(next))
        say('ok', t('inventory.saved', { pn }))
      }
      editRow.appendChild(h('td', { colspan: String(headers.length) }, editForm(p, { onSaved: saved, onCancel: close })))
      tr.after(editRow)
    })
    return tr
  }

  let cursor
  let shown = 0
  let query = {}
  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE) })
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v)
    if (cursor) params.set('cursor', cursor)
    more.disabled = true
    let page
    try {
      page = await api('GET', `/v1/patents?${params}`)
    } catch (err) {
      messages.replaceChildren(errorNotice(err))
      return
    } finally {
      more.disabled = false
    }
    append(tbody, page.items.map(row))
    shown += page.items.length
    cursor = page.nextCursor
    more.hidden = !cursor
    summary.textContent = page.total !== undefined ? t('inventory.total', { n: page.total, shown }) : t('inventory.shown', { shown })
    if (cursor && page.total === undefined && page.items.length < PAGE) summary.append(' · ', t('inventory.moreToSearch'))
    empty.hidden = shown > 0 || Boolean(cursor)
    empty.replaceChildren(
      Object.values(query).some(Boolean) ? t('inventory.noMatch') : h('span', {}, t('inventory.empty'), ' ', h('a', { href: '#/upload' }, t('upload.title'))),
    )
    summary.dataset.shown = String(shown)
  }
  const restart = () => {
    query = { q: q.value.trim(), status: status.value, legalStatus: legal.value }
    tbody.replaceChildren()
    messages.replaceChildren()
    cursor = undefined
    shown = 0
    return load()
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void restart()
  })
  form.addEventListener('reset', () => setTimeout(() => void restart(), 0))
  more.addEventListener('click', () => void load())
  await restart()
}

/** A button that downloads an import's rejected rows as a CSV, as the file had them, with the errors in the console's language. */
function rejectedDownload(importId, n) {
  const b = h('button', { type: 'button', class: 'secondary', dataset: { rejectedDownload: importId } }, t('upload.downloadRejected', { n }))
  b.addEventListener('click', () => void download(`/v1/imports/${encodeURIComponent(importId)}/rejected?lang=${getLang()}`, 'text/csv', 'rejected-rows.csv'))
  return b
}

/** The office's imports, newest first: when, state, the answer's counts and the indexing. */
async function importHistory(section) {
  let items
  try {
    ;({ items } = await api('GET', '/v1/imports?limit=50'))
  } catch (err) {
    return section.replaceChildren(errorNotice(err))
  }
  const headers = [
    t('history.at'),
    t('history.state'),
    t('history.accepted'),
    t('history.created'),
    t('history.updated'),
    t('history.unchanged'),
    t('history.rejected'),
    t('history.indexed'),
  ]
  const n = (v) => (v === undefined ? '—' : String(v))
  const rows = items.map((i) =>
    stackRow(
      headers,
      [
        fmtDate(i.createdAt),
        h('span', {}, h('span', { class: `badge import-${i.state}` }, t(`import.${i.state}`)), i.error ? h('small', { class: 'error-text' }, i.error) : null),
        n(i.accepted),
        n(i.created),
        n(i.updated),
        n(i.unchanged),
        i.rejected > 0 ? rejectedDownload(i.importId, i.rejected) : '0',
        `${i.indexed}/${i.total}`,
      ],
      { dataset: { importId: i.importId, state: i.state } },
    ),
  )
  section.replaceChildren(
    h('h2', {}, t('history.title')),
    h('p', { class: 'muted' }, t('history.help')),
    items.length ? stackTable(headers, rows, { id: 'import-history-table' }) : h('p', { class: 'muted' }, t('history.empty')),
  )
}

const TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
}

async function upload(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('upload.title')))
  const file = h('input', { type: 'file', name: 'file', accept: '.xlsx,.csv,.ndjson,.jsonl,text/csv,application/x-ndjson', required: true })
  const status = h('div', { id: 'upload-status', 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', id: 'upload-form' },
    h('p', { class: 'muted' }, t('upload.help')),
    field(t('upload.file'), file),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('upload.go')), h('a', { href: '/samples/inventory.csv', download: 'sample-inventory.csv' }, t('upload.sample'))),
  )
  const result = h('section', { id: 'upload-result' })
  const history = h('section', { id: 'import-history', 'aria-live': 'polite' })
  main.append(form, status, result, history)
  void importHistory(history)
  let stopped = false
  ctx.onLeave(() => (stopped = true))

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const f = file.files?.[0]
    if (!f) return status.replaceChildren(notice('error', t('upload.noFile')))
    const ext = f.name.split('.').pop()?.toLowerCase() ?? ''
    const type = TYPES[ext]
    if (!type) return status.replaceChildren(notice('error', t('upload.badType')))
    result.replaceChildren()
    status.replaceChildren(h('p', { class: 'notice' }, t('loading')))
    let outcome
    try {
      outcome = await api('POST', '/v1/patents/import', { body: f, contentType: type })
    } catch (err) {
      status.replaceChildren(errorNotice(err))
      void importHistory(history)
      return
    }
    const progress = h('progress', { id: 'import-progress', max: String(Math.max(outcome.accepted, 1)), value: '0' })
    const label = h('span', { id: 'import-state' }, t('import.receiving'))
    status.replaceChildren(
      h(
        'div',
        { class: 'card' },
        h('p', {}, h('strong', { id: 'import-accepted' }, t('upload.accepted', { n: outcome.accepted })), ' · ', h('strong', { id: 'import-rejected' }, t('upload.rejectedTotal', { n: outcome.rejectedTotal }))),
        h('label', { for: 'import-progress' }, t('upload.progress')),
        progress,
        h('p', {}, `${t('upload.state')}: `, label),
      ),
    )
    if (outcome.rejected.length) {
      // The service says each problem in Chinese too (naming the file's own column and the value);
      // the field is named as the file's column where the file has one.
      const columnOf = Object.fromEntries(Object.entries(outcome.file?.columns ?? {}).map(([column, fieldName]) => [fieldName, column]))
      const rows = outcome.rejected.flatMap((r) => r.errors.map((er) => [String(r.line), columnOf[er.path] ?? er.path, getLang() === 'zh' ? (er.zh ?? er.message) : er.message]))
      result.appendChild(rejectedDownload(outcome.importId, outcome.rejectedTotal))
      const tbl = table([t('upload.line'), t('upload.field'), t('upload.message')], rows, t('upload.rejected'))
      tbl.id = 'rejected-rows'
      result.appendChild(tbl)
    }
    // Indexing runs in the background: follow it until done.
    for (;;) {
      if (stopped) return
      const s = await api('GET', `/v1/imports/${encodeURIComponent(outcome.importId)}`)
      progress.max = Math.max(s.total, 1)
      progress.value = s.indexed
      progress.textContent = `${s.indexed}/${s.total}`
      label.textContent = `${t(`import.${s.state}`)} (${s.indexed}/${s.total})`
      if (s.state === 'done' || s.state === 'failed') {
        await importHistory(history)
        label.dataset.state = s.state
        ctx.announce(`${t('upload.progress')}: ${t(`import.${s.state}`)}`)
        if (s.error) status.appendChild(notice('error', s.error))
        return
      }
      await new Promise((r) => setTimeout(r, 400))
    }
  })
  file.focus()
}

async function patents(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('patents.title')))
  main.appendChild(h('p', { class: 'muted' }, t('patents.help')))
  const [pairings, interests] = await Promise.all([allItems('/v1/pairings'), allItems('/v1/interests')])
  const byPatent = new Map()
  const entry = (pn) => byPatent.get(pn) ?? byPatent.set(pn, { pairings: [], interests: [] }).get(pn)
  for (const p of pairings) entry(p.publicationNumber).pairings.push(p)
  for (const i of interests) entry(i.publicationNumber).interests.push(i)
  const section = h('section', { id: 'patent-pairings' })
  main.appendChild(section)
  if (byPatent.size === 0) section.appendChild(h('p', { class: 'muted' }, t('none')))
  for (const [pn, e] of byPatent) {
    const card = h('article', { class: 'card', dataset: { pn } }, h('h2', {}, pn))
    section.appendChild(card)
    api('GET', `/v1/patents/${encodeURIComponent(pn)}`)
      .then((p) => card.querySelector('h2').append(' · ', p.title))
      .catch(() => undefined)
    if (e.pairings.length) {
      card.appendChild(
        table(
          [t('pairing.need'), t('pairing.enterprise'), t('pairing.score'), t('pairing.state'), t('pairing.updated')],
          e.pairings.map((p) => [p.need?.title ?? '—', p.enterprise?.name ?? '—', p.score.toFixed(2), h('span', {}, stateBadge(p.state), p.reason ? ` (${t(`reason.${p.reason}`)})` : ''), fmtDate(p.updatedAt)]),
          `${t('patents.pairings')}: ${e.pairings.length}`,
        ),
      )
      const fb = h('div', { class: 'feedback' })
      card.appendChild(fb)
      api('GET', `/v1/patents/${encodeURIComponent(pn)}/feedback`)
        .then((f) => {
          const reasons = Object.entries(f.declined).filter(([, n]) => n > 0)
          append(fb, [
            h('h3', {}, t('patents.declined')),
            reasons.length ? h('ul', { class: 'chips' }, reasons.map(([r, n]) => h('li', { class: 'chip' }, `${t(`reason.${r}`)}: ${n}`))) : h('p', { class: 'muted' }, t('none')),
            f.notes.length ? h('div', {}, h('h3', {}, t('patents.notes')), h('ul', {}, f.notes.map((n) => h('li', {}, n)))) : null,
          ])
        })
        .catch((err) => fb.appendChild(errorNotice(err)))
    }
    if (e.interests.length) {
      card.appendChild(
        table(
          [t('pairing.enterprise'), t('pairing.need'), t('interest.messageCol'), t('interest.at'), t('interest.state')],
          e.interests.map((i) => [i.enterprise?.name ?? '—', i.need?.title ?? '—', i.message ?? '', fmtDate(i.createdAt), interestOutcome(i)]),
          t('patents.interests'),
        ),
      )
      if (e.interests.some((i) => i.state === 'open')) card.appendChild(h('p', {}, h('a', { href: '#/interests' }, t('uniInterest.answer'))))
    }
  }
}

/** The accept and decline controls of an open interest; `done(next)` gets the answered interest. */
function answerControls(i, done) {
  const status = h('div', { 'aria-live': 'polite' })
  const send = async (verb, body, button) => {
    button.disabled = true
    try {
      done(await api('POST', `/v1/interests/${encodeURIComponent(i.id)}/${verb}`, { body }))
    } catch (err) {
      button.disabled = false
      status.replaceChildren(errorNotice(err))
    }
  }
  const accept = h('button', { type: 'button', 'data-action': 'accept' }, t('uniInterest.accept'))
  accept.addEventListener('click', () => void send('accept', {}, accept))
  const decline = h('button', { type: 'button', class: 'secondary', 'data-action': 'decline', 'aria-expanded': 'false' }, t('uniInterest.decline'))
  const box = h('div', { class: 'answer' }, h('div', { class: 'actions' }, accept, decline), status)
  decline.addEventListener('click', () => {
    if (box.querySelector('form')) return
    decline.setAttribute('aria-expanded', 'true')
    const reason = select('reason', enums.interestDeclineReasons.map((r) => [r, t(`interestReason.${r}`)]), enums.interestDeclineReasons[0])
    const note = h('textarea', { name: 'note', rows: '2', maxlength: '2000' })
    const confirm = h('button', { type: 'submit', class: 'danger' }, t('uniInterest.confirmDecline'))
    const form = h('form', { class: 'decline-interest' }, field(t('uniInterest.reason'), reason), field(t('uniInterest.note'), note, t('uniInterest.noteHelp')), h('div', { class: 'actions' }, confirm))
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const body = { reason: reason.value }
      if (note.value.trim()) body.note = note.value.trim()
      void send('decline', body, confirm)
    })
    box.insertBefore(form, status)
    reason.focus()
  })
  if (!i.hasNeed && i.state === 'open') box.prepend(h('p', { class: 'muted' }, t('uniInterest.noNeed')))
  return box
}

/** Interests in our patents, open ones first: who (as far as disclosed), for what, and the answer. */
async function interestsPage(ctx) {
  const { main } = ctx
  main.append(h('h1', {}, t('uniInterest.title')), h('p', { class: 'muted' }, t('uniInterest.help')))
  const messages = h('div', { id: 'interest-status', 'aria-live': 'polite' })
  const items = await allItems('/v1/interests')
  const order = (i) => (i.state === 'open' ? 0 : 1)
  items.sort((a, b) => order(a) - order(b))
  const headers = [t('interest.patent'), t('pairing.enterprise'), t('pairing.need'), t('interest.messageCol'), t('interest.at'), t('interest.state'), t('inventory.actions')]
  const row = (i) => {
    const tr = stackRow(
      headers,
      [
        h('span', { class: 'pn' }, i.publicationNumber),
        i.enterprise?.name ?? h('span', { class: 'muted' }, t('uniInterest.undisclosed')),
        i.need
          ? h('span', {}, h('strong', {}, i.need.title), i.need.description ? h('small', { class: 'muted need-text clamp' }, i.need.description) : null)
          : i.hasNeed
            ? h('span', { class: 'muted' }, t('uniInterest.needUndisclosed'))
            : '—',
        i.message ?? '',
        fmtDate(i.createdAt),
        interestOutcome(i),
        i.state === 'open'
          ? answerControls(i, (next) => {
              tr.replaceWith(row(next))
              const text = t(next.state === 'accepted' ? 'uniInterest.accepted' : 'uniInterest.declined', { pn: next.publicationNumber })
              messages.replaceChildren(notice('ok', text))
              ctx.announce(text)
            })
          : '—',
      ],
      { dataset: { interest: i.id, state: i.state, pn: i.publicationNumber } },
    )
    return tr
  }
  main.append(messages, items.length ? stackTable(headers, items.map(row), { id: 'interests-table' }) : h('p', { class: 'muted' }, t('none')))
}

export const universityPages = [
  ['inventory', 'nav.inventory', inventory],
  ['upload', 'nav.upload', upload],
  ['interests', 'nav.uniInterests', interestsPage],
  ['patents', 'nav.patents', patents],
  ['value', 'nav.value', tiers],
]
