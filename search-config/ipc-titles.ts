/** Reads `ipc-titles.tsv` once per process (see `src/domain/ipc-titles.ts`). */
import { readFileSync } from 'node:fs'
import { parseIpcTitles, type IpcTitles } from '../src/domain/ipc-titles.js'

let cached: IpcTitles | undefined

export function loadIpcTitles(): IpcTitles {
  cached ??= parseIpcTitles(readFileSync(new URL('./ipc-titles.tsv', import.meta.url), 'utf8'))
  return cached
}
