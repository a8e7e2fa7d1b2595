// The administrator (the ADMIN_TOKEN key): register organisations, issue their keys, open rounds.
import { allItems, api } from '../api.js'
import { fmtDate, h, table } from '../dom.js'
import { t } from '../i18n.js'
import { enums, errorNotice, field, select } from './common.js'

async function orgs(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('admin.orgs')))
  const name = h('input', { type: 'text', name: 'name', required: true })
  const kind = select('kind', enums.orgKinds.map((k) => [k, t(`role.${k}`)]), 'enterprise')
  const province = h('input', { type: 'text', name: 'province' })
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', id: 'org-form' },
    h('h2', {}, t('admin.newOrg')),
    h('div', { class: 'row' }, field(t('admin.name'), name), field(t('admin.kind'), kind), field(t('admin.province'), province)),
    status,
    h('button', { type: 'submit' }, t('admin.create')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const body = { name: name.value.trim(), kind: kind.value }
    if (province.value.trim()) body.province = province.value.trim()
    try {
      await api('POST', '/v1/orgs', { body })
      await ctx.refresh()
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  main.appendChild(form)
  const items = await allItems('/v1/orgs')
  const keyOut = h('div', { 'aria-live': 'polite', id: 'new-key' })
  main.appendChild(keyOut)
  main.appendChild(
    table(
      [t('admin.name'), t('admin.kind'), t('admin.province'), t('admin.id'), ''],
      items.map((o) => {
        const b = h('button', { type: 'button', class: 'secondary' }, t('admin.issueKey'))
        b.addEventListener('click', async () => {
          const k = await api('POST', `/v1/orgs/${o.id}/keys`, { body: { name: 'console' } })
          keyOut.replaceChildren(h('div', { class: 'notice ok' }, h('p', {}, `${o.name} — ${t('admin.keyOnce')}`), h('output', { class: 'key' }, k.key)))
          keyOut.querySelector('output').focus()
        })
        return [o.name, t(`role.${o.kind}`), o.province ?? '', h('code', {}, o.id), b]
      }),
      t('admin.orgs'),
    ),
  )
}

async function rounds(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('admin.rounds')))
  const name = h('input', { type: 'text', name: 'name', required: true })
  const deadline = h('input', { type: 'date', name: 'deadline', required: true })
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card' },
    h('div', { class: 'row' }, field(t('admin.roundName'), name), field(t('admin.deadline'), deadline)),
    status,
    h('button', { type: 'submit' }, t('admin.createRound')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api('POST', '/v1/rounds', { body: { name: name.value.trim(), deadline: deadline.value } })
      await ctx.refresh()
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  main.appendChild(form)
  const { items } = await api('GET', '/v1/rounds')
  main.appendChild(table([t('admin.roundName'), t('admin.deadline'), t('admin.id'), t('pairing.created')], items.map((r) => [r.name, r.deadline, h('code', {}, r.id), fmtDate(r.createdAt)])))
}

export const adminPages = [
  ['orgs', 'nav.orgs', orgs],
  ['rounds', 'nav.rounds', rounds],
]
