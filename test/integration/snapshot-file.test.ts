import { copyFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createSnapshotFiles } from '../../src/adapters/snapshot-file.js'
import { isStream, materialise, type SnapshotState } from '../../src/domain/snapshot.js'

const index = { snapshotKind: 'matcher', snapshotFingerprint: 'matcher/1 {}' }

function sample(): SnapshotState {
  return {
    meta: { docs: 3, nested: { a: [1, 'x', null, true] } },
    arrays: {
      ints: Int32Array.from([1, -2, 2147483647, -2147483648]),
      // a view into a larger array: only the view is written
      view: new Float64Array([9, 1.5, -0.1, Math.PI, 9]).subarray(1, 4),
      bytes: Uint8Array.from([0, 255, 7]),
      empty: new Uint32Array(0),
      halves: Uint16Array.from([65535, 1]),
      floats: Float32Array.from([0.1, -3e38]),
      // an array given in parts, room (zeros) between them: written as one
      streamed: { type: 'Int32Array', length: 9, *parts() { yield Int32Array.from([5, 6]); yield 3; yield new Int32Array([0, 7, 8, 0]).subarray(1, 3); yield 2 } },
    },
    strings: {
      // empty strings, astral characters and a lone surrogate come back exactly
      terms: ['图像识别', '', 'a', '😀x', '\ud800', 'G06F16/35'],
      none: [],
    },
  }
}

async function dir(t: Test): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pb-snapshots-'))
  t.teardown(() => rm(d, { recursive: true, force: true }))
  return d
}

t.test('a saved state is loaded back exactly, with its position', async (t) => {
  const files = createSnapshotFiles({ dir: join(await dir(t), 'nested', 'dir'), prefix: 'p1', analysis: 'h1' })
  const saved = await files.save(index, '1700000000000-3', sample())
  const got = await files.load(index)
  if ('refused' in got) return t.fail(got.refused)
  t.equal(got.position, '1700000000000-3')
  t.equal(got.bytes, saved.bytes)
  t.ok(!Number.isNaN(Date.parse(got.createdAt)))
  t.same(got.state.meta, sample().meta)
  for (const [name, a] of Object.entries(sample().arrays)) {
    const b = materialise(got.state.arrays[name]!)
    t.equal(b.constructor, isStream(a) ? Int32Array : a.constructor, `${name} keeps its type`)
    t.same(Array.from(b), Array.from(materialise(a)), `${name} keeps its values`)
    t.equal(b.byteOffset % 8, 0, `${name} is aligned`)
  }
  t.strictSame(got.state.strings, sample().strings)
  t.same(await readdir(files.file('matcher').replace(/\/[^/]+$/, '')), ['p1.matcher.snapshot'], 'no temporary file is left')
})

t.test('a snapshot that is missing, damaged or of another kind, fingerprint or version is refused with the reason', async (t) => {
  const d = await dir(t)
  const files = createSnapshotFiles({ dir: d, prefix: 'p1', analysis: 'h1' })
  t.same(await files.load(index), { refused: 'there is no snapshot' })
  await files.save(index, '5-0', sample())
  const path = files.file('matcher')
  const good = await readFile(path)
  const refusal = async (damage: (b: Buffer) => Buffer | undefined, reader = files, of = index) => {
    const b = Buffer.from(good)
    const out = damage(b)
    if (out !== undefined) await writeFile(path, out)
    const got = await reader.load(of)
    await writeFile(path, good)
    return 'refused' in got ? got.refused : 'loaded'
  }

  t.match(await refusal((b) => b.subarray(0, b.length - 1)), /truncated/, 'a byte short')
  t.match(await refusal((b) => b.subarray(0, 20)), /truncated/, 'cut inside the prefix')
  t.match(await refusal((b) => Buffer.concat([b, Buffer.from([0])])), /truncated or damaged/, 'a byte too many')
  t.match(await refusal(() => Buffer.alloc(0)), /truncated/, 'empty')
  t.match(await refusal((b) => (b.write('XX', 0), b)), /not a snapshot/, 'another magic')
  t.match(await refusal((b) => (b.writeUInt32LE(99, 8), b)), /format 99/, 'another format version')
  // every byte after the prefix is covered, whichever part it is in (header, padding, arrays, strings)
  for (let at = 32; at < good.length; at++) {
    const reason = await refusal((b) => ((b[at] = b[at]! ^ 0x10), b))
    if (!/damaged/.test(reason)) t.fail(`a bit flipped at byte ${at}: ${reason}`)
  }
  t.pass('a bit flipped anywhere is found')
  const header = (b: Buffer, from: string, to: string) => {
    const s = b.toString('latin1')
    t.ok(s.includes(from), `the header holds ${from}`)
    return Buffer.from(s.replace(from, to), 'latin1')
  }
  t.match(await refusal((b) => header(b, 'matcher/1 {}', 'matcher/2 {}')), /header is damaged/, 'an edited header')
  t.match(await refusal(() => undefined, files, { ...index, snapshotFingerprint: 'matcher/2 {}' }), /layout or options have changed/, 'another index layout version')
  t.match(await refusal(() => undefined, createSnapshotFiles({ dir: d, prefix: 'p1', analysis: 'h2' })), /analysis resources/, 'other analysis resources')
  t.match(await refusal(() => undefined, files, { ...index, snapshotFingerprint: 'matcher/1 {"k1":2}' }), /layout or options/, 'other index options')
  // another installation's snapshot under this one's name
  const other = createSnapshotFiles({ dir: d, prefix: 'p2', analysis: 'h1' })
  await copyFile(path, other.file('matcher'))
  const got = await other.load(index)
  t.match('refused' in got && got.refused, /REDIS_PREFIX=p1/, "another prefix's snapshot")
  // another kind's snapshot under this kind's name
  await copyFile(path, files.file('search'))
  const search = await files.load({ snapshotKind: 'search', snapshotFingerprint: index.snapshotFingerprint })
  t.match('refused' in search && search.refused, /of a matcher index/, "another kind's snapshot")
  t.notOk('refused' in (await files.load(index)), 'the good file still loads')
})

t.test('a save replaces the snapshot whole; one cut off leaves the previous one loadable', async (t) => {
  const d = await dir(t)
  const files = createSnapshotFiles({ dir: d, prefix: 'p1', analysis: 'h1' })
  await files.save(index, '1-0', sample())
  // a save that died half-way leaves a temporary file, never a partial snapshot
  await writeFile(join(d, 'p1.matcher.snapshot.123-abcd.tmp'), 'partial')
  const first = await files.load(index)
  t.equal('position' in first && first.position, '1-0')
  await files.save(index, '2-0', { ...sample(), meta: { docs: 4 } })
  const second = await files.load(index)
  t.equal('position' in second && second.position, '2-0')
  t.same('state' in second && second.state.meta, { docs: 4 })
  await truncate(files.file('matcher'), 10)
  t.match(await files.load(index), { refused: /truncated/ })
})

t.test('a large state, arrays and a stream of small and large parts across many pieces of the write, is loaded back exactly', async (t) => {
  const files = createSnapshotFiles({ dir: await dir(t), prefix: 'p-large', analysis: 'h1' })
  // 3 M entries (12 MB, over one piece of the write) in one array; a stream of 20,000 small parts with room, one large part and more room
  const big = Int32Array.from({ length: 3_000_000 }, (_, i) => (i * 2654435761) | 0)
  const small = Array.from({ length: 20_000 }, (_, i) => Int32Array.from({ length: 1 + (i % 5) }, (_, k) => i * 10 + k))
  const large = Int32Array.from({ length: 2_500_000 }, (_, i) => -i)
  const length = small.reduce((n, p, i) => n + p.length + (i % 3), 0) + large.length + 100_000
  const streamed = {
    type: 'Int32Array' as const,
    length,
    *parts() {
      for (const [i, p] of small.entries()) {
        yield p
        if (i % 3 > 0) yield i % 3
      }
      yield large
      yield 100_000
    },
  }
  const state: SnapshotState = { meta: {}, arrays: { big, streamed, tail: Uint8Array.from([1, 2, 3]) }, strings: { s: ['x'] } }
  await files.save(index, '1-0', state)
  const got = await files.load(index)
  if ('refused' in got) return t.fail(got.refused)
  t.ok(Buffer.from((got.state.arrays['big'] as Int32Array).buffer, (got.state.arrays['big'] as Int32Array).byteOffset, big.byteLength).equals(Buffer.from(big.buffer)), 'the large array')
  const expected = materialise(streamed) as Int32Array
  const back = got.state.arrays['streamed'] as Int32Array
  t.equal(back.length, length)
  t.ok(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(expected.buffer)), 'the stream, parts and room in order')
  t.same(Array.from(got.state.arrays['tail'] as Uint8Array), [1, 2, 3], 'and what follows it')
  const short = { ...streamed, length: length + 1 }
  await t.rejects(files.save(index, '1-1', { ...state, arrays: { streamed: short } }), /came to/, 'a stream shorter than it said is refused, not saved')
  const again = await files.load(index)
  t.equal('refused' in again ? again.refused : again.position, '1-0', 'the snapshot before stands')
})
