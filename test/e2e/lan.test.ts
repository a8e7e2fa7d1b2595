/**
 * The console and the API documentation loaded from an address other than localhost, as on a
 * LAN or behind a proxy over plain HTTP: nothing may be upgraded to https (which a LAN host does
 * not serve), and the policy still forbids inline and foreign scripts. The address is one of
 * this machine's own non-loopback interfaces; where it has none, a dummy interface of the test's
 * own is made (root only), and otherwise the test is skipped, saying so.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import type { AddressInfo } from 'node:net'
import { ADMIN, build } from '../helper.js'
import { launch, shot } from './browser.js'

/** A non-loopback IPv4 address of this machine, made if need be; with how to take it away again. */
function lanAddress(): { address: string; cleanup: () => void } | undefined {
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((a) => a.family === 'IPv4' && !a.internal)
    if (found !== undefined) return { address: found.address, cleanup: () => undefined }
  }
  const name = `pbtest${process.pid % 10_000}`
  try {
    execFileSync('ip', ['link', 'add', name, 'type', 'dummy'], { stdio: 'ignore' })
    execFileSync('ip', ['addr', 'add', '198.18.77.1/32', 'dev', name], { stdio: 'ignore' })
    execFileSync('ip', ['link', 'set', name, 'up'], { stdio: 'ignore' })
    return { address: '198.18.77.1', cleanup: () => execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' }) }
  } catch {
    return undefined
  }
}

const lan = lanAddress()

t.test('the console and /docs work over plain HTTP from a non-loopback address', { skip: lan === undefined ? 'this machine has no non-loopback IPv4 address and may not make one (runs where it has one, or as root)' : false }, async (t) => {
  t.teardown(() => lan!.cleanup())
  const h = await build(t)
  await h.app.listen({ port: 0, host: lan!.address })
  const base = `http://${lan!.address}:${(h.app.server.address() as AddressInfo).port}`

  const res = await fetch(`${base}/`)
  const csp = res.headers.get('content-security-policy') ?? ''
  t.notMatch(csp, /upgrade-insecure-requests/, 'no upgrade to an https the host does not serve')
  t.match(csp, /script-src 'self'(;|$)/, 'scripts only from the console itself: none inline, none foreign')

  const browser = await launch(t)
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(30_000)
  const failed: string[] = []
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`))
  await page.goto(`${base}/`)
  await page.waitForSelector('#signin-form')
  await page.fill('#key', ADMIN)
  await page.click('#signin-form button[type=submit]')
  await page.waitForSelector('#signout:not([hidden])')
  t.same(failed, [], 'every asset and API call reached the server over http')
  await shot(page, 'lan-console')

  await page.goto(`${base}/docs`)
  await page.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 })
  t.ok(await page.$('.swagger-ui .info'), 'the API documentation renders')
  t.same(failed, [])
})
