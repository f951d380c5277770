import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Fixture, ROOT, WAIT } from './fixture.js'

/** Screenshots of the administration screens, refreshed by every run. */
const shots = path.join(ROOT, 'web', 'screenshots')

/**
 * Everyday administration in the browser: inviting a person (who signs in through their link,
 * once), a group's settings (rename, archive, promote), starting a multi-DM with the people
 * picker, and deactivating someone whose open tab is signed out at once.
 */
describe('administration in Chromium', () => {
  let fx: Fixture

  beforeAll(async () => {
    fx = await Fixture.start()
  })

  afterAll(async () => {
    await fx?.close()
  })

  /** Accessibility violations (WCAG 2 A/AA) inside `selector`, as "rule: target" lines. */
  const violations = async (page: Page, selector: string) => {
    const result = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa']).analyze()
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`))
  }

  /** A browser context nobody signed in to. */
  const anonymous = async () => {
    const context = await fx.browser.newContext({ baseURL: fx.base, viewport: { width: 1280, height: 800 } })
    context.setDefaultTimeout(WAIT)
    return { context, page: await context.newPage() }
  }

  it('invites a person whose one-time link signs them in once', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.getByRole('link', { name: 'People' }).click()
    await page.getByRole('heading', { name: 'People', level: 1 }).waitFor()
    await page.getByLabel('Name').fill('Bea Bishop')
    await page.getByLabel('Email').fill('bea@example.com')
    await page.getByRole('button', { name: 'Invite' }).click()
    const secret = page.locator('[data-secret="Sign-in link for Bea Bishop"]')
    await secret.waitFor()
    const link = (await secret.textContent())!.trim()
    expect(link).toMatch(/\/login\/link\?token=[A-Za-z0-9]{43}$/)
    await page.locator('tr[data-person="bea@example.com"]').getByText('Active').waitFor()
    await page.screenshot({ path: path.join(shots, 'people.png'), fullPage: true })
    await expect(violations(page, '.people-page')).resolves.toEqual([])

    const bea = await anonymous()
    await bea.page.goto(link)
    await bea.page.waitForURL(/\/office/)
    await bea.page.getByRole('heading', { name: 'Office' }).waitFor()
    await expect(bea.page.locator('.me').textContent()).resolves.toContain('Bea Bishop')
    // Members see no administration.
    await expect(bea.page.getByRole('link', { name: 'People' }).count()).resolves.toBe(0)

    const again = await anonymous()
    const res = await again.page.goto(link)
    expect(res?.status()).toBe(401)
    await again.page.getByText(/already used or has expired/).waitFor()
    for (const c of [context, bea.context, again.context]) await c.close()
  })

  it("renames a group, promotes a member and archives it from the group's member panel", async () => {
    const group = await fx.group('Launch', { private: false, members: [`U-${fx.admin.id}`, `U-${fx.alice.id}`] })
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.goto(`/chat/${group.chat}`)
    await page.getByRole('heading', { name: 'Launch' }).waitFor()
    await page.getByRole('button', { name: 'Members of Launch' }).click()
    const panel = page.locator('.members-panel')
    await panel.getByRole('button', { name: 'Promote Alice Liddell <alice@example.com>' }).click()
    await panel.getByRole('button', { name: 'Demote Alice Liddell <alice@example.com>' }).waitFor()
    const role = await fx.db.selectFrom('group_members').select('role').where('address', '=', `U-${fx.alice.id}`).where('group_id', '=', group.address.slice(2)).executeTakeFirstOrThrow()
    expect(role.role).toBe('admin')

    await panel.getByLabel('Group name').fill('Launch pad')
    await panel.getByRole('button', { name: 'Rename' }).click()
    await panel.getByRole('heading', { name: 'Members of Launch pad' }).waitFor()
    // The conversation list and header follow the new name.
    await page.getByRole('heading', { name: 'Launch pad', exact: true }).waitFor()
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /Launch pad/ }).waitFor()
    await page.screenshot({ path: path.join(shots, 'group-settings.png') })
    await expect(violations(page, '.members-panel')).resolves.toEqual([])

    page.once('dialog', (d) => void d.accept())
    await panel.getByRole('button', { name: 'Archive group' }).click()
    await panel.getByText(/This group is archived/).waitFor()
    const row = await fx.db.selectFrom('groups').select(['name', 'archived_at']).where('id', '=', group.address.slice(2)).executeTakeFirstOrThrow()
    expect(row.name).toBe('Launch pad')
    expect(row.archived_at).not.toBeNull()
    await context.close()
  })

  it('starts a multi-DM with two people from the picker and posts to it', async () => {
    const { context, page } = await fx.signIn(fx.alice.email)
    await page.goto('/chat')
    await page.getByRole('button', { name: 'New message' }).click()
    const form = page.getByRole('form', { name: 'New message' })
    await form.getByLabel('Find people').fill('bishop')
    await form.getByRole('checkbox', { name: /Bea Bishop/ }).check()
    await form.getByLabel('Find people').fill('')
    await form.getByRole('checkbox', { name: new RegExp(fx.admin.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).check()
    await expect(violations(page, '.new-conversation')).resolves.toEqual([])
    const text = `Kick-off at ten ${Date.now()}`
    await form.getByLabel('First message').fill(text)
    await form.getByRole('button', { name: 'Send' }).click()
    await page.waitForURL(/\/chat\/M-/)
    await page.locator('.conversation .messages').getByText(text).waitFor()
    const chat = decodeURIComponent(new URL(page.url()).pathname.replace('/chat/', ''))
    const stored = await fx.db.selectFrom('chats').select(['kind', 'participants_key']).where('id', '=', chat.slice(2)).executeTakeFirstOrThrow()
    expect(stored.kind).toBe('multi')
    // Alice, the administrator and Bea: the three of them, no one else.
    const bea = await fx.db.selectFrom('users').select('id').where('email', '=', 'bea@example.com').executeTakeFirstOrThrow()
    for (const id of [fx.alice.id, fx.admin.id, bea.id]) expect(stored.participants_key).toContain(id)
    expect(stored.participants_key!.match(/U-/g)).toHaveLength(3)
    await context.close()
  })

  it("deactivates a person whose open tab loses its session at once", async () => {
    const alice = await fx.signIn(fx.alice.email)
    await alice.page.goto(`/chat/${fx.chat}`)
    await alice.page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await Fixture.realtimeOpen(alice.page)

    const { context, page } = await fx.signIn(fx.admin.email)
    await page.goto('/people')
    const row = page.locator('tr[data-person="alice@example.com"]')
    page.once('dialog', (d) => void d.accept())
    await row.getByRole('button', { name: 'Deactivate Alice Liddell' }).click()
    await row.getByText('Deactivated').waitFor()
    await row.getByRole('button', { name: 'Reactivate Alice Liddell' }).waitFor()

    await alice.page.waitForURL(/\/login/)
    await alice.page.getByLabel('Password').waitFor()
    // Signing in again is refused while deactivated.
    await alice.page.getByLabel('Email').fill(fx.alice.email)
    await alice.page.getByLabel('Password').fill('correct horse battery')
    await alice.page.getByRole('button', { name: /sign in/i }).click()
    await alice.page.getByText(/Wrong email or password/).waitFor()
    await alice.context.close()
    await context.close()
  })
})
