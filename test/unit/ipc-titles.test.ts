import t from 'tap'
import { loadIpcTitles } from '../../search-config/ipc-titles.js'
import { ipcTitle, parseIpcTitles } from '../../src/domain/ipc-titles.js'

t.test('a code is titled by its most specific listed prefix', async (t) => {
  const titles = loadIpcTitles()
  t.match(ipcTitle(titles, 'G06F16/35'), { prefix: 'G06F16', zh: /信息检索/, en: /retrieval/ })
  t.match(ipcTitle(titles, 'g06f 17/30'), { prefix: 'G06F', en: 'Electric digital data processing' }, 'unlisted group: its subclass; spacing and case normalised')
  t.match(ipcTitle(titles, 'A23F3/08'), { prefix: 'A23F', zh: /茶/ })
  t.match(ipcTitle(titles, 'Y02E10/50'), undefined, 'a code with no listed prefix has no title')
  t.equal(ipcTitle(titles, 'G06F1/16')?.prefix, 'G06F', 'G06F1 is not G06F16')
})

t.test('the titles file is parsed strictly', async (t) => {
  t.throws(() => parseIpcTitles('G06F\t电数字数据处理\n'), /needs code, zh and en/)
  t.equal(parseIpcTitles('# comment\nh04w\t无线通信网络\tWireless communication networks\n').get('H04W')?.zh, '无线通信网络')
})
