/** Small helpers shared by the benchmark steps. */
import { readFileSync } from 'node:fs'

export const log = (msg: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!
}

export function summary(samples: number[]): { n: number; p50: number; p95: number; mean: number; max: number } {
  const r = (x: number) => Math.round(x * 100) / 100
  return {
    n: samples.length,
    p50: r(percentile(samples, 0.5)),
    p95: r(percentile(samples, 0.95)),
    mean: r(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
    max: r(Math.max(...samples)),
  }
}

export function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench does)')
  for (let i = 0; i < 3; i++) gc()
}

export const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024)

/** The resident set of a process, in bytes (Linux), or undefined once it has gone. */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}
