import t from 'tap'
import { loadSheetVocabulary } from '../../search-config/import-sheet.js'
import { mapHeader, normaliseDate, normaliseIpc, normalisePublicationNumber, normaliseRecord } from '../../src/domain/office-sheet.js'

const vocabulary = loadSheetVocabulary()

t.test('headers as offices write them', async (t) => {
  const m = mapHeader(['公开（公告）号', '申请号', '发明名称', '摘要', 'IPC 分类号', '申请(专利权)人', '法律状态', '申请日', ' Title ', '备注'], vocabulary)
  t.same(m.fields, ['publicationNumber', 'applicationNumber', 'title', 'abstract', 'ipc', 'applicants', 'legalStatus', 'filingDate', undefined, undefined])
  t.same(m.unknown, ['备注'])
  t.same(m.duplicates, [{ field: 'title', columns: ['发明名称', ' Title '] }], 'two columns for one field are named')
})

t.test('dates in the usual Chinese forms', async (t) => {
  for (const [given, want] of [
    ['2021-3-4', '2021-03-04'],
    ['2021/03/04', '2021-03-04'],
    ['2021.3.4', '2021-03-04'],
    ['2021年3月4日', '2021-03-04'],
    ['２０２１年３月４日', '2021-03-04'],
    ['20210304', '2021-03-04'],
    ['2021/3/4 0:00:00', '2021-03-04'],
  ] as const) t.equal(normaliseDate(given), want, given)
  t.equal(normaliseDate(new Date(Date.UTC(2021, 2, 4))), '2021-03-04', 'an Excel date cell')
  t.equal(normaliseDate(44259), '2021-03-04', "Excel's serial day")
  t.equal(normaliseDate('去年'), '去年', 'what is not a date is left for the schema to name')
})

t.test('publication numbers and IPC codes in any width, case and spacing', async (t) => {
  for (const given of ['ＣＮ１１７１５１１２２Ａ', 'cn117151122a', 'CN 117151122 A', 'CN117151122.A']) t.equal(normalisePublicationNumber(given), 'CN117151122A', given)
  t.equal(normaliseIpc('G06F 16/35'), 'G06F16/35')
  t.equal(normaliseIpc('g06f16/35'), 'G06F16/35')
  t.equal(normaliseIpc('Ｇ０６Ｆ１６／３５'), 'G06F16/35')
  t.equal(normaliseIpc('G06F0016350000'), 'G06F16/35', 'the zero-padded form')
  t.equal(normaliseIpc('H01M0010000000'), 'H01M10/00')
})

t.test('values in the office\'s words, lists as Excel users separate them', async (t) => {
  const r = normaliseRecord(
    { legalStatus: '有效', transferModes: '许可；转让、作价入股', ipc: 'G06F 16/35; G06N0003080000', applicants: '某大学,某研究院', language: '中文', title: '  一种方法 ' },
    vocabulary,
    'sheet',
  )
  t.same(r, {
    legalStatus: 'granted',
    transferModes: ['license', 'assignment', 'equity'],
    ipc: ['G06F16/35', 'G06N3/08'],
    applicants: ['某大学', '某研究院'],
    language: 'zh',
    title: '一种方法',
  })
  t.same(normaliseRecord({ legalStatus: '审中', title: 12 }, vocabulary, 'json'), { legalStatus: 'pending', title: 12 }, 'JSON keeps its types for the schema to judge')
})

t.test('technology readiness and the office grade as offices write them', async (t) => {
  const cols = mapHeader(['公开号', '技术成熟度', '本单位分级'], vocabulary)
  t.same(cols.fields, ['publicationNumber', 'maturity', 'officeGrade'])
  t.same({ ...normaliseRecord({ maturity: 'TRL 6', officeGrade: 'B' }, vocabulary, 'sheet') }, { maturity: 6, officeGrade: 4 }, 'a TRL and a grade letter')
  t.same({ ...normaliseRecord({ maturity: '７级', officeGrade: '甲' }, vocabulary, 'sheet') }, { maturity: 7, officeGrade: 5 }, 'full width, 级, 甲乙丙丁戊')
  t.same({ ...normaliseRecord({ maturity: 8, officeGrade: '3' }, vocabulary, 'sheet') }, { maturity: 8, officeGrade: 3 }, 'a number cell, a digit')
  t.same({ ...normaliseRecord({ maturity: '很成熟' }, vocabulary, 'sheet') }, { maturity: '很成熟' }, 'words it cannot read are left for the schema to refuse')
})
