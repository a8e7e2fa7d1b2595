/**
 * Headless Chromium for the console's end-to-end tests: Debian's /usr/bin/chromium driven by
 * playwright-core (no browser download; `npm test` installs the package first, see
 * scripts/ensure-chromium.sh). Screenshots go to test/e2e/artifacts/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Test } from 'tap'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

/** Playwright gives each launch a fresh temporary profile (it refuses a --user-data-dir argument). */
export async function launch(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  t.teardown(() => browser.close())
  return browser
}

/** A full-page screenshot kept as a test artefact. */
export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage })
}

/** Signs in on the console with an organisation's key, in a fresh page of its own context. */
export async function signIn(browser: Browser, base: string, key: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(30_000)
  await page.goto(base)
  await page.fill('#key', key)
  await page.click('#signin-form button[type=submit]')
  await page.waitForSelector('#signout:not([hidden])')
  return page
}

/** A phone's viewport. */
export const PHONE = { width: 390, height: 844 }

/** Switches the console to English (the choice persists in the context's localStorage). */
export async function english(page: Page): Promise<void> {
  if ((await page.getAttribute('html', 'lang')) === 'en') return
  await page.click('#lang-btn')
  await page.waitForFunction(() => document.documentElement.lang === 'en')
}

/** Whether the page is wider than its viewport (horizontal scrolling). */
export const overflow = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }))

/** Checks that the page as it stands fits its (phone) viewport without scrolling sideways, and keeps its screenshot. */
export async function fitsPhone(t: Test, page: Page, what: string, name: string): Promise<void> {
  const o = await overflow(page)
  t.ok(o.scroll <= o.viewport, `${what} fits a phone (${o.scroll} px)`)
  const l = await phoneLayout(page)
  t.ok(l.navRight <= o.viewport && !l.navScrolls, `${what}: every menu item on the screen (rightmost edge ${Math.round(l.navRight)} px)`)
  t.same(l.squeezedCaptions, [], `${what}: table captions as wide as their tables`)
  await shot(page, name)
}

/** Where the menu's items end, whether the menu scrolls sideways, and the (visible) captions of stacked tables narrower than their table. */
export const phoneLayout = (page: Page) =>
  page.evaluate(() => {
    const nav = document.getElementById('nav')
    const items = [...document.querySelectorAll('#nav a')]
    return {
      navRight: Math.max(0, ...items.map((a) => a.getBoundingClientRect().right)),
      navScrolls: nav !== null && nav.scrollWidth > nav.clientWidth + 1,
      squeezedCaptions: [...document.querySelectorAll('table.stack caption')]
        // (a caption hidden but for screen readers is 1 px wide on purpose)
        .filter((c) => c.getBoundingClientRect().width > 1 && c.getBoundingClientRect().width < 0.9 * c.closest('table')!.getBoundingClientRect().width)
        .map((c) => c.textContent ?? ''),
    }
  })
