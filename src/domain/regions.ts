/**
 * Regions as GB/T 2260 administrative division codes. A province (and a city, where one is given)
 * is read from whatever a person writes — 广东, 广东省, Guangdong, guangdong, 440000, 44 — and kept
 * as its code; it is shown by its full Chinese name. The table is data
 * (`search-config/regions.tsv`); this module only reads it and answers questions of it.
 *
 * Every object that has a province carries `province` (the full name, for display) and
 * `provinceCode` (for comparison). What was stored before codes existed is read with
 * `placeOnRecord`: a name the table knows gets its code, one it does not is kept as written and
 * compared as written (`regionKey`), as everything was before.
 */
import { excerpt, type ErrorDetail } from './errors.js'

export type RegionLevel = 'province' | 'city'

export interface Region {
  /** Six digits: `440000` for a province, `440300` for a city. */
  code: string
  /** The full Chinese name: 广东省, 深圳市, 广西壮族自治区. */
  name: string
  /** The name without its suffix: 广东, 深圳, 广西. */
  short: string
  /** English (pinyin) name: Guangdong, Shenzhen. */
  en: string
  level: RegionLevel
  /** The code of the province a city lies in (for a province: its own). */
  provinceCode: string
}

export interface Regions {
  byCode: ReadonlyMap<string, Region>
  /** Folded name → the regions of each level that carry it (a few English names repeat: Suzhou, Taizhou, Yulin). */
  byName: ReadonlyMap<string, readonly Region[]>
  provinces: readonly Region[]
}

/** Width, case, spaces, hyphens, apostrophes, dots and diacritics ignored: `Hong Kong` = `hongkong`, `Xi'an` = `xian`, `Ürümqi` = `urumqi`. */
export function foldRegionName(s: string): string {
  return s
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s\-_'’.·•,，]+/g, '')
}

// Suffixes people add or leave off; tried only when the name as written is not known.
const ZH_SUFFIXES = ['特别行政区', '特別行政區', '维吾尔自治区', '壮族自治区', '回族自治区', '自治区', '特区', '地区', '省', '市']
const EN_SUFFIXES = ['specialadministrativeregion', 'autonomousregion', 'municipality', 'province', 'sheng', 'city', 'shi', 'sar']

function candidates(input: string): string[] {
  const folded = foldRegionName(input)
  const out = [folded]
  for (const s of [...ZH_SUFFIXES, ...EN_SUFFIXES]) {
    if (folded.endsWith(s) && folded.length > s.length) out.push(folded.slice(0, -s.length))
  }
  return out
}

/** Reads `regions.tsv`: code, full name, short name, English name, more names separated by `|`. */
export function parseRegionTable(text: string): Regions {
  const byCode = new Map<string, Region>()
  const byName = new Map<string, Region[]>()
  const provinces: Region[] = []
  const pending: Array<[Region, string[]]> = []
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const [code, name, short, en, more = ''] = line.split('\t').map((s) => s.trim())
    if (!/^\d{6}$/.test(code ?? '') || !name || !short || !en) throw new Error(`regions.tsv: "${line.slice(0, 40)}" needs a six-digit code, a full name, a short name and an English name`)
    if (byCode.has(code!)) throw new Error(`regions.tsv: code ${code} appears twice`)
    const level: RegionLevel = code!.endsWith('0000') ? 'province' : 'city'
    const region: Region = { code: code!, name, short, en, level, provinceCode: `${code!.slice(0, 2)}0000` }
    byCode.set(code!, region)
    if (level === 'province') provinces.push(region)
    pending.push([region, [name, short, en, ...more.split('|').map((s) => s.trim()).filter((s) => s !== '')]])
  }
  for (const [region, names] of pending) {
    if (region.level === 'city' && !byCode.has(region.provinceCode)) throw new Error(`regions.tsv: city ${region.code} lies in no province of the table`)
    for (const key of new Set(names.map(foldRegionName))) {
      const list = byName.get(key) ?? []
      if (list.some((r) => r.level === region.level)) {
        // Two cities may share an English name (苏州 / 宿州: Suzhou); two provinces may not share any.
        if (region.level === 'province') throw new Error(`regions.tsv: "${key}" names two provinces`)
      }
      list.push(region)
      byName.set(key, list)
    }
  }
  return { byCode, byName, provinces }
}

/** The region of a code; `44` and `4403` are read as `440000` and `440300`. */
export function regionByCode(regions: Regions, code: string): Region | undefined {
  const c = code.normalize('NFKC').trim()
  if (/^\d{2}$/.test(c)) return regions.byCode.get(`${c}0000`)
  // four digits name a city (4403); 4400 is no city and no province
  if (/^\d{4}$/.test(c)) return c.endsWith('00') ? undefined : regions.byCode.get(`${c}00`)
  if (/^\d{6}$/.test(c)) return regions.byCode.get(c)
  return undefined
}

/**
 * The region a text names, at `level`: by code, full, short, English or other name. A city name
 * shared by several cities is read within `provinceCode` when given, and is not known otherwise.
 */
export function findRegion(regions: Regions, input: string, level: RegionLevel, provinceCode?: string): Region | undefined {
  const byCode = regionByCode(regions, input)
  if (byCode !== undefined) return byCode.level === level ? byCode : undefined
  for (const key of candidates(input)) {
    let found = (regions.byName.get(key) ?? []).filter((r) => r.level === level)
    if (found.length > 1 && provinceCode !== undefined) found = found.filter((r) => r.provinceCode === provinceCode)
    if (found.length === 1) return found[0]
    if (found.length > 1) return undefined
  }
  return undefined
}

export const findProvince = (regions: Regions, input: string) => findRegion(regions, input, 'province')

/** Whether two texts name the same province (by code when both are known; as written otherwise). */
export function sameRegion(regions: Regions, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false
  const ra = findProvince(regions, a)
  const rb = findProvince(regions, b)
  if (ra !== undefined || rb !== undefined) return ra?.code === rb?.code
  return foldRegionName(a) === foldRegionName(b)
}

/** Where an organisation or a need is, as kept: each name beside its code. */
export interface Place {
  province?: string
  provinceCode?: string
  city?: string
  cityCode?: string
}

/** What comparisons use: the code, or the text as written for a province on record that the table cannot read. */
export function regionKey(x: { province?: string | undefined; provinceCode?: string | undefined }): string | undefined {
  return x.provinceCode ?? x.province
}

/** The provinces most like an unknown text (sharing characters or a first letter), for a hint. */
function suggestions(regions: Regions, input: string): string[] {
  const folded = foldRegionName(input)
  if (folded === '') return []
  const chars = new Set([...folded])
  const scored = regions.provinces
    .map((r) => {
      const names = [r.short, foldRegionName(r.en)]
      const shared = Math.max(...names.map((n) => [...new Set(n)].filter((c) => chars.has(c)).length / Math.max(1, new Set(n).size)))
      return { r, shared }
    })
    .filter((x) => x.shared >= 0.5)
    .sort((a, b) => b.shared - a.shared || a.r.code.localeCompare(b.r.code))
  return scored.slice(0, 3).map((x) => `${x.r.name} (${x.r.en}, ${x.r.code})`)
}

/** The detail of a province that is not known, in English and Chinese, with a hint. */
export function unknownProvinceDetail(regions: Regions, path: string, input: string): ErrorDetail {
  const value = excerpt(input)
  const city = findRegion(regions, input, 'city')
  if (city !== undefined) {
    const p = regions.byCode.get(city.provinceCode)!
    return {
      path,
      message: `"${value}" is a city (${city.name}, ${city.code}), not a province: its province is ${p.name} (${p.en}, ${p.code}); give the city as "city"`,
      zh: `「${value}」是城市（${city.name}，${city.code}），不是省级行政区：所在省份为${p.name}（${p.code}），城市请填在「city」`,
      value,
    }
  }
  const like = suggestions(regions, input)
  return {
    path,
    message:
      `"${value}" is not a province: write a province, autonomous region, municipality or SAR by name (广东, 广东省, Guangdong) ` +
      `or by its GB/T 2260 code (440000 or 44)${like.length > 0 ? `; did you mean ${like.join(', ')}?` : ''}`,
    zh:
      `「${value}」不是省级行政区：请填写省、自治区、直辖市或特别行政区的名称（如 广东、广东省、Guangdong）` +
      `或其 GB/T 2260 行政区划代码（如 440000 或 44）${like.length > 0 ? `；是否要填 ${like.join('、')}？` : ''}`,
    value,
  }
}

export type PlaceResult = { ok: true; place: Place } | { ok: false; details: ErrorDetail[] }

/**
 * A place as given in a request, read against the table. A province must be known (a detail at
 * `${prefix}.province` otherwise); a city is kept as written when the table does not know it, gets
 * its code when it does, and gives the place its province when none is named. A known city of
 * another province than the one named is refused.
 */
export function readPlace(regions: Regions, input: { province?: string | undefined; city?: string | undefined }, prefix: string): PlaceResult {
  const place: Place = {}
  if (input.province !== undefined) {
    const p = findProvince(regions, input.province)
    if (p === undefined) return { ok: false, details: [unknownProvinceDetail(regions, `${prefix}.province`, input.province)] }
    place.province = p.name
    place.provinceCode = p.code
  }
  if (input.city !== undefined) {
    const c = findRegion(regions, input.city, 'city', place.provinceCode)
    if (c === undefined) place.city = input.city.trim()
    else if (place.provinceCode !== undefined && c.provinceCode !== place.provinceCode) {
      const p = regions.byCode.get(c.provinceCode)!
      const value = excerpt(input.city)
      return {
        ok: false,
        details: [
          {
            path: `${prefix}.city`,
            message: `${c.name} (${c.en}) is a city of ${p.name} (${p.en}), not of ${place.province}`,
            zh: `${c.name}属于${p.name}，不在${place.province}`,
            value,
          },
        ],
      }
    } else {
      place.city = c.name
      place.cityCode = c.code
      if (place.provinceCode === undefined) {
        const p = regions.byCode.get(c.provinceCode)!
        place.province = p.name
        place.provinceCode = p.code
      }
    }
  }
  return { ok: true, place }
}

/** A province read from a request, or a detail saying why not (for query parameters and lists). */
export function readProvince(regions: Regions, input: string, path: string): { ok: true; region: Region } | { ok: false; detail: ErrorDetail } {
  const region = findProvince(regions, input)
  return region === undefined ? { ok: false, detail: unknownProvinceDetail(regions, path, input) } : { ok: true, region }
}

/** A province as written on record, made into a text beside its code: a province of the table by its full name, also from a text such as 浙江省杭州市 that starts with one. */
function provinceOnRecord(regions: Regions, text: string): Region | undefined {
  const direct = findProvince(regions, text)
  if (direct !== undefined) return direct
  const folded = foldRegionName(text)
  let best: Region | undefined
  let bestLength = 1
  for (const r of regions.provinces) {
    for (const n of [r.name, r.short]) {
      const f = foldRegionName(n)
      if (f.length > bestLength && folded.startsWith(f)) {
        best = r
        bestLength = f.length
      }
    }
  }
  return best
}

/**
 * What is on record, with codes: a stored object (or event) of before the codes gets them from its
 * names, and every name is shown as the table writes it today. Fields absent stay absent; a name
 * the table does not know is kept as written, without a code.
 */
export function placeOnRecord<T extends Place>(regions: Regions, record: T): T {
  let out = record
  const known = record.provinceCode !== undefined ? regions.byCode.get(record.provinceCode) : record.province !== undefined ? provinceOnRecord(regions, record.province) : undefined
  if (known !== undefined && (record.province !== known.name || record.provinceCode !== known.code)) {
    out = { ...out, province: known.name, provinceCode: known.code }
  }
  if (record.city !== undefined || record.cityCode !== undefined) {
    const city =
      record.cityCode !== undefined ? regions.byCode.get(record.cityCode) : findRegion(regions, record.city!, 'city', out.provinceCode)
    if (city !== undefined && (out.provinceCode === undefined || city.provinceCode === out.provinceCode) && (record.city !== city.name || record.cityCode !== city.code)) {
      out = { ...out, city: city.name, cityCode: city.code }
    }
  }
  return out
}

/** The full names of a list of provinces on record, with their codes (or the text as written where unknown, see `regionKey`). */
export function provincesOnRecord(regions: Regions, names: readonly string[], codes?: readonly string[]): { provinces: string[]; provinceCodes: string[] } {
  const provinces: string[] = []
  const provinceCodes: string[] = []
  names.forEach((name, i) => {
    const code = codes?.[i]
    const r = code !== undefined ? regions.byCode.get(code) : provinceOnRecord(regions, name)
    provinces.push(r?.name ?? name)
    provinceCodes.push(r?.code ?? code ?? name)
  })
  return { provinces, provinceCodes }
}

/** The keys of the provinces `POOL_LARGE_PROVINCES` names, each written any way; a name the table does not know is kept as written. */
export function largeProvinceKeys(regions: Regions, names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => findProvince(regions, n)?.code ?? n.trim()))
}
