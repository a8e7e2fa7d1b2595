import { existsSync, readFileSync } from 'node:fs'
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { codesOverlap, MatchIndex, type MatchablePatent, type MatchResult } from '../../src/domain/matching/index.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'

const analyzer = createAnalyzer(loadAnalysisResources())

let serial = 100000
function patent(p: Partial<MatchablePatent> & Pick<MatchablePatent, 'title' | 'abstract'>): MatchablePatent {
  return {
    publicationNumber: `CN${serial++}A`,
    keywords: [],
    ipc: [],
    applicants: [],
    legalStatus: 'granted',
    status: 'listed',
    transferModes: [],
    ...p,
  }
}

const IMAGE = patent({
  publicationNumber: 'CN200000001A',
  title: '一种基于卷积神经网络的图像识别方法',
  abstract: '本发明公开了一种图像识别方法，获取待识别图像，利用卷积神经网络提取图像特征，根据图像特征对目标进行分类识别，提高了图像识别的准确率。',
  ipc: ['G06V10/82', 'G06N3/0464'],
})
const BATTERY = patent({
  publicationNumber: 'CN200000002A',
  title: '一种锂离子电池正极材料及其制备方法',
  abstract: '本发明提供一种锂离子电池正极材料，通过掺杂改性提高材料的循环稳定性和倍率性能，制备方法简单，适合工业化生产。',
  ipc: ['H01M4/525'],
})
const DATABASE = patent({
  publicationNumber: 'CN200000003A',
  title: '分布式数据库的事务处理方法和装置',
  abstract: '本申请涉及一种分布式数据库事务处理方法，协调节点接收事务请求，将事务拆分为子事务发送至各数据节点，并通过两阶段提交保证数据一致性。',
  ipc: ['G06F16/27', 'G06F16/23'],
})
const FACE = patent({
  publicationNumber: 'CN200000004A',
  title: '人脸图像识别装置',
  abstract: '一种人脸识别装置，包括摄像模块和处理模块，处理模块对采集的人脸图像进行特征提取与比对，实现身份识别。',
  ipc: ['G06V40/16', 'G06V10/82'],
})
const SEARCH = patent({
  publicationNumber: 'CN200000005A',
  title: '一种文本检索方法及系统',
  abstract: '本发明涉及信息检索技术，构建倒排索引，对查询文本进行分词，计算查询与文档的相关度并排序返回检索结果。',
  ipc: ['G06F16/35', 'G06F16/33'],
})
const BASE = [IMAGE, BATTERY, DATABASE, FACE, SEARCH]

function build(patents: MatchablePatent[]): MatchIndex {
  const index = new MatchIndex(analyzer)
  for (const p of patents) index.upsert(p)
  return index
}
const ids = (rs: MatchResult[]): string[] => rs.map((r) => r.publicationNumber)

t.test('a need about image recognition ranks the image-recognition patent first', async (t) => {
  const index = build(BASE)
  const rs = index.match({ title: '图像识别', description: '需要对生产线上的产品图像进行自动识别分类' })
  t.equal(rs[0]?.publicationNumber, IMAGE.publicationNumber)
  const at = (id: string): number => ids(rs).indexOf(id)
  t.ok(at(FACE.publicationNumber) > 0, 'the face-recognition patent also matches')
  t.ok(at(BATTERY.publicationNumber) === -1 || at(BATTERY.publicationNumber) > at(FACE.publicationNumber), 'battery ranks below')
  t.ok(rs[0]!.score > (rs.find((r) => r.publicationNumber === BATTERY.publicationNumber)?.score ?? 0))
})

t.test('explanations are truthful: terms in both texts, signals sum to the score', async (t) => {
  const index = build(BASE)
  const need = { title: '基于神经网络的图像识别系统', description: '识别工业零件图像' }
  const needTerms = new Set(analyzer.analyze(`${need.title}\n${need.description}`, { subwords: true }))
  const byId = new Map(BASE.map((p) => [p.publicationNumber, p]))
  const rs = index.match(need)
  t.ok(rs.length >= 2)
  let sawTerms = 0
  for (const r of rs) {
    const p = byId.get(r.publicationNumber)!
    const patentTerms = new Set(analyzer.analyze(`${p.title}\n${p.abstract}`, { subwords: true }))
    for (const term of r.explanation.matchedTerms) {
      t.ok(needTerms.has(term), `${term} is a need term`)
      t.ok(patentTerms.has(term), `${term} is in ${p.publicationNumber}`)
      sawTerms++
    }
    const sum = Object.values(r.explanation.signals).reduce((a, b) => a + b, 0)
    t.ok(Math.abs(sum - 100) <= 0.21, 'signal shares sum to 100 %')
    t.ok(r.score > 0 && r.score <= 1, 'score in (0, 1]')
    for (const c of r.explanation.inferredClasses) t.ok(p.ipc.includes(c), 'inferred class is the patent’s own')
  }
  t.ok(sawTerms > 0)
  t.ok(rs[0]!.explanation.matchedTerms.includes('图像识别'))
  t.notOk(rs[0]!.explanation.matchedTerms.includes('系统'), '系统 is not in the image patent')
})

t.test('patents that are not offerable never appear', async (t) => {
  const dead = [
    patent({ ...IMAGE, publicationNumber: 'CN300000001A', status: 'withdrawn' }),
    patent({ ...IMAGE, publicationNumber: 'CN300000002A', legalStatus: 'lapsed' }),
    patent({ ...IMAGE, publicationNumber: 'CN300000003A', legalStatus: 'expired' }),
    patent({ ...IMAGE, publicationNumber: 'CN300000004A', legalStatus: 'invalidated' }),
  ]
  const pending = patent({ ...IMAGE, publicationNumber: 'CN300000005A', legalStatus: 'pending' })
  const index = build([...BASE, ...dead, pending])
  const got = ids(index.match({ title: '卷积神经网络图像识别方法' }))
  for (const d of dead) t.notOk(got.includes(d.publicationNumber), `${d.publicationNumber} excluded`)
  t.ok(got.includes(pending.publicationNumber), 'pending is offerable')
  t.ok(got.includes(IMAGE.publicationNumber))
  const only = ids(index.match({ title: '卷积神经网络图像识别方法' }, { only: new Set(dead.map((d) => d.publicationNumber)) }))
  t.same(only, [], 'not even when asked for by `only`')
})

t.test('transfer modes: a patent offering none of the wanted modes never appears', async (t) => {
  const assignOnly = patent({ ...IMAGE, publicationNumber: 'CN400000001A', transferModes: ['assignment'] })
  const licence = patent({ ...IMAGE, publicationNumber: 'CN400000002A', transferModes: ['license', 'equity'] })
  const open = patent({ ...IMAGE, publicationNumber: 'CN400000003A', transferModes: [] })
  const index = build([assignOnly, licence, open, BATTERY])
  const got = ids(index.match({ title: '图像识别方法', transferModes: ['license'] }))
  t.notOk(got.includes(assignOnly.publicationNumber))
  t.ok(got.includes(licence.publicationNumber))
  t.ok(got.includes(open.publicationNumber), 'no modes listed: open to any mode')
  const any = ids(index.match({ title: '图像识别方法' }))
  t.ok(any.includes(assignOnly.publicationNumber), 'without wanted modes every mode is fine')
})

t.test('`only` gives the same scores as a full match; ties are deterministic', async (t) => {
  const extra = Array.from({ length: 40 }, (_, i) =>
    patent({
      title: `图像处理装置${i}`,
      abstract: `一种图像处理装置，对图像进行${i % 2 ? '降噪' : '增强'}处理，并识别图像中的目标${i % 3 ? '车辆' : '行人'}。`,
      ipc: [i % 2 ? 'G06T5/70' : 'G06V10/82'],
    }),
  )
  const index = build([...BASE, ...extra])
  const need = { title: '图像目标识别', description: '识别道路图像中的车辆' }
  const full = index.match(need, { limit: 1000 })
  t.ok(full.length > 20)
  const pick = new Set(full.filter((_, i) => i % 3 === 0).map((r) => r.publicationNumber))
  const only = index.match(need, { only: pick })
  t.same(
    only.map((r) => [r.publicationNumber, r.score]),
    full.filter((r) => pick.has(r.publicationNumber)).map((r) => [r.publicationNumber, r.score]),
  )
  t.same(index.match(need, { limit: 1000 }), full, 'repeatable')
  for (let i = 1; i < full.length; i++) {
    const a = full[i - 1]!
    const b = full[i]!
    t.ok(a.evidence > b.evidence || (a.evidence === b.evidence && a.publicationNumber < b.publicationNumber), 'ordered by evidence')
  }
})

t.test('a short list is the head of a long one (pruned ranking), with and without codes and modes', async (t) => {
  const extra = Array.from({ length: 300 }, (_, i) =>
    patent({
      title: `${i % 2 ? '图像' : '数据'}处理方法${i}`,
      abstract: `一种${i % 3 ? '图像' : '文本'}处理方法，对${i % 5 ? '目标' : '数据'}进行${i % 7 ? '识别' : '检索'}。`,
      ipc: [['G06V10/82'], ['G06T5/70', 'G06V10/82'], ['G06F16/35'], ['H01M4/525'], []][i % 5]!,
      transferModes: i % 4 === 0 ? ['assignment'] : [],
    }),
  )
  const index = build([...BASE, ...extra])
  for (const need of [
    { title: '图像目标识别' },
    { title: '文本数据检索', ipc: ['G06F16'] },
    { title: '图像处理', transferModes: ['license' as const] },
  ]) {
    const long = index.match(need, { limit: 1000 })
    t.ok(long.length > 20)
    for (const k of [1, 5, 20]) t.same(index.match(need, { limit: k }), long.slice(0, k), `limit ${k}`)
  }
})

t.test('upsert replaces, remove removes', async (t) => {
  const index = build(BASE)
  t.equal(index.size, 5)
  t.ok(index.has(BATTERY.publicationNumber))
  // the battery patent is rewritten into an image-recognition patent
  index.upsert({ ...BATTERY, title: '遥感图像识别方法', abstract: '对遥感图像进行图像识别，检测地物目标。' })
  t.equal(index.size, 5, 'same number: replaced, not added')
  const rs = index.match({ title: '遥感图像识别' })
  t.equal(rs[0]?.publicationNumber, BATTERY.publicationNumber)
  t.same(index.match({ title: '锂离子电池正极材料' }).map((r) => r.publicationNumber).includes(BATTERY.publicationNumber), false, 'old text gone')
  index.remove(BATTERY.publicationNumber)
  t.equal(index.size, 4)
  t.notOk(index.has(BATTERY.publicationNumber))
  t.notOk(ids(index.match({ title: '遥感图像识别' })).includes(BATTERY.publicationNumber))
  index.remove('CN999999999A') // unknown: ignored
  t.equal(index.size, 4)
})

t.test('pre-analysed terms give the same scores as analysing', async (t) => {
  const a = build(BASE)
  const b = new MatchIndex(analyzer)
  for (const p of BASE) b.upsert(p, JSON.parse(JSON.stringify(b.analyzePatent(p))))
  const need = { title: '数据库事务一致性' }
  t.same(b.match(need), a.match(need))
})

t.test('after many removals (compaction) scores equal those of a fresh index', async (t) => {
  const words = ['图像', '数据库', '电池', '检索', '网络', '传感器', '芯片', '算法', '存储', '加密']
  const many = Array.from({ length: 3000 }, (_, i) =>
    patent({
      title: `${words[i % 10]}${words[(i * 7) % 10]}方法`,
      abstract: `一种${words[(i * 3) % 10]}和${words[(i * 11) % 10]}的处理方法，用于${words[(i * 13) % 10]}。`,
      ipc: [`G06F${(i % 7) + 1}/${i % 5}`],
    }),
  )
  const index = build(many)
  const removed = many.filter((_, i) => i % 3 !== 0)
  for (const p of removed) index.remove(p.publicationNumber)
  const kept = many.filter((_, i) => i % 3 === 0)
  t.equal(index.size, kept.length)
  const fresh = build(kept)
  for (const need of [{ title: '图像检索' }, { title: '电池传感器芯片', ipc: ['G06F3'] }]) {
    const x = index.match(need, { limit: 50 })
    t.ok(x.length > 0)
    t.same(
      x.map((r) => [r.publicationNumber, r.score.toFixed(12)]),
      fresh.match(need, { limit: 50 }).map((r) => [r.publicationNumber, r.score.toFixed(12)]),
    )
  }
})

t.test('cached impacts of common terms give the same scores as computing them, before and after changes', async (t) => {
  const words = ['图像', '数据库', '电池', '检索', '网络', '传感器', '芯片', '算法', '存储', '加密']
  const many = Array.from({ length: 400 }, (_, i) =>
    patent({
      title: `${words[i % 10]}${words[(i * 7) % 10]}方法`,
      abstract: `一种${words[(i * 3) % 10]}和${words[(i * 11) % 10]}的处理方法，用于${words[(i * 13) % 10]}${i % 4 === 0 ? '，结构简单' : ''}。`,
      ipc: [`G06F${(i % 7) + 1}/${i % 5}`],
    }),
  )
  const cached = new MatchIndex(analyzer, { impactMinDf: 0 })
  // dense arrays for at most four terms: reused from one term to another all the time
  const tight = new MatchIndex(analyzer, { impactMinDf: 0, denseBudgetBytes: 1 })
  const computed = new MatchIndex(analyzer, { impactMinDf: Infinity })
  for (const p of many) {
    const terms = cached.analyzePatent(p)
    cached.upsert(p, terms)
    tight.upsert(p, terms)
    computed.upsert(p, terms)
  }
  const needs = [
    { title: '图像检索方法' },
    { title: '电池传感器芯片的处理', ipc: ['G06F3'] },
    { title: '存储加密算法' },
    { title: '图像数据库电池检索网络传感器芯片算法存储加密的处理方法' },
  ]
  const scores = (index: MatchIndex, need: (typeof needs)[number]) =>
    index.match(need, { limit: 50 }).map((r) => [r.publicationNumber, r.score, r.explanation.signals])
  for (const round of ['first', 'repeated', 'after changes']) {
    if (round === 'after changes') {
      for (const i of [3, 50, 51, 200]) {
        const p = { ...many[i]!, abstract: `${many[i]!.abstract}改进的图像传感器。` }
        for (const index of [cached, tight, computed]) index.upsert(p)
      }
      for (const index of [cached, tight, computed]) index.remove(many[7]!.publicationNumber)
    }
    for (const need of needs) {
      const x = scores(computed, need)
      t.ok(x.length > 0, `${round}: ${need.title} has matches`)
      t.strictSame(scores(cached, need), x, `${round}: ${need.title}`)
      t.strictSame(scores(tight, need), x, `${round}: ${need.title}, dense arrays reused`)
    }
  }
})

t.test('IPC codes of the need: prefix match, shared classes, a boost', async (t) => {
  t.ok(codesOverlap('G06F16', 'G06F16/35'))
  t.ok(codesOverlap('G06F16/35', 'G06F16'))
  t.ok(codesOverlap('G06F', 'G06F16/35'))
  t.notOk(codesOverlap('G06F1', 'G06F16/35'))
  t.notOk(codesOverlap('G06F16/3', 'G06F16/35'))
  const index = build(BASE)
  const plain = index.match({ title: '数据处理方法' })
  const withIpc = index.match({ title: '数据处理方法', ipc: ['g06f16'] })
  const s = withIpc.find((r) => r.publicationNumber === SEARCH.publicationNumber)
  t.ok(s, 'a patent with no shared word is found by its class')
  t.same(s!.explanation.sharedClasses.sort(), ['G06F16/33', 'G06F16/35'])
  t.ok(s!.explanation.signals.ipc! > 0)
  const dbPlain = plain.find((r) => r.publicationNumber === DATABASE.publicationNumber)!
  const dbIpc = withIpc.find((r) => r.publicationNumber === DATABASE.publicationNumber)!
  t.ok(dbIpc.explanation.signals.ipc! > 0)
  const battery = withIpc.find((r) => r.publicationNumber === BATTERY.publicationNumber)
  t.equal(battery?.explanation.signals.ipc ?? 0, 0, 'H01M patent gets no ipc credit')
  t.same(battery?.explanation.sharedClasses ?? [], [])
  t.ok(withIpc.findIndex((r) => r.publicationNumber === SEARCH.publicationNumber) < withIpc.findIndex((r) => r.publicationNumber === BATTERY.publicationNumber) || !battery)
  t.ok(dbPlain.explanation.sharedClasses.length === 0)
})

t.test('English and mixed-language needs', async (t) => {
  const en = [
    patent({
      publicationNumber: 'US0000001',
      title: 'Training deep neural networks with attention',
      abstract: 'A method trains a recurrent neural network with an attention mechanism for speech recognition.',
    }),
    patent({
      publicationNumber: 'US0000002',
      title: 'Baseball bat with a vibration damping handle',
      abstract: 'A baseball bat includes a barrel and a handle with a damping insert that reduces vibration felt by the batter.',
    }),
    patent({
      publicationNumber: 'US0000003',
      title: 'Pitching machine',
      abstract: 'A pitching machine throws baseballs at adjustable speeds using two rotating wheels.',
    }),
  ]
  const index = build([...BASE, ...en])
  t.equal(index.match({ title: 'neural network for recognizing speech' })[0]?.publicationNumber, 'US0000001')
  const bat = index.match({ title: 'reduce vibration in baseball bats' })
  t.equal(bat[0]?.publicationNumber, 'US0000002')
  t.ok(bat[0]!.explanation.matchedTerms.length >= 2)
  // mixed: Chinese need with English technical words
  const mixed = index.match({ title: '基于attention机制的neural network图像识别' })
  const top3 = ids(mixed).slice(0, 3)
  t.ok(top3.includes(IMAGE.publicationNumber), 'the Chinese words match')
  t.ok(top3.includes('US0000001'), 'the English words match')
  t.notOk(ids(mixed).includes('US0000002'), 'the baseball bat does not')
  t.same(mixed.find((r) => r.publicationNumber === 'US0000001')?.explanation.matchedTerms.sort(), ['attention', 'network', 'neural'], 'matched terms as the need wrote them, not stems')
})

// The shared evaluation data sits beside the repository (../shared/eval).
const US = fileURLToPath(new URL('../../../shared/eval/us-abstracts.jsonl', import.meta.url))
t.test('a small English corpus from real abstracts: the topic of the need wins', { skip: !existsSync(US) && 'no English data' }, async (t) => {
  interface UsDoc {
    id: string
    title: string
    abstract: string
    topic: string
  }
  const docs = readFileSync(US, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as UsDoc)
    .filter((_, i) => i % 20 === 0)
  const topic = new Map(docs.map((d) => [d.id, d.topic]))
  const index = build(docs.map((d) => patent({ publicationNumber: d.id, title: d.title, abstract: d.abstract })))
  const precision = (title: string, want: string): number =>
    index
      .match({ title }, { limit: 10 })
      .filter((r) => topic.get(r.publicationNumber) === want).length / 10
  t.ok(precision('training a neural network with backpropagation', 'neural-network') >= 0.8)
  t.ok(precision('baseball glove for catching', 'baseball') >= 0.8)
})
