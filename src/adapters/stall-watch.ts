/**
 * Warns of the moments this process answers nothing: a garbage collection pause, or any other
 * stretch in which the event loop ran no timer, of `thresholdMs` or more. Requests wait through
 * them, and a Redis reply that arrives meanwhile is read only after its command's timeout has
 * fired (the request path's is 2 s), so a stall shows to users as a 503; the warning says when
 * and how long, and whether it was the collector.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks'
import type { Logger } from 'pino'

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
}

/** How often the event loop is looked at. */
const TICK_MS = 250

export function watchStalls(log: Pick<Logger, 'warn'>, thresholdMs = 1000): { stop(): void } {
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration < thresholdMs) continue
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind
      log.warn({ gcMs: Math.round(entry.duration), kind: kind === undefined ? 'unknown' : (GC_KINDS[kind] ?? String(kind)) }, 'a garbage collection paused this process')
    }
  })
  gc.observe({ entryTypes: ['gc'] })
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const stalled = now - last - TICK_MS
    last = now
    if (stalled >= thresholdMs) log.warn({ stalledMs: Math.round(stalled), rssMB: Math.round(process.memoryUsage.rss() / 1e6) }, 'the event loop was held: nothing was answered meanwhile')
  }, TICK_MS)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      gc.disconnect()
    },
  }
}
