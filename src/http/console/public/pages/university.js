// A university's tech-transfer office: upload the inventory and watch it indexed, fix rejected
// rows, see each patent's pairings, enterprises' interests and why they declined.
import { api } from '../api.js'
import { append, fmtDate, h, table } from '../dom.js'
import { getLang, t } from '../i18n.js'
import { errorNotice, field, notice, stateBadge } from './common.js'

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
  main.append(form, status, result)
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
      // The service says each problem in Chinese too (naming the file's own column and the value).
      const rows = outcome.rejected.flatMap((r) => r.errors.map((er) => [String(r.line), er.path, getLang() === 'zh' ? (er.zh ?? er.message) : er.message]))
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
  const [{ items: pairings }, { items: interests }] = await Promise.all([api('GET', '/v1/pairings'), api('GET', '/v1/interests')])
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
          [t('pairing.enterprise'), t('pairing.need'), t('interest.message'), t('interest.at')],
          e.interests.map((i) => [i.enterprise?.name ?? '—', i.need?.title ?? '—', i.message ?? '', fmtDate(i.createdAt)]),
          t('patents.interests'),
        ),
      )
    }
  }
}

export const universityPages = [
  ['upload', 'nav.upload', upload],
  ['patents', 'nav.patents', patents],
]
