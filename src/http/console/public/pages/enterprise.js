// An enterprise: state a need and watch its matches arrive, read them explained, search the
// inventory with filters and facets, express interest.
import { valueToggle } from './value.js'
import { allItems, api } from '../api.js'
import { clear, fmtDate, h, markTerms, pct, safeHighlight, splitList, stackRow, stackTable, table } from '../dom.js'
import { getLang, t } from '../i18n.js'
import { enums, errorNotice, field, interestControl, interestOutcome, notice, patentFactsLine, select } from './common.js'

async function newNeed(ctx) {
  const { main, me } = ctx
  main.appendChild(h('h1', {}, t('need.new')))
  const title = h('input', { type: 'text', name: 'title', required: true, maxlength: '500' })
  const description = h('textarea', { name: 'description', rows: '5' })
  const keywords = h('input', { type: 'text', name: 'keywords' })
  const ipc = h('input', { type: 'text', name: 'ipc', placeholder: 'G06V10/82' })
  const province = h('input', { type: 'text', name: 'province', value: me.org?.province ?? '' })
  const industry = h('input', { type: 'text', name: 'industry', value: me.org?.industry ?? '' })
  const disclosure = select('disclosure', enums.disclosureLevels.map((d) => [d, t(`disclosure.${d}`)]), 'none')
  const modes = enums.transferModes.map((m) => h('input', { type: 'checkbox', name: 'transferModes', value: m, id: `mode-${m}` }))
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', id: 'need-form' },
    field(t('need.title'), title),
    field(t('need.description'), description),
    h('div', { class: 'row' }, field(t('need.keywords'), keywords), field(t('need.ipc'), ipc)),
    h('fieldset', {}, h('legend', {}, t('need.transferModes')), modes.map((m) => h('label', { for: m.id }, m, ' ', t(`mode.${m.value}`)))),
    h('div', { class: 'row' }, field(t('need.province'), province), field(t('need.industry'), industry), field(t('need.disclosure'), disclosure)),
    status,
    h('button', { type: 'submit' }, t('need.submit')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const body = { title: title.value.trim() }
    if (description.value.trim()) body.description = description.value.trim()
    if (keywords.value.trim()) body.keywords = splitList(keywords.value)
    if (ipc.value.trim()) body.ipc = splitList(ipc.value).map((x) => x.toUpperCase())
    const chosen = modes.filter((m) => m.checked).map((m) => m.value)
    if (chosen.length) body.transferModes = chosen
    if (province.value.trim()) body.province = province.value.trim()
    if (industry.value.trim()) body.industry = industry.value.trim()
    body.disclosure = disclosure.value
    try {
      const need = await api('POST', '/v1/needs', { body })
      ctx.announce(t('need.created'))
      ctx.go(`need/${need.id}`)
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  main.appendChild(form)
  title.focus()
}

async function needList(ctx) {
  const { main } = ctx
  main.appendChild(h('h1', {}, t('nav.needs')))
  const list = await allItems('/v1/needs')
  main.appendChild(
    list.length
      ? table(
          [t('need.title'), t('pairing.created'), ''],
          list.map((n) => [n.title, fmtDate(n.createdAt), h('a', { href: `#/need/${n.id}` }, t('need.open'))]),
          t('need.list'),
        )
      : h('p', { class: 'muted' }, t('none')),
  )
  const id = h('input', { type: 'text', name: 'needId' })
  const form = h('form', { class: 'card' }, h('h2', {}, t('need.lookup')), field(t('need.id'), id), h('button', { type: 'submit' }, t('need.open')))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    if (id.value.trim()) ctx.go(`need/${id.value.trim()}`)
  })
  main.appendChild(form)
}

/** Codes with their IPC titles where the service knows them: "G06F16/35 (G06F16 信息检索…)". */
function classList(codes, titles) {
  return codes
    .map((code) => {
      const title = titles?.[code]
      if (!title) return code
      return getLang() === 'en' ? `${code} (${title.prefix} ${title.en})` : `${code}（${title.prefix} ${title.zh}）`
    })
    .join(getLang() === 'en' ? '; ' : '；')
}

const SIGNALS = ['text', 'related', 'classes', 'ipc']
const sigClass = (k) => `sig-${SIGNALS.includes(k) ? k : 'other'}`

/**
 * Each signal's share of the evidence in percent, one decimal at most, zero shares left out, in
 * the order of SIGNALS. The API gives percentages summing to 100, shown as they are; values on
 * any other scale (fractions summing to 1 or less, the raw parts of a score) are scaled to shares of 100.
 */
export function signalShares(signals) {
  const entries = Object.entries(signals ?? {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v) && v > 0)
  const sum = entries.reduce((s, [, v]) => s + v, 0)
  if (sum <= 0) return []
  const scale = Math.abs(sum - 100) <= 1 ? 1 : 100 / sum
  const order = (k) => (SIGNALS.includes(k) ? SIGNALS.indexOf(k) : SIGNALS.length)
  return entries
    .map(([k, v]) => [k, Math.round(v * scale * 10) / 10])
    .filter(([, v]) => v > 0)
    .sort((a, b) => order(a[0]) - order(b[0]))
}

/** A score (an estimated probability of relevance, 0..1) as a whole percentage; below 1% as "<1%". */
export const likely = (score) => (score > 0 && score < 0.005 ? '<1%' : pct(score))

/** The score as a bar (its length the score, split by the signals' shares, a tick at the threshold) and the shares' legend. */
function signalBar(score, signals, threshold) {
  const shares = signalShares(signals)
  const meter = h(
    'span',
    { class: 'meter', role: 'img', 'aria-label': `${t('match.likely')} ${likely(score)}` },
    shares.map(([k, v]) => h('span', { class: sigClass(k), style: `width:${v * Math.min(Math.max(score, 0), 1)}%` })),
    h('span', { class: 'threshold', style: `left:${threshold * 100}%`, title: t('match.thresholdTick', { t: pct(threshold) }) }),
  )
  const legend = shares.length
    ? h(
        'ul',
        { class: 'legend', 'aria-label': t('match.signals') },
        h('li', { class: 'legend-title' }, `${t('match.signals')}:`),
        shares.map(([k, v]) => h('li', { dataset: { signal: k } }, h('i', { class: sigClass(k) }), `${t(`signal.${k}`)} ${v}%`)),
      )
    : null
  return { meter, legend }
}

function matchCard(m, needId, threshold, interest) {
  const strong = m.score >= threshold
  const terms = m.explanation.matchedTerms
  const abstract = h('p', { class: 'abstract muted' }, t('loading'))
  const { meter, legend } = signalBar(m.score, m.explanation.signals, threshold)
  const card = h(
    'article',
    { class: `match ${strong ? 'strong' : 'weak'}`, dataset: { pn: m.publicationNumber, strength: strong ? 'strong' : 'weak' } },
    h(
      'header',
      {},
      h('span', { class: 'rank' }, `#${m.rank}`),
      h('h3', {}, markTerms(m.title, terms)),
      h('span', { class: `badge ${strong ? 'strong' : 'weak'}` }, t(strong ? 'match.strong' : 'match.weak')),
      m.new ? h('span', { class: 'badge' }, t('match.new')) : null,
    ),
    h(
      'div',
      { class: 'actions' },
      h('span', { class: 'pn' }, m.publicationNumber),
      h('span', { class: 'score', title: t('match.likelyHelp') }, t('match.likely'), ' ', meter, h('span', { class: 'pct' }, likely(m.score))),
    ),
    patentFactsLine(m.patent),
    legend,
    abstract,
    terms.length ? h('div', {}, h('strong', {}, `${t('match.terms')}: `), h('ul', { class: 'chips' }, terms.map((x) => h('li', { class: 'chip' }, x)))) : null,
    m.explanation.sharedClasses.length ? h('p', {}, h('strong', {}, `${t('match.classes')}: `), classList(m.explanation.sharedClasses, m.explanation.classTitles)) : null,
    m.explanation.inferredClasses.length ? h('p', {}, h('strong', {}, `${t('match.inferred')}: `), classList(m.explanation.inferredClasses.slice(0, 4), m.explanation.classTitles)) : null,
    interestControl(m.publicationNumber, needId, interest),
    valueToggle(m.publicationNumber),
  )
  api('GET', `/v1/patents/${encodeURIComponent(m.publicationNumber)}`)
    .then((p) => {
      abstract.className = 'abstract'
      abstract.replaceChildren(h('strong', {}, `${t('match.abstract')}: `), markTerms(p.abstract ?? '', terms))
    })
    .catch(() => abstract.remove())
  return card
}

/** The strength of the ready matches: strong ones found, or none yet (then the weaker ones are only for reference). */
function strengthNotice(strength, strongCount, threshold) {
  const el =
    strength === 'strong'
      ? notice('ok', t('match.strongFound', { n: strongCount, t: pct(threshold) }))
      : notice('warn', h('strong', {}, t('match.noStrong')))
  el.id = 'match-strength'
  el.dataset.strength = strength
  return el
}

async function needView(ctx, id) {
  const { main } = ctx
  const need = await api('GET', `/v1/needs/${encodeURIComponent(id)}`)
  main.appendChild(h('h1', {}, need.title))
  main.appendChild(
    h(
      'div',
      { class: 'card' },
      need.description ? h('p', {}, need.description) : null,
      h('p', { class: 'muted' }, [need.keywords.join('、'), need.ipc.join(', '), need.transferModes.map((m) => t(`mode.${m}`)).join('、'), need.province].filter(Boolean).join(' · ')),
      h('p', { class: 'muted' }, `${t('need.id')}: `, h('code', {}, need.id)),
    ),
  )
  main.appendChild(disclosureCard(need))
  // This need's interests, by patent: shown on their match cards and listed below the matches.
  const interests = await allItems(`/v1/interests?needId=${encodeURIComponent(id)}`)
  const interestOf = new Map(interests.map((i) => [i.publicationNumber, i]))
  main.appendChild(h('h2', { id: 'matches-heading' }, t('need.matches')))
  const status = h('div', { 'aria-live': 'polite', id: 'match-status' })
  const strongList = h('div', { id: 'strong-matches' })
  const weakCount = h('span', { class: 'count' })
  const weakHelp = h('p', { class: 'muted' })
  const weakList = h('div', { id: 'weak-match-list' })
  const weak = h(
    'details',
    { id: 'weak-matches', class: 'weak-group', hidden: true },
    h('summary', {}, h('h3', { id: 'weak-heading' }, t('match.weakHeading'), ' ', weakCount)),
    weakHelp,
    weakList,
  )
  let toggledByUser = false
  weak.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('summary')) toggledByUser = true
  })
  const list = h('section', { id: 'matches', 'aria-labelledby': 'matches-heading' }, strongList, weak)
  main.append(status, list)
  if (interests.length) main.append(h('section', { id: 'need-interests' }, h('h2', {}, t('interest.ofNeed')), interestTable(interests)))
  let stopped = false
  ctx.onLeave(() => (stopped = true))
  const shown = new Set()
  let strongCount = 0
  let weakShown = 0
  const started = Date.now()
  // The live preview: poll until the matches are ready, showing them as they come: the strong ones
  // (from the threshold up) first, the weaker ones apart under their own heading.
  for (;;) {
    if (stopped) return
    const res = await api('GET', `/v1/needs/${encodeURIComponent(id)}/matches?limit=20`)
    const threshold = typeof res.threshold === 'number' ? res.threshold : 0.5
    for (const m of res.matches) {
      if (shown.has(m.publicationNumber)) continue
      shown.add(m.publicationNumber)
      if (m.score >= threshold) {
        strongCount++
        strongList.appendChild(matchCard(m, id, threshold, interestOf.get(m.publicationNumber)))
      } else {
        weakShown++
        weakList.appendChild(matchCard(m, id, threshold, interestOf.get(m.publicationNumber)))
      }
    }
    weak.hidden = weakShown === 0
    weakCount.textContent = `(${weakShown})`
    weakHelp.textContent = t('match.weakHelp', { t: pct(threshold) })
    // Collapsed under strong matches; open when they are all there is.
    if (!toggledByUser) weak.open = strongCount === 0
    if (res.state === 'ready') {
      const strength = res.strength ?? (strongCount ? 'strong' : res.matches.length ? 'weak' : 'none')
      const ready = res.matches.length ? h('p', { class: 'muted' }, `${t('need.ready')} · ${t('match.total', { n: res.matches.length })}`) : notice('', t('need.noMatches'))
      ready.id = 'matches-ready'
      status.replaceChildren(strengthNotice(strength, strongCount, threshold), ready)
      return
    }
    status.replaceChildren(h('p', { class: 'notice' }, h('progress', { 'aria-label': t('need.pending') }), ' ', t('need.pending')))
    if (Date.now() - started > 120_000) return
    await new Promise((r) => setTimeout(r, 700))
  }
}

const FACET_FILTER = { legalStatus: 'legalStatus', transferModes: 'transferMode', ipcClass: 'ipc', applicants: 'applicant' }
const facetLabel = (facet, value) => (facet === 'legalStatus' ? t(`legal.${value}`) : facet === 'transferModes' ? t(`mode.${value}`) : value)

let lastSearch = { q: '', offset: 0 }

async function search(ctx) {
  const { main, me } = ctx
  // The enterprise's open needs, offered when it expresses interest from here.
  const openNeeds = me.role === 'enterprise' ? (await api('GET', '/v1/needs?state=open&limit=100')).items : []
  main.appendChild(h('h1', {}, t('search.title')))
  const q = h('input', { type: 'search', name: 'q', value: lastSearch.q ?? '' })
  const ipc = h('input', { type: 'text', name: 'ipc', value: lastSearch.ipc ?? '', placeholder: 'G06F' })
  const applicant = h('input', { type: 'text', name: 'applicant', value: lastSearch.applicant ?? '' })
  const mode = select('transferMode', [['', t('search.any')], ...enums.transferModes.map((m) => [m, t(`mode.${m}`)])], lastSearch.transferMode ?? '')
  const legal = select('legalStatus', [['', t('search.any')], ...enums.legalStatuses.map((m) => [m, t(`legal.${m}`)])], lastSearch.legalStatus ?? '')
  const form = h(
    'form',
    { class: 'card', role: 'search', id: 'search-form' },
    h('div', { class: 'row' }, field(t('search.q'), q)),
    h('div', { class: 'row' }, field(t('search.ipc'), ipc), field(t('search.applicant'), applicant), field(t('search.transferMode'), mode), field(t('search.legalStatus'), legal)),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('search.go')), h('button', { type: 'button', class: 'secondary', id: 'clear-filters' }, t('search.clear'))),
  )
  const facets = h('aside', { class: 'facets', 'aria-label': t('search.facets') })
  const results = h('section', { id: 'results', 'aria-live': 'polite' })
  main.append(form, h('div', { class: 'layout-search' }, facets, results))

  const read = () => ({ q: q.value.trim(), ipc: ipc.value.trim(), applicant: applicant.value.trim(), transferMode: mode.value, legalStatus: legal.value, offset: 0 })
  const write = (s) => {
    q.value = s.q ?? ''
    ipc.value = s.ipc ?? ''
    applicant.value = s.applicant ?? ''
    mode.value = s.transferMode ?? ''
    legal.value = s.legalStatus ?? ''
  }
  const run = async (s) => {
    lastSearch = s
    const params = new URLSearchParams({ q: s.q ?? '', limit: '10', offset: String(s.offset ?? 0) })
    for (const k of ['ipc', 'applicant', 'transferMode', 'legalStatus']) if (s[k]) params.set(k, s[k])
    let res
    try {
      res = await api('GET', `/v1/patents/search?${params}`)
    } catch (err) {
      results.replaceChildren(errorNotice(err))
      return
    }
    clear(facets)
    for (const [facet, counts] of Object.entries(res.facets)) {
      const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 8)
      if (!entries.length) continue
      const filter = FACET_FILTER[facet]
      facets.appendChild(h('h3', {}, t(`facet.${facet}`)))
      facets.appendChild(
        h(
          'ul',
          { class: 'chips' },
          entries.map(([value, n]) => {
            const on = s[filter] === value
            const b = h('button', { type: 'button', class: 'chip', 'aria-pressed': on ? 'true' : 'false', dataset: { facet, value } }, `${facetLabel(facet, value)} (${n})`)
            b.addEventListener('click', () => {
              const next = { ...s, offset: 0, [filter]: on ? '' : value }
              write(next)
              void run(next)
            })
            return h('li', {}, b)
          }),
        ),
      )
    }
    const offset = s.offset ?? 0
    results.replaceChildren(
      h('p', { class: 'muted', id: 'search-total' }, t('search.total', { n: res.total })),
      ...res.hits.map((hit) =>
        h(
          'article',
          { class: 'hit', dataset: { pn: hit.publicationNumber } },
          h('h3', {}, hit.highlights.title ? safeHighlight(hit.highlights.title) : hit.title),
          h('p', { class: 'muted' }, [hit.publicationNumber, hit.applicants.join('、'), hit.ipc.slice(0, 3).join(', ')].filter(Boolean).join(' · ')),
          patentFactsLine(hit.patent),
          hit.highlights.abstract ? h('p', {}, safeHighlight(hit.highlights.abstract)) : null,
          me.role === 'enterprise' ? interestControl(hit.publicationNumber, undefined, undefined, openNeeds) : null,
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        offset > 0 ? pager(t('search.prev'), () => run({ ...s, offset: Math.max(0, offset - 10) })) : null,
        offset + 10 < res.total ? pager(t('search.next'), () => run({ ...s, offset: offset + 10 })) : null,
      ),
    )
  }
  const pager = (label, fn) => {
    const b = h('button', { type: 'button', class: 'secondary' }, label)
    b.addEventListener('click', fn)
    return b
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void run(read())
  })
  form.querySelector('#clear-filters').addEventListener('click', () => {
    const next = { q: q.value.trim(), offset: 0 }
    write(next)
    void run(next)
  })
  q.focus()
  await run(lastSearch)
}

/** Interests with their outcome: patent, need, what was disclosed, message, when, and the university's answer. */
function interestTable(items) {
  const headers = [t('interest.patent'), t('pairing.need'), t('interest.disclosure'), t('interest.messageCol'), t('interest.at'), t('interest.state')]
  return stackTable(
    headers,
    items.map((i) =>
      stackRow(
        headers,
        [h('span', { class: 'pn' }, i.publicationNumber), i.need?.title ?? '—', t(`disclosure.${i.disclosure}`), i.message ?? '', fmtDate(i.createdAt), interestOutcome(i)],
        { dataset: { interest: i.id, state: i.state } },
      ),
    ),
    { id: 'interest-table' },
  )
}

async function interests(ctx) {
  const { main } = ctx
  main.append(h('h1', {}, t('interest.list')), h('p', { class: 'muted' }, t('interest.listHelp')))
  const items = await allItems('/v1/interests')
  main.appendChild(items.length ? interestTable(items) : h('p', { class: 'muted' }, t('none')))
}

/** What universities see of the need, and the form to change it (a change that does not match again). */
function disclosureCard(need) {
  const current = h('strong', { id: 'need-disclosure' }, t(`disclosure.${need.disclosure ?? 'none'}`))
  const choice = select('disclosure', enums.disclosureLevels.map((d) => [d, t(`disclosure.${d}`)]), need.disclosure ?? 'none')
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', id: 'disclosure-form' },
    h('p', {}, `${t('need.disclosureNow')}: `, current),
    h('p', { class: 'muted' }, t('need.disclosureHelp')),
    h('div', { class: 'row' }, field(t('need.disclosure'), choice), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('need.disclosureSave')))),
    status,
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      const next = await api('PATCH', `/v1/needs/${encodeURIComponent(need.id)}`, { body: { disclosure: choice.value } })
      current.textContent = t(`disclosure.${next.disclosure ?? 'none'}`)
      status.replaceChildren(notice('ok', t('need.disclosureSaved')))
    } catch (err) {
      status.replaceChildren(errorNotice(err))
    }
  })
  return form
}

export const enterprisePages = [
  ['new-need', 'nav.newNeed', newNeed],
  ['needs', 'nav.needs', needList],
  ['need', null, needView],
  ['search', 'nav.search', search],
  ['interests', 'nav.interests', interests],
]
