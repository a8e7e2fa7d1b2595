// Pieces shared by several roles' pages.
import { api } from '../api.js'
import { fmtDate, h } from '../dom.js'
import { addWords, errorText, getLang, t } from '../i18n.js'

/**
 * The domain's enums as GET /v1/meta gives them (value lists, each pairing state's next states,
 * the main path), filled by loadEnums before any page renders: the console keeps no copy.
 */
export const enums = {}

/** Each enum's prefix in the dictionary: its values' names are the words `<prefix>.<value>`. */
const PREFIXES = {
  pairingStates: 'state',
  declineReasons: 'reason',
  interestStates: 'interestState',
  interestDeclineReasons: 'interestReason',
  disclosureLevels: 'disclosure',
  legalStatuses: 'legal',
  patentStatuses: 'listing',
  transferModes: 'mode',
  orgKinds: 'role',
  poolStatuses: 'status',
  importStates: 'import',
  deliveryModes: 'delivery',
  attemptOutcomes: 'outcome',
  enterpriseSizes: 'size',
  enterpriseFlags: 'flag',
  violations: 'violation',
  withdrawalReasons: 'wreason',
  progressKinds: 'progress',
  poolEventTypes: 'poolEvent',
  errorCodes: 'error.code',
}

let loading
/** Loads the enums and their names once per page load; a failure is tried again on the next call. */
export function loadEnums() {
  loading ??= api('GET', '/v1/meta').then(
    (meta) => {
      const words = { zh: {}, en: {} }
      for (const [name, prefix] of Object.entries(PREFIXES)) {
        enums[name] = meta[name].map((e) => e.value)
        for (const e of meta[name]) {
          words.zh[`${prefix}.${e.value}`] = e.zh
          words.en[`${prefix}.${e.value}`] = e.en
        }
      }
      enums.transitions = Object.fromEntries(meta.pairingStates.map((s) => [s.value, s.next]))
      enums.mainPath = meta.mainPath
      enums.eventTypes = meta.eventTypes
      addWords(words)
    },
    (err) => {
      loading = undefined
      throw err
    },
  )
  return loading
}

let fieldSeq = 0
/** A labelled field: the control gets an id, the label points at it. */
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`
  control.id = id
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('span', { class: 'muted' }, hint) : null)
}

export function select(name, options, value) {
  return h('select', { name }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)))
}

/**
 * A patent's facts in one line, as people deciding on it read them: who holds it, what kind it
 * is, its legal status, how it is offered and how long it has left.
 */
export function patentFactsLine(facts) {
  if (!facts) return null
  const parts = [
    facts.holder ? h('strong', { class: 'holder' }, facts.holder.name) : facts.applicants?.length ? facts.applicants.join('、') : null,
    facts.kind && facts.kind !== 'unknown' ? t(`kind.${facts.kind}`) : null,
    h('span', { class: `badge legal-${facts.legalStatus}` }, t(`legal.${facts.legalStatus}`)),
    facts.transferModes.length ? facts.transferModes.map((m) => t(`mode.${m}`)).join('、') : t('facts.anyMode'),
    facts.yearsLeft === undefined ? null : facts.yearsLeft > 0 ? t('facts.yearsLeft', { n: facts.yearsLeft }) : t('facts.expired'),
  ].filter((p) => p !== null)
  const line = h('p', { class: 'facts muted', dataset: { facts: facts.publicationNumber } })
  parts.forEach((p, i) => {
    if (i > 0) line.append(' · ')
    line.append(p)
  })
  return line
}

export const stateBadge = (s) => h('span', { class: `badge state-${s}` }, t(`state.${s}`))

/** An interest's state as a badge. */
export const interestBadge = (state) => h('span', { class: `badge interest-${state}` }, t(`interestState.${state}`))

/**
 * An interest's outcome as both sides read it: its state, and once answered, when; the reason and
 * note of a refusal; the centre that carries an accepted one.
 */
export function interestOutcome(i) {
  const a = i.answer
  return h(
    'div',
    { class: 'outcome', dataset: { interest: i.id, state: i.state } },
    interestBadge(i.state),
    a?.reason ? h('span', { class: 'reason' }, ' ', t(`interestReason.${a.reason}`)) : null,
    a?.centre ? h('span', { class: 'centre' }, ' ', t('interest.centre', { name: a.centre.name })) : null,
    a?.note ? h('p', { class: 'note' }, a.note) : null,
    a ? h('small', { class: 'muted' }, t('interest.answeredAt', { at: fmtDate(a.at) })) : null,
  )
}

export function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text)
}

/** An error with its field details, as the API reports them. */
export function errorNotice(err) {
  const details = err.details ?? []
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('p', {}, errorText(err)),
    // the service says each field's problem in Chinese too; the field by its path
    details.length ? h('ul', {}, details.map((d) => h('li', {}, `${d.path}: ${getLang() === 'zh' ? (d.zh ?? d.message) : d.message}`))) : null,
  )
}

/**
 * The express-interest control of a patent: a button that opens a small form; the interest itself
 * once there is one (`existing`). Without `needId`, the form offers the enterprise's open `needs`:
 * only an interest for a need can become a pairing.
 */
export function interestControl(publicationNumber, needId, existing, needs = []) {
  const box = h('div', { class: 'interest' })
  if (existing) {
    box.append(h('strong', {}, `${t('interest.yours')}: `), interestOutcome(existing))
    return box
  }
  const open = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, t('interest.express'))
  open.addEventListener('click', () => {
    open.setAttribute('aria-expanded', 'true')
    open.hidden = true
    const disclosure = select('disclosure', enums.disclosureLevels.map((d) => [d, t(`disclosure.${d}`)]), 'identity')
    const message = h('textarea', { name: 'message', rows: '2', maxlength: '2000' })
    const forNeed = needId || needs.length === 0 ? null : select('needId', [['', t('interest.noNeed')], ...needs.map((n) => [n.id, n.title])], needs[0].id)
    const status = h('div', { 'aria-live': 'polite' })
    const form = h(
      'form',
      { class: 'card interest-form' },
      h(
        'div',
        { class: 'row' },
        forNeed ? field(t('interest.forNeed'), forNeed, t('interest.forNeedHelp')) : null,
        field(t('interest.disclosure'), disclosure),
        field(t('interest.message'), message),
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('interest.send')), status),
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const body = { publicationNumber, disclosure: disclosure.value }
      if (needId) body.needId = needId
      else if (forNeed?.value) body.needId = forNeed.value
      if (message.value.trim()) body.message = message.value.trim()
      try {
        const made = await api('POST', '/v1/interests', { body })
        form.replaceWith(notice('ok', t('interest.sent')), interestOutcome(made))
      } catch (err) {
        // Already expressed: say so, rather than as a failure.
        status.replaceChildren(err.code === 'already_exists' ? notice('warn', t('interest.already')) : errorNotice(err))
      }
    })
    box.appendChild(form)
    disclosure.focus()
  })
  box.appendChild(open)
  return box
}
