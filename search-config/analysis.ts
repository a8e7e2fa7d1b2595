/**
 * The text-analysis resources kept as data beside the Meilisearch settings: patent-domain
 * user dictionary for jieba, and stop words for Chinese and English patent text.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

export interface AnalysisResources {
  /** jieba dictionary lines, `word freq [tag]`, added to jieba's default dictionary. */
  zhUserDict: string
  /** Chinese stop words: function words and patent boilerplate (所述, 本发明, 其特征在于 …). */
  zhStopwords: string[]
  /** English patent boilerplate, added to natural's English stop words. */
  enStopwords: string[]
  /** How enterprises write needs: section weights, firm facts, the need language (`need-language.txt`). */
  needLanguage: string
}

function dataLines(file: string): string[] {
  return readFileSync(new URL(file, import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

let cached: AnalysisResources | undefined

/** Reads the resource files once per process. */
export function loadAnalysisResources(): AnalysisResources {
  cached ??= {
    zhUserDict: dataLines('./zh-user-dict.txt').join('\n') + '\n',
    zhStopwords: dataLines('./zh-stopwords.txt'),
    enStopwords: dataLines('./en-stopwords.txt'),
    needLanguage: readFileSync(new URL('./need-language.txt', import.meta.url), 'utf8'),
  }
  return cached
}

/**
 * A hash of the resources: what a patent's terms and a need's reading depend on. An index saved
 * under other resources is rebuilt rather than loaded.
 */
export function analysisResourcesHash(): string {
  return createHash('sha256').update(JSON.stringify(loadAnalysisResources())).digest('hex')
}
