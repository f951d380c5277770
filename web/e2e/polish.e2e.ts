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
})
