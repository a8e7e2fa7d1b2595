/**
 * Live event streams: the event log fanned out to the streams of this process (one blocking
 * reader on Redis, however many consoles are connected), and each stream's replay of what its
 * client missed before it follows live events. Routes only wire a stream to a response.
 */
import type { Principal } from '../domain/access.js'
import { compareStreamIds, type EventLog, type ServiceEvent } from '../domain/events.js'

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

/** What a stream needs of the response it writes to. */
export interface StreamClient {
  /** Called once the starting point is known, before any event: the response's headers go out. */
  open(): void
  send(e: ServiceEvent): Promise<void>
  isConnected(): boolean
  end(): void
  onClose(listener: () => void): void
}

/** Events read per page of a replay. */
const REPLAY_PAGE = 500

/** The live streams of one app: opened per request, ended together when the server closes. */
export function createEventStreams(log: EventLog) {
  const live = new LiveEvents(log)
  const open = new Set<() => void>()

  return {
    /**
     * Streams the events the caller receives (an admin: every one) after `after` (default: from
     * now on): first those it missed, page by page, then live ones, in order and each once.
     */
    async follow(principal: Principal, after: string | undefined, client: StreamClient): Promise<void> {
      const visible = (e: ServiceEvent) => principal.role === 'admin' || (principal.orgId !== undefined && e.recipients.includes(principal.orgId))
      let sent = after ?? (await log.head())
      const send = async (e: ServiceEvent) => {
        if (compareStreamIds(e.id, sent) <= 0 || !visible(e)) return
        sent = e.id
        await client.send(e)
      }
      client.open()
      // Live events that arrive during the replay wait for its end, so that order holds.
      const buffered: ServiceEvent[] = []
      let replaying = true
      const unsubscribe = live.subscribe((e) => {
        if (replaying) buffered.push(e)
        else void send(e).catch(() => undefined)
      })
      const end = () => client.end()
      open.add(end)
      client.onClose(() => {
        unsubscribe()
        open.delete(end)
      })
      // The page cursor is the last event read, not the last sent: a page holding nothing for
      // this caller must still move it on, or the same page is read forever.
      let cursor = sent
      for (;;) {
        const page = await log.readAfter(cursor, REPLAY_PAGE)
        if (page.length === 0) break
        for (const e of page) await send(e)
        cursor = page[page.length - 1]!.id
        if (page.length < REPLAY_PAGE) break
        if (!client.isConnected()) return
      }
      replaying = false
      for (const e of buffered.splice(0)) await send(e)
    },

    /**
     * Ends every open stream. A stream never ends by itself, and the server's close waits for
     * every connection, so one open console would hold every shutdown for the whole grace
     * period. Clients reconnect with Last-Event-ID and miss nothing.
     */
    endAll(): void {
      for (const end of open) end()
    },

    /** Stops the fan-out (after the streams have ended). */
    close(): void {
      live.close()
    },
  }
}

export type EventStreams = ReturnType<typeof createEventStreams>
