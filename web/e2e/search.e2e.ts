import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertMessages, type NewMessage } from '../../src/store/repos/messages.js'
import { nowMicros } from '../../src/time.js'
import { Fixture, ROOT } from './fixture.js'

const shots = path.join(ROOT, 'web', 'screenshots')

describe('message search in Chromium', () => {
  let fx: Fixture
  let secret: { address: string; chat: string }
  let target: number

  beforeAll(async () => {
    fx = await Fixture.start()
    // A private group of the administrator and the bot (not Alice). The message to find is the
    // oldest of 130, so it lies beyond the first page the chat view loads.
    secret = await fx.group('Skunkworks', { private: true, members: [`U-${fx.admin.id}`] })
    const chatId = secret.chat.slice(2)
    const start = nowMicros() - 200_000_000
    const rows: NewMessage[] = []
    for (let i = 0; i < 130; i++) {
      const ts = start + i * 1_000_000
      const text = i === 0 ? 'Launch codename is Zebracorn, keep it quiet' : `status update number ${i}`
      rows.push({ chatId, ts, sender: `U-${fx.admin.id}`, threadTs: null, replyTs: null, contentType: 'text', text, markdown: true, blocks: null, color: null, poll: null, createdAt: ts })
    }
    await insertMessages(fx.db, rows)
    target = start
  })

  afterAll(async () => {
    await fx?.close()
  })

  it('a member finds a private group message by keyboard and opens it in context', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.goto('/chat')
    const box = page.getByRole('searchbox', { name: 'Search messages' })
    await box.focus()
    await page.keyboard.type('zebra')
    await page.keyboard.press('Enter')
    const results = page.getByRole('region', { name: 'Search results' })
    const hit = results.getByRole('button', { name: /Zebracorn/ })
    await hit.waitFor()
    await expect(hit.locator('mark').allTextContents()).resolves.toEqual(['Zebracorn'])
    await expect(results.getByRole('status').textContent()).resolves.toMatch(/^1 message matches/)
    await page.screenshot({ path: path.join(shots, 'search-results.png') })

    // Keyboard: Tab from the field and the Search button reaches the result; Enter opens it.
    await hit.focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(new RegExp(`/chat/${secret.chat}$`))
    await page.getByRole('heading', { name: 'Skunkworks' }).waitFor()
    const opened = page.locator(`article.highlighted[data-ts="${target}"]`)
    await opened.waitFor()
    await expect(opened.textContent()).resolves.toContain('Launch codename is Zebracorn')
    // It has focus and is in view; the history around it was loaded, with newer messages on request.
    await expect(opened.evaluate((el) => document.activeElement === el)).resolves.toBe(true)
    await expect(opened.isVisible()).resolves.toBe(true)
    await page.getByText('status update number 1', { exact: true }).waitFor()
    await page.getByText('Beginning of the conversation').waitFor()
    const newer = page.getByRole('button', { name: 'Load newer messages' })
    await newer.waitFor()
    await page.screenshot({ path: path.join(shots, 'search-opened.png') })
    await expect(page.getByText('status update number 129', { exact: true }).count()).resolves.toBe(0)
    await newer.click()
    await page.getByText('status update number 99', { exact: true }).waitFor()
    await context.close()
  })

  it("a non-member's search does not find it", async () => {
    const { context, page } = await fx.signIn(fx.alice.email)
    await page.goto('/chat')
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('zebracorn')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const results = page.getByRole('region', { name: 'Search results' })
    await results.getByRole('status').filter({ hasText: 'No messages match' }).waitFor()
    await expect(results.getByRole('listitem').count()).resolves.toBe(0)
    await context.close()
  })
})
