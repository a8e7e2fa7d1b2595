// The administrator (the ADMIN_TOKEN key): register and edit organisations (with an enterprise's
// profile: credit code, size, flags, industry), issue, list and revoke their keys, open rounds.
import { allItems, api } from '../api.js'
import { fmtDate, h, stackRow, stackTable, table } from '../dom.js'
import { t } from '../i18n.js'
import { enums, errorNotice, field, notice, select } from './common.js'

/**
 * The fields of a registration, filled from `org` when editing. Provinces are typed any way the
 * server reads them (浙江, 浙江省, Zhejiang, 330000); it keeps the GB/T 2260 code.
 */
function orgFields(org) {
  const input = (name, attrs = {}) => h('input', { type: 'text', name, value: org?.[name] ?? '', ...attrs })
  const kind = org ? h('input', { type: 'text', name: 'kindShown', value: t(`role.${org.kind}`), readonly: true, 'aria-readonly': 'true' }) : select('kind', enums.orgKinds.map((k) => [k, t(`role.${k}`)]), 'enterprise')
  const size = select('size', [['', t('org.noSize')], ...enums.enterpriseSizes.map((s) => [s, t(`size.${s}`)])], org?.size ?? '')
  const flags = h(
    'fieldset',
    { class: 'flags' },
    h('legend', {}, t('org.flags')),
    enums.enterpriseFlags.map((f) => h('label', {}, h('input', { type: 'checkbox', name: 'flags', value: f, checked: (org?.flags ?? []).includes(f) }), ` ${t(`flag.${f}`)}`)),
  )
  const patentsHeld = h('input', { type: 'number', name: 'patentsHeld', min: '0', step: '1', inputmode: 'numeric', value: org?.patentsHeld ?? '' })
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'row' },
      field(t('admin.name'), input('name', { required: true, maxlength: '200' })),
      field(t('admin.kind'), kind, org ? t('org.kindFixed') : undefined),
      field(t('admin.province'), input('province', { maxlength: '50', placeholder: t('org.provinceHint') })),
      field(t('org.city'), input('city', { maxlength: '50' })),
    ),
    h(
      'div',
      { class: 'row' },
      field(t('org.creditCode'), input('creditCode', { maxlength: '18', autocomplete: 'off', spellcheck: 'false', placeholder: '91330100MA…' }), t('org.creditCodeHint')),
      field(t('org.size'), size),
      field(t('org.industry'), input('industry', { maxlength: '100' })),
      field(t('org.patentsHeld'), patentsHeld),
    ),
    flags,
  )
}

/** The form's values; when editing, only what changed (`null` removes a field). */
function orgValues(form, org) {
  const v = (name) => form.elements[name].value.trim()
  const out = {}
  for (const name of ['name', 'province', 'city', 'creditCode', 'industry']) {
    const now = v(name)
    if (!org) {
      if (now) out[name] = name === 'creditCode' ? now.toUpperCase() : now
    } else if (now !== (org[name] ?? '')) out[name] = now ? (name === 'creditCode' ? now.toUpperCase() : now) : null
  }
  const size = v('size')
  if (!org ? size : size !== (org.size ?? '')) out.size = size || null
  const held = v('patentsHeld')
  if (!org ? held : held !== String(org.patentsHeld ?? '')) out.patentsHeld = held === '' ? null : Number(held)
  const flags = [...form.querySelectorAll('input[name=flags]:checked')].map((c) => c.value)
  if (!org ? flags.length : flags.join() !== (org.flags ?? []).join()) out.flags = flags.length ? flags : null
  if (!org) {
    out.kind = form.elements.kind.value
    for (const k of Object.keys(out)) if (out[k] === null) delete out[k]
  }
  return out
}

async function orgs(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('admin.orgs')))
  const status = h('div', { 'aria-live': 'polite' })
  const form = h('form', { class: 'card', id: 'org-form' }, h('h2', {}, t('admin.newOrg')), orgFields(), status, h('button', { type: 'submit' }, t('admin.create')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      const o = await api('POST', '/v1/orgs', { body: orgValues(form) })
      ctx.announce(t('org.created', { name: o.name }))
      await ctx.refresh()
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  main.appendChild(form)
  const items = await allItems('/v1/orgs')
  const keyOut = h('div', { 'aria-live': 'polite', id: 'new-key' })
  const panel = h('div', { id: 'org-panel' })
  main.append(keyOut, panel)
  const headers = [t('admin.name'), t('admin.kind'), t('admin.province'), t('org.creditCode'), t('admin.id'), t('inventory.actions')]
  main.appendChild(
    stackTable(
      headers,
      items.map((o) => {
        const issue = h('button', { type: 'button', class: 'secondary', dataset: { issue: o.id } }, t('admin.issueKey'))
        issue.addEventListener('click', async () => {
          try {
            const k = await api('POST', `/v1/orgs/${o.id}/keys`, { body: { name: 'console' } })
            keyOut.replaceChildren(h('div', { class: 'notice ok' }, h('p', {}, `${o.name} — ${t('admin.keyOnce')}`), h('output', { class: 'key', tabindex: '-1' }, k.key)))
            keyOut.querySelector('output').focus()
          } catch (err) {
            keyOut.replaceChildren(errorNotice(err))
          }
        })
        const edit = h('button', { type: 'button', class: 'secondary', dataset: { edit: o.id } }, t('inventory.edit'))
        edit.addEventListener('click', () => editOrg(ctx, panel, o))
        const keys = h('button', { type: 'button', class: 'secondary', dataset: { keys: o.id } }, t('keys.show'))
        keys.addEventListener('click', () => void showKeys(panel, o))
        return stackRow(headers, [o.name, t(`role.${o.kind}`), o.province ?? '', o.creditCode ? h('span', { class: 'pn' }, o.creditCode) : '', h('code', { class: 'id' }, o.id), h('div', { class: 'actions' }, edit, keys, issue)], {
          dataset: { org: o.id },
        })
      }),
      { id: 'orgs-table', caption: t('admin.orgs') },
    ),
  )
}

/** The edit form of one organisation, above the list: only the fields changed are sent. */
function editOrg(ctx, panel, org) {
  const status = h('div', { 'aria-live': 'polite' })
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('edit.cancel'))
  const form = h(
    'form',
    { class: 'card', id: 'org-edit-form', dataset: { org: org.id } },
    h('h2', {}, t('org.editTitle', { name: org.name })),
    orgFields(org),
    status,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('edit.save')), cancel),
  )
  cancel.addEventListener('click', () => panel.replaceChildren())
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const patch = orgValues(form, org)
    if (Object.keys(patch).length === 0) return status.replaceChildren(notice('warn', t('inventory.noChange')))
    try {
      const saved = await api('PATCH', `/v1/orgs/${org.id}`, { body: patch })
      ctx.announce(t('org.saved', { name: saved.name }))
      await ctx.refresh()
      ctx.main.querySelector('#new-key')?.replaceChildren(notice('ok', t('org.saved', { name: saved.name })))
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  panel.replaceChildren(form)
  form.elements.name.focus()
  form.scrollIntoView({ block: 'start' })
}

/** An organisation's keys (never their secrets): when issued, when they expire, revoked or not; revoke at once. */
async function showKeys(panel, org) {
  const status = h('div', { 'aria-live': 'polite' })
  const box = h('section', { class: 'card', id: 'keys-panel', dataset: { org: org.id } }, h('h2', {}, t('keys.title', { name: org.name })), status)
  panel.replaceChildren(box)
  const render = async () => {
    const { items } = await api('GET', `/v1/orgs/${org.id}/keys`)
    const headers = [t('keys.id'), t('keys.name'), t('keys.created'), t('keys.expires'), t('keys.state'), '']
    box.replaceChildren(
      box.firstChild,
      status,
      items.length
        ? stackTable(
            headers,
            items.map((k) => {
              let action = ''
              if (!k.revokedAt) {
                action = h('button', { type: 'button', class: 'danger', dataset: { revoke: k.keyId } }, t('keys.revoke'))
                action.addEventListener('click', async () => {
                  if (!confirm(t('keys.confirm', { id: k.keyId }))) return
                  try {
                    await api('DELETE', `/v1/orgs/${org.id}/keys/${k.keyId}`)
                    status.replaceChildren(notice('ok', t('keys.revoked', { id: k.keyId })))
                    await render()
                  } catch (err) {
                    status.replaceChildren(errorNotice(err))
                  }
                })
              }
              const state = k.revokedAt ? t('keys.isRevoked', { at: fmtDate(k.revokedAt) }) : k.expiresAt && k.expiresAt < new Date().toISOString() ? t('keys.isExpired') : t('keys.active')
              return stackRow(headers, [h('code', {}, k.keyId), k.name ?? '', fmtDate(k.createdAt), k.expiresAt ? fmtDate(k.expiresAt) : t('keys.never'), h('span', { dataset: { keyState: k.revokedAt ? 'revoked' : 'active' } }, state), action], {
                dataset: { key: k.keyId },
              })
            }),
            { id: 'keys-table' },
          )
        : h('p', { class: 'muted' }, t('keys.none')),
    )
  }
  try {
    await render()
  } catch (err) {
    status.replaceChildren(errorNotice(err))
  }
  box.scrollIntoView({ block: 'start' })
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
