/**
 * Text analysis for patents and needs, Chinese first and English too.
 *
 * normalise (NFKC: full-width to half-width; Traditional Chinese to Simplified; lower case) → split into Han runs and Latin/digit
 * runs → Han runs through jieba with the patent user dictionary, Latin words through natural's
 * tokenizer, stop words and Porter stemmer → mixed letter-digit runs (TiO2, H2SO4, XK-3000,
 * G06F16/35) kept whole as one term.
 *
 * jieba is called twice per text at most, not once per run and once per long word: all Han runs
 * of a text go through one `cut` (joined by a line break, at which jieba splits its input into
 * blocks that it segments independently, so each run is segmented exactly as alone), and all long
 * words through one `cutForSearch` the same way. The per-call cost (string conversion in, array
 * of strings out) is paid once per text; the terms and their order are the same.
 */
import { Jieba } from '@node-rs/jieba'
import * as OpenCC from 'opencc-js/t2cn'
import { dict } from '@node-rs/jieba/dict.js'
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js'
import naturalStopwords from 'natural/lib/natural/util/stopwords.js'
import tokenizers from 'natural/lib/natural/tokenizers/regexp_tokenizer.js'
import { EMPTY_NEED_LANGUAGE, parseNeedLanguage, readNeed, type NeedReading, type NeedTerm, type NeedText } from './need-language.js'

export type Language = 'zh' | 'en' | 'mixed'

export interface AnalyzerResources {
  zhUserDict: string
  zhStopwords: string[]
  enStopwords: string[]
  /** `need-language.txt`: how needs are written (see `need-language.ts`); none by default. */
  needLanguage?: string
}

export interface AnalyzeOptions {
  /**
   * Also emit the shorter words inside long Chinese words (jieba's search mode), so that
   * 图像识别 also yields 图像 and 识别. Wanted for indexing and for recall-oriented queries.
   */
  subwords?: boolean
}

/** A term of a text, whether it is a shorter word inside a longer one, and the word as written (before stemming). */
export interface TermPart {
  term: string
  subword: boolean
  surface: string
}

export interface Analyzer {
  /** Terms of a text, in order, stop words removed. */
  analyze(text: string, options?: AnalyzeOptions): string[]
  /**
   * The terms of `analyze(text, { subwords: true })` in the same order, each with whether it is
   * a shorter word inside a longer one (图像 in 图像识别) or a word of the text: both readings of
   * a need from one jieba pass.
   */
  analyzeParts(text: string): TermPart[]
  /** zh, en or mixed, from the share of Han characters against Latin words. */
  detectLanguage(text: string): Language
  /** NFKC (full-width to half-width), Traditional Chinese to Simplified, and lower case: the form every term is compared in. */
  normalize(text: string): string
  /** A need's terms with their weight before idf: its technical content over its boilerplate (`need-language.ts`). */
  readNeed(need: NeedText, reading?: NeedReading): Map<string, NeedTerm>
}

const WORD_CHAR = '[\\p{Script=Latin}\\p{Script=Greek}\\p{Script=Cyrillic}\\p{N}]'
const SEGMENT = new RegExp(`(\\p{Script=Han}+)|(${WORD_CHAR}+(?:[-_./+]${WORD_CHAR}+)*)`, 'gu')
const HAS_LETTER = /\p{L}/u
const HAS_DIGIT = /\p{N}/u
const ALL_DIGITS = /^[\p{N}.]+$/u
/** Long words whose search-mode parts are remembered, at most (then the memory starts again). */
const SUBWORD_CACHE = 200_000
/** Joins the parts sent to jieba in one call; jieba returns it as a token of its own. */
const SEP = '\n'

/**
 * Traditional Chinese characters to Simplified (區塊鏈 → 区块链), with OpenCC's dictionaries:
 * patents and needs in either script find each other. Characters only: OpenCC's Taiwan phrase
 * table (軟體 → 软件) also rewrites Simplified text (文件 → 文档, 程序 → 进程, 建立 → 创建 in a
 * quarter of the real-needs corpus), so it is not used. About 0.06 ms for a 400-character
 * abstract, against milliseconds of jieba.
 */
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' })
const HAN = /\p{Script=Han}/u

/**
 * Whether OpenCC's conversion could change a text: false only when no entry of its dictionaries
 * (those of the converter above: `Locale.configs.t2s`) occurs in it, where the conversion, which
 * rewrites only where an entry matches, gives the text back unchanged. Most Simplified texts hold
 * none, and the check costs a fraction of the conversion (a table lookup per character).
 *
 * By code unit: 1 when a character that is an entry by itself (or any surrogate, conservatively)
 * occurs; 2 for the first character of a longer entry none of whose characters is an entry by
 * itself (a text holding that entry holds no such character), whose entries are then compared
 * where it occurs.
 */
function conversionCheck(dictionaries: readonly OpenCC.DictLike[]): (text: string) => boolean {
  const sources: string[] = []
  for (const d of dictionaries) {
    if (typeof d === 'string') for (const entry of d.split('|')) sources.push(entry.slice(0, entry.indexOf(' ')))
    else for (const [source] of d) sources.push(source)
  }
  const table = new Uint8Array(0x10000)
  table.fill(1, 0xd800, 0xe000)
  const singles = new Set(sources.filter((src) => src.length === 1))
  for (const src of singles) table[src.charCodeAt(0)] = 1
  const longer = new Map<number, string[]>()
  for (const src of sources) {
    if (src.length < 2 || [...src].some((c) => singles.has(c) || c.length > 1)) continue
    const first = src.charCodeAt(0)
    if (table[first] !== 1) table[first] = 2
    longer.set(first, [...(longer.get(first) ?? []), src])
  }
  return (text) => {
    for (let i = 0; i < text.length; i++) {
      const kind = table[text.charCodeAt(i)]
      if (kind === 0) continue
      if (kind === 1) return true
      for (const src of longer.get(text.charCodeAt(i))!) if (text.startsWith(src, i)) return true
    }
    return false
  }
}
const T2S = OpenCC.Locale.configs['t2s']!
/** Whether `toSimplified` could change a text (see `conversionCheck`). */
export const mayConvert = conversionCheck([...T2S.conversionChain.flat(), ...((T2S as { normalizationChain?: readonly OpenCC.DictGroup[] }).normalizationChain ?? []).flat()])

export function normalize(text: string): string {
  const nfkc = text.normalize('NFKC')
  return (HAN.test(nfkc) && mayConvert(nfkc) ? toSimplified(nfkc) : nfkc).toLowerCase()
}

export function detectLanguage(text: string): Language {
  let han = 0
  let latinWords = 0
  for (const m of normalize(text).matchAll(SEGMENT)) {
    if (m[1] !== undefined) han += m[1].length
    else if (m[2] !== undefined && /^[a-z]{2,}/.test(m[2])) latinWords++
  }
  // A Chinese word is about two characters long: compare words with words.
  const zhWords = han / 2
  const total = zhWords + latinWords
  if (total === 0) return 'en'
  const zhShare = zhWords / total
  if (zhShare >= 0.8) return 'zh'
  if (zhShare <= 0.2) return 'en'
  return 'mixed'
}

/** Splits jieba's output for `parts.join(SEP)` back into one word list per part. */
function ungroup(words: string[], n: number): string[][] {
  const groups: string[][] = [[]]
  for (const w of words) {
    if (w === SEP) groups.push([])
    else groups[groups.length - 1]!.push(w)
  }
  while (groups.length < n) groups.push([])
  return groups
}

export function createAnalyzer(resources: AnalyzerResources): Analyzer {
  const jieba = Jieba.withDict(dict)
  jieba.loadDict(new TextEncoder().encode(resources.zhUserDict))
  const zhStop = new Set(resources.zhStopwords.map(normalize))
  const enStop = new Set([...naturalStopwords.words, ...resources.enStopwords].map(normalize))
  const wordTokenizer = new tokenizers.WordTokenizer()
  const stemCache = new Map<string, string>()
  /** jieba's search-mode parts of long words already seen (most recur across patents). */
  const subwordCache = new Map<string, string[]>()

  const stem = (word: string): string => {
    let s = stemCache.get(word)
    if (s === undefined) {
      s = PorterStemmer.stem(word)
      if (stemCache.size < 200_000) stemCache.set(word, s)
    }
    return s
  }

  /** The Latin words of a run: (term, surface) pairs, stemmed unless a formula or model number. */
  const addLatin = (run: string, out: string[]): void => {
    if (HAS_LETTER.test(run) && HAS_DIGIT.test(run)) {
      out.push(run, run) // formula or model number: kept whole
      return
    }
    if (ALL_DIGITS.test(run)) return
    for (const word of wordTokenizer.tokenize(run)) {
      if (word.length < 2 || enStop.has(word) || ALL_DIGITS.test(word)) continue
      out.push(stem(word), word)
    }
  }

  /** Emits the terms of a text in order, each with whether it is a shorter word inside a longer one. */
  const run = (text: string, subwords: boolean, emit: (term: string, subword: boolean, surface: string) => void): void => {
    // segments in order; the Han runs also apart, for one jieba call
    const runs: string[] = []
    const isHan: boolean[] = []
    const han: string[] = []
    for (const m of normalize(text).matchAll(SEGMENT)) {
      if (m[1] !== undefined) {
        runs.push(m[1])
        isHan.push(true)
        han.push(m[1])
      } else if (m[2] !== undefined) {
        runs.push(m[2])
        isHan.push(false)
      }
    }
    const words = han.length === 0 ? [] : ungroup(jieba.cut(han.join(SEP), true), han.length)
    // the shorter words inside long words (search mode): remembered per word, the words not
    // seen yet in one call (each block is segmented alone, so a word's parts do not depend on
    // the words beside it in the call)
    const parts: string[][] = []
    if (subwords) {
      const unseen: string[] = []
      const slots: number[] = []
      for (const ws of words) {
        for (const w of ws) {
          if (zhStop.has(w) || w.length <= 2) continue
          const known = subwordCache.get(w)
          if (known === undefined) {
            slots.push(parts.length)
            unseen.push(w)
          }
          parts.push(known ?? [])
        }
      }
      if (unseen.length > 0) {
        const found = ungroup(jieba.cutForSearch(unseen.join(SEP), true), unseen.length)
        if (subwordCache.size + unseen.length > SUBWORD_CACHE) subwordCache.clear()
        found.forEach((ps, i) => {
          parts[slots[i]!] = ps
          subwordCache.set(unseen[i]!, ps)
        })
      }
    }
    const latin: string[] = []
    let h = 0
    let l = 0
    for (let i = 0; i < runs.length; i++) {
      if (!isHan[i]) {
        latin.length = 0
        addLatin(runs[i]!, latin)
        for (let k = 0; k < latin.length; k += 2) emit(latin[k]!, false, latin[k + 1]!)
        continue
      }
      for (const word of words[h++]!) {
        if (zhStop.has(word)) continue
        emit(word, false, word)
        if (subwords && word.length > 2) {
          for (const part of parts[l++]!) if (part !== word && part.length > 1 && !zhStop.has(part)) emit(part, true, part)
        }
      }
    }
  }

  const needLanguage = resources.needLanguage === undefined ? EMPTY_NEED_LANGUAGE : parseNeedLanguage(resources.needLanguage)
  const analyzer: Analyzer = {
    normalize,
    detectLanguage,
    readNeed: (need, reading) => readNeed((text) => analyzer.analyzeParts(text), needLanguage, need, reading),
    analyze(text, options = {}) {
      const out: string[] = []
      run(text, options.subwords ?? false, (term) => out.push(term))
      return out
    },
    analyzeParts(text) {
      const out: TermPart[] = []
      run(text, true, (term, subword, surface) => out.push({ term, subword, surface }))
      return out
    },
  }
  return analyzer
}
