/**
 * IPC / CPC classification codes as the matcher compares them.
 *
 * Codes are normalised to upper case without spaces, e.g. `G06F16/35`. The hierarchy used here is
 * the one the notation spells out: subclass (`G06F`) → main group (`G06F16`) → subgroup
 * (`G06F16/35`). The finer subgroup hierarchy (`16/35` → `16/353`) is not recoverable from the
 * digits reliably, so it is not used.
 */

/** Upper case, no white space; `G06F 16/35` → `G06F16/35`. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/\s+/g, '')
}

/** Main group of a code: `G06F16/35` → `G06F16`; a code without a group is returned as is. */
export function mainGroup(code: string): string {
  const slash = code.indexOf('/')
  return slash < 0 ? code : code.slice(0, slash)
}

/**
 * Whether two codes name the same class or one contains the other along the notation's
 * hierarchy: `G06F` ⊃ `G06F16` ⊃ `G06F16/35`. Symmetric, so a need naming `G06F16` matches a
 * patent classified `G06F16/35`, and a need naming `G06F16/35` matches a patent classified only
 * `G06F16`. `G06F1` does not match `G06F16/35` (prefixes count only at level boundaries).
 */
export function codesOverlap(a: string, b: string): boolean {
  if (a === b) return true
  const [short, long] = a.length <= b.length ? [a, b] : [b, a]
  if (!long.startsWith(short)) return false
  const next = long.charAt(short.length)
  if (short.length === 4) return /[0-9]/.test(next) // subclass G06F → G06F16…
  return next === '/' // main group G06F16 → G06F16/35
}
