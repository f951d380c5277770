import { requirePersonal } from '../access.js'
import type { Context } from '../context.js'
import type { Principal, User } from '../domain.js'
import { fail } from '../errors.js'
import { newId, tag } from '../ids.js'
import { listBotProfiles } from '../store/repos/apps.js'
import { insertAuditEntry } from '../store/repos/audit.js'
import { findGroup } from '../store/repos/groups.js'
import {
  countInRoom,
  deleteRoom,
  findPresence,
  findRoom,
  insertRoom,
  listOfficeMembers,
  type OfficeMember,
  listPresence,
  listRooms,
  nextRoomNumber,
  setCheckInStatus,
  updateRoom,
  upsertPresence,
  type OfficeRoom,
  type Presence,
} from '../store/repos/office.js'
import { insertEvent } from '../store/repos/outbox.js'
import type { Executor } from '../store/db.js'
import { nowMicros } from '../time.js'

/**
 * The virtual office: a floor of rooms, who is in which room, who is online, and Roam's
 * check-in status. Entering and leaving rooms is recorded in the user audit log as Roam's
 * `ENTER_ROOM` / `LEAVE_ROOM` (`data.location = {kind: "RoomLocation", roomId, positionNumber}`).
 * Check-in changes emit `user.status.update` (webhook body: the User with `status`); presence
 * and room moves emit the Atrium-internal `office.presence.update` so every open client can
 * redraw the floor.
 */

export const ROOM_NAME_MAX = 80
export const ROOMS_MAX = 100

export interface RoomView {
  id: string
  number: number
  name: string
  group: string | null
  position: number
}

/** A member of the office as the client shows them: the stored member with where and how they are now. */
export interface PersonView extends OfficeMember {
  presence: Presence
  room: string | null
}

export interface BotView {
  id: string
  name: string
  imageUrl: string | null
}

export interface OfficeView {
  rooms: RoomView[]
  people: PersonView[]
  /** The organization's apps, by their bot address: how the web client names and pictures bot messages and mentions. */
  bots: BotView[]
}

function roomView(r: OfficeRoom): RoomView {
  return { id: r.id, number: r.number, name: r.name, group: r.groupId ? tag('G', r.groupId) : null, position: r.position }
}

function requireUser(principal: Principal): User {
  requirePersonal(principal)
  return principal.user
}

export async function officeInfo(ctx: Context, principal: Principal): Promise<OfficeView> {
  const [rooms, members, presence, bots] = await Promise.all([
    listRooms(ctx.db, principal.orgId),
    listOfficeMembers(ctx.db, principal.orgId),
    listPresence(ctx.db, principal.orgId),
    listBotProfiles(ctx.db, principal.orgId),
  ])
  const byUser = new Map(presence.map((p) => [p.userId, p]))
  return {
    rooms: rooms.map(roomView),
    people: members.map((m) => {
      const p = byUser.get(m.id)
      return {
        id: tag('U', m.id),
        name: m.name,
        email: m.email,
        imageUrl: m.imageUrl,
        isAdmin: m.isAdmin,
        jobTitle: m.jobTitle,
        status: m.status,
        presence: p?.presence ?? 'offline',
        room: p?.roomId ?? null,
      }
    }),
    bots: bots.map((b) => ({ id: tag('B', b.botId), name: b.name, imageUrl: b.imageUrl })),
  }
}

async function emitPresence(tx: Executor, orgId: string, user: User, now: number): Promise<void> {
  const p = await findPresence(tx, orgId, user.id)
  await insertEvent(tx, {
    orgId,
    type: 'office.presence.update',
    payload: { user: tag('U', user.id), presence: p?.presence ?? 'offline', room: p?.roomId ?? null },
    routing: { broadcast: true, addresses: [tag('U', user.id)] },
    createdAt: now,
  })
}

function locationOf(room: OfficeRoom, positionNumber: number | null): Record<string, unknown> {
  return { location: { kind: 'RoomLocation', roomId: room.number, positionNumber: positionNumber ?? 0 }, room: { id: room.id, name: room.name } }
}

/** Moves the caller into a room (leaving the one they were in, if any). */
export async function enterRoom(ctx: Context, principal: Principal, roomId: string): Promise<OfficeView> {
  const user = requireUser(principal)
  await ctx.db.transaction().execute(async (tx) => {
    const room = await findRoom(tx, principal.orgId, roomId)
    if (!room) fail('not_found', 'room: no such room')
    const now = nowMicros()
    const current = await findPresence(tx, principal.orgId, user.id)
    if (current?.roomId === room.id) return
    if (current?.roomId) {
      const previous = await findRoom(tx, principal.orgId, current.roomId)
      if (previous) await insertAuditEntry(tx, { orgId: principal.orgId, userId: user.id, eventType: 'LEAVE_ROOM', data: locationOf(previous, current.positionNumber), createdAt: now })
    }
    const position = await countInRoom(tx, principal.orgId, room.id)
    await upsertPresence(tx, principal.orgId, user.id, { roomId: room.id, positionNumber: position, ...(current?.presence === 'away' ? {} : { presence: 'online' }) }, now)
    await insertAuditEntry(tx, { orgId: principal.orgId, userId: user.id, eventType: 'ENTER_ROOM', data: locationOf(room, position), createdAt: now })
    await emitPresence(tx, principal.orgId, user, now)
  })
  return officeInfo(ctx, principal)
}

/** Leaves the room the caller is in (no-op when in none). */
export async function leaveRoom(ctx: Context, principal: Principal): Promise<OfficeView> {
  const user = requireUser(principal)
  await ctx.db.transaction().execute(async (tx) => {
    const current = await findPresence(tx, principal.orgId, user.id)
    if (!current?.roomId) return
    const now = nowMicros()
    const room = await findRoom(tx, principal.orgId, current.roomId)
    await upsertPresence(tx, principal.orgId, user.id, { roomId: null, positionNumber: null }, now)
    if (room) await insertAuditEntry(tx, { orgId: principal.orgId, userId: user.id, eventType: 'LEAVE_ROOM', data: locationOf(room, current.positionNumber), createdAt: now })
    await emitPresence(tx, principal.orgId, user, now)
  })
  return officeInfo(ctx, principal)
}

/** Online / away (set by the client from focus and idle time, or by hand). */
export async function setPresence(ctx: Context, principal: Principal, presence: Presence): Promise<void> {
  const user = requireUser(principal)
  await ctx.db.transaction().execute(async (tx) => {
    const current = await findPresence(tx, principal.orgId, user.id)
    if (current?.presence === presence) return
    const now = nowMicros()
    await upsertPresence(tx, principal.orgId, user.id, { presence }, now)
    await emitPresence(tx, principal.orgId, user, now)
  })
}

/** The person's own presence, as their client starts with it. */
export async function ownPresence(ctx: Context, principal: Principal): Promise<Presence> {
  const user = requireUser(principal)
  return (await findPresence(ctx.db, principal.orgId, user.id))?.presence ?? 'offline'
}

/** A realtime socket of the person connected: online, unless they already are or chose away. */
export async function markConnected(ctx: Context, principal: Principal): Promise<void> {
  const current = await ownPresence(ctx, principal)
  if (current !== 'online' && current !== 'away') await setPresence(ctx, principal, 'online')
}

/** Roam's check-in / check-out. Emits `user.status.update` with the User as its webhook body. */
export async function setCheckIn(ctx: Context, principal: Principal, status: 'checkedIn' | 'checkedOut'): Promise<void> {
  const user = requireUser(principal)
  await ctx.db.transaction().execute(async (tx) => {
    if (user.status === status) {
      const fresh = (await listOfficeMembers(tx, principal.orgId)).find((m) => m.id === user.id)
      if (fresh?.status === status) return
    }
    const now = nowMicros()
    await setCheckInStatus(tx, principal.orgId, user.id, status)
    const payload: Record<string, unknown> = { id: tag('U', user.id), name: user.name, email: user.email, isAdmin: user.isAdmin, status }
    if (user.imageUrl) payload.imageUrl = user.imageUrl
    if (user.jobTitle) payload.jobTitle = user.jobTitle
    if (user.location) payload.location = user.location
    await insertEvent(tx, { orgId: principal.orgId, type: 'user.status.update', payload, routing: { broadcast: true, addresses: [tag('U', user.id)] }, createdAt: now })
  })
}

// Administration: arranging the floor.

function checkName(name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0) fail('invalid_request', 'name: must not be empty')
  if (trimmed.length > ROOM_NAME_MAX) fail('invalid_request', `name: must be at most ${ROOM_NAME_MAX} characters`)
  return trimmed
}

export async function createRoom(ctx: Context, orgId: string, input: { name: string; group?: string; position?: number }): Promise<RoomView> {
  const name = checkName(input.name)
  return ctx.db.transaction().execute(async (tx) => {
    const rooms = await listRooms(tx, orgId)
    if (rooms.length >= ROOMS_MAX) fail('invalid_request', `rooms: a floor holds at most ${ROOMS_MAX} rooms`)
    let groupId: string | null = null
    if (input.group) {
      const m = /^G-([0-9a-f-]{36})$/.exec(input.group)
      const group = m ? await findGroup(tx, orgId, m[1]!) : undefined
      if (!group) fail('invalid_request', 'group: must be the address of a group of this organization')
      groupId = group.id
    }
    const room: OfficeRoom = {
      id: newId(),
      orgId,
      number: await nextRoomNumber(tx, orgId),
      name,
      groupId,
      position: input.position ?? rooms.length,
      createdAt: nowMicros(),
    }
    await insertRoom(tx, room)
    await insertEvent(tx, { orgId, type: 'office.rooms.update', payload: { room: roomView(room) }, routing: { broadcast: true }, createdAt: room.createdAt })
    return roomView(room)
  })
}

export async function editRoom(ctx: Context, orgId: string, input: { id: string; name?: string; position?: number }): Promise<RoomView> {
  return ctx.db.transaction().execute(async (tx) => {
    const room = await findRoom(tx, orgId, input.id)
    if (!room) fail('not_found', 'id: no such room')
    await updateRoom(tx, orgId, room.id, { ...(input.name !== undefined ? { name: checkName(input.name) } : {}), ...(input.position !== undefined ? { position: input.position } : {}) })
    const updated = (await findRoom(tx, orgId, room.id))!
    await insertEvent(tx, { orgId, type: 'office.rooms.update', payload: { room: roomView(updated) }, routing: { broadcast: true }, createdAt: nowMicros() })
    return roomView(updated)
  })
}

export async function removeRoom(ctx: Context, orgId: string, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const room = await findRoom(tx, orgId, id)
    if (!room) fail('not_found', 'id: no such room')
    await deleteRoom(tx, orgId, room.id)
    await insertEvent(tx, { orgId, type: 'office.rooms.update', payload: { removed: room.id }, routing: { broadcast: true }, createdAt: nowMicros() })
  })
}
