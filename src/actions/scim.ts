import { parse as parseFilter, Tester, type Compare, type Filter } from 'scim2-parse-filter'
import type { Context } from '../context.js'
import type { Group, Principal, User } from '../domain.js'
import { AppError, type ErrorCode } from '../errors.js'
import { isUuid, parseTagged, tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import {
  deleteGroupMembers,
  findGroup,
  insertGroupMembersIfAbsent,
  listAllGroupMembers,
  listGroups,
  renameGroupRow,
} from '../store/repos/groups.js'
import { findAppsByBots } from '../store/repos/apps.js'
import { findUser, findUserByEmail, findUsers, findUsersByExternalId, listUsers } from '../store/repos/users.js'
import { microsToIso, nowMicros } from '../time.js'
import { archiveGroup, createGroup, GROUP_NAME_MAX } from './groups.js'
import { addUser, isEmail, setUserActiveState, setUserRole, updateUserProfile, type ChangeSource } from './users.js'
import { normalizeEmail } from '../email.js'

/**
 * SCIM 2.0 provisioning (RFC 7643/7644) as Roam documents it (scim.json): Users and Groups,
 * discovery documents, filters, 1-based paging. Resource ids are Atrium's tagged ids (`U-…`,
 * `G-…`), so an id seen through SCIM works unchanged in the chat API; bare UUIDs are accepted on
 * input too. Provisioning acts for the organization's administrators: group rules for apps do
 * not apply.
 */
export const SCIM_SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  roamUser: 'urn:ro.am:params:scim:schemas:extension:roam:2.0:User',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const

/** Largest page a list answers (ServiceProviderConfig `filter.maxResults`). */
export const SCIM_MAX_RESULTS = 100

export type ScimType = 'invalidFilter' | 'invalidSyntax' | 'invalidValue' | 'invalidPath' | 'noTarget' | 'mutability' | 'uniqueness' | 'tooMany'

/** An error with the SCIM `scimType` detail code (RFC 7644 §3.12). */
export class ScimError extends AppError {
  constructor(
    code: ErrorCode,
    readonly scimType: ScimType | undefined,
    message: string,
  ) {
    super(code, message)
  }
}

function bad(scimType: ScimType, message: string): never {
  throw new ScimError('invalid_request', scimType, message)
}

function notFound(what: 'User' | 'Group', id: string): never {
  throw new ScimError('not_found', undefined, `${what} ${id} not found`)
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Case-insensitive lookup of an attribute (SCIM attribute names are case-insensitive). */
function attr(obj: Json, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : obj[key]
}

function boolValue(field: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value
  // Some identity providers send booleans as the strings "True"/"False".
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true'
  bad('invalidValue', `${field} must be a boolean`)
}

/* ---- Filters ---- */

type CompValue = Compare['compValue']

/**
 * SCIM string comparisons are case-insensitive for the attributes Atrium serves (caseExact false),
 * and Unicode-normalised (NFC) like the stored emails.
 */
class CaseInsensitiveTester extends Tester {
  private static fold<T>(value: T): T {
    return (typeof value === 'string' ? value.normalize('NFC').toLowerCase().normalize('NFC') : value) as T
  }
  override eq(r: unknown, v: CompValue): boolean {
    return super.eq(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v))
  }
  override ne(r: unknown, v: CompValue): boolean {
    return super.ne(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v))
  }
  override co(r: unknown, v: CompValue): boolean {
    return super.co(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v))
  }
  override sw(r: unknown, v: CompValue): boolean {
    return super.sw(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v))
  }
  override ew(r: unknown, v: CompValue): boolean {
    return super.ew(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v))
  }
}

const tester = new CaseInsensitiveTester()

export function parseScimFilter(text: string): Filter {
  try {
    return parseFilter(text)
  } catch (err) {
    bad('invalidFilter', `filter: ${err instanceof Error ? err.message : 'cannot be parsed'}`)
  }
}

function matches(resource: unknown, filter: Filter | undefined): boolean {
  return filter === undefined || tester.test(resource, filter)
}

/** A top-level `attr eq "string"` comparison, which the store can answer by index. */
function simpleEquality(filter: Filter | undefined): { attr: string; value: string } | undefined {
  if (!filter || filter.op !== 'eq' || !('compValue' in filter) || typeof filter.compValue !== 'string') return undefined
  return { attr: filter.attrPath.toLowerCase(), value: filter.compValue }
}

/* ---- Paging ---- */

export interface ListParams {
  filter?: string
  startIndex?: number
  count?: number
  excludedAttributes?: string
}

export interface ListResponse<T> {
  schemas: string[]
  totalResults: number
  startIndex: number
  itemsPerPage: number
  Resources: T[]
}

/** RFC 7644 §3.4.2.4: startIndex below 1 is 1; count below 0 is 0; count is capped at maxResults. */
function page<T>(all: T[], params: ListParams): ListResponse<T> {
  const startIndex = Math.max(1, params.startIndex ?? 1)
  const count = Math.min(SCIM_MAX_RESULTS, Math.max(0, params.count ?? SCIM_MAX_RESULTS))
  const slice = all.slice(startIndex - 1, startIndex - 1 + count)
  return { schemas: [SCIM_SCHEMA.list], totalResults: all.length, startIndex, itemsPerPage: slice.length, Resources: slice }
}

/* ---- Users ---- */

export interface ScimUser {
  schemas: string[]
  id: string
  externalId?: string
  userName: string
  name: { givenName: string; familyName: string; formatted: string }
  displayName: string
  emails: Array<{ value: string; type: string; primary: boolean }>
  active: boolean
  [SCIM_SCHEMA.roamUser]: { role: 'User' | 'Admin' }
  meta: { resourceType: 'User'; created: string; lastModified: string; location: string }
}

function splitName(user: User): { givenName: string; familyName: string } {
  if (user.givenName !== null || user.familyName !== null) return { givenName: user.givenName ?? '', familyName: user.familyName ?? '' }
  const [first = '', ...rest] = user.name.trim().split(/\s+/)
  return { givenName: first, familyName: rest.join(' ') }
}

export function scimUser(user: User, baseUrl: string): ScimUser {
  const id = tag('U', user.id)
  return {
    schemas: [SCIM_SCHEMA.user, SCIM_SCHEMA.roamUser],
    id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.email,
    name: { ...splitName(user), formatted: user.name },
    displayName: user.name,
    emails: [{ value: user.email, type: 'work', primary: true }],
    active: user.active,
    [SCIM_SCHEMA.roamUser]: { role: user.isAdmin ? 'Admin' : 'User' },
    meta: { resourceType: 'User', created: microsToIso(user.createdAt), lastModified: microsToIso(user.updatedAt), location: `${baseUrl}/Users/${id}` },
  }
}

/** A resource id: `U-…`/`G-…` or the bare UUID. Anything else matches nothing. */
function resourceUuid(id: string, expected: 'U' | 'G'): string | undefined {
  const parsed = parseTagged(id)
  if (parsed) return parsed.tag === expected ? parsed.uuid : undefined
  return isUuid(id) ? id : undefined
}

async function requireScimUser(db: Executor, orgId: string, id: string): Promise<User> {
  const uuid = resourceUuid(id, 'U')
  const user = uuid ? await findUser(db, orgId, uuid) : undefined
  if (!user) notFound('User', id)
  return user
}

async function allUsers(db: Executor, orgId: string): Promise<User[]> {
  const out: User[] = []
  for (let after: { createdAt: number; id: string } | undefined; ; ) {
    const rows = await listUsers(db, orgId, { limit: 500, includeInactive: true, ...(after ? { after } : {}) })
    out.push(...rows)
    if (rows.length < 500) return out
    const last = rows[rows.length - 1]!
    after = { createdAt: last.createdAt, id: last.id }
  }
}

/**
 * `GET /Users`: every user, deactivated ones included (`active: false`), in the order they
 * joined. `userName eq`, `externalId eq` and `id eq` are answered from indexes; any other filter
 * is evaluated over the directory.
 */
export async function listScimUsers(ctx: Context, orgId: string, params: ListParams, baseUrl: string): Promise<ListResponse<ScimUser>> {
  const filter = params.filter !== undefined && params.filter.trim() !== '' ? parseScimFilter(params.filter) : undefined
  const eq = simpleEquality(filter)
  let candidates: User[]
  if (eq && (eq.attr === 'username' || eq.attr === 'emails.value' || eq.attr === 'emails')) {
    const user = await findUserByEmail(ctx.db, orgId, eq.value)
    candidates = user ? [user] : []
  } else if (eq && eq.attr === 'externalid') {
    candidates = await findUsersByExternalId(ctx.db, orgId, eq.value)
  } else if (eq && eq.attr === 'id') {
    const uuid = resourceUuid(eq.value, 'U')
    candidates = uuid ? await findUsers(ctx.db, orgId, [uuid]) : []
  } else {
    candidates = await allUsers(ctx.db, orgId)
  }
  const resources = candidates.map((u) => scimUser(u, baseUrl)).filter((r) => matches(r, filter))
  return page(resources, params)
}

export async function getScimUser(ctx: Context, orgId: string, id: string, baseUrl: string): Promise<ScimUser> {
  return scimUser(await requireScimUser(ctx.db, orgId, id), baseUrl)
}

interface UserFields {
  email: string
  givenName: string
  familyName: string
  externalId: string | undefined
  active: boolean | undefined
  isAdmin: boolean | undefined
}

/** Reads and checks a User body (create and replace): Roam's rules, each with its message. */
function readUserBody(body: unknown): UserFields {
  if (!isObject(body)) bad('invalidSyntax', 'the request body must be a SCIM User object')
  const userName = attr(body, 'userName')
  if (typeof userName !== 'string' || userName.trim() === '') bad('invalidValue', 'userName is required')
  if (!isEmail(userName.trim())) bad('invalidValue', 'userName must be an email address')
  const emails = attr(body, 'emails')
  if (!Array.isArray(emails) || emails.length === 0) bad('invalidValue', 'emails must contain the primary email')
  const primary = (emails.find((e) => isObject(e) && attr(e, 'primary') === true) ?? emails[0]) as unknown
  const primaryValue = isObject(primary) ? attr(primary, 'value') : undefined
  if (typeof primaryValue !== 'string') bad('invalidValue', 'emails[].value is required')
  if (normalizeEmail(primaryValue) !== normalizeEmail(userName)) bad('invalidValue', 'userName must match primary email')
  const name = attr(body, 'name')
  const givenName = isObject(name) ? attr(name, 'givenName') : undefined
  const familyName = isObject(name) ? attr(name, 'familyName') : undefined
  if (typeof givenName !== 'string' || givenName.trim() === '' || typeof familyName !== 'string' || familyName.trim() === '') {
    bad('invalidValue', 'name must contain givenName and familyName')
  }
  const externalId = attr(body, 'externalId')
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') bad('invalidValue', 'externalId must be a string')
  const active = attr(body, 'active')
  const extension = attr(body, SCIM_SCHEMA.roamUser)
  let isAdmin: boolean | undefined
  if (extension !== undefined) {
    const role = isObject(extension) ? attr(extension, 'role') : undefined
    if (role !== undefined && role !== 'User' && role !== 'Admin') bad('invalidValue', `${SCIM_SCHEMA.roamUser}:role must be "User" or "Admin"`)
    if (role !== undefined) isAdmin = role === 'Admin'
  }
  return {
    email: normalizeEmail(userName),
    givenName: givenName.trim(),
    familyName: familyName.trim(),
    externalId: typeof externalId === 'string' ? externalId : undefined,
    active: active === undefined || active === null ? undefined : boolValue('active', active),
    isAdmin,
  }
}

const scimSource = (principal: Principal): ChangeSource => ({ via: 'scim', actor: principal.address })

/** `POST /Users`: provisions a user; a taken email is 409 `uniqueness`. */
export async function createScimUser(ctx: Context, principal: Principal, body: unknown, baseUrl: string): Promise<ScimUser> {
  const fields = readUserBody(body)
  try {
    const user = await addUser(ctx, principal.orgId, {
      email: fields.email,
      name: `${fields.givenName} ${fields.familyName}`,
      givenName: fields.givenName,
      familyName: fields.familyName,
      externalId: fields.externalId ?? null,
      isAdmin: fields.isAdmin ?? false,
      active: fields.active ?? true,
      source: scimSource(principal),
    })
    return scimUser(user, baseUrl)
  } catch (err) {
    if (err instanceof AppError && err.code === 'conflict') throw new ScimError('conflict', 'uniqueness', `a user with userName ${fields.email} already exists`)
    throw err
  }
}

/**
 * `PUT /Users/{id}`: replaces the name, externalId (kept when absent), role and active state.
 * userName and emails are immutable (400 `mutability`).
 */
export async function replaceScimUser(ctx: Context, principal: Principal, id: string, body: unknown, baseUrl: string): Promise<ScimUser> {
  const fields = readUserBody(body)
  const source = scimSource(principal)
  const user = await ctx.db.transaction().execute(async (tx) => {
    const current = await requireScimUser(tx, principal.orgId, id)
    if (fields.email !== current.email) throw new ScimError('invalid_request', 'mutability', 'email may not be updated')
    await updateUserProfile(
      ctx,
      principal.orgId,
      current.id,
      {
        name: `${fields.givenName} ${fields.familyName}`,
        givenName: fields.givenName,
        familyName: fields.familyName,
        ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}),
      },
      tx,
    )
    if (fields.isAdmin !== undefined) await setUserRole(ctx, principal.orgId, current.id, fields.isAdmin, source, tx)
    if (fields.active !== undefined) await setUserActiveState(ctx, principal.orgId, current.id, fields.active, source, tx)
    return (await findUser(tx, principal.orgId, current.id))!
  })
  return scimUser(user, baseUrl)
}

interface PatchOperation {
  op: 'add' | 'remove' | 'replace'
  path: string | undefined
  value: unknown
}

function readPatch(body: unknown): PatchOperation[] {
  if (!isObject(body)) bad('invalidSyntax', 'the request body must be a SCIM PatchOp')
  const schemas = attr(body, 'schemas')
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_SCHEMA.patch)) bad('invalidSyntax', `schemas must contain ${SCIM_SCHEMA.patch}`)
  const operations = attr(body, 'Operations')
  if (!Array.isArray(operations) || operations.length === 0) bad('invalidSyntax', 'Operations must be a non-empty array')
  return operations.map((raw, i) => {
    if (!isObject(raw)) bad('invalidSyntax', `Operations[${i}] must be an object`)
    const op = attr(raw, 'op')
    const normalized = typeof op === 'string' ? op.toLowerCase() : ''
    if (normalized !== 'add' && normalized !== 'remove' && normalized !== 'replace') bad('invalidSyntax', `Operations[${i}].op must be add, remove or replace`)
    const path = attr(raw, 'path')
    if (path !== undefined && typeof path !== 'string') bad('invalidPath', `Operations[${i}].path must be a string`)
    return { op: normalized, path: path?.trim() || undefined, value: attr(raw, 'value') }
  })
}

/**
 * `PATCH /Users/{id}`: only `replace` of `active` (with `path: "active"`, or a value object
 * holding only `active`), as Roam supports. Anything else is 400 and changes nothing.
 */
export async function patchScimUser(ctx: Context, principal: Principal, id: string, body: unknown, baseUrl: string): Promise<ScimUser> {
  const operations = readPatch(body)
  let active: boolean | undefined
  for (const operation of operations) {
    if (operation.op !== 'replace') bad('invalidPath', 'only replace of active is supported for Users')
    if (operation.path !== undefined) {
      if (operation.path.toLowerCase() !== 'active') bad('invalidPath', `${operation.path}: only replace of active is supported for Users`)
      active = boolValue('active', operation.value)
      continue
    }
    if (!isObject(operation.value)) bad('invalidValue', 'a replace without path needs an object value')
    for (const [key, value] of Object.entries(operation.value)) {
      if (key.toLowerCase() !== 'active') bad('invalidPath', `${key}: only replace of active is supported for Users`)
      active = boolValue('active', value)
    }
  }
  const user = await ctx.db.transaction().execute(async (tx) => {
    const current = await requireScimUser(tx, principal.orgId, id)
    return active === undefined ? current : setUserActiveState(ctx, principal.orgId, current.id, active, scimSource(principal), tx)
  })
  return scimUser(user, baseUrl)
}

/** `DELETE /Users/{id}`: archives (deactivates) the user; the record is kept. */
export async function deleteScimUser(ctx: Context, principal: Principal, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const current = await requireScimUser(tx, principal.orgId, id)
    await setUserActiveState(ctx, principal.orgId, current.id, false, scimSource(principal), tx)
  })
}

/* ---- Groups ---- */

export interface ScimGroup {
  schemas: string[]
  id: string
  displayName: string
  /** People (`type: "User"`) and apps' bots (`B-…`, with their app's name as `display`). */
  members?: Array<{ value: string; type?: 'User'; display?: string }>
  meta: { resourceType: 'Group'; created: string; location: string }
}

const PROVISIONING = { kind: 'provisioning' } as const

async function scimGroup(db: Executor, group: Group, baseUrl: string, withMembers = true): Promise<ScimGroup> {
  const id = tag('G', group.id)
  const members = withMembers ? await scimMembers(db, group) : undefined
  return {
    schemas: [SCIM_SCHEMA.group],
    id,
    displayName: group.name,
    ...(members ? { members } : {}),
    meta: { resourceType: 'Group', created: microsToIso(group.createdAt), location: `${baseUrl}/Groups/${id}` },
  }
}

/** The group's people, and the bots of live apps added to it (named after their app). */
async function scimMembers(db: Executor, group: Group): Promise<NonNullable<ScimGroup['members']>> {
  const rows = await listAllGroupMembers(db, group.id)
  const bots = rows.filter((m) => m.address.startsWith('B-')).map((m) => m.address.slice(2))
  const apps = new Map((await findAppsByBots(db, group.orgId, bots)).map((a) => [tag('B', a.botId), a.name]))
  const out: NonNullable<ScimGroup['members']> = []
  for (const m of rows) {
    if (m.address.startsWith('U-')) out.push({ value: m.address, type: 'User' })
    else if (apps.has(m.address)) out.push({ value: m.address, display: apps.get(m.address)! })
  }
  return out
}

/** A live (not archived) group; archived groups are gone as far as SCIM is concerned. */
async function requireScimGroup(db: Executor, orgId: string, id: string): Promise<Group> {
  const uuid = resourceUuid(id, 'G')
  const group = uuid ? await findGroup(db, orgId, uuid) : undefined
  if (!group || group.archivedAt !== null) notFound('Group', id)
  return group
}

const excludesMembers = (params: ListParams) =>
  (params.excludedAttributes ?? '').split(',').some((a) => a.trim().toLowerCase() === 'members')

/**
 * `GET /Groups`: live groups in creation order. Unlike Roam, which ignores `filter` here, Atrium
 * applies it (e.g. `displayName eq "Engineering"`), which is what identity providers expect.
 */
export async function listScimGroups(ctx: Context, orgId: string, params: ListParams, baseUrl: string): Promise<ListResponse<ScimGroup>> {
  const filter = params.filter !== undefined && params.filter.trim() !== '' ? parseScimFilter(params.filter) : undefined
  const groups = await listGroups(ctx.db, orgId)
  const withMembers = !excludesMembers(params) || filter !== undefined
  const resources: ScimGroup[] = []
  for (const group of groups) {
    const resource = await scimGroup(ctx.db, group, baseUrl, withMembers)
    if (matches(resource, filter)) resources.push(resource)
  }
  const result = page(resources, params)
  if (excludesMembers(params)) for (const r of result.Resources) delete r.members
  return result
}

export async function getScimGroup(ctx: Context, orgId: string, id: string, baseUrl: string, params: ListParams = {}): Promise<ScimGroup> {
  const group = await requireScimGroup(ctx.db, orgId, id)
  return scimGroup(ctx.db, group, baseUrl, !excludesMembers(params))
}

function readDisplayName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') bad('invalidValue', 'displayName is required')
  if (value.trim().length > GROUP_NAME_MAX) bad('invalidValue', `displayName must be at most ${GROUP_NAME_MAX} characters`)
  return value.trim()
}

/**
 * `members` values (`[{value}]`) as member addresses: people (`U-…` or a bare UUID) and apps' bots
 * (`B-…`, an app's bot joins groups like a person). Every one must be a user, or the bot of a live
 * app, of the organization.
 */
async function readMembers(db: Executor, orgId: string, value: unknown): Promise<string[]> {
  if (value === undefined || value === null) return []
  const list = Array.isArray(value) ? value : [value]
  const uuids: string[] = []
  const bots: string[] = []
  for (const entry of list) {
    const raw = isObject(entry) ? attr(entry, 'value') : undefined
    if (typeof raw !== 'string') bad('invalidValue', 'members[].value must be a user id or a bot id')
    const bot = parseTagged(raw.trim())
    if (bot?.tag === 'B') {
      bots.push(bot.uuid)
      continue
    }
    const uuid = resourceUuid(raw.trim(), 'U')
    if (!uuid) bad('invalidValue', `members: "${raw}" is not a user id or a bot id (B-…)`)
    uuids.push(uuid)
  }
  const known = new Set((await findUsers(db, orgId, uuids)).map((u) => u.id))
  const missing = uuids.find((u) => !known.has(u))
  if (missing !== undefined) bad('invalidValue', `members: no user U-${missing} in this organization`)
  const found = await findAppsByBots(db, orgId, bots)
  const persona = found.find((a) => a.authType === 'personal')
  if (persona) bad('invalidValue', `members: B-${persona.botId} is a personal access token's bot, which acts for its person and cannot join groups`)
  const liveBots = new Set(found.map((a) => a.botId))
  const missingBot = bots.find((b) => !liveBots.has(b))
  if (missingBot !== undefined) bad('invalidValue', `members: no bot B-${missingBot} in this organization`)
  return [...new Set([...uuids.map((u) => tag('U', u)), ...bots.map((b) => tag('B', b))])]
}

/** `POST /Groups`: creates a group (public, with its channel chat) and its initial members. */
export async function createScimGroup(ctx: Context, principal: Principal, body: unknown, baseUrl: string): Promise<ScimGroup> {
  if (!isObject(body)) bad('invalidSyntax', 'the request body must be a SCIM Group object')
  const name = readDisplayName(attr(body, 'displayName'))
  const members = await readMembers(ctx.db, principal.orgId, attr(body, 'members'))
  const group = await createGroup(ctx, principal.orgId, PROVISIONING, { name, members })
  return scimGroup(ctx.db, group, baseUrl)
}

/**
 * Makes the group's people exactly the people in `wanted`: new ones join as members, admins who
 * stay keep their role. Bots named in `wanted` join too, but bots are never removed by a replace:
 * an identity provider replacing a member list knows only its people, not the apps an
 * administrator let into the group (a bot leaves by an explicit `remove`).
 */
async function replaceUserMembers(db: Executor, group: Group, wanted: readonly string[], at: number): Promise<void> {
  const current = (await listAllGroupMembers(db, group.id)).filter((m) => m.address.startsWith('U-')).map((m) => m.address)
  const keep = new Set(wanted)
  await deleteGroupMembers(db, group.id, current.filter((a) => !keep.has(a)))
  await insertGroupMembersIfAbsent(db, group.id, wanted.map((address) => ({ address, role: 'member' as const })), at)
}

/** `PUT /Groups/{id}`: replaces the name and the whole member list. */
export async function replaceScimGroup(ctx: Context, principal: Principal, id: string, body: unknown, baseUrl: string): Promise<ScimGroup> {
  if (!isObject(body)) bad('invalidSyntax', 'the request body must be a SCIM Group object')
  const name = readDisplayName(attr(body, 'displayName'))
  return ctx.db.transaction().execute(async (tx) => {
    const group = await requireScimGroup(tx, principal.orgId, id)
    const members = await readMembers(tx, principal.orgId, attr(body, 'members'))
    await renameGroupRow(tx, group.id, name)
    await replaceUserMembers(tx, group, members, nowMicros())
    return scimGroup(tx, { ...group, name }, baseUrl)
  })
}

/**
 * `PATCH /Groups/{id}`: `add`/`remove`/`replace` of `members` (Entra style: `path: "members"`
 * with a value list; Okta style: `path: 'members[value eq "…"]'`), `replace` of `displayName`
 * (by path or in a value object). All operations apply in one transaction, or none do.
 */
export async function patchScimGroup(ctx: Context, principal: Principal, id: string, body: unknown, baseUrl: string): Promise<ScimGroup> {
  const operations = readPatch(body)
  return ctx.db.transaction().execute(async (tx) => {
    let group = await requireScimGroup(tx, principal.orgId, id)
    const now = nowMicros()
    const rename = async (value: unknown) => {
      const name = readDisplayName(value)
      await renameGroupRow(tx, group.id, name)
      group = { ...group, name }
    }
    for (const operation of operations) {
      const path = operation.path
      if (path === undefined) {
        if (operation.op === 'remove') bad('noTarget', 'remove needs a path')
        if (!isObject(operation.value)) bad('invalidValue', `${operation.op} without path needs an object value`)
        for (const [key, value] of Object.entries(operation.value)) {
          const k = key.toLowerCase()
          if (k === 'displayname') await rename(value)
          else if (k === 'members') {
            const members = await readMembers(tx, principal.orgId, value)
            if (operation.op === 'replace') await replaceUserMembers(tx, group, members, now)
            else await insertGroupMembersIfAbsent(tx, group.id, members.map((address) => ({ address, role: 'member' as const })), now)
          } else if (k === 'id' || k === 'schemas') continue
          else bad('invalidPath', `${key}: only members and displayName can be changed`)
        }
        continue
      }
      const lower = path.toLowerCase()
      if (lower === 'displayname') {
        if (operation.op === 'remove') bad('mutability', 'displayName is required and cannot be removed')
        await rename(operation.value)
      } else if (lower === 'members') {
        if (operation.op === 'remove' && (operation.value === undefined || operation.value === null)) {
          await replaceUserMembers(tx, group, [], now)
          continue
        }
        const members = await readMembers(tx, principal.orgId, operation.value)
        if (operation.op === 'add') await insertGroupMembersIfAbsent(tx, group.id, members.map((address) => ({ address, role: 'member' as const })), now)
        else if (operation.op === 'remove') await deleteGroupMembers(tx, group.id, members)
        else await replaceUserMembers(tx, group, members, now)
      } else {
        const selector = /^members\[(.+)\]$/is.exec(path)
        if (!selector || operation.op !== 'remove') bad('invalidPath', `${path}: only members and displayName can be changed`)
        const filter = parseScimFilter(selector[1]!)
        const current = await listAllGroupMembers(tx, group.id)
        const typed = (address: string) => (address.startsWith('U-') ? { value: address, type: 'User' } : { value: address })
        await deleteGroupMembers(tx, group.id, current.filter((m) => matches(typed(m.address), filter)).map((m) => m.address))
      }
    }
    return scimGroup(tx, group, baseUrl)
  })
}

/** `DELETE /Groups/{id}`: archives the group and removes its members. */
export async function deleteScimGroup(ctx: Context, principal: Principal, id: string): Promise<void> {
  const group = await requireScimGroup(ctx.db, principal.orgId, id)
  await archiveGroup(ctx, principal.orgId, PROVISIONING, tag('G', group.id), { removeMembers: true })
}
