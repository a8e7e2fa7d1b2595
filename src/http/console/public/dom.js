// Building DOM safely: text always goes in as text nodes, never as HTML.

/** h('p', {class: 'x', onclick: fn}, 'text', child, …) → an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    else if (k === 'style') el.style.cssText = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (v === true) el.setAttribute(k, '')
    else el.setAttribute(k, String(v))
  }
  append(el, children)
  return el
}

/** Appends children as `h` does: absent ones (undefined, null, false) are skipped, never printed. */
export function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else if (c instanceof Node) el.appendChild(c)
    else el.appendChild(document.createTextNode(String(c)))
  }
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

/** Server highlights wrap hits in <em>: escape everything, then let only <em> and </em> through. */
export function safeHighlight(html) {
  const span = document.createElement('span')
  span.innerHTML = escapeHtml(html ?? '').replace(/&lt;(\/?)em&gt;/g, '<$1em>')
  return span
}

/** The text with every occurrence of the terms (case-insensitive) wrapped in <mark>, as DOM nodes. */
export function markTerms(text, terms) {
  const span = document.createElement('span')
  const words = [...new Set((terms ?? []).map((x) => String(x).trim()).filter((x) => x.length > 0))].sort((a, b) => b.length - a.length)
  if (words.length === 0) {
    span.textContent = text
    return span
  }
  const re = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi')
  let last = 0
  for (const m of String(text).matchAll(re)) {
    if (m.index > last) span.appendChild(document.createTextNode(text.slice(last, m.index)))
    span.appendChild(h('mark', {}, m[0]))
    last = m.index + m[0].length
  }
  if (last < text.length) span.appendChild(document.createTextNode(text.slice(last)))
  return span
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild)
  return el
}

/** A table with a caption (optional), header cells and rows of cells (nodes or text). */
export function table(headers, rows, caption) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))),
    ),
  )
}

/**
 * A row of a stacked table: each cell carries its column's name, which a phone-width screen shows
 * beside the value when the row becomes a card (styles.css, `table.stack`).
 */
export function stackRow(headers, cells, attrs) {
  return h('tr', attrs, cells.map((c, i) => h('td', { 'data-label': headers[i] }, c)))
}

/** A table whose rows turn into labelled cards at phone width; `rows` are stackRow()s. */
export function stackTable(headers, rows, { id, caption } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stack', id },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows),
    ),
  )
}

export const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString() : '')
export const pct = (x) => `${Math.round(x * 100)}%`
export const splitList = (s) =>
  String(s ?? '')
    .split(/[,;，；\n]/)
    .map((x) => x.trim())
    .filter((x) => x !== '')
