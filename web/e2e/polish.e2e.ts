import path from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED_EXAMPLE } from '../src/blockkit/example.js'
import { Fixture, ROOT } from './fixture.js'

/** Screenshots of the screens these tests reach, refreshed by every run. */
const shots = path.join(ROOT, 'web', 'screenshots')

describe('web client polish in Chromium', () => {
  let fx: Fixture

  beforeAll(async () => {
    fx = await Fixture.start()
  })

  afterAll(async () => {
    await fx?.close()
  })

  const botPost = async (body: Record<string, unknown>, apiKey = fx.apiKey) => {
    const res = await fetch(`${fx.base}/v0/chat.post`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ chat: fx.chat, sync: true, ...body }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    return (await res.json()) as { chat: string; timestamp: number }
  }

  /** Fails on any serious or critical accessibility violation axe finds on the page as it is. */
  const axe = async (page: Page, where: string) => {
    const result = await new AxeBuilder({ page }).analyze()
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(bad.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  }

  it('keeps the label of a clicked Block Kit button readable (primary, danger, plain)', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.goto(`/chat/${fx.chat}`)
    await Fixture.realtimeOpen(page)
    await botPost({ blocks: [{ type: 'actions', elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Ship it' }, action_id: 'ship', value: 'v1', style: 'primary' },
      { type: 'button', text: { type: 'plain_text', text: 'Roll back' }, action_id: 'back', value: 'v1', style: 'danger' },
    ] }] })
    const button = page.getByRole('button', { name: 'Ship it' })
    const colours = () => button.evaluate((b) => ({ color: getComputedStyle(b).color, background: getComputedStyle(b).backgroundColor, text: b.textContent }))
    const idle = await colours()
    await button.click()
    await page.getByRole('status').filter({ hasText: 'Clicked' }).waitFor()
    const after = await colours()
    expect(after.text).toContain('Ship it')
    expect(after.color).not.toBe(after.background)
    expect(after.color).toBe(idle.color)
    await context.close()
  })

  it('stays at the newest message while an image loads late, and offers "Jump to newest" to a reader who scrolled up', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    // An image that arrives a second late, 600px tall: the list grows after the message rendered.
    await page.route('**/late-*.svg', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      await route.fulfill({ contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="600"><rect width="300" height="600" fill="#5b3fd9"/></svg>' })
    })
    await page.goto(`/chat/${fx.chat}`)
    await Fixture.realtimeOpen(page)
    const list = page.getByRole('log', { name: 'Messages in Engineering' })
    const gap = () => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)
    await botPost({ text: Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') })
    await page.getByText('line 40').waitFor()
    await botPost({ text: `![a late chart](${fx.base}/late-1.svg)`, markdown: true })
    const img = page.getByRole('img', { name: 'a late chart' })
    await img.waitFor()
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img')].some((i) => i.alt === 'a late chart' && i.complete && i.naturalHeight > 0))
    await page.waitForFunction(() => {
      const el = document.querySelector('.conversation .messages')!
      return el.scrollHeight - el.scrollTop - el.clientHeight < 2
    })
    expect(await gap()).toBeLessThan(2)

    // Scrolled up: a new message does not move the view; the button brings the reader down.
    await list.evaluate((el) => el.scrollTo({ top: 0 }))
    await expect.poll(gap).toBeGreaterThan(100)
    expect(await page.getByRole('button', { name: 'Jump to newest' }).count()).toBe(0)
    await botPost({ text: 'Something new below' })
    const jump = page.getByRole('button', { name: 'Jump to newest' })
    await jump.waitFor()
    expect(await list.evaluate((el) => el.scrollTop)).toBeLessThan(100)
    await jump.click()
    await expect.poll(gap).toBeLessThan(2)
    await jump.waitFor({ state: 'detached' })
    await context.close()
  })

  it("names bot messages after their app, offers the app in the @ list, and switches chats with Ctrl+K", async () => {
    await fx.group('Lounge talk', { private: false, members: [`U-${fx.alice.id}`] })
    const { context, page } = await fx.signIn(fx.alice.email)
    await page.goto(`/chat/${fx.chat}`)
    await Fixture.realtimeOpen(page)
    await botPost({ text: 'Build 42 is green :tada:', markdown: true })
    const message = page.getByRole('article', { name: /^Deploy bot at / }).filter({ hasText: 'Build 42 is green 🎉' })
    await message.waitFor()
    expect(await message.locator('.meta strong').textContent()).toBe('Deploy bot')

    const box = page.getByLabel('Message Engineering')
    await box.fill('')
    await box.pressSequentially('thanks @Depl')
    await page.getByRole('listbox', { name: 'Mention suggestions' }).getByRole('option', { name: /Deploy bot/ }).waitFor()
    await page.keyboard.press('Enter')
    await box.pressSequentially(':wave:')
    expect(await box.inputValue()).toBe('thanks @Deploy bot 👋')
    await box.fill('')

    await page.keyboard.press('Control+k')
    const switcher = page.getByRole('dialog', { name: 'Switch conversation' })
    await switcher.waitFor()
    await page.keyboard.type('lou')
    await switcher.getByRole('option', { name: /Lounge talk/ }).waitFor()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Lounge talk' }).waitFor()
    await switcher.waitFor({ state: 'detached' })
    await context.close()
  })

  it('has no serious or critical accessibility violations on the main pages', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await axe(page, 'office')

    await page.goto(`/chat/${fx.chat}`)
    await Fixture.realtimeOpen(page)
    await botPost(SEED_EXAMPLE)
    const root = await botPost({ text: 'A thread about the release' })
    await botPost({ text: 'First reply', threadTimestamp: root.timestamp })
    const rootMessage = page.locator('article', { hasText: 'A thread about the release' })
    await rootMessage.getByRole('button', { name: '1 reply' }).click()
    await page.getByRole('complementary', { name: 'Thread' }).getByText('First reply').waitFor()
    await page.getByRole('heading', { name: 'Deploy Request: api-gateway v2.4.1' }).last().waitFor()
    await axe(page, 'chat')
    // Every control there is reachable with Tab and shows where the focus is.
    const unfocusable = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('main button:not([disabled]), main a[href], main textarea, main input, main select')]
        .filter((el) => el.tabIndex < 0 && !el.closest('[hidden]'))
        .map((el) => el.outerHTML.slice(0, 80)),
    )
    expect(unfocusable).toEqual([])
    await page.getByLabel('Message Engineering').focus()
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).not.toBe('none')

    await page.goto('/builder')
    await page.getByText('Valid: chat.post would accept these blocks.').waitFor()
    await axe(page, 'builder')
    await page.goto('/console')
    await page.getByRole('heading', { name: /console/i }).first().waitFor()
    await axe(page, 'console')
    await page.goto('/tokens')
    await page.getByRole('heading').first().waitFor()
    await axe(page, 'tokens')
    await context.close()
  })

  it('is usable at phone width: navigation, list then conversation, composer in view, no sideways scrolling', async () => {
    const { context, page } = await fx.signIn(fx.alice.email, { width: 390, height: 844 })
    const noSideways = async (where: string) => {
      const widths = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: window.innerWidth }))
      expect(widths.scroll, where).toBeLessThanOrEqual(widths.inner)
    }
    await noSideways('office')
    await page.getByRole('button', { name: 'Menu' }).click()
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Chat', exact: true }).click()
    const list = page.getByRole('navigation', { name: 'Conversations' })
    await list.getByRole('link', { name: /Engineering/ }).waitFor()
    await noSideways('chat list')
    await list.getByRole('link', { name: /Engineering/ }).click()
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    expect(await list.isVisible()).toBe(false)
    await Fixture.realtimeOpen(page)
    // The history is in before counting what it holds.
    await page.getByText('Beginning of the conversation').waitFor()
    const seeds = page.getByRole('heading', { name: 'Deploy Request: api-gateway v2.4.1' })
    const before = await seeds.count()
    await botPost(SEED_EXAMPLE)
    await expect.poll(() => seeds.count()).toBe(before + 1)
    const composer = page.getByLabel('Message Engineering')
    const box = await composer.boundingBox()
    expect(box).not.toBeNull()
    expect(box!.y + box!.height).toBeLessThanOrEqual(844)
    expect(box!.x + box!.width).toBeLessThanOrEqual(390)
    await noSideways('conversation')
    await axe(page, 'phone chat')
    await page.screenshot({ path: path.join(shots, 'chat-phone.png') })

    // Back to the list from the conversation.
    await page.getByRole('link', { name: 'All conversations' }).click()
    await list.getByRole('link', { name: /Engineering/ }).waitFor()
    await noSideways('chat list again')
    await context.close()
  })
})
