import t from 'tap'
import {
  classifyAddress,
  deliveryJobId,
  parseDuration,
  parseRetryAfter,
  parseSchedule,
  retryDelay,
  webhookMessageId,
} from '../../src/domain/webhooks.js'
import { compareStreamIds } from '../../src/domain/events.js'
import { createWebhookSender } from '../../src/adapters/http/webhook-sender.js'

t.test('addresses webhooks may not reach', async (t) => {
  const refused: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['100.64.0.1', 'shared'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:0a00:0001::1', 'private'],
    ['[::1]', 'loopback'],
    // documentation and benchmarking ranges, refused by ipaddr.js's list (issue 12, item 11)
    ['192.0.2.10', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.5', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:203.0.113.5', 'reserved'],
  ]
  for (const [address, cls] of refused) t.equal(classifyAddress(address), cls, `${address} is ${cls}`)
  for (const address of ['8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '11.0.0.1']) {
    t.equal(classifyAddress(address), undefined, `${address} is public`)
  }
  t.equal(classifyAddress('not-an-ip'), 'reserved', 'anything that is not an address is refused')
})

t.test('the sender refuses before connecting, by literal and by resolved address', async (t) => {
  const resolved: string[] = []
  const sender = createWebhookSender({
    allowPrivateNetworks: false,
    timeoutMs: 1000,
    resolve: async (host) => {
      resolved.push(host)
      return host === 'internal.example' ? [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }] : [{ address: '::1', family: 6 }]
    },
  })
  await t.rejects(sender.check('http://10.0.0.1/x'), /10\.0\.0\.1 is a private address/)
  await t.rejects(sender.check('http://169.254.169.254/'), /link-local/)
  await t.rejects(sender.check('http://[::ffff:7f00:1]:8080/'), /loopback/)
  await t.rejects(sender.check('http://internal.example/hook'), /internal\.example \(10\.1\.2\.3\) is a private address/, 'one bad address of several refuses')
  await t.rejects(sender.check('http://localhost/'), /loopback/)
  t.same(resolved, ['internal.example', 'localhost'], 'literals are not resolved')
  const sent = await sender.send('http://169.254.169.254/latest', {}, '{}')
  t.match(sent.error, /link-local/, 'send refuses too, with no status')
  t.equal(sent.statusCode, undefined)

  const open = createWebhookSender({ allowPrivateNetworks: true, timeoutMs: 1000 })
  t.same(await open.check('http://127.0.0.1:9/x'), [{ address: '127.0.0.1', family: 4 }], 'allowed by configuration')
})

t.test('durations, schedule, retry delays', async (t) => {
  t.equal(parseDuration('5s'), 5000)
  t.equal(parseDuration('1.5h'), 5_400_000)
  t.equal(parseDuration('3d'), 259_200_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('5 parsecs'), undefined)
  t.same(parseSchedule('5s,5m,30m,2h,5h,10h,24h'), [5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 86_400_000])
  t.equal(parseSchedule('5s,soon'), undefined)
  t.equal(parseSchedule(''), undefined)

  const schedule = [1000, 60_000]
  t.equal(retryDelay(schedule, 1, undefined, () => 0.5), 1000, 'middle of the jitter band')
  t.equal(retryDelay(schedule, 1, undefined, () => 0), 800, '-20 %')
  t.equal(retryDelay(schedule, 1, undefined, () => 1), 1200, '+20 %')
  t.equal(retryDelay(schedule, 2, undefined, () => 0.5), 60_000)
  t.equal(retryDelay(schedule, 9, undefined, () => 0.5), 60_000, 'past the end: the last wait')
  t.equal(retryDelay(schedule, 1, 30_000, () => 0.5), 30_000, 'Retry-After longer than the schedule wins')
  t.equal(retryDelay(schedule, 2, 30_000, () => 0.5), 60_000, 'a shorter Retry-After does not shorten the wait')
  t.equal(retryDelay(schedule, 1, 10 * 86_400_000, () => 0.5), 86_400_000, 'Retry-After is capped at a day')

  const now = Date.parse('2025-01-01T00:00:00Z')
  t.equal(parseRetryAfter('120', now), 120_000)
  t.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000)
  t.equal(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now), 0)
  t.equal(parseRetryAfter('whenever', now), undefined)
  t.equal(parseRetryAfter(undefined, now), undefined)
})

t.test('ids', async (t) => {
  t.equal(compareStreamIds('1-0', '1-0'), 0)
  t.equal(compareStreamIds('2-0', '10-0'), -1, 'numeric, not lexical')
  t.equal(compareStreamIds('5-10', '5-9'), 1)
  t.equal(compareStreamIds('1700000000000-0', '0-0'), 1)
  t.equal(webhookMessageId('a', '1-0'), webhookMessageId('a', '1-0'), 'deterministic')
  t.not(webhookMessageId('a', '1-0'), webhookMessageId('b', '1-0'), 'per endpoint')
  t.match(webhookMessageId('a', '1-0'), /^msg_[A-Za-z0-9_-]+$/)
  t.notMatch(deliveryJobId('7c7e-uuid', '1700000000000-0'), /:/, 'BullMQ forbids : in custom job ids')
})
