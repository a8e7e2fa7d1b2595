/** Reads the inventory files' vocabulary once per process (see `src/domain/office-sheet.ts`). */
import { readFileSync } from 'node:fs'
import { parseSheetVocabulary, type SheetVocabulary } from '../src/domain/office-sheet.js'

let cached: SheetVocabulary | undefined

export function loadSheetVocabulary(): SheetVocabulary {
  cached ??= parseSheetVocabulary(
    readFileSync(new URL('./import-columns.tsv', import.meta.url), 'utf8'),
    readFileSync(new URL('./import-values.tsv', import.meta.url), 'utf8'),
  )
  return cached
}
