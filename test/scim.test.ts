import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { componentErrors, contractErrors } from './contract.js'
import { findUser } from '../src/store/repos/users.js'
import { TestEnv, type ClientFixture } from './helpers.js'

let env: TestEnv
let scim: ClientFixture
beforeEach(async () => {
  env = await TestEnv.create()
  scim = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:write'] })
})
afterEach(async () => {
  await env.close()
})

const EXT = 'urn:ro.am:params:scim:schemas:extension:roam:2.0:User'
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

function scimUser(email: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    name: { givenName: 'Alice', familyName: 'Smith' },
    emails: [{ value: email, primary: true, type: 'work' }],
    displayName: 'ignored',
    password: 'ignored',
    ...extra,
  }
}

function send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET', url: string, body?: unknown, token = scim.apiKey) {
  return env.inject({
    method,
    url: `/scim/v2${url}`,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  })
}

function expectScimError(res: LightMyRequestResponse, status: number, scimType?: string) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/scim\+json/)
  const body = res.json()
  expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
  expect(body.status).toBe(String(status))
  expect(body.detail).toEqual(expect.any(String))
  if (scimType) expect(body.scimType).toBe(scimType)
  expect(componentErrors('scim.json', 'Error', body)).toEqual([])
  return body
}

describe('SCIM provisioning end to end', () => {
  it('a SCIM-created user is found by user.lookup, joins a group, and once deactivated cannot authenticate', async () => {
    const created = await send('POST', '/Users', scimUser('alice@example.com', { externalId: 'okta-1' }))
    expect(created.statusCode).toBe(201)
    expect(created.headers['content-type']).toMatch(/^application\/scim\+json/)
    const user = created.json()
    expect(user).toMatchObject({
      id: expect.stringMatching(/^U-/),
      userName: 'alice@example.com',
      displayName: 'Alice Smith',
      active: true,
      externalId: 'okta-1',
      [EXT]: { role: 'User' },
    })
    expect(user).not.toHaveProperty('password')
    expect(contractErrors('scim.json', '/Users', 'post', 201, user)).toEqual([])

    const api = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'group:write', 'groups:read'] })
    const lookup = await env.get('/v0/user.lookup', { token: api.apiKey, query: { email: 'alice@example.com' } })
    expect(lookup.statusCode).toBe(200)
    expect(lookup.json()).toMatchObject({ id: user.id, name: 'Alice Smith', email: 'alice@example.com' })

    const group = await env.group({ members: [api.bot] })
    expect((await env.post('/v0/group.add', { token: api.apiKey, body: { group: group.address, members: [user.id] } })).statusCode).toBe(204)
    const members = await env.get('/v0/group.members', { token: api.apiKey, query: { group: group.address } })
    expect(members.json().members).toContain(user.id)

    // The user signs in with a personal token, which works until deactivation.
    const pat = await env.personalToken((await findUser(env.db, env.org.id, user.id.slice(2)))!, ['chat:read'])
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(200)

    const patched = await send('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] })
    expect(patched.statusCode).toBe(200)
    expect(patched.json().active).toBe(false)
    expect(contractErrors('scim.json', '/Users/{id}', 'patch', 200, patched.json())).toEqual([])

    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(401)
    expect((await env.get('/v0/user.lookup', { token: api.apiKey, query: { email: 'alice@example.com' } })).statusCode).toBe(404)
    expect((await env.get('/v0/user.info', { token: api.apiKey, query: { id: user.id } })).statusCode).toBe(404)
    const list = await env.get('/v0/user.list', { token: api.apiKey, query: { limit: 100 } })
    expect(list.json().users.map((u: { id: string }) => u.id)).not.toContain(user.id)
    const after = await env.get('/v0/group.members', { token: api.apiKey, query: { group: group.address } })
    expect(after.json().members).not.toContain(user.id)
    // SCIM still shows the user, inactive, so the identity provider can reactivate it.
    const got = await send('GET', `/Users/${user.id}`)
    expect(got.json().active).toBe(false)
    const audit = await env.db.selectFrom('audit_log').select(['event_type', 'data']).where('user_id', '=', user.id.slice(2)).orderBy('created_at').execute()
    expect(audit.map((a) => a.event_type)).toEqual(['USER_CREATED', 'USER_DEACTIVATED'])
    expect(JSON.parse(audit[1]!.data)).toEqual({ source: 'scim', actor: scim.bot })

    const reactivated = await send('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', value: { active: 'True' } }] })
    expect(reactivated.json().active).toBe(true)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(200)
  })
})

describe('SCIM /Users', () => {
  it('enforces Roam user rules: userName = primary email, given and family names, 409 on duplicates', async () => {
    expectScimError(await send('POST', '/Users', scimUser('a@example.com', { emails: [{ value: 'b@example.com', primary: true }] })), 400, 'invalidValue')
    const noFamily = expectScimError(await send('POST', '/Users', scimUser('a@example.com', { name: { givenName: 'A' } })), 400)
    expect(noFamily.detail).toContain('givenName and familyName')
    expectScimError(await send('POST', '/Users', { ...scimUser('a@example.com'), emails: undefined }), 400)
    expectScimError(await send('POST', '/Users', scimUser('not-an-email')), 400)
    expect((await send('POST', '/Users', scimUser('a@example.com'))).statusCode).toBe(201)
    expectScimError(await send('POST', '/Users', scimUser('A@example.com')), 409, 'uniqueness')
    expectScimError(await send('POST', '/Users', scimUser('c@example.com', { [EXT]: { role: 'Owner' } })), 400)
    expectScimError(await send('POST', '/Users', 'a string, not a User'), 400, 'invalidSyntax')
    const malformed = await env.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${scim.apiKey}`, 'content-type': 'application/scim+json' },
      payload: '{not json',
    })
    expectScimError(malformed, 400)
  })

  it('creates admins through the role extension and changes roles with PUT (audited)', async () => {
    const created = (await send('POST', '/Users', scimUser('boss@example.com', { [EXT]: { role: 'Admin' } }))).json()
    expect(created[EXT]).toEqual({ role: 'Admin' })
    const put = await send('PUT', `/Users/${created.id}`, scimUser('boss@example.com', { name: { givenName: 'Bo', familyName: 'Ss' }, [EXT]: { role: 'User' }, externalId: 'x-9' }))
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ displayName: 'Bo Ss', name: { givenName: 'Bo', familyName: 'Ss' }, externalId: 'x-9', [EXT]: { role: 'User' }, active: true })
    expect(contractErrors('scim.json', '/Users/{id}', 'put', 200, put.json())).toEqual([])
    const events = await env.db.selectFrom('audit_log').select(['event_type', 'data']).where('user_id', '=', created.id.slice(2)).orderBy('created_at').execute()
    expect(events.map((e) => e.event_type)).toEqual(['USER_CREATED', 'ROLE_CHANGED'])
    expect(JSON.parse(events[1]!.data)).toMatchObject({ from: 'Admin', to: 'User', source: 'scim' })
    const moved = expectScimError(await send('PUT', `/Users/${created.id}`, scimUser('other@example.com')), 400, 'mutability')
    expect(moved.detail).toBe('email may not be updated')
    const deactivate = await send('PUT', `/Users/${created.id}`, scimUser('boss@example.com', { active: false }))
    expect(deactivate.json().active).toBe(false)
  })

  it('PATCH supports only replace of active', async () => {
    const user = (await send('POST', '/Users', scimUser('p@example.com'))).json()
    expectScimError(await send('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }), 400, 'invalidPath')
    expectScimError(await send('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'active', value: false }] }), 400)
    expectScimError(await send('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] }), 400)
    expectScimError(await send('PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] }), 400, 'invalidSyntax')
    expect((await send('GET', `/Users/${user.id}`)).json().active).toBe(true)
  })

  it('DELETE archives (204); unknown ids are 404', async () => {
    const user = (await send('POST', '/Users', scimUser('d@example.com'))).json()
    const del = await send('DELETE', `/Users/${user.id}`)
    expect(del.statusCode).toBe(204)
    expect(del.body).toBe('')
    expect((await send('GET', `/Users/${user.id}`)).json().active).toBe(false)
    // The bare UUID works as an id too.
    expect((await send('GET', `/Users/${user.id.slice(2)}`)).statusCode).toBe(200)
    expectScimError(await send('GET', '/Users/U-00000000-0000-4000-8000-000000000000'), 404)
    expectScimError(await send('GET', '/Users/nonsense'), 404)
    expectScimError(await send('DELETE', '/Users/U-00000000-0000-4000-8000-000000000000'), 404)
  })

  it('lists with filter userName eq (case-insensitive), other filters, startIndex and count', async () => {
    for (const n of [1, 2, 3, 4]) await send('POST', '/Users', scimUser(`u${n}@example.com`, { externalId: `ext-${n}` }))
    const eq = await send('GET', `/Users?filter=${encodeURIComponent('userName eq "U2@Example.com"')}`)
    expect(eq.statusCode).toBe(200)
    const body = eq.json()
    expect(body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
    expect(body.Resources[0].userName).toBe('u2@example.com')
    const wrapper = { ...(body as object), Resources: [] }
    expect(contractErrors('scim.json', '/Users', 'get', 200, wrapper)).toEqual([])
    for (const r of body.Resources) expect(componentErrors('scim.json', 'User', r)).toEqual([])
    const none = await send('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`)
    expect(none.json()).toMatchObject({ totalResults: 0, Resources: [] })
    const ext = await send('GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-3"')}`)
    expect(ext.json().Resources.map((r: { userName: string }) => r.userName)).toEqual(['u3@example.com'])
    const or = await send('GET', `/Users?filter=${encodeURIComponent('userName sw "u1" or userName sw "u4"')}`)
    expect(or.json().Resources.map((r: { userName: string }) => r.userName)).toEqual(['u1@example.com', 'u4@example.com'])
    const paged = await send('GET', '/Users?startIndex=2&count=2')
    expect(paged.json()).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 })
    expect(paged.json().Resources.map((r: { userName: string }) => r.userName)).toEqual(['u2@example.com', 'u3@example.com'])
    const zero = await send('GET', '/Users?count=0')
    expect(zero.json()).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] })
    expectScimError(await send('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter')
  })

  it('count is capped at 100 (maxResults)', async () => {
    for (let i = 0; i < 101; i++) await env.user()
    const res = await send('GET', '/Users?count=1000')
    expect(res.json()).toMatchObject({ totalResults: 101, itemsPerPage: 100 })
    const at = await send('GET', '/Users?count=100&startIndex=2')
    expect(at.json()).toMatchObject({ totalResults: 101, itemsPerPage: 100 })
  })

  it('reads need user:read and user:read.email; writes need user:write; organization keys only', async () => {
    const readOnly = await env.apiClient({ scopes: ['user:read'] })
    expectScimError(await send('GET', '/Users', undefined, readOnly.apiKey), 403)
    const reader = await env.apiClient({ scopes: ['user:read', 'user:read.email'] })
    expect((await send('GET', '/Users', undefined, reader.apiKey)).statusCode).toBe(200)
    expectScimError(await send('POST', '/Users', scimUser('w@example.com'), reader.apiKey), 403)
    expectScimError(await send('GET', '/Users', undefined, 'rmk-nope'), 401)
    const person = await env.user()
    const pat = await env.personalToken(person)
    expectScimError(await send('GET', '/Users', undefined, pat), 403)
    const anon = await env.inject({ method: 'GET', url: '/scim/v2/Users' })
    expectScimError(anon, 401)
  })
})

describe('SCIM /Groups', () => {
  it('creates a group with its channel chat, reads, replaces, patches (Okta and Entra styles) and deletes', async () => {
    const a = (await send('POST', '/Users', scimUser('a@example.com'))).json()
    const b = (await send('POST', '/Users', scimUser('b@example.com'))).json()
    const c = (await send('POST', '/Users', scimUser('c@example.com'))).json()
    const created = await send('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Eng', members: [{ value: a.id }] })
    expect(created.statusCode).toBe(201)
    const group = created.json()
    expect(group).toMatchObject({ id: expect.stringMatching(/^G-/), displayName: 'Eng', members: [{ value: a.id }], meta: { resourceType: 'Group' } })
    expect(contractErrors('scim.json', '/Groups', 'post', 201, group)).toEqual([])
    const chat = await env.db.selectFrom('chats').selectAll().where('group_id', '=', group.id.slice(2)).executeTakeFirstOrThrow()
    expect(chat.kind).toBe('channel')

    const put = await send('PUT', `/Groups/${group.id}`, { displayName: 'Engineering', members: [{ value: b.id }, { value: c.id }] })
    expect(put.statusCode).toBe(200)
    expect(put.json().displayName).toBe('Engineering')
    expect(put.json().members.map((m: { value: string }) => m.value).sort()).toEqual([b.id, c.id].sort())
    expect(contractErrors('scim.json', '/Groups/{id}', 'put', 200, put.json())).toEqual([])

    const okta = await send('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${b.id}"]` }] })
    expect(okta.statusCode).toBe(200)
    expect(okta.json().members).toEqual([{ value: c.id, type: 'User' }])
    const entra = await send('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Add', path: 'members', value: [{ value: a.id }] },
        { op: 'Remove', path: 'members', value: [{ value: c.id }] },
        { op: 'Replace', path: 'displayName', value: 'Builders' },
      ],
    })
    expect(entra.json()).toMatchObject({ displayName: 'Builders', members: [{ value: a.id, type: 'User' }] })
    expect(contractErrors('scim.json', '/Groups/{id}', 'patch', 200, entra.json())).toEqual([])
    const noPath = await send('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: group.id, displayName: 'Makers' } }] })
    expect(noPath.json().displayName).toBe('Makers')

    // A failing operation rolls back the whole PATCH.
    const failing = await send('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Never' },
        { op: 'add', path: 'members', value: [{ value: 'U-00000000-0000-4000-8000-000000000000' }] },
      ],
    })
    expectScimError(failing, 400)
    expect((await send('GET', `/Groups/${group.id}`)).json().displayName).toBe('Makers')

    const list = await send('GET', `/Groups?filter=${encodeURIComponent('displayName eq "makers"')}&excludedAttributes=members`)
    expect(list.json()).toMatchObject({ totalResults: 1, Resources: [{ id: group.id, displayName: 'Makers' }] })
    expect(list.json().Resources[0]).not.toHaveProperty('members')
    expect(contractErrors('scim.json', '/Groups', 'get', 200, list.json())).toEqual([])

    const del = await send('DELETE', `/Groups/${group.id}`)
    expect(del.statusCode).toBe(204)
    const stored = await env.db.selectFrom('groups').selectAll().where('id', '=', group.id.slice(2)).executeTakeFirstOrThrow()
    expect(stored.archived_at).not.toBeNull()
    expect(await env.db.selectFrom('group_members').selectAll().where('group_id', '=', group.id.slice(2)).execute()).toEqual([])
    expectScimError(await send('GET', `/Groups/${group.id}`), 404)
    expect((await send('GET', '/Groups')).json()).toMatchObject({ totalResults: 0 })
  })

  it('displayName is required and at most 64 characters', async () => {
    expect((await send('POST', '/Groups', { displayName: 'x'.repeat(64) })).statusCode).toBe(201)
    expectScimError(await send('POST', '/Groups', { displayName: 'x'.repeat(65) }), 400)
    expectScimError(await send('POST', '/Groups', { members: [] }), 400)
    expectScimError(await send('POST', '/Groups', { displayName: 'x', members: [{ value: 'U-00000000-0000-4000-8000-000000000000' }] }), 400)
  })
})

describe('SCIM discovery', () => {
  it('needs no authentication and describes Users, Groups and the Roam extension', async () => {
    const spc = await env.inject({ method: 'GET', url: '/scim/v2/ServiceProviderConfig' })
    expect(spc.statusCode).toBe(200)
    expect(spc.headers['content-type']).toMatch(/^application\/scim\+json/)
    expect(spc.json()).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 100 }, bulk: { supported: false } })
    expect(contractErrors('scim.json', '/ServiceProviderConfig', 'get', 200, spc.json())).toEqual([])
    const types = await env.inject({ method: 'GET', url: '/scim/v2/ResourceTypes' })
    expect(types.json().Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group'])
    expect(contractErrors('scim.json', '/ResourceTypes', 'get', 200, { ...(types.json() as object), Resources: [] })).toEqual([])
    for (const r of types.json().Resources) expect(componentErrors('scim.json', 'ResourceType', r)).toEqual([])
    const all = await env.inject({ method: 'GET', url: '/scim/v2/Schemas' })
    expect(all.json().Resources.map((s: { id: string }) => s.id)).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      EXT,
    ])
    const one = await env.inject({ method: 'GET', url: `/scim/v2/Schemas/${EXT}` })
    expect(one.json()).toMatchObject({ id: EXT, attributes: [{ name: 'role' }] })
    expect(contractErrors('scim.json', '/Schemas/{schemaId}', 'get', 200, one.json())).toEqual([])
    expectScimError(await env.inject({ method: 'GET', url: '/scim/v2/Schemas/urn:nope' }), 404)
    expectScimError(await env.inject({ method: 'GET', url: '/scim/v2/Nothing' }), 404)
  })
})
