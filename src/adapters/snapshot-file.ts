/**
 * Snapshots as files, one per kind in `SNAPSHOT_DIR`: `{REDIS_PREFIX}.{kind}.snapshot`.
 *
 * Layout: a 32-byte prefix — magic, format version, header length, body length, CRC-32 of the
 * body, CRC-32 of the header — then the header (JSON: kind, fingerprint, byte order, change-feed
 * position, created-at, the state's meta, the section table), then the sections, each at an
 * 8-byte boundary: the state's typed arrays as they are in memory, and each string list as its
 * UTF-16 code units and their lengths (any JS string comes back exactly). Typed arrays are written
 * from views of the index's memory, without a copy, a stream's parts as they come, in pieces of
 * 8 MB with the checksum taken as they go (no step of a save holds the event loop for long); they
 * are read back each into memory of its own.
 *
 * A save writes a temporary file, flushes it to disk and renames it over the snapshot, so a
 * reader (another process too) finds the previous snapshot or the new one whole. A load refuses,
 * with the reason, a file that is missing, short or long, not a snapshot, of another format,
 * kind, byte order or fingerprint, or whose checksum does not match.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { endianness } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { isStream, type JsonValue, type SnapshotArray, type SnapshotState, type SnapshotStore, type SnapshotStream, type Snapshottable, type StoredSnapshot } from '../domain/snapshot.js'

const MAGIC = Buffer.from('PBSNAP\r\n', 'latin1')
/** The version of this file layout; the state's own layout is the index's fingerprint. */
export const SNAPSHOT_FORMAT_VERSION = 1
const PREFIX_BYTES = 32
/** The most one read or write call moves (a call moves less than 2 GiB). */
const CHUNK = 1 << 30

const TYPES = { Int32Array, Uint32Array, Uint16Array, Uint8Array, Float32Array, Float64Array } as const
type TypeName = keyof typeof TYPES

interface Section {
  /** `array:{name}`, `chars:{name}` or `lengths:{name}` (the last two: a string list). */
  name: string
  type: TypeName
  /** Bytes from the start of the body. */
  offset: number
  length: number
}

interface Header {
  kind: string
  fingerprint: Fingerprint
  endianness: string
  position: string
  createdAt: string
  meta: { [key: string]: JsonValue }
  sections: Section[]
}

/** What a snapshot must have been written under to be loaded. */
interface Fingerprint {
  /** The index's layout version and options (`Snapshottable.snapshotFingerprint`). */
  index: string
  /** The analysis resources' hash: user dictionary, stop words, need language. */
  analysis: string
  /** `REDIS_PREFIX`: the data the snapshot was taken of. */
  prefix: string
}

export interface SnapshotFilesOptions {
  dir: string
  prefix: string
  /** Hash of the analysis resources (`analysisResourcesHash()`). */
  analysis: string
}

const align8 = (n: number) => (n + 7) & ~7

function typeName(a: SnapshotArray): TypeName {
  const name = a.constructor.name
  if (!(name in TYPES)) throw new Error(`a snapshot cannot hold a ${name}`)
  return name as TypeName
}

/** CRC-32 of `data` continued from `sum`. Empty data is skipped: zlib restarts from 0 on an empty array without memory. */
const crc = (data: Uint8Array, sum: number) => (data.length === 0 ? sum : crc32(data, sum))

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/** Reads `length` bytes at `position` into `into` (from `at`), failing when the file ends first. */
async function readFully(fh: FileHandle, into: Uint8Array, at: number, length: number, position: number): Promise<void> {
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(into, at + done, Math.min(CHUNK, length - done), position + done)
    if (bytesRead === 0) throw new Error('the file ends early')
    done += bytesRead
  }
}

/** What the body is written in: pieces of this many bytes at most (a piece's copy and checksum: a few milliseconds). */
const WRITE_PIECE = 8 << 20

/**
 * Writes a snapshot's body in order, in pieces of at most WRITE_PIECE bytes, keeping its CRC-32:
 * large data is written from itself a piece at a time, small data and zeros gathered in one
 * buffer, reused.
 */
class BodyWriter {
  /** Bytes written to the file so far. */
  #flushed = 0
  sum = 0
  readonly #buf = Buffer.allocUnsafe(WRITE_PIECE)
  #used = 0
  constructor(readonly fh: FileHandle) {}

  /** Bytes of the body so far, those still in the buffer included. */
  get written(): number {
    return this.#flushed + this.#used
  }

  async bytes(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; ) {
      if (this.#used === 0 && data.length - at >= WRITE_PIECE) {
        await this.#write(data.subarray(at, at + WRITE_PIECE))
        at += WRITE_PIECE
        continue
      }
      const n = Math.min(data.length - at, WRITE_PIECE - this.#used)
      this.#buf.set(data.subarray(at, at + n), this.#used)
      this.#used += n
      at += n
      if (this.#used === WRITE_PIECE) await this.flush()
    }
  }

  async zeros(count: number): Promise<void> {
    while (count > 0) {
      const n = Math.min(count, WRITE_PIECE - this.#used)
      this.#buf.fill(0, this.#used, this.#used + n)
      this.#used += n
      count -= n
      if (this.#used === WRITE_PIECE) await this.flush()
    }
  }

  async flush(): Promise<void> {
    if (this.#used === 0) return
    const n = this.#used
    this.#used = 0
    await this.#write(this.#buf.subarray(0, n))
  }

  async #write(piece: Uint8Array): Promise<void> {
    this.sum = crc(piece, this.sum)
    await writeFully(this.fh, piece)
    this.#flushed += piece.length
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array): Promise<void> {
  let done = 0
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, Math.min(CHUNK, data.length - done))
    done += bytesWritten
  }
}

export function createSnapshotFiles(options: SnapshotFilesOptions): SnapshotStore & { file(kind: string): string } {
  const file = (kind: string) => {
    if (!/^[a-z0-9-]+$/.test(kind)) throw new Error(`not a snapshot kind: ${kind}`)
    return join(options.dir, `${options.prefix}.${kind}.snapshot`)
  }
  const fingerprintOf = (index: Pick<Snapshottable, 'snapshotFingerprint'>): Fingerprint => ({
    index: index.snapshotFingerprint,
    analysis: options.analysis,
    prefix: options.prefix,
  })

  /** Temporary files of saves that did not finish (a process killed while saving), an hour old. */
  async function removeLeftovers(kind: string): Promise<void> {
    const base = `${options.prefix}.${kind}.snapshot.`
    for (const name of await readdir(options.dir)) {
      if (!name.startsWith(base) || !name.endsWith('.tmp')) continue
      const path = join(options.dir, name)
      const s = await stat(path).catch(() => undefined)
      if (s !== undefined && Date.now() - s.mtimeMs > 3_600_000) await unlink(path).catch(() => undefined)
    }
  }

  return {
    file,

    async save(index, position, state) {
      const target = file(index.snapshotKind)
      await mkdir(options.dir, { recursive: true })
      await removeLeftovers(index.snapshotKind)

      const data: Array<SnapshotArray | SnapshotStream> = []
      const sections: Section[] = []
      let offset = 0
      const add = (name: string, a: SnapshotArray | SnapshotStream) => {
        const type = isStream(a) ? a.type : typeName(a)
        sections.push({ name, type, offset, length: a.length })
        data.push(a)
        offset = align8(offset + a.length * TYPES[type].BYTES_PER_ELEMENT)
      }
      for (const [name, a] of Object.entries(state.arrays)) add(`array:${name}`, a)
      for (const [name, list] of Object.entries(state.strings)) {
        const lengths = new Uint32Array(list.length)
        list.forEach((s, i) => (lengths[i] = s.length))
        const units = Buffer.from(list.join(''), 'utf16le')
        add(`chars:${name}`, new Uint16Array(units.buffer, units.byteOffset, units.byteLength / 2))
        add(`lengths:${name}`, lengths)
      }
      const header: Header = {
        kind: index.snapshotKind,
        fingerprint: fingerprintOf(index),
        endianness: endianness(),
        position,
        createdAt: new Date().toISOString(),
        meta: state.meta,
        sections,
      }
      const headerBytes = Buffer.from(JSON.stringify(header), 'utf8')
      const bodyStart = align8(PREFIX_BYTES + headerBytes.length)
      const bodyLength = offset
      const headerPad = Buffer.alloc(bodyStart - PREFIX_BYTES - headerBytes.length)
      const headerSum = crc(headerPad, crc(headerBytes, 0))

      const temp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
      const fh = await open(temp, 'w')
      try {
        // the prefix, which holds the body's checksum, is written last, over these zeros
        await writeFully(fh, Buffer.alloc(PREFIX_BYTES))
        await writeFully(fh, headerBytes)
        await writeFully(fh, headerPad)
        // the body in pieces of at most WRITE_PIECE bytes, its checksum taken as it goes: no step
        // holds the event loop for long, and a stream's parts are copied into one buffer, reused
        const body = new BodyWriter(fh)
        for (const [i, s] of sections.entries()) {
          await body.zeros(s.offset - body.written)
          const a = data[i]!
          if (!isStream(a)) await body.bytes(bytesOf(a))
          else {
            for (const part of a.parts()) {
              if (typeof part === 'number') await body.zeros(part * Int32Array.BYTES_PER_ELEMENT)
              else await body.bytes(bytesOf(part))
            }
            const given = (body.written - s.offset) / Int32Array.BYTES_PER_ELEMENT
            if (given !== s.length) throw new Error(`the stream ${s.name} came to ${given} entries, not ${s.length}`)
          }
        }
        await body.zeros(bodyLength - body.written)
        await body.flush()
        if (body.written !== bodyLength) throw new Error(`the snapshot's body came to ${body.written} bytes, not ${bodyLength}`)

        const prefix = Buffer.alloc(PREFIX_BYTES)
        MAGIC.copy(prefix, 0)
        prefix.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, 8)
        prefix.writeUInt32LE(headerBytes.length, 12)
        prefix.writeBigUInt64LE(BigInt(bodyLength), 16)
        prefix.writeUInt32LE(body.sum >>> 0, 24)
        prefix.writeUInt32LE(headerSum >>> 0, 28)
        await fh.write(prefix, 0, PREFIX_BYTES, 0)
        await fh.sync()
      } catch (err) {
        await fh.close()
        await unlink(temp).catch(() => undefined)
        throw err
      }
      await fh.close()
      await rename(temp, target)
      // the rename itself made durable (not possible everywhere: then the rename stands as the OS keeps it)
      const dir = await open(options.dir, 'r').catch(() => undefined)
      await dir?.sync().catch(() => undefined)
      await dir?.close()
      return { bytes: bodyStart + bodyLength, file: target }
    },

    async load(index) {
      const path = file(index.snapshotKind)
      let fh: FileHandle
      try {
        fh = await open(path, 'r')
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        return { refused: code === 'ENOENT' ? 'there is no snapshot' : `the snapshot cannot be opened (${code ?? (err as Error).message})` }
      }
      try {
        return await read(fh, index)
      } catch (err) {
        return { refused: `the snapshot is unreadable (${(err as Error).message})` }
      } finally {
        await fh.close()
      }
    },
  }

  async function read(fh: FileHandle, index: Pick<Snapshottable, 'snapshotKind' | 'snapshotFingerprint'>): Promise<StoredSnapshot | { refused: string }> {
    const size = (await fh.stat()).size
    if (size < PREFIX_BYTES) return { refused: `the snapshot is truncated (${size} bytes)` }
    const prefix = Buffer.alloc(PREFIX_BYTES)
    await readFully(fh, prefix, 0, PREFIX_BYTES, 0)
    if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) return { refused: 'the file is not a snapshot' }
    const version = prefix.readUInt32LE(8)
    if (version !== SNAPSHOT_FORMAT_VERSION) return { refused: `the snapshot is of format ${version}, this version reads ${SNAPSHOT_FORMAT_VERSION}` }
    const headerLength = prefix.readUInt32LE(12)
    const bodyLength = Number(prefix.readBigUInt64LE(16))
    const expected = prefix.readUInt32LE(24)
    const bodyStart = align8(PREFIX_BYTES + headerLength)
    if (size !== bodyStart + bodyLength) return { refused: `the snapshot is truncated or damaged (${size} bytes, its prefix says ${bodyStart + bodyLength})` }

    const head = Buffer.alloc(bodyStart - PREFIX_BYTES)
    await readFully(fh, head, 0, head.length, PREFIX_BYTES)
    if (crc(head, 0) >>> 0 !== prefix.readUInt32LE(28)) return { refused: 'the snapshot header is damaged (checksum mismatch)' }
    let sum = 0
    let header: Header
    try {
      header = JSON.parse(head.subarray(0, headerLength).toString('utf8')) as Header
    } catch {
      return { refused: 'the snapshot header is damaged' }
    }
    const refusal = refuse(header, index)
    if (refusal !== undefined) return { refused: refusal }

    const arrays: Record<string, SnapshotArray> = {}
    let at = 0
    for (const s of header.sections) {
      const Type = Object.hasOwn(TYPES, s.type) ? TYPES[s.type] : undefined
      const byteLength = s.length * (Type?.BYTES_PER_ELEMENT ?? 0)
      if (Type === undefined || !(s.offset >= at) || s.offset % 8 !== 0 || !(byteLength >= 0) || s.offset + byteLength > bodyLength) {
        return { refused: 'the snapshot header is damaged' }
      }
      if (s.offset > at) {
        const gap = Buffer.alloc(s.offset - at)
        await readFully(fh, gap, 0, gap.length, bodyStart + at)
        sum = crc(gap, sum)
      }
      const memory = new Uint8Array(new ArrayBuffer(byteLength))
      await readFully(fh, memory, 0, byteLength, bodyStart + s.offset)
      sum = crc(memory, sum)
      arrays[s.name] = new Type(memory.buffer, 0, s.length)
      at = s.offset + byteLength
    }
    if (bodyLength > at) {
      const tail = Buffer.alloc(bodyLength - at)
      await readFully(fh, tail, 0, tail.length, bodyStart + at)
      sum = crc(tail, sum)
    }
    if (sum >>> 0 !== expected) return { refused: 'the snapshot is damaged (checksum mismatch)' }
    return { position: header.position, createdAt: header.createdAt, bytes: size, state: stateOf(header.meta, arrays) }
  }

  function refuse(header: Header, index: Pick<Snapshottable, 'snapshotKind' | 'snapshotFingerprint'>): string | undefined {
    const want = fingerprintOf(index)
    const got = header.fingerprint ?? {}
    if (header.kind !== index.snapshotKind) return `the snapshot is of a ${header.kind} index`
    if (header.endianness !== endianness()) return `the snapshot was written on a ${header.endianness} machine`
    if (got.prefix !== want.prefix) return `the snapshot is of REDIS_PREFIX=${got.prefix}`
    if (got.analysis !== want.analysis) return 'the analysis resources (dictionary, stop words, need language) have changed since the snapshot'
    if (got.index !== want.index) return 'the index layout or options have changed since the snapshot'
    if (typeof header.position !== 'string' || !Array.isArray(header.sections)) return 'the snapshot header is damaged'
    return undefined
  }
}

/** The state from its sections: typed arrays by name, string lists decoded from their code units and lengths. */
function stateOf(meta: SnapshotState['meta'], sections: Record<string, SnapshotArray>): SnapshotState {
  const state: SnapshotState = { meta, arrays: {}, strings: {} }
  for (const [key, a] of Object.entries(sections)) {
    const [role, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)]
    if (role === 'array') state.arrays[name] = a
    if (role !== 'chars') continue
    const lengths = sections[`lengths:${name}`]
    if (!(lengths instanceof Uint32Array)) throw new Error(`the string list ${name} has no lengths`)
    const text = bytesOf(a).toString('utf16le')
    const list = new Array<string>(lengths.length)
    let pos = 0
    for (let i = 0; i < lengths.length; i++) {
      list[i] = text.slice(pos, pos + lengths[i]!)
      pos += lengths[i]!
    }
    if (pos !== text.length) throw new Error(`the string list ${name} does not add up`)
    state.strings[name] = list
  }
  return state
}
