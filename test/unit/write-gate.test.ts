import t from 'tap'
import { createWriteGate } from '../../src/services/index-snapshots.js'

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}
const turn = () => new Promise((r) => setImmediate(r))

t.test('a save waits for the changes under way, holds new ones back, and runs alone', async (t) => {
  const gate = createWriteGate()
  const events: string[] = []
  const change = deferred()
  const running = gate.mutate(async () => {
    events.push('change 1 starts')
    await change.promise
    events.push('change 1 ends')
  })
  await turn()
  const save1 = deferred()
  const saving1 = gate.exclusively(async () => {
    events.push('save 1 starts')
    await save1.promise
    events.push('save 1 ends')
  })
  const saving2 = gate.exclusively(async () => void events.push('save 2 runs'))
  const later = gate.mutate(() => void events.push('change 2 runs'))
  await turn()
  t.same(events, ['change 1 starts'], 'the save waits for the change under way; the second change waits for the save')
  change.resolve()
  await running
  await turn()
  t.same(events, ['change 1 starts', 'change 1 ends', 'save 1 starts'])
  t.ok(gate.busy)
  save1.resolve()
  await Promise.all([saving1, saving2, later])
  t.same(events.slice(3), ['save 1 ends', 'save 2 runs', 'change 2 runs'], 'one save at a time, changes after them')
  t.notOk(gate.busy)
})

t.test('a failed save opens the gate again', async (t) => {
  const gate = createWriteGate()
  await t.rejects(gate.exclusively(() => Promise.reject(new Error('disk full'))))
  t.equal(await gate.mutate(() => 42), 42)
})
