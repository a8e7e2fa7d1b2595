/**
 * Fans the event log out to the live streams of this process: one blocking reader on Redis,
 * however many consoles are connected.
 */
import type { EventLog, ServiceEvent } from '../domain/events.js'

/** Orders Redis stream ids (`<ms>-<seq>`). */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am - bm || as - bs
}

export class LiveEvents {
  private readonly listeners = new Set<(e: ServiceEvent) => void>()
  private running: Promise<void> | undefined
  private closed = false
  private lastId = '0-0'

  constructor(private readonly log: EventLog) {}

  /** Calls `listener` for every event published from now on, until the returned function is called. */
  subscribe(listener: (e: ServiceEvent) => void): () => void {
    this.listeners.add(listener)
    this.running ??= this.loop()
    return () => this.listeners.delete(listener)
  }

  private async loop(): Promise<void> {
    this.lastId = await this.log.head().catch(() => '0-0')
    while (!this.closed && this.listeners.size > 0) {
      try {
        const events = await this.log.waitAfter(this.lastId, 200, 2000)
        for (const e of events) {
          this.lastId = e.id
          for (const l of this.listeners) l(e)
        }
      } catch {
        if (this.closed) return
        await new Promise((r) => setTimeout(r, 500))
      }
    }
    this.running = undefined
  }

  /**
   * Stops fanning out. The loop ends at its next turn, or at once when the event log's blocking
   * client is closed (the container does that), so closing never waits for a blocked read.
   */
  close(): void {
    this.closed = true
    this.listeners.clear()
  }
}
