/**
 * Search as people type it (issue 16): a publication number pasted in any width or case finds
 * its patent; Traditional Chinese finds Simplified and the other way round; highlights keep the
 * patent's own punctuation (，：；) rather than the normalised ASCII.
 */
import t from 'tap'
import { auth, build, importNdjson } from '../helper.js'

t.test('publication numbers, Traditional Chinese and highlights as written', async (t) => {
  const h = await build(t)
  await importNdjson(h.app, [
    { publicationNumber: 'CN100000001A', title: '一种区块链数据存证方法，及其系统', abstract: '本发明公开了一种基于区块链的存证方法：采集数据、计算哈希；写入链上。', legalStatus: 'granted' },
    { publicationNumber: 'CN100000002A', title: '一種資料壓縮與傳輸裝置', abstract: '依據資料特徵選擇壓縮演算法並進行傳輸的裝置。' },
    { publicationNumber: 'CN100000003A', title: '一种茶叶揉捻装置', abstract: '揉捻盘与压盖配合完成茶叶揉捻。' },
  ])
  const search = async (q: string, extra = '') => (await h.app.inject({ method: 'GET', url: `/v1/patents/search?q=${encodeURIComponent(q)}${extra}`, headers: auth })).json()

  for (const q of ['CN100000003A', 'cn100000003a', 'ＣＮ１０００００００３Ａ', ' CN 100000003 A ']) {
    const r = await search(q)
    t.equal(r.total, 1, `"${q}" finds its patent`)
    t.equal(r.hits[0]?.publicationNumber, 'CN100000003A')
  }
  t.equal((await search('CN100000003A', '&legalStatus=granted')).total, 0, 'filters still apply')
  t.match((await search('区块链')).hits[0].patent, { publicationNumber: 'CN100000001A', kind: 'invention', legalStatus: 'granted', transferModes: [] }, 'each hit with its facts')
  t.equal((await search('CN999999999A')).total, 0, 'an unknown number finds nothing')

  const trad = await search('區塊鏈')
  t.equal(trad.hits[0]?.publicationNumber, 'CN100000001A', 'Traditional 區塊鏈 finds Simplified 区块链')
  const simp = await search('资料压缩')
  t.equal(simp.hits[0]?.publicationNumber, 'CN100000002A', 'Simplified 资料压缩 finds Traditional 資料壓縮')

  const hl = (await search('区块链')).hits[0].highlights
  t.equal(hl.title, '一种<em>区块链</em>数据存证方法，及其系统', 'the title as written, full-width comma kept')
  t.match(hl.abstract, /存证方法：采集数据、计算哈希；写入链上。/, 'the abstract’s full-width colon and semicolon kept')
})
