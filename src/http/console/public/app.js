// The console's shell: sign-in with an organisation key, the language switch, and hash routing
// to the pages of the signed-in role.
import { api, dropKey, getKey, setKey } from './api.js'
import { clear, h } from './dom.js'
import { errorText, getLang, setLang, t } from './i18n.js'
import { enterprisePages } from './pages/enterprise.js'
import { universityPages } from './pages/university.js'
import { centrePages } from './pages/centre.js'
import { officePages } from './pages/office.js'
import { adminPages } from './pages/admin.js'
import { loadEnums } from './pages/common.js'

const main = document.getElementById('main')
const nav = document.getElementById('nav')
const live = document.getElementById('live')
let me
let cleanups = []

/** Each role's pages: [route, nav label key or null, render(ctx, ...params)]. The first is home. */
const PAGES = {
  enterprise: enterprisePages,
  university: universityPages,
  'operations-centre': centrePages,
  'provincial-office': officePages,
  'financial-institution': officePages.filter((p) => p[0] === 'pool'),
  admin: adminPages,
}

const ctx = {
  main,
  get me() {
    return me
  },
  /** Runs when the page is left (streams, timers). */
  onLeave(fn) {
    cleanups.push(fn)
  },
  announce(msg) {
    live.textContent = ''
    setTimeout(() => (live.textContent = msg), 50)
  },
  go(route) {
    location.hash = `#/${route}`
  },
  /** Re-renders the current page (after a language switch or a change). */
  refresh: () => render(),
}

function shell() {
  setLang(getLang())
  document.title = t('appName')
  document.getElementById('brand').textContent = t('appName')
  document.getElementById('skip').textContent = t('skip')
  nav.setAttribute('aria-label', getLang() === 'zh' ? '主导航' : 'Main')
  const langBtn = document.getElementById('lang-btn')
  langBtn.textContent = t('lang')
  langBtn.setAttribute('aria-label', t('langLabel'))
  langBtn.setAttribute('lang', getLang() === 'zh' ? 'en' : 'zh-CN')
  const out = document.getElementById('signout')
  out.textContent = t('signOut')
  out.hidden = !me
  const who = document.getElementById('who')
  who.textContent = me ? `${me.org?.name ?? t('role.admin')} · ${t(`role.${me.role}`)}` : ''
  clear(nav)
  if (me) {
    const current = (location.hash.replace(/^#\//, '').split('/')[0] || '').split('?')[0]
    for (const [route, label] of PAGES[me.role] ?? []) {
      if (!label) continue
      nav.appendChild(h('a', { href: `#/${route}`, 'aria-current': route === current ? 'page' : undefined }, t(label)))
    }
  }
}

function signInPage(error) {
  // Nobody is signed in here, whatever the shell showed before.
  me = undefined
  document.getElementById('signout').hidden = true
  document.getElementById('who').textContent = ''
  clear(nav)
  clear(main)
  const input = h('input', { type: 'password', id: 'key', name: 'key', autocomplete: 'off', required: true, spellcheck: 'false' })
  const status = h('div', { role: 'alert' }, error ? h('p', { class: 'notice error' }, error) : null)
  const form = h(
    'form',
    { class: 'card signin', id: 'signin-form' },
    h('h1', {}, t('signInTitle')),
    h('p', { class: 'muted' }, t('signInHelp')),
    h('div', { class: 'field' }, h('label', { for: 'key' }, t('key')), input),
    status,
    h('button', { type: 'submit' }, t('signIn')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const key = input.value.trim()
    try {
      me = await api('GET', '/v1/me', { key })
      setKey(key)
      // Stay on the page asked for (a deep link), or the role's home.
      await render()
    } catch (err) {
      signInPage(err.status === 401 ? t('badKey') : err.message)
    }
  })
  main.appendChild(form)
  input.focus()
}

let rendering = 0
async function render() {
  const run = ++rendering
  for (const fn of cleanups.splice(0)) {
    try {
      fn()
    } catch {
      /* ignore */
    }
  }
  if (!me && getKey()) {
    try {
      me = await api('GET', '/v1/me')
    } catch {
      dropKey()
    }
  }
  // The pages and the shell name the domain's values: their enums come first.
  let enumsError
  if (me) await loadEnums().catch((err) => (enumsError = err))
  if (run !== rendering) return
  shell()
  if (!me) return signInPage()
  if (enumsError) {
    clear(main)
    main.appendChild(h('p', { class: 'notice error', role: 'alert' }, `${t('error')}: ${enumsError.message}`))
    return
  }
  const pages = PAGES[me.role] ?? []
  const [route, ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  const page = pages.find((p) => p[0] === route) ?? pages[0]
  clear(main)
  try {
    await page[2](ctx, ...params)
  } catch (err) {
    main.appendChild(h('p', { class: 'notice error', role: 'alert' }, `${t('error')}: ${errorText(err)}`))
  }
}

document.getElementById('lang-btn').addEventListener('click', () => {
  setLang(getLang() === 'zh' ? 'en' : 'zh')
  void render()
})
document.getElementById('signout').addEventListener('click', () => {
  dropKey()
  me = undefined
  location.hash = '#/'
  void render()
})
document.getElementById('skip').addEventListener('click', () => main.focus())
window.addEventListener('hashchange', () => {
  void render().then(() => main.focus({ preventScroll: true }))
})
void render()
