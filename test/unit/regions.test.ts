/**
 * The region table and the module that reads it: every way of writing a province, codes,
 * cities, what is not known, and places stored before codes existed.
 */
import t from 'tap'
import { loadRegions } from '../../search-config/regions.js'
import {
  findProvince,
  findRegion,
  largeProvinceKeys,
  parseRegionTable,
  placeOnRecord,
  provincesOnRecord,
  readPlace,
  readProvince,
  regionByCode,
  sameRegion,
} from '../../src/domain/regions.js'

const regions = loadRegions()
const code = (s: string) => findProvince(regions, s)?.code

t.test('a province is read however it is written', async (t) => {
  const forms: Record<string, string[]> = {
    '440000': ['广东', '广东省', 'Guangdong', 'guangdong', 'GUANGDONG', ' 广东 ', 'Guangdong Province', 'guangdong sheng', '440000', '44', '粤', '廣東', '４４００００'],
    '150000': ['内蒙古', '内蒙古自治区', 'Inner Mongolia', 'inner-mongolia', 'Nei Mongol', '150000', '15'],
    '450000': ['广西', '广西壮族自治区', '广西自治区', 'Guangxi', 'Guangxi Zhuang Autonomous Region', '45'],
    '540000': ['西藏', '西藏自治区', 'Tibet', 'Xizang'],
    '640000': ['宁夏', '宁夏回族自治区', 'Ningxia'],
    '650000': ['新疆', '新疆维吾尔自治区', 'Xinjiang', '新疆自治区'],
    '110000': ['北京', '北京市', 'Beijing', 'beijing shi', 'Beijing Municipality', '11'],
    '120000': ['天津', '天津市', 'Tianjin'],
    '310000': ['上海', '上海市', 'Shanghai'],
    '500000': ['重庆', '重庆市', 'Chongqing'],
    '810000': ['香港', '香港特别行政区', '香港特區'.replace('區', '区'), 'Hong Kong', 'hongkong', 'Hong Kong SAR', 'HKSAR', '81'],
    '820000': ['澳门', '澳门特别行政区', '澳門', 'Macao', 'Macau', 'Macau SAR'],
    '710000': ['台湾', '台湾省', '臺灣', 'Taiwan', '71'],
    '140000': ['山西', 'Shanxi'],
    '610000': ['陕西', 'Shaanxi'],
  }
  for (const [expected, inputs] of Object.entries(forms)) {
    for (const input of inputs) t.equal(code(input), expected, `${JSON.stringify(input)} → ${expected}`)
  }
  const gd = regionByCode(regions, '440000')!
  t.same({ name: gd.name, short: gd.short, en: gd.en, level: gd.level }, { name: '广东省', short: '广东', en: 'Guangdong', level: 'province' })
})

t.test('every province-level division is in the table, each once', async (t) => {
  t.equal(regions.provinces.length, 34, '23 provinces (Taiwan included), 5 autonomous regions, 4 municipalities, 2 SARs')
  for (const p of regions.provinces) {
    t.match(p.code, /^\d{2}0000$/)
    t.equal(findProvince(regions, p.name)?.code, p.code, p.name)
    t.equal(findProvince(regions, p.short)?.code, p.code, p.short)
    t.equal(findProvince(regions, p.en)?.code, p.code, p.en)
  }
})

t.test('what is not a province is not read as one', async (t) => {
  for (const input of ['火星', 'Atlantis', '', '   ', '4400', '440100', '440305', '99', '990000', '广东广西', '中国']) {
    t.equal(code(input), undefined, JSON.stringify(input))
  }
  const r = readProvince(regions, '广栋', 'query.province')
  t.notOk(r.ok)
  if (!r.ok) {
    t.equal(r.detail.path, 'query.province')
    t.match(r.detail.message, /"广栋" is not a province/)
    t.match(r.detail.message, /广东省/, 'the hint names the nearest province')
    t.match(r.detail.zh, /「广栋」不是省级行政区/)
    t.match(r.detail.zh, /GB\/T 2260/)
  }
  const city = readProvince(regions, '深圳', 'body.province')
  t.notOk(city.ok)
  if (!city.ok) {
    t.match(city.detail.message, /is a city \(深圳市, 440300\), not a province: its province is 广东省/)
    t.match(city.detail.zh, /所在省份为广东省/)
  }
  const long = readProvince(regions, 'x'.repeat(500), 'body.province')
  t.ok(!long.ok && long.detail.value!.length <= 41, 'the value is quoted only as an excerpt')
})

t.test('cities: by name, short name, English name or code; shared names read within their province', async (t) => {
  const city = (s: string, province?: string) => findRegion(regions, s, 'city', province)?.code
  t.equal(city('深圳'), '440300')
  t.equal(city('深圳市'), '440300')
  t.equal(city('Shenzhen'), '440300')
  t.equal(city('440300'), '440300')
  t.equal(city('4403'), '440300')
  t.equal(city('Xi’an'), '610100')
  t.equal(city('Urumqi'), '650100')
  t.equal(city('Suzhou'), undefined, 'Suzhou is 苏州 and 宿州: not known without a province')
  t.equal(city('Suzhou', '320000'), '320500')
  t.equal(city('Suzhou', '340000'), '341300')
  t.equal(city('吉林'), '220200', 'the city 吉林, not the province')
  t.equal(city('440000'), undefined, 'a province code is no city')
  for (const capital of ['石家庄', '太原', '呼和浩特', '沈阳', '长春', '哈尔滨', '南京', '杭州', '合肥', '福州', '南昌', '济南', '郑州', '武汉', '长沙', '广州', '南宁', '海口', '成都', '贵阳', '昆明', '拉萨', '西安', '兰州', '西宁', '银川', '乌鲁木齐']) {
    const c = findRegion(regions, capital, 'city')
    t.ok(c, `${capital} is known`)
    t.equal(c && regions.byCode.get(c.provinceCode)?.level, 'province', `${capital} lies in a province`)
  }
})

t.test('a place as a request gives it', async (t) => {
  t.same(readPlace(regions, { province: '广东', city: '深圳' }, 'body'), {
    ok: true,
    place: { province: '广东省', provinceCode: '440000', city: '深圳市', cityCode: '440300' },
  })
  t.same(readPlace(regions, { city: 'Shenzhen' }, 'body'), { ok: true, place: { city: '深圳市', cityCode: '440300', province: '广东省', provinceCode: '440000' } }, 'a known city gives its province')
  t.same(readPlace(regions, { province: 'Guangdong', city: '南山科技园' }, 'body'), { ok: true, place: { province: '广东省', provinceCode: '440000', city: '南山科技园' } }, 'an unknown city is kept as given')
  const wrong = readPlace(regions, { province: '广东', city: '杭州' }, 'body')
  t.notOk(wrong.ok)
  if (!wrong.ok) {
    t.equal(wrong.details[0]!.path, 'body.city')
    t.match(wrong.details[0]!.zh, /杭州市属于浙江省，不在广东省/)
  }
  const unknown = readPlace(regions, { province: '火星' }, 'body')
  t.notOk(unknown.ok)
  if (!unknown.ok) t.equal(unknown.details[0]!.path, 'body.province')
  t.same(readPlace(regions, {}, 'body'), { ok: true, place: {} })
})

t.test('what was stored before codes is read with them', async (t) => {
  t.same(placeOnRecord(regions, { id: 'o1', province: '浙江' }), { id: 'o1', province: '浙江省', provinceCode: '330000' })
  t.same(placeOnRecord(regions, { province: 'Guangdong', city: '深圳' }), { province: '广东省', provinceCode: '440000', city: '深圳市', cityCode: '440300' })
  t.same(placeOnRecord(regions, { province: '浙江省杭州市' }), { province: '浙江省', provinceCode: '330000' }, 'a province written with its city')
  t.same(placeOnRecord(regions, { province: '某省' }), { province: '某省' }, 'an unknown province is kept as written, without a code')
  t.same(placeOnRecord(regions, { province: '广东省', provinceCode: '440000' }), { province: '广东省', provinceCode: '440000' })
  const same = { province: '广东省', provinceCode: '440000' }
  t.equal(placeOnRecord(regions, same), same, 'a current record is returned as it is')
  const noPlace: { title: string; province?: string } = { title: 'no place' }
  t.same(placeOnRecord(regions, noPlace), { title: 'no place' })
  t.same(provincesOnRecord(regions, ['广东', 'Zhejiang', '某省']), { provinces: ['广东省', '浙江省', '某省'], provinceCodes: ['440000', '330000', '某省'] })
})

t.test('sameRegion compares codes; the quota list is read as codes', async (t) => {
  t.ok(sameRegion(regions, '广东省', '广东'))
  t.ok(sameRegion(regions, 'Guangdong', '440000'))
  t.notOk(sameRegion(regions, '广东', '广西'))
  t.notOk(sameRegion(regions, '广东', undefined))
  t.ok(sameRegion(regions, '某省', '某省'), 'unknown texts compare as written')
  t.notOk(sameRegion(regions, '某省', '广东'))
  t.same([...largeProvinceKeys(regions, ['广东', 'Jiangsu', '山东省'])], ['440000', '320000', '370000'])
})

t.test('the table refuses what it cannot mean', async (t) => {
  t.throws(() => parseRegionTable('440000\t广东省\t广东'), /needs a six-digit code/)
  t.throws(() => parseRegionTable('440000\t广东省\t广东\tGuangdong\n440000\t广东省\t广东\tGuangdong'), /appears twice/)
  t.throws(() => parseRegionTable('440000\t广东省\t广东\tGuangdong\n450000\t广西\t广西\tGuangdong'), /names two provinces/)
  t.throws(() => parseRegionTable('440300\t深圳市\t深圳\tShenzhen'), /lies in no province/)
})
