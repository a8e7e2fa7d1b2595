// The API from the browser: the signed-in key goes in the Authorization header of every call.
const KEY = 'pb.key'

export const getKey = () => sessionStorage.getItem(KEY)
export const setKey = (k) => sessionStorage.setItem(KEY, k)
export const dropKey = () => sessionStorage.removeItem(KEY)

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.error?.code
    this.details = body?.error?.details ?? []
  }
}

/** JSON in, JSON out; `body` may be a string or Blob with its own content type. */
export async function api(method, path, { body, contentType, accept, key } = {}) {
  const headers = { authorization: `Bearer ${key ?? getKey() ?? ''}` }
  if (accept) headers.accept = accept
  let payload
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Blob) {
      payload = body
      headers['content-type'] = contentType ?? 'application/json'
    } else {
      payload = JSON.stringify(body)
      headers['content-type'] = 'application/json'
    }
  }
  const res = await fetch(path, { method, headers, body: payload })
  if (accept && accept !== 'application/json' && res.ok) return res
  const text = await res.text()
  const json = text === '' ? undefined : JSON.parse(text)
  if (!res.ok) throw new ApiError(res.status, json)
  return json
}

/**
 * Server-Sent Events with the Authorization header (EventSource cannot send one): fetch with a
 * streaming body, parse the frames, reconnect with Last-Event-ID after a drop. Returns stop().
 */
export function streamEvents(path, { onEvent, onState }) {
  let lastId
  let stopped = false
  let controller
  const run = async () => {
    while (!stopped) {
      controller = new AbortController()
      try {
        const headers = { authorization: `Bearer ${getKey() ?? ''}`, accept: 'text/event-stream' }
        if (lastId) headers['last-event-id'] = lastId
        const res = await fetch(path, { headers, signal: controller.signal })
        if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`)
        onState?.('live')
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buf = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buf += value.replace(/\r\n?/g, '\n')
          let cut
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, cut)
            buf = buf.slice(cut + 2)
            const ev = { event: 'message', data: [] }
            for (const line of frame.split('\n')) {
              if (line === '' || line.startsWith(':')) continue
              const i = line.indexOf(':')
              const field = i < 0 ? line : line.slice(0, i)
              const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
              if (field === 'id') ev.id = val
              else if (field === 'event') ev.event = val
              else if (field === 'data') ev.data.push(val)
            }
            if (ev.id) lastId = ev.id
            if (ev.data.length === 0) continue
            let data = ev.data.join('\n')
            try {
              data = JSON.parse(data)
            } catch {
              /* plain text */
            }
            onEvent({ id: ev.id, type: ev.event, data })
          }
        }
      } catch (err) {
        if (stopped) return
      }
      if (stopped) return
      onState?.('offline')
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
  void run()
  return () => {
    stopped = true
    controller?.abort()
  }
}

/**
 * Every item of a paged list, following `nextCursor` for at most `maxPages` pages (for views
 * that count or group a whole list: the funnel, a patent's pairings and interests).
 */
export async function allItems(path, maxPages = 50) {
  const items = []
  let cursor
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?'
    const page = await api('GET', cursor === undefined ? path : `${path}${sep}cursor=${encodeURIComponent(cursor)}`)
    items.push(...page.items)
    cursor = page.nextCursor
    if (cursor === undefined) break
  }
  return items
}

/** Fetches with the key and hands the body to the browser as a file download. */
export async function download(path, accept, filename) {
  const res = await api('GET', path, { accept })
  const blob = await res.blob()
  const cd = res.headers.get('content-disposition') ?? ''
  // The UTF-8 name (filename*, RFC 6266) when the server gives one: it may be in Chinese.
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  const plain = /filename="([^"]+)"/.exec(cd)
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = utf8 ? decodeURIComponent(utf8[1].trim()) : plain ? decodeURIComponent(plain[1]) : filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}
