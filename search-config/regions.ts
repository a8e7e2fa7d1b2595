/** Reads `regions.tsv` once per process (see `src/domain/regions.ts`). */
import { readFileSync } from 'node:fs'
import { parseRegionTable, type Regions } from '../src/domain/regions.js'

let cached: Regions | undefined

export function loadRegions(): Regions {
  cached ??= parseRegionTable(readFileSync(new URL('./regions.tsv', import.meta.url), 'utf8'))
  return cached
}
