import fc from 'fast-check'
import * as OpenCC from 'opencc-js/t2cn'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { createAnalyzer, mayConvert, normalize } from '../../src/domain/text/analyzer.js'

const analyzer = createAnalyzer(loadAnalysisResources())

const TEXTS = [
  '一种基于卷积神经网络的图像识别方法，提高了图像识别的准确率',
  'A method for training deep neural networks on distributed GPU clusters',
  '基于深度学习的PCB缺陷检测系统, using TiO2 coated sensors (model XK-3000), G06F16/35',
  '',
]

t.test('analyzeParts: the search-mode terms in order, the words of the text apart from the shorter words inside them', async (t) => {
  for (const text of TEXTS) {
    const parts = analyzer.analyzeParts(text)
    t.strictSame(parts.map((p) => p.term), analyzer.analyze(text, { subwords: true }), `all terms: ${text}`)
    t.strictSame(parts.filter((p) => !p.subword).map((p) => p.term), analyzer.analyze(text), `words: ${text}`)
  }
  const image = analyzer.analyzeParts('图像识别方法')
  t.ok(image.some((p) => p.subword), 'a long word yields shorter words inside it')
  t.ok(image.every((p) => !p.subword || p.term.length < 4), 'the shorter words are shorter')
})

t.test('the remembered search-mode parts of long words change nothing', async (t) => {
  const texts = [...TEXTS, '图像识别系统和语音识别系统，图像处理装置', '分布式数据库事务处理，数据库索引优化方法']
  const warm = createAnalyzer(loadAnalysisResources())
  for (const text of texts) warm.analyze(text, { subwords: true })
  // in reverse order, so most words reach this one for the first time
  const cold = createAnalyzer(loadAnalysisResources())
  for (const text of [...texts].reverse()) {
    t.strictSame(warm.analyze(text, { subwords: true }), cold.analyze(text, { subwords: true }), text)
    t.strictSame(warm.analyzeParts(text), cold.analyzeParts(text), text)
  }
})

t.test('a text is converted to Simplified only when a conversion entry occurs in it, and then exactly as OpenCC does', async (t) => {
  const convert = OpenCC.Converter({ from: 't', to: 'cn' })
  // every character alone: none that the conversion changes is passed over
  let passedOver = 0
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c < 0xe000) continue
    const s = String.fromCharCode(c)
    if (!mayConvert(s) && convert(s) !== s) passedOver++
  }
  t.equal(passedOver, 0, 'no character the conversion changes is passed over')
  t.equal(mayConvert('一种基于卷积神经网络的图像识别方法'), false, 'plain Simplified text is not converted')
  t.equal(mayConvert('區塊鏈'), true)
  t.equal(mayConvert('反覆'), true, 'an entry of Simplified characters (反覆 → 反复)')
  t.equal(normalize('反覆測試區塊鏈'), convert('反覆測試區塊鏈'.normalize('NFKC')).toLowerCase())
  // texts of Simplified characters and pieces of dictionary entries: unchanged whenever passed over
  const pieces = ['一', '种', '反', '覆', '复', '瞭', '解', '不', '的', '區', '塊', '鏈', '图', '像', '乾', '坤', '著', '名', 'a', ' ', '\u{20000}']
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (chars) => {
      const s = chars.join('')
      return mayConvert(s) || convert(s) === s
    }),
    { numRuns: 5000 },
  )
})
