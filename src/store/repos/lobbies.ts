import type { Selectable, Updateable } from 'kysely'
import type { AvailabilityWindow, DateRangePage, Lobby, LobbyBooking } from '../../domain.js'
import type { Executor } from '../db.js'
import type { LobbiesTable, LobbyBookingsTable } from '../schema.js'
import { pageByInstant } from './daterange.js'

function toLobby(row: Selectable<LobbiesTable>, availability: AvailabilityWindow[]): Lobby {
  return {
    id: row.id,
    orgId: row.org_id,
    handle: row.handle,
    slug: row.slug,
    displayName: row.display_name,
    active: row.active === 1,
    hostUserId: row.host_user_id,
    durationMinutes: row.duration_minutes,
    timeZone: row.time_zone,
    horizonDays: row.horizon_days,
    availability,
    createdAt: row.created_at,
  }
}

function toBooking(row: Selectable<LobbyBookingsTable>): LobbyBooking {
  return {
    id: row.id,
    orgId: row.org_id,
    lobbyId: row.lobby_id,
    startAt: row.start_at,
    endAt: row.end_at,
    status: row.status,
    timeZone: row.time_zone,
    notes: row.notes,
    hostUserId: row.host_user_id,
    inviteeName: row.invitee_name,
    inviteeEmail: row.invitee_email,
    meetingLinkId: row.meeting_link_id,
    createdAt: row.created_at,
  }
}

async function withAvailability(db: Executor, rows: Selectable<LobbiesTable>[]): Promise<Lobby[]> {
  if (rows.length === 0) return []
  const windows = await db
    .selectFrom('lobby_availability')
    .selectAll()
    .where('lobby_id', 'in', rows.map((r) => r.id))
    .orderBy('weekday')
    .orderBy('start_minute')
    .execute()
  return rows.map((row) =>
    toLobby(
      row,
      windows
        .filter((w) => w.lobby_id === row.id)
        .map((w) => ({ weekday: w.weekday, startMinute: w.start_minute, endMinute: w.end_minute })),
    ),
  )
}

/** Inserts the lobby; undefined when its handle and slug are taken in the organization. */
export async function insertLobby(db: Executor, lobby: Lobby): Promise<Lobby | undefined> {
  const row = await db
    .insertInto('lobbies')
    .values({
      id: lobby.id,
      org_id: lobby.orgId,
      handle: lobby.handle,
      slug: lobby.slug,
      display_name: lobby.displayName,
      active: lobby.active ? 1 : 0,
      host_user_id: lobby.hostUserId,
      duration_minutes: lobby.durationMinutes,
      time_zone: lobby.timeZone,
      horizon_days: lobby.horizonDays,
      created_at: lobby.createdAt,
    })
    .onConflict((oc) => oc.columns(['org_id', 'handle', 'slug']).doNothing())
    .returningAll()
    .executeTakeFirst()
  if (!row) return undefined
  await replaceAvailability(db, lobby.id, lobby.availability)
  return toLobby(row, lobby.availability)
}

export async function replaceAvailability(db: Executor, lobbyId: string, windows: ReadonlyArray<AvailabilityWindow>): Promise<void> {
  await db.deleteFrom('lobby_availability').where('lobby_id', '=', lobbyId).execute()
  if (windows.length === 0) return
  await db
    .insertInto('lobby_availability')
    .values(windows.map((w) => ({ lobby_id: lobbyId, weekday: w.weekday, start_minute: w.startMinute, end_minute: w.endMinute })))
    .execute()
}

export async function updateLobby(
  db: Executor,
  id: string,
  changes: Partial<Pick<Lobby, 'displayName' | 'active' | 'durationMinutes' | 'timeZone' | 'horizonDays'>>,
): Promise<void> {
  const set: Updateable<LobbiesTable> = {}
  if (changes.displayName !== undefined) set.display_name = changes.displayName
  if (changes.active !== undefined) set.active = changes.active ? 1 : 0
  if (changes.durationMinutes !== undefined) set.duration_minutes = changes.durationMinutes
  if (changes.timeZone !== undefined) set.time_zone = changes.timeZone
  if (changes.horizonDays !== undefined) set.horizon_days = changes.horizonDays
  if (Object.keys(set).length === 0) return
  await db.updateTable('lobbies').set(set).where('id', '=', id).execute()
}

export async function findLobby(db: Executor, orgId: string, id: string): Promise<Lobby | undefined> {
  const row = await db.selectFrom('lobbies').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row ? (await withAvailability(db, [row]))[0] : undefined
}

/** A lobby by id alone, for public pages that know no organization (any organization on this server). */
export async function findLobbyById(db: Executor, id: string): Promise<Lobby | undefined> {
  const row = await db.selectFrom('lobbies').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? (await withAvailability(db, [row]))[0] : undefined
}

/** The lobby at a public path (any organization on this server). */
export async function findLobbyByPath(db: Executor, handle: string, slug: string): Promise<Lobby | undefined> {
  const row = await db.selectFrom('lobbies').selectAll().where('handle', '=', handle).where('slug', '=', slug).orderBy('created_at').executeTakeFirst()
  return row ? (await withAvailability(db, [row]))[0] : undefined
}

/** Lobbies of the organization, by handle then slug; only active ones unless `includeInactive`. */
export async function listLobbies(db: Executor, orgId: string, opts: { handle?: string; includeInactive?: boolean } = {}): Promise<Lobby[]> {
  let q = db.selectFrom('lobbies').selectAll().where('org_id', '=', orgId)
  if (opts.handle !== undefined) q = q.where('handle', '=', opts.handle)
  if (!opts.includeInactive) q = q.where('active', '=', 1)
  return withAvailability(db, await q.orderBy('handle').orderBy('slug').execute())
}

export async function handleExists(db: Executor, orgId: string, handle: string): Promise<boolean> {
  const row = await db.selectFrom('lobbies').select('id').where('org_id', '=', orgId).where('handle', '=', handle).executeTakeFirst()
  return row !== undefined
}

/**
 * Inserts a booking unless its slot is taken. The unique index on `(lobby_id, start_at)` decides,
 * so two concurrent requests for one slot cannot both succeed; the loser gets undefined.
 */
export async function insertBooking(db: Executor, booking: LobbyBooking): Promise<LobbyBooking | undefined> {
  const row = await db
    .insertInto('lobby_bookings')
    .values({
      id: booking.id,
      org_id: booking.orgId,
      lobby_id: booking.lobbyId,
      start_at: booking.startAt,
      end_at: booking.endAt,
      status: booking.status,
      time_zone: booking.timeZone,
      notes: booking.notes,
      host_user_id: booking.hostUserId,
      invitee_name: booking.inviteeName,
      invitee_email: booking.inviteeEmail,
      meeting_link_id: booking.meetingLinkId,
      created_at: booking.createdAt,
    })
    .onConflict((oc) => oc.columns(['lobby_id', 'start_at']).doNothing())
    .returningAll()
    .executeTakeFirst()
  return row && toBooking(row)
}

export async function setBookingMeetingLink(db: Executor, id: string, meetingLinkId: string): Promise<void> {
  await db.updateTable('lobby_bookings').set({ meeting_link_id: meetingLinkId }).where('id', '=', id).execute()
}

export async function findBooking(db: Executor, id: string): Promise<LobbyBooking | undefined> {
  const row = await db.selectFrom('lobby_bookings').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toBooking(row)
}

/** Start instants of the lobby's bookings in [from, to). */
export async function bookedStarts(db: Executor, lobbyId: string, from: number, to: number): Promise<Set<number>> {
  const rows = await db
    .selectFrom('lobby_bookings')
    .select('start_at')
    .where('lobby_id', '=', lobbyId)
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .execute()
  return new Set(rows.map((r) => r.start_at))
}

export async function listBookings(db: Executor, lobbyId: string, page: DateRangePage): Promise<LobbyBooking[]> {
  const rows = await pageByInstant(db.selectFrom('lobby_bookings').selectAll().where('lobby_id', '=', lobbyId), 'start_at', 'id', page).execute()
  return rows.map(toBooking)
}
