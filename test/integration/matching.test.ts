import t, { type Test } from 'tap'
import { toNeedQuery } from '../../src/services/needs.js'
import { auth, build, eventually, importNdjson, samplePatents, waitForImport, type Harness } from '../helper.js'

interface MatchBody {
  state: string
  computedAt?: string
  strength?: string
  matches: Array<{
    rank: number
    publicationNumber: string
    title: string
    score: number
    evidence?: number
    new?: boolean
    explanation: { matchedTerms: string[]; sharedClasses: string[]; inferredClasses: string[]; signals: Record<string, number> }
  }>
}

async function withInventory(t: Test): Promise<Harness> {
  const h = await build(t)
  const res = await importNdjson(h.app, samplePatents())
  await waitForImport(h.app, res.json().importId)
  return h
}

async function createNeed(h: Harness, body: Record<string, unknown>): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/needs', headers: auth, payload: body })
  if (res.statusCode !== 201) throw new Error(`need not created: ${res.body}`)
  return res.json().id as string
}

async function readyMatches(h: Harness, id: string, after?: string): Promise<MatchBody> {
  return eventually(async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches?limit=100`, headers: auth })
    const body = res.json() as MatchBody
    return body.state === 'ready' && (after === undefined || body.computedAt! > after) ? body : undefined
  }, 20_000, `matches of need ${id}`)
}

/** The need's matches once one of them is `publicationNumber`. */
async function matchedWith(h: Harness, id: string, publicationNumber: string, what?: string): Promise<MatchBody> {
  return eventually(async () => {
    const body = (await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches?limit=100`, headers: auth })).json() as MatchBody
    return body.matches.some((m) => m.publicationNumber === publicationNumber) ? body : undefined
  }, 20_000, what ?? `${publicationNumber} among the matches of need ${id}`)
}

const byPn = new Map(samplePatents().map((p) => [p.publicationNumber as string, p]))

t.test('a need gets ranked, explained matches from the workers', async (t) => {
  const h = await withInventory(t)
  const id = await createNeed(h, { title: '图像识别技术', description: '利用图像识别对图像进行识别和缺陷检测' })
  const pending = await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches`, headers: auth })
  t.equal(pending.statusCode, 200)
  t.ok(['pending', 'ready'].includes(pending.json().state))

  const body = await readyMatches(h, id)
  t.ok(body.computedAt, 'computedAt is set')
  t.ok(body.matches.length > 0)
  t.match(body.matches[0]!.title, /图像识别/, 'the best match is about image recognition')
  body.matches.forEach((m, i) => {
    t.equal(m.rank, i + 1)
    t.ok(m.score > 0 && m.score <= 1, 'score in 0..1')
    if (i > 0) t.ok(m.evidence! <= body.matches[i - 1]!.evidence!, 'best first by evidence')
    if (m.score >= 0.5) t.equal(body.strength, 'strong', 'a match at the threshold makes the need strong, wherever it is in the list')
    const sum = Object.values(m.explanation.signals).reduce((a, b) => a + b, 0)
    t.ok(Math.abs(sum - 100) <= 0.21, 'signal shares, in percent, sum to 100')
    const p = byPn.get(m.publicationNumber)!
    const text = `${p.title} ${p.abstract} ${(p.keywords as string[] | undefined)?.join(' ') ?? ''}`.toLowerCase()
    for (const term of m.explanation.matchedTerms) t.ok(text.includes(term.toLowerCase()) || /^[a-z]/.test(term), `"${term}" is in the patent`)
  })
  // The lapsed patent of the fixture about mineral image recognition must never appear.
  t.notOk(body.matches.some((m) => m.publicationNumber === 'CN118379729A'), 'a lapsed patent never appears')

  const limited = await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches?limit=2`, headers: auth })
  t.equal(limited.json().matches.length, Math.min(2, body.matches.length))
})

t.test('transfer modes and withdrawals are honoured', async (t) => {
  const h = await withInventory(t)
  const withdrawn = await h.app.inject({ method: 'DELETE', url: '/v1/patents/CN119090657A', headers: auth })
  t.equal(withdrawn.statusCode, 200)
  const id = await createNeed(h, { title: '图像识别', transferModes: ['assignment'] })
  const body = await readyMatches(h, id)
  t.ok(body.matches.length > 0)
  for (const m of body.matches) {
    const modes = byPn.get(m.publicationNumber)!.transferModes as string[]
    t.ok(modes.length === 0 || modes.includes('assignment'), `${m.publicationNumber} is offered for assignment`)
  }
  t.notOk(body.matches.some((m) => m.publicationNumber === 'CN119090657A'), 'the withdrawn patent never appears')
})

t.test('IPC codes named by the need are shared classes in the explanation', async (t) => {
  const h = await withInventory(t)
  const id = await createNeed(h, { title: '任务调度', ipc: ['G06F9'] })
  const body = await readyMatches(h, id)
  const top = body.matches.find((m) => m.publicationNumber === 'CN116719631A')
  t.ok(top, 'the distributed task scheduling patent matches')
  t.ok(top!.explanation.sharedClasses.length > 0 && top!.explanation.sharedClasses.every((c) => c.startsWith('G06F9')))
  const code = top!.explanation.sharedClasses[0]!
  t.match((top!.explanation as { classTitles?: Record<string, unknown> }).classTitles?.[code], { prefix: 'G06F9', zh: /任务调度/, en: /program control/ }, 'a shared class carries its IPC title')
  // stored as codes (the titles were most of a stored set's bytes), titled as they are read
  const stored = (await h.container.stores.matches.get(id))!.matches.find((m) => m.publicationNumber === 'CN116719631A')!
  t.equal(stored.explanation.classTitles, undefined, 'the stored match holds the codes only')
  t.same(stored.explanation.sharedClasses, top!.explanation.sharedClasses)
})

t.test('new patents are scored against open needs and marked new', async (t) => {
  const h = await withInventory(t)
  const id = await createNeed(h, { title: '锂电池健康状态估计', description: '估计锂电池的健康状态和剩余寿命' })
  const before = await readyMatches(h, id)
  t.notOk(before.matches.some((m) => m.publicationNumber === 'CN300000001A'))
  const res = await importNdjson(h.app, [
    {
      publicationNumber: 'CN300000001A',
      title: '一种锂电池健康状态估计方法',
      abstract: '本发明公开了一种锂电池健康状态估计方法，通过采集锂电池充放电数据估计健康状态和剩余寿命。',
      ipc: ['G06F30/27'],
      transferModes: ['license'],
    },
  ])
  await waitForImport(h.app, res.json().importId)
  const after = await readyMatches(h, id, before.computedAt)
  const fresh = after.matches.find((m) => m.publicationNumber === 'CN300000001A')
  t.ok(fresh, 'the new patent is among the matches')
  t.equal(fresh!.rank, 1, 'and it is the best one')
  t.equal(fresh!.new, true, 'marked new')
  // A score reads the need's best match, which the new patent changed: every stored score is
  // the one a full match gives now, and patents that were matches before are not marked new.
  const need = (await h.container.stores.needs.get(id))!
  const full = new Map(h.container.matchIndex!.match(toNeedQuery(need), { limit: 100 }).map((r) => [r.publicationNumber, r.score]))
  for (const m of after.matches.filter((m) => m.publicationNumber !== 'CN300000001A')) {
    t.equal(m.score, full.get(m.publicationNumber), `${m.publicationNumber} has the score of a full match`)
    if (before.matches.some((b) => b.publicationNumber === m.publicationNumber)) t.notOk(m.new, 'a patent matched before is not new')
  }
})

t.test('imports one after another: each new patent scored from the prepared need, stored scores those of a full match', async (t) => {
  const h = await withInventory(t)
  const id = await createNeed(h, { title: '锂电池健康状态估计', description: '估计锂电池的健康状态和剩余寿命' })
  let before = await readyMatches(h, id)
  const added: string[] = []
  for (const [i, words] of ['充放电数据', '内阻和温度', '电压曲线'].entries()) {
    const pub = `CN30000001${i}A`
    const res = await importNdjson(h.app, [
      { publicationNumber: pub, title: `一种基于${words}的锂电池健康状态估计方法`, abstract: `本发明通过采集锂电池${words}估计锂电池的健康状态和剩余寿命。`, ipc: ['G06F30/27'] },
    ])
    await waitForImport(h.app, res.json().importId)
    const after = await readyMatches(h, id, before.computedAt)
    added.push(pub)
    const need = (await h.container.stores.needs.get(id))!
    const full = new Map(h.container.matchIndex!.match(toNeedQuery(need), { limit: 100 }).map((r) => [r.publicationNumber, r.score]))
    t.ok(after.matches.some((m) => m.publicationNumber === pub && m.new === true), `${pub} is a match, marked new`)
    for (const m of after.matches) t.ok(Math.abs(m.score - full.get(m.publicationNumber)!) <= 0.01, `${m.publicationNumber}: within 0.01 of a full match's score`)
    for (const m of after.matches) if (!added.includes(m.publicationNumber)) t.notOk(m.new, 'a patent matched before is not new')
    before = after
  }
})

t.test('a need with a full list: patents that cannot enter leave it as it was, one that can enters; its brief follows the set', async (t) => {
  const h = await withInventory(t)
  // enough battery patents that the need keeps a full list of 100
  const parts = ['充放电数据', '内阻', '温度', '电压曲线', '容量衰减', '电化学阻抗', '循环次数', '电流积分']
  const battery = Array.from({ length: 160 }, (_, i) => ({
    publicationNumber: `CN31${String(i).padStart(7, '0')}A`,
    title: `一种基于${parts[i % parts.length]}的锂电池${i % 3 === 0 ? '健康状态' : '管理'}方法${i}`,
    abstract: `采集锂电池${parts[(i * 3) % parts.length]}，${i % 2 === 0 ? '估计剩余寿命' : '均衡各单体'}。`,
    ipc: [i % 2 === 0 ? 'H01M10/48' : 'G01R31/36'],
  }))
  await waitForImport(h.app, (await importNdjson(h.app, battery)).json().importId)
  const id = await createNeed(h, { title: '锂电池健康状态估计', description: '估计锂电池的健康状态和剩余寿命' })
  const before = await readyMatches(h, id)
  t.equal(before.matches.length, 100, 'a full list')
  const brief = async () => JSON.parse((await h.container.redis.hget(`${h.prefix}:match-entries`, id)) ?? 'null') as unknown
  const need = (await h.container.stores.needs.get(id))!
  t.same(await brief(), [need.version, 'ready', 100, before.matches.at(-1)!.evidence], 'the brief: version, state, length, last evidence')

  // a need about the far patents: its matches show when the pass over them is done
  const gears = await createNeed(h, { title: '齿轮箱装置', description: '齿轮箱装置的结构' })
  await readyMatches(h, gears)
  const far = Array.from({ length: 30 }, (_, i) => ({
    publicationNumber: `CN32${String(i).padStart(7, '0')}A`,
    title: `一种${['齿轮箱', '混凝土', '纺织染色'][i % 3]}装置${i}`,
    abstract: `一种${['轴承润滑', '阀门密封', '农药制剂'][i % 3]}结构，寿命长。`,
    ipc: ['F16H57/04'],
  }))
  await waitForImport(h.app, (await importNdjson(h.app, far)).json().importId)
  await matchedWith(h, gears, far[0]!.publicationNumber, 'the pass over the far patents')
  const unchanged = (await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches?limit=100`, headers: auth })).json() as MatchBody
  t.equal(unchanged.computedAt, before.computedAt, 'patents none of which can enter: the set is not written again')
  t.same(unchanged.matches.map((m) => [m.publicationNumber, m.score]), before.matches.map((m) => [m.publicationNumber, m.score]), 'the same matches, the same scores')

  const strong = 'CN330000001A'
  const res = await importNdjson(h.app, [{ publicationNumber: strong, title: '一种锂电池健康状态估计方法', abstract: '估计锂电池的健康状态和剩余寿命：采集充放电数据与内阻。', ipc: ['H01M10/48'] }])
  await waitForImport(h.app, res.json().importId)
  const after = await matchedWith(h, id, strong)
  const full = h.container.matchIndex!.match(toNeedQuery(need), { limit: 100 })
  const at = after.matches.findIndex((m) => m.publicationNumber === strong)
  t.ok(at >= 0, `one that can enters (${at + 1})`)
  t.equal(at, full.findIndex((r) => r.publicationNumber === strong), 'where a full match ranks it')
  t.equal(after.matches[at]?.new, true, 'marked new')
  t.equal(after.matches.length, 100, 'the list stays at 100')
  t.same(await brief(), [need.version, 'ready', 100, after.matches.at(-1)!.evidence], 'the brief follows the set')
})

t.test('a match job run twice stores the same result', async (t) => {
  const h = await withInventory(t)
  const id = await createNeed(h, { title: '自然语言处理问答' })
  await readyMatches(h, id)
  const matching = h.container.services.matching!
  await matching.matchNeed({ needId: id, version: 1 })
  const first = await h.container.stores.matches.get(id)
  await matching.matchNeed({ needId: id, version: 1 })
  const second = await h.container.stores.matches.get(id)
  t.same(second!.matches, first!.matches)
  t.equal(second!.state, 'ready')
})

t.test('needs: validation, change, close, not found', async (t) => {
  const h = await build(t)
  const bad = await h.app.inject({ method: 'POST', url: '/v1/needs', headers: auth, payload: { title: '', transferModes: ['rent'], owner: 'x' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().error.details.map((d: { path: string }) => d.path).sort(), ['body.owner', 'body.title', 'body.transferModes.0'])
  const id = await createNeed(h, { title: '区块链溯源', province: '浙江' })
  const read = await h.app.inject({ method: 'GET', url: `/v1/needs/${id}`, headers: auth })
  t.match(read.json(), { id, title: '区块链溯源', province: '浙江', state: 'open', version: 1 })
  const changed = await h.app.inject({ method: 'PATCH', url: `/v1/needs/${id}`, headers: auth, payload: { keywords: ['溯源'] } })
  t.equal(changed.statusCode, 200, changed.body)
  t.match(changed.json(), { version: 2, keywords: ['溯源'], title: '区块链溯源' })
  const closed = await h.app.inject({ method: 'POST', url: `/v1/needs/${id}/close`, headers: auth })
  t.equal(closed.json().state, 'closed')
  const mine = await h.app.inject({ method: 'GET', url: '/v1/needs', headers: auth })
  t.same(mine.json().items.map((n: { id: string }) => n.id), [id], 'listed among the caller’s needs')
  const open = await h.app.inject({ method: 'GET', url: '/v1/needs?state=open', headers: auth })
  t.same(open.json().items, [], 'and not among its open ones')
  const late = await h.app.inject({ method: 'PATCH', url: `/v1/needs/${id}`, headers: auth, payload: { title: '新标题' } })
  t.equal(late.statusCode, 409)
  t.equal(late.json().error.code, 'need_closed')
  const missing = await h.app.inject({ method: 'GET', url: '/v1/needs/7d1e8a51-3c2b-4b7e-9a59-1f2f2d7f6a10/matches', headers: auth })
  t.equal(missing.statusCode, 404)
})

t.test('reverse matching gathers batches: imports in quick succession end in one pass or few, nothing left pending', async (t) => {
  const h = await withInventory(t)
  const id = await createNeed(h, { title: '锂电池健康状态估计', description: '估计锂电池的健康状态和剩余寿命' })
  await readyMatches(h, id)
  const pubs = ['CN300000101A', 'CN300000102A', 'CN300000103A', 'CN300000104A']
  // four imports sent at once: their batches are indexed while a pass may be running
  const sent = await Promise.all(
    pubs.map((pub, i) =>
      importNdjson(h.app, [{ publicationNumber: pub, title: `一种锂电池健康状态估计方法${'甲乙丙丁'[i]}`, abstract: '采集锂电池充放电数据估计锂电池的健康状态和剩余寿命。', ipc: ['G06F30/27'] }]),
    ),
  )
  for (const res of sent) await waitForImport(h.app, res.json().importId)
  const after = await eventually(async () => {
    const body = (await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches?limit=100`, headers: auth })).json() as MatchBody
    return pubs.every((p) => body.matches.some((m) => m.publicationNumber === p && m.new === true)) ? body : undefined
  })
  t.ok(after, 'every imported patent is a new match')
  t.same(await eventually(async () => ((await h.container.stores.needs.pendingRematch(10)).length === 0 ? [] : undefined)), [], 'nothing left pending')

  // a pass that died leaves its patents pending: the reconcile pass queues a new one
  const left = 'CN300000105A'
  const res = await importNdjson(h.app, [{ publicationNumber: left, title: '一种锂电池健康状态估计系统', abstract: '估计锂电池健康状态和剩余寿命的系统。' }])
  await waitForImport(h.app, res.json().importId)
  await eventually(async () => ((await h.container.stores.needs.pendingRematch(10)).length === 0 ? true : undefined))
  const redis = h.container.redis
  // as if the pass that scored it had died before taking it: the match removed, the patent pending again
  await h.container.stores.matches.update(id, (m) => (m === undefined ? m : { ...m, matches: m.matches.filter((x) => x.publicationNumber !== left) }))
  await h.container.stores.needs.addPendingRematch([left])
  t.ok(await redis.exists(`${h.prefix}:needs:rematch-pending`), 'pending in Redis')
  await h.container.services.indexing.reconcile()
  await matchedWith(h, id, left)
  t.pass('the pending patent is scored again after reconcile')

  // a job queued before passes were gathered names its patents: they are scored the same way
  await h.container.stores.matches.update(id, (m) => (m === undefined ? m : { ...m, matches: m.matches.filter((x) => x.publicationNumber !== left) }))
  await h.container.queue.enqueue('rematch-patents', { publicationNumbers: [left] })
  await matchedWith(h, id, left)
  t.pass('an older job with its patents is served')
})

t.test('a need reverse matching found stale is matched again in full after the pending patents, its mark taken only then', async (t) => {
  const h = await withInventory(t)
  const needs = h.container.stores.needs
  const id = await createNeed(h, { title: '锂电池健康状态估计', description: '估计锂电池的健康状态和剩余寿命' })
  const before = await readyMatches(h, id)
  // a mark made again after it was read stays; the one read is taken
  await needs.markStale(['other-need'])
  const read = await needs.stale(10)
  await needs.markStale(['other-need'])
  await needs.refreshed(read)
  t.same((await needs.stale(10)).map((m) => m.needId), ['other-need'], 'marked again since it was read: kept')
  await needs.refreshed(await needs.stale(10))
  t.same(await needs.stale(10), [], 'taken')

  // as if a pass had scored it beyond the tolerance: its best match lost by hand, then marked
  const first = before.matches[0]!.publicationNumber
  await h.container.stores.matches.update(id, (m) => (m === undefined ? m : { ...m, matches: m.matches.slice(1) }))
  await needs.markStale([id])
  const res = await importNdjson(h.app, [{ publicationNumber: 'CN300000201A', title: '一种锂电池健康状态估计装置', abstract: '采集锂电池电压曲线估计健康状态。', ipc: ['G06F30/27'] }])
  await waitForImport(h.app, res.json().importId)
  await eventually(async () => ((await needs.stale(10)).length === 0 && (await needs.pendingRematch(10)).length === 0 ? true : undefined), 20_000, 'the mark taken')
  const after = (await h.app.inject({ method: 'GET', url: `/v1/needs/${id}/matches?limit=100`, headers: auth })).json() as MatchBody
  const need = (await needs.get(id))!
  const full = h.container.matchIndex!.match(toNeedQuery(need), { limit: 100 })
  t.same(
    after.matches.map((m) => [m.publicationNumber, m.score]),
    full.map((r) => [r.publicationNumber, r.score]),
    'its matches are a full match’s, scores and order',
  )
  t.equal(after.matches.find((m) => m.publicationNumber === first)?.new, true, 'the one lost is back, marked new (it was not among the stored)')
  t.notOk(after.matches.find((m) => m.publicationNumber === before.matches[1]!.publicationNumber)?.new, 'a patent matched before is not new')
  t.equal(after.matches.find((m) => m.publicationNumber === 'CN300000201A')?.new, true, 'the new patent is')
})
