/**
 * Meilisearch index settings for the patent index, as data. The Meilisearch adapter
 * (src/adapters/meilisearch/search-index.ts) applies them on init(); search-config/README.md
 * explains each choice.
 *
 * The dictionary and stop words are not repeated here: they come from the same files the
 * embedded analyser reads (zh-user-dict.txt, zh-stopwords.txt, en-stopwords.txt), through
 * loadAnalysisResources().
 */
import type { Settings } from 'meilisearch'
import { loadAnalysisResources, type AnalysisResources } from './analysis.js'

export const MEILI_PRIMARY_KEY = 'publicationNumber'

/** Fields the adapter adds to every document besides the SearchDocument fields. */
export const MEILI_DERIVED_FIELDS = {
  /** Every IPC prefix of the patent (G, G06, G06F, G06F16, G06F16/35): the ipc filter is `=` on it. */
  ipcPrefixes: 'ipcPrefixes',
  /** IPC subclasses (first four characters, deduplicated): the ipcClass facet. */
  ipcClass: 'ipcClass',
} as const

/** Facets requested on every search; all are filterable attributes. */
export const MEILI_FACETS = ['legalStatus', 'transferModes', 'ipcClass', 'applicants'] as const

/** Words a highlighted abstract snippet is cut to (Meilisearch counts words, a Chinese word being a segment). */
export const MEILI_CROP_LENGTH = 60

/**
 * Index uid for a key prefix such as the service's REDIS_PREFIX: `pb` or `pb:` → `pb-patents`.
 * Index uids allow only a–z, A–Z, 0–9, `-` and `_`, so anything else becomes `-`.
 */
export function meilisearchIndexUid(prefix: string): string {
  const base = prefix
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
  return base === '' ? 'patents' : `${base}-patents`
}

/**
 * The user dictionary's words for Meilisearch's `dictionary` setting, which makes each entry one
 * indivisible token at indexing and at search time.
 *
 * Technical terms that contain a shorter dictionary term (卷积神经网络 ⊃ 神经网络, 大语言模型 ⊃
 * 语言模型) are left out: as one token, 卷积神经网络 would not be found by the query 神经网络, and
 * Meilisearch has no equivalent of jieba's search mode to emit the inner words. Boilerplate
 * entries (tag `x`, e.g. 其特征在于) are all kept, so that the stop-word list drops them whole.
 */
export function meilisearchDictionary(resources: AnalysisResources = loadAnalysisResources()): string[] {
  const entries = resources.zhUserDict
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields): fields is [string, ...string[]] => fields[0] !== undefined && fields[0] !== '')
    .map(([word, , tag]) => ({ word, boilerplate: tag === 'x' }))
  const words = entries.map((e) => e.word)
  const kept = entries.filter(
    (e) => e.boilerplate || !words.some((other) => other !== e.word && other.length < e.word.length && e.word.includes(other)),
  )
  return [...new Set(kept.map((e) => e.word))]
}

/**
 * Chinese/English equivalents for common technical terms in the inventory. Each group is made
 * mutual (every term maps to all the others), as Meilisearch synonyms are one-way by default.
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['图像识别', 'image recognition'],
  ['图像分割', 'image segmentation'],
  ['图像处理', 'image processing'],
  ['目标检测', 'object detection'],
  ['人脸识别', 'face recognition', 'facial recognition'],
  ['语音识别', 'speech recognition'],
  ['神经网络', 'neural network'],
  ['深度学习', 'deep learning'],
  ['机器学习', 'machine learning'],
  ['强化学习', 'reinforcement learning'],
  ['联邦学习', 'federated learning'],
  ['自然语言处理', 'natural language processing', 'nlp'],
  ['知识图谱', 'knowledge graph'],
  ['区块链', 'blockchain'],
  ['物联网', 'internet of things', 'iot'],
  ['云计算', 'cloud computing'],
  ['边缘计算', 'edge computing'],
  ['自动驾驶', 'autonomous driving', 'self-driving'],
  ['无人机', 'drone', 'unmanned aerial vehicle', 'uav'],
  ['激光雷达', 'lidar'],
  ['锂电池', 'lithium battery'],
  ['光伏', 'photovoltaic'],
]

export function meilisearchSynonyms(groups: readonly (readonly string[])[] = SYNONYM_GROUPS): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const group of groups) {
    for (const term of group) {
      const others = group.filter((t) => t !== term)
      out[term] = [...new Set([...(out[term] ?? []), ...others])]
    }
  }
  return out
}

/** Chinese and English stop words from the project's lists (patent boilerplate included). */
export function meilisearchStopWords(resources: AnalysisResources = loadAnalysisResources()): string[] {
  return [...new Set([...resources.zhStopwords, ...resources.enStopwords.map((w) => w.toLowerCase())])]
}

/** The full settings object sent with `index.updateSettings()`. */
export function meilisearchSettings(resources: AnalysisResources = loadAnalysisResources()): Settings {
  return {
    // Ranking order of the fields for the `attribute` rule: title, then keywords, then abstract.
    searchableAttributes: ['title', 'keywords', 'abstract'],
    filterableAttributes: [
      MEILI_DERIVED_FIELDS.ipcPrefixes,
      'applicants',
      'transferModes',
      'legalStatus',
      MEILI_DERIVED_FIELDS.ipcClass,
    ],
    sortableAttributes: ['filingDate'],
    // Meilisearch's default order; `sort` after `attribute` so relevance wins when q is given,
    // and an empty q (placeholder search) is ordered by filingDate only.
    rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness'],
    // Han script is segmented as Mandarin (jieba in Meilisearch's tokenizer, never Japanese),
    // Latin script as English. One rule for all text fields: a field holds Chinese or English
    // depending on the patent, and 'mixed' patents hold both.
    localizedAttributes: [{ attributePatterns: ['title', 'keywords', 'abstract'], locales: ['cmn', 'eng'] }],
    dictionary: meilisearchDictionary(resources),
    synonyms: meilisearchSynonyms(),
    stopWords: meilisearchStopWords(resources),
    faceting: {
      // Enough for every IPC subclass (about 650); applicants are sorted by count so the top 20
      // are always among the values returned.
      maxValuesPerFacet: 1000,
      sortFacetValuesBy: { '*': 'alpha', applicants: 'count' },
    },
    // totalHits (and reachable results) are capped by this; the default is 1000.
    pagination: { maxTotalHits: 10_000 },
  }
}
