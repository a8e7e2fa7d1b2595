/**
 * Titles of IPC codes for people reading an explanation: "G06F16/35" is read as its most
 * specific prefix that has a title (main group G06F16, else subclass G06F, class G06, section G).
 * The titles are data (`search-config/ipc-titles.tsv`, abridged from WIPO's IPC scheme).
 */
import { z } from 'zod'
import { mainGroup, normalizeCode } from './matching/classes.js'

export const ipcTitleSchema = z.object({
  /** The prefix of the code that the title belongs to (`G06F16` for `G06F16/35`). */
  prefix: z.string(),
  zh: z.string(),
  en: z.string(),
})
export type IpcTitle = z.infer<typeof ipcTitleSchema>

export type IpcTitles = ReadonlyMap<string, { zh: string; en: string }>

/** Parses `code <TAB> zh <TAB> en` lines; `#` starts a comment line. */
export function parseIpcTitles(text: string): IpcTitles {
  const titles = new Map<string, { zh: string; en: string }>()
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const [code, zh, en] = line.split('\t').map((s) => s.trim())
    if (!code || !zh || !en) throw new Error(`ipc-titles: "${line.slice(0, 40)}" needs code, zh and en separated by tabs`)
    titles.set(normalizeCode(code), { zh, en })
  }
  return titles
}

/** The title of a code's most specific prefix that has one; undefined when none does. */
export function ipcTitle(titles: IpcTitles, code: string): IpcTitle | undefined {
  const c = normalizeCode(code)
  for (const prefix of [c, mainGroup(c), c.slice(0, 4), c.slice(0, 3), c.slice(0, 1)]) {
    const t = titles.get(prefix)
    if (t !== undefined) return { prefix, ...t }
  }
  return undefined
}

/** An explanation's shown classes (shared, inferred) with their titles by code, as the API shows it. */
export function withClassTitles<E extends { sharedClasses: readonly string[]; inferredClasses: readonly string[]; classTitles?: Record<string, IpcTitle> }>(
  explanation: E,
  titles: IpcTitles | undefined,
): E {
  // matches stored before the titles were joined on reading carry their own
  if (titles === undefined || explanation.classTitles !== undefined) return explanation
  const found: Record<string, IpcTitle> = {}
  for (const code of [...explanation.sharedClasses, ...explanation.inferredClasses]) {
    const t = ipcTitle(titles, code)
    if (t !== undefined) found[code] = t
  }
  return Object.keys(found).length === 0 ? explanation : { ...explanation, classTitles: found }
}
