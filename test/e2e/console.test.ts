/**
 * The web console end to end, in headless Chromium against the real app (real Redis, workers in
 * this process): a university uploads the sample inventory; an enterprise states a need, reads
 * explained matches, searches and expresses interest; an operations centre walks a pairing to
 * agreement-signed and declines another; a provincial office reads its pool and exports figures;
 * the language switch. A need the inventory cannot serve (black-tea processing against computing
 * patents) shows that there is no strong match, in both languages. Screenshots of every page land in test/e2e/artifacts/.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { ADMIN, build, eventually } from '../helper.js'
import { launch, shot, signIn } from './browser.js'

const sample = new URL('../fixtures/sample-inventory.csv', import.meta.url)

t.test('the console, role by role', async (t) => {
  const h = await build(t)
  await h.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/`
  const api = async (method: string, url: string, payload?: unknown, key = ADMIN) => {
    const res = await h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const org = async (name: string, kind: string, province?: string) => {
    const o = await api('POST', '/v1/orgs', { name, kind, ...(province ? { province } : {}) })
    const { key } = await api('POST', `/v1/orgs/${o.id}/keys`, { name: 'e2e' })
    return { id: o.id as string, key: key as string }
  }
  const university = await org('华东示例理工大学技术转移中心', 'university', '浙江')
  const enterprise = await org('杭州示例智能制造有限公司', 'enterprise', '浙江')
  const centre = await org('浙江省知识产权运营中心', 'operations-centre', '浙江')
  const office = await org('浙江省知识产权局', 'provincial-office', '浙江')
  // No minScore: the default, where a match is strong. Scores are estimated probabilities of
  // relevance, so the pairings a centre receives are the matches the console shows as strong.
  await api('PUT', `/v1/orgs/${centre.id}/routing`, { maxPerNeed: 5 }, centre.key)
  const round = await api('POST', '/v1/rounds', { name: '2025 年第一批', deadline: '2099-12-31' })
  await api('POST', '/v1/pool/recommendations', { enterpriseId: enterprise.id, roundId: round.id }, office.key)

  const browser = await launch(t)

  // The console itself needs no key; its API calls do.
  const index = await fetch(base)
  t.equal(index.status, 200, 'GET / serves the console')
  t.match(index.headers.get('content-type') ?? '', /text\/html/)
  t.match(await index.text(), /<script type="module" src="\/app.js">/)

  let needId = ''
  let strongShown = 0
  /** The enterprise's two interests: in the best match (for the need, disclosed), and in a search hit (disclosing nothing). */
  let firstPn = ''
  let secondPn = ''
  let teaNeedId = ''
  /** The matches on a need's page: strength, score shown, threshold, class and title of each card. */
  const readMatches = (page: Page) =>
    page.$$eval('#matches .match', (cards) =>
      cards.map((c) => ({
        strong: c.classList.contains('strong'),
        weak: c.classList.contains('weak'),
        inWeakGroup: c.closest('#weak-matches') !== null,
        title: c.querySelector('h3')?.textContent ?? '',
        score: c.querySelector('.score')?.textContent ?? '',
        pct: Number((c.querySelector('.score .pct')?.textContent ?? '').replace(/[<%]/g, '')),
        threshold: parseFloat((c.querySelector('.meter .threshold') as HTMLElement | null)?.style.left ?? 'NaN'),
        shares: [...c.querySelectorAll('.legend li[data-signal]')].map((li) => li.textContent ?? ''),
      })),
    )
  await t.test('university: upload the sample inventory, then a file with bad rows', async (t) => {
    const page = await signIn(browser, base, university.key)
    await shot(page, '01-university-home')
    await page.goto(`${base}#/upload`)
    await page.setInputFiles('#upload-form input[type=file]', sample.pathname)
    await page.click('#upload-form button[type=submit]')
    await page.waitForSelector('#import-state[data-state=done]')
    t.match(await page.textContent('#import-accepted'), /24/, 'all 24 sample records accepted')
    t.equal(await page.getAttribute('#import-progress', 'value'), '24', 'the progress bar reached the end')
    await shot(page, '02-university-upload-done')

    const bad = [
      'publicationNumber,title,abstract,ipc,legalStatus,transferModes',
      'CN900000001A,一种示例检测装置,用于测试的摘要,G01N21/88,granted,license',
      'not-a-number,缺少公开号格式,摘要,G06F,granted,license',
      'CN900000002A,,没有标题,G06F,granted,license',
      'CN900000003A,状态错误,摘要,G06F,sold,license',
    ].join('\n')
    await page.setInputFiles('#upload-form input[type=file]', { name: 'fix-me.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) })
    await page.click('#upload-form button[type=submit]')
    await page.waitForSelector('#rejected-rows tbody tr')
    await page.waitForSelector('#import-state[data-state=done]')
    const rows = await page.$$eval('#rejected-rows tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
    t.ok(rows.length >= 3, `the rejected rows are listed (${rows.length})`)
    t.same(rows.map((r) => r[0]).filter((v, i, a) => a.indexOf(v) === i), ['3', '4', '5'], 'by their line numbers')
    t.ok(rows.some((r) => r[1] === 'publicationNumber'), 'naming the field')
    t.ok(rows.some((r) => r[1] === 'legalStatus' && r[2]!.startsWith('「legalStatus」的值「sold」无法识别')), `the problem said in Chinese, with the value (${JSON.stringify(rows.map((r) => r[2]))})`)
    t.match(await page.textContent('#import-rejected'), /3/)
    // The rejected rows download as a CSV to correct: the file's columns and values, the errors in Chinese.
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#upload-result [data-rejected-download]')])
    t.match(file.suggestedFilename(), /\.csv$/)
    const csv = readFileSync((await file.path())!, 'utf8')
    t.ok(csv.startsWith('\uFEFF行号,publicationNumber,title,abstract,ipc,legalStatus,transferModes,错误'), 'the header as in the file, between line and errors')
    t.match(csv, /\n5,CN900000003A,状态错误,摘要,G06F,sold,license,"?「legalStatus」的值「sold」无法识别/, 'a row as written, with its error in Chinese')
    await shot(page, '03-university-rejected-rows')
    await page.context().close()
  })

  await t.test('university: its inventory — filter, page, edit, withdraw and list again — and its import history', async (t) => {
    type Listed = { items: Array<{ publicationNumber: string; title: string; status: string; transferModes: string[]; legalStatus: string }>; nextCursor?: string; total?: number }
    const inventory = async (query: string) => {
      const out: Listed['items'] = []
      let cursor: string | undefined
      do {
        const page = (await api('GET', `/v1/patents?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`, undefined, university.key)) as Listed
        out.push(...page.items)
        cursor = page.nextCursor
      } while (cursor)
      return out.map((p) => p.publicationNumber)
    }
    const shown = (page: Page) => page.$$eval('#inventory-table tbody tr[data-pn]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.pn ?? ''))
    const waitForRows = (page: Page, pns: string[]) =>
      page.waitForFunction(
        (want) => JSON.stringify([...document.querySelectorAll('#inventory-table tbody tr[data-pn]')].map((tr) => (tr as HTMLElement).dataset.pn)) === want,
        JSON.stringify(pns),
      )
    const all = await inventory('')
    t.equal(all.length, 25, 'the sample and the one good row of the second file')

    const page = await signIn(browser, base, university.key)
    await page.waitForSelector('#inventory-table tbody tr[data-pn]')
    t.same(await shown(page), all.slice(0, 20), 'the inventory is the home page: the first 20, newest first')
    t.match(await page.textContent('#inventory-total'), '共 25 件，已显示 20 件')
    t.match(await page.textContent('#inventory-table tbody tr[data-pn="CN900000001A"]'), '一种示例检测装置', 'the latest import leads')
    await shot(page, '03b-university-inventory')
    await page.click('#inventory-more')
    await waitForRows(page, all)
    t.ok(await page.isHidden('#inventory-more'), 'no more pages after the last')
    t.match(await page.textContent('#inventory-total'), '已显示 25 件')

    // Filters: text, then legal status; what is shown is what the API lists for them.
    await page.fill('#inventory-filters [name=q]', '图像识别')
    await page.click('#inventory-filters button[type=submit]')
    const imaging = await inventory(`&q=${encodeURIComponent('图像识别')}`)
    t.ok(imaging.length >= 2 && imaging.length < 25, `${imaging.length} patents with 图像识别 in their title`)
    await waitForRows(page, imaging)
    t.match(await page.textContent('#inventory-total'), `已显示 ${imaging.length} 件符合条件的专利`)
    await page.fill('#inventory-filters [name=q]', '')
    await page.selectOption('#inventory-filters [name=legalStatus]', 'granted')
    await page.click('#inventory-filters button[type=submit]')
    const granted = await inventory('&legalStatus=granted')
    await waitForRows(page, granted.slice(0, 20))
    t.ok(granted.length > 0 && granted.length < 25, `${granted.length} granted patents`)
    await shot(page, '03c-university-inventory-filtered')
    await page.click('#inventory-filters button[type=reset]')
    await waitForRows(page, all.slice(0, 20))

    // Edit one patent: title, legal status, transfer modes.
    const pn = 'CN900000001A'
    const row = `#inventory-table tbody tr[data-pn="${pn}"]`
    await page.click(`${row} button[data-action=edit]`)
    const form = page.locator(`form.edit-form[data-pn="${pn}"]`)
    await form.locator('[name=title]').fill('一种示例缺陷检测装置（修订）')
    await form.locator('[name=legalStatus]').selectOption('pending')
    await form.locator('input[name=transferModes][value=assignment]').check()
    await shot(page, '03d-university-inventory-edit')
    await form.locator('button[type=submit]').click()
    await page.waitForSelector(`${row}:has-text("一种示例缺陷检测装置（修订）")`)
    t.notOk(await page.$('tr.edit-row'), 'the form closes once saved')
    t.match(await page.textContent('#inventory-status'), `${pn} 已保存`)
    const edited = await api('GET', `/v1/patents/${pn}`, undefined, university.key)
    t.match(edited, { title: '一种示例缺陷检测装置（修订）', legalStatus: 'pending', status: 'listed' }, 'the change is stored')
    t.same(edited.transferModes.sort(), ['assignment', 'license'], 'the transfer mode added')
    t.equal(edited.abstract, '用于测试的摘要', 'fields not changed are kept')

    // Withdraw it, find it among the withdrawn, list it again.
    await page.click(`${row} button[data-action=withdraw]`)
    await page.waitForSelector(`${row}[data-status=withdrawn]`)
    t.match(await page.textContent('#inventory-status'), '已下架')
    t.equal((await api('GET', `/v1/patents/${pn}`, undefined, university.key)).status, 'withdrawn')
    await page.selectOption('#inventory-filters [name=status]', 'withdrawn')
    await page.click('#inventory-filters button[type=submit]')
    await waitForRows(page, [pn])
    t.match(await page.textContent(`${row} .badge`), '已下架')
    await shot(page, '03e-university-inventory-withdrawn')
    await page.click(`${row} button[data-action=relist]`)
    await page.waitForSelector(`${row}[data-status=listed]`)
    t.match(await page.textContent('#inventory-status'), `${pn} 已重新上架`)
    t.equal((await api('GET', `/v1/patents/${pn}`, undefined, university.key)).status, 'listed', 'listed again')

    // The import history: both uploads, newest first, with their counts.
    await page.click('#nav a[href="#/upload"]')
    await page.waitForSelector('#import-history-table tbody tr')
    const history = await page.$$eval('#import-history-table tbody tr', (trs) =>
      trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.label, td.textContent]))),
    )
    t.equal(history.length, 2, 'two imports')
    t.match(history[0], { 状态: '完成', 接收: '1', 新增: '1', 更新: '0', 未变: '0', 被拒: '3', 已索引: '1/1' }, `the file with bad rows first (${JSON.stringify(history[0])})`)
    t.match(history[1], { 状态: '完成', 接收: '24', 新增: '24', 被拒: '0', 已索引: '24/24' }, 'then the sample')
    await shot(page, '03f-university-import-history')
    await page.context().close()

    // At phone width, in both languages: rows become labelled cards, nothing runs off the screen.
    const phone = await signIn(browser, base, university.key, { width: 390, height: 844 })
    await phone.waitForSelector('#inventory-table tbody tr[data-pn]')
    const fits = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)
    t.ok(await fits(), 'the inventory fits a phone screen')
    t.equal(await phone.$eval('#inventory-table thead', (el) => el.getBoundingClientRect().height <= 1), true, 'the header row is folded into the cards')
    await shot(phone, '03g-phone-university-inventory', false)
    await phone.click('#lang-btn')
    await phone.waitForFunction(() => document.documentElement.lang === 'en')
    await phone.waitForSelector('#inventory-table tbody tr[data-pn]')
    t.match(await phone.textContent('main h1'), 'Our inventory')
    t.match(await phone.textContent('#inventory-total'), '25 patents, 20 shown')
    t.ok(await fits(), 'in English too')
    await shot(phone, '03h-phone-university-inventory-en', false)
    await phone.click('#nav a[href="#/upload"]')
    await phone.waitForSelector('#import-history-table tbody tr')
    t.match(await phone.textContent('#import-history'), /Import history[\s\S]*Accepted/)
    t.ok(await fits(), 'the import history fits too')
    await shot(phone, '03i-phone-university-import-history-en')
    await phone.context().close()
  })

  await t.test('enterprise: state a need, read explained matches, search, express interest', async (t) => {
    const page = await signIn(browser, base, enterprise.key)
    await page.waitForSelector('#need-form')
    await shot(page, '04-enterprise-new-need')
    await page.fill('#need-form [name=title]', '基于深度学习的图像识别方法')
    await page.fill('#need-form [name=description]', '我们需要对产线上的工业零件进行图像识别和缺陷检测，希望引进成熟的图像识别技术。')
    await page.fill('#need-form [name=keywords]', '图像识别, 深度学习')
    await page.check('#mode-license')
    await page.click('#need-form button[type=submit]')
    await page.waitForSelector('#matches-ready')
    needId = page.url().split('#/need/')[1] ?? ''
    t.match(needId, /^[0-9a-f-]{36}$/, 'the need page is open')
    const cards = await readMatches(page)
    t.ok(cards.length > 0, `${cards.length} matches shown`)
    // A need for industrial image recognition against an inventory with six image-recognition
    // patents: there is a strong match, and it is one of them.
    t.equal(await page.getAttribute('#match-strength', 'data-strength'), 'strong', 'the need has a strong match')
    const strong = cards.filter((c) => c.strong)
    strongShown = strong.length
    t.equal(strong.length > 0, (await page.getAttribute('#match-strength', 'data-strength')) === 'strong', 'the notice agrees with the matches shown as strong')
    t.ok(strong.length > 0, `${strong.length} strong matches: ${strong.map((c) => `${c.title} ${c.pct}%`).join('; ')}`)
    t.ok(strong.some((c) => /图像识别/.test(c.title)), 'an image-recognition patent is among the strong matches')
    const threshold = cards[0]!.threshold
    t.ok(threshold > 0 && threshold < 100, `the threshold is marked on the score bar (${threshold}%)`)
    t.ok(strong.every((c) => !c.weak && !c.inWeakGroup && c.pct >= Math.floor(threshold)), 'strong matches reach the threshold and are shown apart from the weaker ones')
    const weaker = cards.filter((c) => !c.strong)
    t.ok(weaker.every((c) => c.weak && c.inWeakGroup && c.pct <= Math.ceil(threshold)), `${weaker.length} weaker matches are under their own heading, marked weak`)
    t.same(cards.map((c) => c.strong), [...strong.map(() => true), ...weaker.map(() => false)], 'strong matches come first')
    t.ok(cards.every((c) => /^相关可能性.*\d%$/.test(c.score)), `the score reads as a chance of relevance (${cards[0]!.score})`)
    t.ok(cards.every((c) => c.pct >= 0 && c.pct <= 100), `a chance between 0 and 100% (${cards.map((c) => `${c.pct}%`).join(', ')})`)
    for (const c of cards.slice(0, 3)) {
      const shown = c.shares.map((x) => /\s(\d+(?:\.\d)?)%$/.exec(x)?.[1])
      const shares = shown.map(Number)
      const sum = shares.reduce((a, b) => a + b, 0)
      t.ok(shares.length > 0 && shown.every((x) => x !== undefined) && shares.every((v) => v > 0), `signal shares in percent, one decimal at most, none at 0 (${c.shares.join(', ')})`)
      t.ok(Math.abs(sum - 100) <= 0.5, `the shares add up to 100 (${sum.toFixed(1)})`)
    }
    await page.waitForSelector('#matches .match h3 mark')
    await page.waitForSelector('#matches .match .abstract mark')
    const marked = await page.$$eval('#matches .match .abstract mark', (ms) => ms.map((m) => m.textContent))
    t.ok(marked.some((m) => /图像|识别/.test(m ?? '')), `matched terms highlighted in the abstract (${marked.slice(0, 3).join(', ')})`)
    t.ok(await page.$('#matches .match .legend li'), 'signal shares shown')
    await shot(page, '05-enterprise-matches')

    // Interest in the best strong match (in the first match, if the strength check above failed).
    const first = page.locator(strongShown > 0 ? '#matches .match.strong' : '#matches .match').first()
    await first.locator('.interest > button').click()
    await first.locator('select[name=disclosure]').selectOption('identity-and-need')
    await first.locator('textarea[name=message]').fill('希望洽谈许可')
    await first.locator('.interest-form button[type=submit]').click()
    await first.locator('.notice.ok').waitFor()
    const interests = (await api('GET', '/v1/interests', undefined, enterprise.key)).items as Array<{ publicationNumber: string; state: string }>
    t.equal(interests.length, 1, 'the interest was recorded')
    t.equal(interests[0]!.state, 'open', 'open, awaiting the university')
    firstPn = interests[0]!.publicationNumber
    await first.locator('.outcome[data-state=open]').waitFor()
    // Back on the need page, the patent shows the interest held rather than a second "express interest".
    await page.reload()
    await page.waitForSelector('#matches-ready')
    const held = page.locator(`#matches .match[data-pn="${firstPn}"] .interest`)
    t.match(await held.textContent(), '您的意向', 'the interest is shown where it was expressed')
    t.equal(await held.locator('button').count(), 0, 'and cannot be sent twice')
    t.match(await page.textContent('#need-disclosure'), '不公开', 'the need shows what universities see of it')

    await page.goto(`${base}#/search`)
    await page.fill('#search-form [name=q]', '图像识别')
    await page.click('#search-form button[type=submit]')
    await page.waitForSelector('#results .hit em')
    // Interest from the search: the open need is offered, so that the university can accept it as a pairing.
    const hit = page.locator(`#results .hit:not([data-pn="${firstPn}"])`).first()
    secondPn = (await hit.getAttribute('data-pn')) ?? ''
    await hit.locator('.interest > button').click()
    t.equal(await hit.locator('select[name=needId]').inputValue(), needId, 'the open need is offered')
    await hit.locator('select[name=disclosure]').selectOption('none')
    await hit.locator('textarea[name=message]').fill('希望了解转让条件')
    await hit.locator('.interest-form button[type=submit]').click()
    await hit.locator('.notice.ok').waitFor()
    const before = await page.textContent('#search-total')
    const facet = page.locator('button.chip[data-facet=legalStatus]').first()
    const facetValue = await facet.getAttribute('data-value')
    await facet.click()
    await page.waitForSelector(`button.chip[data-facet=legalStatus][data-value="${facetValue}"][aria-pressed=true]`)
    t.equal(await page.inputValue('#search-form [name=legalStatus]'), facetValue, 'the facet became a filter')
    t.not(await page.textContent('#search-total'), '', `results filtered (${before} → ${await page.textContent('#search-total')})`)
    t.notOk(await page.$('#results script'), 'highlights carry no markup but <em>')
    await shot(page, '06-enterprise-search')
    await page.goto(`${base}#/interests`)
    await page.waitForSelector('main table tbody tr')
    await shot(page, '07-enterprise-interests')
    await page.context().close()
  })

  await t.test('university: accepts one interest, declines another; the enterprise sees both outcomes', async (t) => {
    const page = await signIn(browser, base, university.key)
    await page.click('#nav a[href="#/interests"]')
    await page.waitForSelector('#interests-table tbody tr')
    t.equal(await page.locator('#interests-table tbody tr').count(), 2, 'both interests in its patents')
    const row = (pn: string) => page.locator(`#interests-table tbody tr[data-pn="${pn}"]`)
    t.match(await row(firstPn).textContent(), '杭州示例智能制造有限公司', 'the enterprise disclosed its name …')
    t.match(await row(firstPn).textContent(), '基于深度学习的图像识别方法', '… and its need')
    t.match(await row(secondPn).textContent(), '企业未公开名称', 'the other interest discloses nothing')
    t.notMatch(await row(secondPn).textContent(), /杭州示例/, 'and shows nothing of the enterprise')
    t.match(await row(secondPn).textContent(), '有对应需求（未公开）', 'only that it is for a need, which makes it acceptable')
    await shot(page, '07b-university-interests')

    await row(firstPn).locator('button[data-action=accept]').click()
    await page.waitForSelector(`#interests-table tbody tr[data-pn="${firstPn}"][data-state=accepted]`)
    t.match(await row(firstPn).textContent(), '由 浙江省知识产权运营中心 对接', 'accepted: the centre of the enterprise province carries it')
    t.match(await page.textContent('#interest-status'), '已转为对接')

    await row(secondPn).locator('button[data-action=decline]').click()
    // The console copies no enum: the reasons offered, and their names, are those the API gives.
    const meta = await api('GET', '/v1/meta', undefined, university.key)
    const offered = await row(secondPn).locator('select[name=reason] option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))
    t.same(offered, (meta.interestDeclineReasons as Array<{ value: string; zh: string }>).map((r) => [r.value, r.zh]), 'the decline reasons come from GET /v1/meta')
    await row(secondPn).locator('select[name=reason]').selectOption('in-negotiation')
    await row(secondPn).locator('textarea[name=note]').fill('该专利正与其他企业洽谈许可')
    await shot(page, '07c-university-decline-interest')
    await row(secondPn).locator('form.decline-interest button[type=submit]').click()
    await page.waitForSelector(`#interests-table tbody tr[data-pn="${secondPn}"][data-state=declined]`)
    t.match(await row(secondPn).textContent(), /已婉拒[\s\S]*正与他方洽谈[\s\S]*该专利正与其他企业洽谈许可/, 'declined, with the reason and the note')
    await shot(page, '07d-university-interests-answered')

    type Answered = { publicationNumber: string; state: string; answer?: { pairingId?: string; centreOrgId?: string; reason?: string } }
    const answered = (await api('GET', '/v1/interests', undefined, university.key)).items as Answered[]
    const accepted = answered.find((i) => i.publicationNumber === firstPn)!
    t.equal(accepted.answer?.centreOrgId, centre.id, 'the pairing is the centre’s')
    const pairing = await api('GET', `/v1/pairings/${accepted.answer!.pairingId}`, undefined, centre.key)
    t.match(pairing, { publicationNumber: firstPn, needId }, 'and the centre reads it')
    await page.context().close()

    const ent = await signIn(browser, base, enterprise.key)
    await ent.click('#nav a[href="#/interests"]')
    await ent.waitForSelector('#interest-table tbody tr[data-state=declined]')
    const mine = (pn: string) => ent.textContent(`#interest-table tbody tr:has(.pn:text-is("${pn}"))`)
    t.match(await mine(firstPn), /已接受[\s\S]*由 浙江省知识产权运营中心 对接/, 'the enterprise sees its interest accepted, and by whom it is paired')
    t.match(await mine(secondPn), /已婉拒[\s\S]*正与他方洽谈[\s\S]*该专利正与其他企业洽谈许可/, 'and the other declined, with why')
    await shot(ent, '07e-enterprise-interest-outcomes')
    await ent.goto(`${base}#/need/${needId}`)
    await ent.waitForSelector('#need-interests')
    await ent.waitForSelector(`#matches .match[data-pn="${firstPn}"] .outcome[data-state=accepted]`)
    const listed = await ent.textContent('#need-interests')
    t.ok(listed?.includes('已接受') && listed.includes('已婉拒'), 'the need page lists both outcomes')
    // What universities see of the need: shown, and changed in place.
    await ent.selectOption('#disclosure-form select[name=disclosure]', 'identity')
    await ent.click('#disclosure-form button[type=submit]')
    await ent.waitForSelector('#disclosure-form .notice.ok')
    t.match(await ent.textContent('#need-disclosure'), '公开企业名称')
    const need = await api('GET', `/v1/needs/${needId}`, undefined, enterprise.key)
    t.equal(need.disclosure, 'identity', 'the change is stored')
    t.equal(need.version, 1, 'without matching again')
    await shot(ent, '07f-enterprise-need-interests')
    await ent.context().close()

    // At phone width, in Chinese: both sides' interest lists become labelled cards.
    for (const [who, key, table, name] of [
      ['university', university.key, '#interests-table', '07g-phone-university-interests'],
      ['enterprise', enterprise.key, '#interest-table', '07h-phone-enterprise-interests'],
    ] as const) {
      const phone = await signIn(browser, base, key, { width: 390, height: 844 })
      await phone.goto(`${base}#/interests`)
      await phone.waitForSelector(`${table} tbody tr`)
      t.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `the ${who}'s interests fit a phone screen`)
      await shot(phone, name)
      await phone.context().close()
    }
  })

  await t.test('enterprise: a need the inventory cannot serve shows no strong match', async (t) => {
    const page = await signIn(browser, base, enterprise.key)
    await page.waitForSelector('#need-form')
    await page.fill('#need-form [name=title]', '红茶加工工艺优化')
    await page.fill('#need-form [name=description]', '需求内容：提高红茶萎凋、揉捻、发酵工序的自动化水平，稳定茶叶品质。预期目标：形成标准化加工工艺。')
    await page.click('#need-form button[type=submit]')
    await page.waitForSelector('#matches-ready')
    teaNeedId = page.url().split('#/need/')[1] ?? ''
    t.match(teaNeedId, /^[0-9a-f-]{36}$/, 'the need page is open')
    await shot(page, '05b-enterprise-no-strong-match')
    const strength = await page.getAttribute('#match-strength', 'data-strength')
    const cards = await readMatches(page)
    t.ok(strength === 'weak' || strength === 'none', `no strong match for black-tea processing among computing patents (strength ${strength}; best: ${cards.slice(0, 2).map((c) => `${c.title} ${c.pct}%`).join('; ')})`)
    t.match(await page.textContent('#match-strength'), '暂无强匹配 — 有合适的专利时我们会通知您', 'the notice says so')
    t.equal(cards.filter((c) => c.strong).length, 0, 'no match is shown as strong')
    t.ok(cards.every((c) => c.weak && c.inWeakGroup), `the ${cards.length} weaker matches are marked weak, under their own heading`)
    if (cards.length > 0) {
      t.ok(await page.isVisible('#weak-matches #weak-match-list .match'), 'with no strong match, the weaker ones are open')
      t.match(await page.textContent('#weak-heading'), /相关度较低的结果/)
    }
    const box = await page.$eval('#match-strength', (el) => el.getBoundingClientRect().top)
    const list = await page.$eval('#matches', (el) => el.getBoundingClientRect().top)
    t.ok(box < list, 'the notice comes before the matches')
    await page.context().close()
  })

  await t.test('operations centre: inbox live, walk a pairing to agreement-signed, decline another', async (t) => {
    const page = await signIn(browser, base, centre.key)
    await page.waitForSelector('#stream-state.live')
    await page.waitForSelector('#inbox tbody tr')
    const count = async () => (await page.$$('#inbox tbody tr')).length
    const initial = await count()
    // With the default routing, the centre's pairings are the need's strong matches (at most 5),
    // and none of the black-tea need's.
    t.equal(initial, Math.min(5, strongShown), `${initial} pairings in the inbox: the strong matches the enterprise saw`)
    // A new need arrives while the inbox is open: the stream brings its pairings in.
    await api('POST', '/v1/needs', { title: '图像识别处理系统', description: '海事雷达图像识别与数据分析' }, enterprise.key)
    await page.waitForFunction((n) => document.querySelectorAll('#inbox tbody tr').length > n, initial)
    t.pass('the inbox updated live through the event stream')
    // Each row says what the centre decides on: the patent's title, who holds it, its status and why it matched.
    const firstRow = await page.textContent('#inbox tbody tr:first-child')
    t.match(firstRow, /华东示例理工大学技术转移中心/, 'the holder, the one to approach')
    t.match(firstRow, /有效|审中|授权/, 'the legal status')
    t.match(firstRow, /共同技术词/, 'the words shared with the need')
    await shot(page, '08-centre-inbox')

    const pairings = (await api('GET', '/v1/pairings', undefined, centre.key)).items as Array<{ id: string; needId: string; state: string }>
    const mine = pairings.filter((p) => p.needId === needId)
    t.ok(mine.length > 0, 'pairings of the need')
    t.equal(mine.length, Math.min(5, strongShown), 'the strong matches the enterprise saw, and only those, became pairings')
    t.equal(pairings.filter((p) => p.needId === teaNeedId).length, 0, 'a need with no strong match is not pushed to the centre')
    await page.click(`#inbox a[data-pairing="${mine[0]!.id}"]`)
    for (const to of ['contacted', 'nda-signed', 'negotiating', 'agreement-signed']) {
      await page.click(`button[data-to="${to}"]`)
      await page.waitForSelector(`#pairing-state .state-${to}`)
    }
    const history = await page.$$eval('#history tbody tr', (trs) => trs.length)
    t.equal(history, 5, 'the history lists creation and four moves')
    t.equal((await api('GET', `/v1/pairings/${mine[0]!.id}`, undefined, centre.key)).state, 'agreement-signed')
    await shot(page, '09-centre-pairing-agreement-signed')

    // Decline another pairing: one of the need that arrived live (or of the first need).
    const other = pairings.find((p) => p.needId !== needId) ?? mine[1]
    t.ok(other, 'another pairing to decline')
    await page.goto(`${base}#/pairing/${other!.id}`)
    await page.click('button[data-to="declined"]')
    // The console copies no enum: the reasons offered, and their names, are those the API gives.
    const meta = await api('GET', '/v1/meta', undefined, centre.key)
    const offered = await page.$$eval('#decline-form select[name=reason] option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))
    t.same(offered, (meta.declineReasons as Array<{ value: string; zh: string }>).map((r) => [r.value, r.zh]), 'the decline reasons come from GET /v1/meta')
    await page.selectOption('#decline-form select[name=reason]', 'price')
    await page.fill('#decline-form textarea[name=note]', '许可费超出预算')
    await shot(page, '10-centre-decline-form')
    await page.click('#decline-form button[type=submit]')
    await page.waitForSelector('#pairing-state .state-declined')
    t.match(await page.textContent('#history'), /价格/, 'the reason is in the history')

    await page.goto(`${base}#/funnel`)
    await page.waitForSelector('#funnel [data-state=agreement-signed]')
    t.match(await page.textContent('#funnel [data-state=agreement-signed] .funnel-count'), '1')
    t.equal(await page.$eval('#funnel', (el) => el.tagName.toLowerCase()), 'svg', 'the funnel is a chart, drawn in the page')
    await shot(page, '11-centre-funnel')
    await page.goto(`${base}#/routing`)
    await page.waitForSelector('#routing-form')
    // Caps and digest mode are set in the console too, with the delivery modes' names from the API.
    const before = await api('GET', `/v1/orgs/${centre.id}/routing`, undefined, centre.key)
    t.same(await page.$$eval('#routing-form select[name=delivery] option', (os) => os.map((o) => o.textContent)), ['逐条即时推送', '定期汇总推送'])
    await page.fill('#routing-form input[name=dailyCap]', '30')
    await page.selectOption('#routing-form select[name=delivery]', 'digest')
    await page.fill('#routing-form input[name=digestHours]', '12')
    await page.click('#routing-form button[type=submit]')
    await page.waitForSelector('#routing-form .notice.ok')
    t.match(await api('GET', `/v1/orgs/${centre.id}/routing`, undefined, centre.key), { dailyCap: 30, delivery: 'digest', digestHours: 12 })
    await shot(page, '12-centre-routing')
    await api('PUT', `/v1/orgs/${centre.id}/routing`, { maxPerNeed: before.maxPerNeed }, centre.key)

    // Webhooks: registered in the console, the secret shown once; a delivery that fails is in the
    // log, and is sent again from there.
    await page.goto(`${base}#/webhooks`)
    await page.fill('#webhook-form input[name=url]', 'http://127.0.0.1:9/hooks')
    await page.click('#webhook-form button[type=submit]')
    await page.waitForSelector('#webhook-secret')
    t.match(await page.textContent('#webhook-secret'), /^whsec_/, 'the secret, this once')
    const [hook] = (await api('GET', '/v1/webhooks', undefined, centre.key)).items as Array<{ id: string }>
    await api('POST', `/v1/pairings/${mine[1]?.id ?? other!.id}/transitions`, { to: 'contacted' }, centre.key).catch(() => undefined)
    await api('POST', '/v1/needs', { title: '工业图像缺陷识别系统', description: '产线零件图像识别与缺陷检测' }, enterprise.key)
    await eventually(async () => ((await api('GET', `/v1/webhooks/${hook!.id}/deliveries`, undefined, centre.key)).items.length > 0 ? true : undefined), 20_000, 'a logged delivery')
    await page.click(`[data-deliveries="${hook!.id}"]`)
    await page.waitForSelector('.deliveries-table tbody tr')
    t.match(await page.textContent('.deliveries-table tbody tr'), /pairing\.(updated|created)/, 'the event, in the log')
    await page.click('.deliveries-table [data-redeliver]')
    await page.waitForSelector('.deliveries-table .notice.ok')
    await shot(page, '12b-centre-webhooks')
    await api('DELETE', `/v1/webhooks/${hook!.id}`, undefined, centre.key)
    await page.context().close()
  })

  await t.test('university: pairings of its patents and why enterprises declined', async (t) => {
    const page = await signIn(browser, base, university.key)
    await page.goto(`${base}#/patents`)
    await page.waitForSelector('#patent-pairings .feedback .chip')
    t.match(await page.textContent('#patent-pairings'), /价格: 1/, 'the decline reason is counted')
    await page.waitForFunction(() => document.querySelectorAll('#patent-pairings .feedback h3').length >= 2)
    t.notMatch(await page.textContent('#patent-pairings'), /\bnull\b/, 'a patent without notes shows none, not "null"')
    await shot(page, '13-university-patents')
    await page.context().close()
  })

  await t.test('provincial office: pool and quota, figures, CSV export', async (t) => {
    const page = await signIn(browser, base, office.key)
    await page.waitForSelector('#quota-total')
    t.match(await page.textContent('#quota-total'), /300/, 'the quota')
    t.match(await page.textContent('#pool-list'), /杭州示例智能制造有限公司/, 'the pool lists the enterprise')
    await shot(page, '14-office-pool')
    await page.goto(`${base}#/stats`)
    await page.waitForSelector('#figures .grid')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')])
    t.match(download.suggestedFilename(), /\.csv$/)
    const csv = readFileSync((await download.path())!, 'utf8')
    t.match(csv, /pool/, 'the CSV holds the figures')
    await page.waitForSelector('#export-status .ok')
    await shot(page, '15-office-figures')
    await page.context().close()
  })

  await t.test('the language switch, and a phone-sized screen', async (t) => {
    const page = await signIn(browser, base, enterprise.key, { width: 390, height: 844 })
    t.equal(await page.getAttribute('html', 'lang'), 'zh-CN', 'Chinese by default')
    await page.click('#lang-btn')
    await page.waitForFunction(() => document.documentElement.lang === 'en')
    t.match(await page.textContent('#nav'), /New need/)
    await page.reload()
    await page.waitForSelector('#need-form')
    t.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice persists')
    await shot(page, '16-phone-new-need-en')
    await page.goto(`${base}#/need/${needId}`)
    await page.waitForSelector('#matches-ready')
    await shot(page, '17-phone-matches-en', false)
    await page.goto(`${base}#/need/${teaNeedId}`)
    await page.waitForSelector('#matches-ready')
    t.match(await page.textContent('#match-strength'), 'No strong match yet — we will tell you when one arrives', 'the no-strong-match notice in English')
    t.match(await page.getAttribute('#match-strength', 'data-strength'), /^(weak|none)$/)
    if (await page.$('#weak-matches .match')) t.match(await page.textContent('#weak-heading'), /Weaker matches/)
    t.equal((await page.$$('#matches .match.strong')).length, 0, 'nothing shown as strong')
    await shot(page, '17b-phone-no-strong-match-en', false)
    await page.goto(`${base}#/search`)
    await page.waitForSelector('#results .hit')
    await shot(page, '18-phone-search-en', false)
    await page.goto(`${base}#/interests`)
    await page.waitForSelector('#interest-table tbody tr[data-state=accepted]')
    t.match(await page.textContent('#interest-table'), /accepted[\s\S]*paired by/, 'the outcomes in English')
    await shot(page, '18b-phone-interests-en')
    await page.click('#signout')
    await page.waitForSelector('#signin-form')
    t.pass('signed out')
    await page.context().close()
  })
})
