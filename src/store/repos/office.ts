import type { Executor } from '../db.js'

export type Presence = 'online' | 'away' | 'offline'

export interface OfficeRoom {
  id: string
  orgId: string
  /** Integer id of the room, as Roam's audit log names rooms. */
  number: number
  name: string
  /** UUID of the group behind the room (its chat is the room's chat), if any. */
  groupId: string | null
  position: number
  createdAt: number
}

export interface OfficePresence {
  userId: string
  roomId: string | null
  positionNumber: number | null
  presence: Presence
  updatedAt: number
}

function toRoom(row: { id: string; org_id: string; number: number; name: string; group_id: string | null; position: number; created_at: number }): OfficeRoom {
  return {
    id: row.id,
    orgId: row.org_id,
    number: Number(row.number),
    name: row.name,
    groupId: row.group_id,
    position: Number(row.position),
    createdAt: Number(row.created_at),
  }
}

export async function listRooms(db: Executor, orgId: string): Promise<OfficeRoom[]> {
  const rows = await db.selectFrom('office_rooms').selectAll().where('org_id', '=', orgId).orderBy('position').orderBy('number').execute()
  return rows.map(toRoom)
}

export async function findRoom(db: Executor, orgId: string, id: string): Promise<OfficeRoom | undefined> {
  const row = await db.selectFrom('office_rooms').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toRoom(row)
}

export async function nextRoomNumber(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('office_rooms')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirst()
  return Number(row?.n ?? 0) + 1
}

export async function insertRoom(db: Executor, room: OfficeRoom): Promise<void> {
  await db
    .insertInto('office_rooms')
    .values({
      id: room.id,
      org_id: room.orgId,
      number: room.number,
      name: room.name,
      group_id: room.groupId,
      position: room.position,
      created_at: room.createdAt,
    })
    .execute()
}

export async function updateRoom(db: Executor, orgId: string, id: string, patch: { name?: string; position?: number }): Promise<void> {
  if (patch.name === undefined && patch.position === undefined) return
  await db
    .updateTable('office_rooms')
    .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.position !== undefined ? { position: patch.position } : {}) })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute()
}

export async function deleteRoom(db: Executor, orgId: string, id: string): Promise<void> {
  await db.updateTable('office_presence').set({ room_id: null, position_number: null }).where('org_id', '=', orgId).where('room_id', '=', id).execute()
  await db.deleteFrom('office_rooms').where('org_id', '=', orgId).where('id', '=', id).execute()
}

export async function listPresence(db: Executor, orgId: string): Promise<OfficePresence[]> {
  const rows = await db.selectFrom('office_presence').selectAll().where('org_id', '=', orgId).execute()
  return rows.map((r) => ({
    userId: r.user_id,
    roomId: r.room_id,
    positionNumber: r.position_number === null ? null : Number(r.position_number),
    presence: (r.presence as Presence) ?? 'offline',
    updatedAt: Number(r.updated_at),
  }))
}

export async function findPresence(db: Executor, orgId: string, userId: string): Promise<OfficePresence | undefined> {
  const r = await db.selectFrom('office_presence').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()
  return (
    r && {
      userId: r.user_id,
      roomId: r.room_id,
      positionNumber: r.position_number === null ? null : Number(r.position_number),
      presence: r.presence as Presence,
      updatedAt: Number(r.updated_at),
    }
  )
}

/** Writes one person's row (where they are, whether online); creates it on first use. */
export async function upsertPresence(
  db: Executor,
  orgId: string,
  userId: string,
  patch: { roomId?: string | null; positionNumber?: number | null; presence?: Presence },
  now: number,
): Promise<void> {
  const existing = await db.selectFrom('office_presence').select('user_id').where('user_id', '=', userId).executeTakeFirst()
  if (existing) {
    await db
      .updateTable('office_presence')
      .set({
        ...(patch.roomId !== undefined ? { room_id: patch.roomId } : {}),
        ...(patch.positionNumber !== undefined ? { position_number: patch.positionNumber } : {}),
        ...(patch.presence !== undefined ? { presence: patch.presence } : {}),
        updated_at: now,
      })
      .where('user_id', '=', userId)
      .execute()
    return
  }
  await db
    .insertInto('office_presence')
    .values({
      user_id: userId,
      org_id: orgId,
      room_id: patch.roomId ?? null,
      position_number: patch.positionNumber ?? null,
      presence: patch.presence ?? 'offline',
      updated_at: now,
    })
    .execute()
}

/** Roam's check-in status (users.presence_status): `checkedIn` or `checkedOut`. */
export async function setCheckInStatus(db: Executor, orgId: string, userId: string, status: 'checkedIn' | 'checkedOut'): Promise<void> {
  await db.updateTable('users').set({ presence_status: status }).where('org_id', '=', orgId).where('id', '=', userId).execute()
}

/** Occupants of a room, for the next free position number. */
export async function countInRoom(db: Executor, orgId: string, roomId: string): Promise<number> {
  const row = await db
    .selectFrom('office_presence')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .where('room_id', '=', roomId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export interface OfficeMember {
  id: string
  name: string
  email: string
  imageUrl: string | null
  isAdmin: boolean
  jobTitle: string | null
  status: 'checkedIn' | 'checkedOut'
}

/** Active people of the organization, by name. */
export async function listOfficeMembers(db: Executor, orgId: string): Promise<OfficeMember[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'image_url', 'is_admin', 'job_title', 'presence_status'])
    .where('org_id', '=', orgId)
    .where('active', '=', 1)
    .orderBy('name')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    imageUrl: r.image_url,
    isAdmin: r.is_admin === 1,
    jobTitle: r.job_title,
    status: r.presence_status === 'checkedIn' ? 'checkedIn' : 'checkedOut',
  }))
}
