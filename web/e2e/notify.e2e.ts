import path from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Fixture, ROOT } from './fixture.js'

/**
 * Desktop notifications, the unread count in the tab title and favicon, and unread state shared by
 * two tabs of one person. Notifications permission is granted to the browser context and
 * `window.Notification` is replaced, before any page script runs, by a stub that records what the
 * client shows (headless Chromium has no notification centre to look at).
 */

const shots = path.join(ROOT, 'web', 'screenshots')

interface Shown {
  title: string
  body?: string
  tag?: string
}

/** Installed by an init script: records every notification the page creates. */
function recordNotifications(): void {
  const shown: Array<{ title: string; body?: string; tag?: string; note: { onclick: (() => void) | null } }> = []
  class RecordingNotification {
    static permission = 'granted'
    static requestPermission = async () => 'granted'
    onclick: (() => void) | null = null
    constructor(title: string, options?: { body?: string; tag?: string }) {
      shown.push({ title, body: options?.body, tag: options?.tag, note: this })
    }
    close() {}
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true })
  Object.defineProperty(window, 'shownNotifications', { value: shown })
}

const shownIn = (page: Page): Promise<Shown[]> =>
  page.evaluate(() => (window as unknown as { shownNotifications: Shown[] }).shownNotifications.map(({ title, body, tag }) => ({ title, body, tag })))

/** The unread count in the tab title ("(3) Atrium"), 0 for the plain title. */
async function titleCount(page: Page): Promise<number> {
  const m = /^\((\d+)\) /.exec(await page.title())
  return m ? Number(m[1]) : 0
}

describe('notifications and unread state in Chromium', () => {
  let fx: Fixture
  let alice: { context: BrowserContext; page: Page }
  let admin: { context: BrowserContext; page: Page }
  const aliceAddress = () => `U-${fx.alice.id}`

  beforeAll(async () => {
    fx = await Fixture.start()
    alice = await fx.signIn(fx.alice.email)
    await alice.context.grantPermissions(['notifications'], { origin: fx.base })
    await alice.context.addInitScript(recordNotifications)
    await alice.page.goto('/office')
    await Fixture.realtimeOpen(alice.page)
    admin = await fx.signIn(fx.admin.email)
  })

  afterAll(async () => {
    await fx?.close()
  })

  /** The administrator posts as themselves, with their browser session. */
  const adminPosts = async (chat: string, text: string): Promise<void> => {
    const status = await admin.page.evaluate(
      async ({ chat, text }) => {
        const session = (await (await fetch('/app/session')).json()) as { csrfToken: string }
        const res = await fetch('/v0/chat.post', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify({ chat, text }) })
        return res.status
      },
      { chat, text },
    )
    expect(status).toBe(200)
  }

  it('a mention from another person fires exactly one notification with the sender and the text; the title counts unread messages', async () => {
    const page = alice.page
    await page.waitForFunction(() => document.title === 'Atrium')
    await adminPosts(fx.chat, `<@U-${fx.alice.id}> the release notes are ready`)
    await page.waitForFunction(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length > 0)
    await page.waitForFunction(() => document.title === '(1) Atrium')
    // A plain message counts in the title but does not notify at the default level.
    await adminPosts(fx.chat, 'lunch at noon')
    await page.waitForFunction(() => document.title === '(2) Atrium')
    expect(await shownIn(page)).toEqual([{ title: 'Admin in #Engineering', body: '@Alice Liddell the release notes are ready', tag: expect.stringMatching(/^C-/) }])
    const icon = await page.locator('link[rel~="icon"]').getAttribute('href')
    expect(decodeURIComponent(icon!)).toContain('>2</text>')

    // Clicking it opens the chat, which reads it: the count and the badge go away.
    await page.evaluate(() => (window as unknown as { shownNotifications: Array<{ note: { onclick: () => void } }> }).shownNotifications[0]!.note.onclick())
    await page.waitForURL(new RegExp(`/chat/${fx.chat}$`))
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await page.waitForFunction(() => document.title === 'Atrium')
    expect(await page.locator('link[rel~="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,%3Csvg/)
    await page.screenshot({ path: path.join(shots, 'chat-notifications.png') })
    await page.goto('/office')
    await Fixture.realtimeOpen(page)
  })

  it('reading a chat in one tab clears its unread count, title and badge in the other tab at once', async () => {
    const tabA = alice.page
    const tabB = await alice.context.newPage()
    // Tab B shows another conversation (a DM with the administrator), so the sidebar lists Engineering's count.
    await adminPosts(aliceAddress(), 'are you around?')
    await tabA.waitForFunction(() => document.title === '(1) Atrium')
    await tabB.goto('/chat')
    await tabB.locator('.sidebar').getByRole('link', { name: /^Admin/ }).click()
    await tabB.getByRole('heading', { name: 'Admin' }).waitFor()
    await tabA.waitForFunction(() => document.title === 'Atrium')
    await Fixture.realtimeOpen(tabB)

    await adminPosts(fx.chat, 'standup moved to 10:30')
    await adminPosts(fx.chat, 'bring coffee')
    for (const tab of [tabA, tabB]) await tab.waitForFunction(() => document.title === '(2) Atrium')
    const engineering = tabB.locator('.sidebar').getByRole('link', { name: /Engineering/ })
    await expect(engineering.getAttribute('aria-label')).resolves.toBe('Engineering, 2 unread')
    expect(decodeURIComponent((await tabB.locator('link[rel~="icon"]').getAttribute('href'))!)).toContain('>2</text>')

    await tabA.goto(`/chat/${fx.chat}`)
    await tabA.getByRole('heading', { name: 'Engineering' }).waitFor()
    await tabB.waitForFunction(() => document.title === 'Atrium')
    await tabB.waitForFunction(() => document.querySelectorAll('.sidebar .unread').length === 0)
    await expect(engineering.getAttribute('aria-label')).resolves.toBe('Engineering')
    expect(await tabB.locator('link[rel~="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,%3Csvg/)
    expect(await titleCount(tabA)).toBe(0)
    await tabB.close()
    await tabA.goto('/office')
    await Fixture.realtimeOpen(tabA)
  })

  it('a muted chat fires no notification, while a direct message still does', async () => {
    const page = alice.page
    await page.goto(`/chat/${fx.chat}`)
    const mute = page.getByRole('button', { name: 'Mute Engineering' })
    await mute.click()
    await page.waitForFunction(() => document.querySelector('.mute-toggle')?.getAttribute('aria-pressed') === 'true')
    await page.goto('/office')
    await Fixture.realtimeOpen(page)
    const before = (await shownIn(page)).length

    await adminPosts(fx.chat, `<@U-${fx.alice.id}> can you review?`)
    await adminPosts(aliceAddress(), 'ping in private')
    await page.waitForFunction((n) => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length > n, before)
    const shown = (await shownIn(page)).slice(before)
    expect(shown).toEqual([{ title: 'Admin', body: 'ping in private', tag: expect.stringMatching(/^D-/) }])
    // The muted chat is not counted in the title either; the DM is.
    expect(await titleCount(page)).toBe(1)
  })
})
