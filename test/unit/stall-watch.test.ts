/**
 * The stall watch warns when the event loop is held: here by a busy loop of this test, so the
 * warning must name at least most of it; an idle moment warns of nothing.
 */
import t from 'tap'
import { watchStalls } from '../../src/adapters/stall-watch.js'

const collect = () => {
  const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = []
  return { warnings, log: { warn: (fields: Record<string, unknown>, msg: string) => void warnings.push({ fields, msg }) } as never }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('a held event loop is said, with how long', async (t) => {
  const { warnings, log } = collect()
  const watch = watchStalls(log, 300)
  t.teardown(() => watch.stop())
  await sleep(300)
  const until = performance.now() + 800
  while (performance.now() < until) {
    // held: no timer runs
  }
  await sleep(400)
  const held = warnings.find((w) => w.msg.startsWith('the event loop was held'))
  t.ok(held, 'warned')
  t.ok((held!.fields['stalledMs'] as number) >= 500, `${String(held!.fields['stalledMs'])} ms of the 800 held`)
})

t.test('an idle moment is not a stall', async (t) => {
  const { warnings, log } = collect()
  const watch = watchStalls(log, 2000)
  t.teardown(() => watch.stop())
  await sleep(600)
  t.same(warnings, [])
})
