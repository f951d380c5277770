import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MembersPanel, type MembersPanelData } from '../src/chat/MembersPanel'
import { SessionContext, type SessionInfo } from '../src/session'

/** The chat's member panel against a scripted server: labels, the picker, add and remove. */

const G = 'G-00000000-0000-4000-8000-000000000001'
const ada = { id: 'U-00000000-0000-4000-8000-0000000000a1', kind: 'user' as const, name: 'Ada', email: 'ada@example.com' }
const bot = { id: 'B-00000000-0000-4000-8000-0000000000b1', kind: 'bot' as const, name: 'Deploy bot', email: null }
const owner = { id: 'U-00000000-0000-4000-8000-0000000000a2', kind: 'user' as const, name: 'Owner', email: 'owner@example.com' }

function panel(over: Partial<MembersPanelData>): MembersPanelData {
  return { group: { id: G, name: 'Releases', private: true, archived: false }, canManage: true, members: [], candidates: [], ...over }
}

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('MembersPanel', () => {
  it('lists people and bots (bots marked as apps), adds an app from the labelled picker and removes it', async () => {
    const bodies: unknown[] = []
    /** The `group` query parameter of every GET (checked after the interaction: a failing expect in here would only make the client retry). */
    const readGroups: Array<string | null> = []
    let state = panel({ members: [{ ...owner, role: 'admin' }, { ...ada, role: 'member' }], candidates: [bot] })
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: string, init?: RequestInit) => {
        const url = new URL(input, 'http://atrium.test')
        if (init?.method === 'POST') {
          const body = JSON.parse(String(init.body)) as { members: string[] }
          bodies.push([url.pathname, body])
          state =
            url.pathname === '/app/group.add'
              ? panel({ members: [...state.members, { ...bot, role: 'member' }], candidates: [] })
              : panel({ members: state.members.filter((m) => !body.members.includes(m.id)), candidates: [bot] })
        } else readGroups.push(url.searchParams.get('group'))
        return new Response(JSON.stringify(state), { status: 200, headers: { 'content-type': 'application/json' } })
      }),
    )
    render(<MembersPanel group={G} onClose={() => undefined} />)
    const list = await screen.findByRole('list', { name: 'Members of Releases' })
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Owneradmin', 'AdaRemove'])
    // Admins cannot be removed (as through the API): no button for them.
    expect(screen.queryByRole('button', { name: /Remove Owner/ })).toBeNull()

    const picker = screen.getByLabelText('Add a person or app')
    expect(screen.getByRole('button', { name: 'Add' })).toHaveProperty('disabled', true)
    fireEvent.change(picker, { target: { value: bot.id } })
    fireEvent.click(screen.getByRole('button', { name: 'Add' }))
    await within(list).findByText('Deploy bot')
    expect(within(list).getByText('app')).toBeTruthy()
    expect(screen.getByRole('status').textContent).toBe('Added Deploy bot (app).')

    // Removing asks first; declining changes nothing.
    vi.stubGlobal('confirm', vi.fn(() => false))
    fireEvent.click(screen.getByRole('button', { name: 'Remove Deploy bot (app)' }))
    expect(bodies).toHaveLength(1)
    vi.stubGlobal('confirm', vi.fn(() => true))
    fireEvent.click(screen.getByRole('button', { name: 'Remove Deploy bot (app)' }))
    await waitFor(() => expect(within(list).queryByText('Deploy bot')).toBeNull())
    expect(bodies).toEqual([
      ['/app/group.add', { group: G, members: [bot.id] }],
      ['/app/group.remove', { group: G, members: [bot.id] }],
    ])
    // At least one read, and every read for this group.
    expect(new Set(readGroups)).toEqual(new Set([G]))
  })

  it('shows the list without controls to a member who may not manage it, and the server\'s refusal as an alert', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(panel({ canManage: false, members: [{ ...ada, role: 'member' }] })), { status: 200 })))
    render(<MembersPanel group={G} onClose={() => undefined} />)
    await screen.findByRole('list', { name: 'Members of Releases' })
    expect(screen.queryByLabelText('Add a person or app')).toBeNull()
    expect(screen.queryByRole('button', { name: /^Remove/ })).toBeNull()
    cleanup()

    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'You are not a member of this group.', code: 'forbidden' }), { status: 403 })))
    render(<MembersPanel group={G} onClose={() => undefined} />)
    expect((await screen.findByRole('alert')).textContent).toBe('You are not a member of this group.')
  })

  it("gives organization administrators the group's settings: rename, archive (confirmed), promote and demote", async () => {
    const session = { user: { id: owner.id, address: owner.id, name: 'Owner', email: owner.email, isAdmin: true, status: 'checkedIn', presence: 'online' }, org: { id: 'o', name: 'Org' }, csrfToken: 't' } as SessionInfo
    const calls: Array<[string, unknown]> = []
    let state = panel({ members: [{ ...owner, role: 'admin' }, { ...ada, role: 'member' }] })
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: string, init?: RequestInit) => {
        const url = new URL(input, 'http://atrium.test')
        if (init?.method === 'POST') {
          const body = JSON.parse(String(init.body)) as Record<string, string>
          calls.push([url.pathname, body])
          if (url.pathname === '/admin/groups.rename') state = { ...state, group: { ...state.group, name: body.name! } }
          if (url.pathname === '/admin/groups.promote') state = { ...state, members: state.members.map((m) => (m.id === body.member ? { ...m, role: 'admin' as const } : m)) }
          if (url.pathname === '/admin/groups.archive') state = { ...state, canManage: false, group: { ...state.group, archived: true } }
          return new Response(JSON.stringify({ ok: true }), { status: 200 })
        }
        return new Response(JSON.stringify(state), { status: 200 })
      }),
    )
    render(
      <SessionContext.Provider value={session}>
        <MembersPanel group={G} onClose={() => undefined} />
      </SessionContext.Provider>,
    )
    fireEvent.click(await screen.findByRole('button', { name: 'Promote Ada <ada@example.com>' }))
    await screen.findByRole('button', { name: 'Demote Ada <ada@example.com>' })

    fireEvent.change(screen.getByLabelText('Group name'), { target: { value: 'Launches' } })
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }))
    await screen.findByRole('heading', { name: 'Members of Launches' })

    vi.stubGlobal('confirm', vi.fn(() => false))
    fireEvent.click(screen.getByRole('button', { name: 'Archive group' }))
    vi.stubGlobal('confirm', vi.fn(() => true))
    fireEvent.click(screen.getByRole('button', { name: 'Archive group' }))
    await screen.findByText(/This group is archived/)
    expect(screen.queryByRole('button', { name: 'Archive group' })).toBeNull()
    expect(calls).toEqual([
      ['/admin/groups.promote', { group: G, member: ada.id }],
      ['/admin/groups.rename', { id: G, name: 'Launches' }],
      ['/admin/groups.archive', { id: G }],
    ])
  })
})
