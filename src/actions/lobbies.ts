import { createEvent } from 'ics'
import type { Context } from '../context.js'
import type { AvailabilityWindow, Lobby, LobbyBooking, Principal, User } from '../domain.js'
import { fail } from '../errors.js'
import { newId, tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findMeetingLink } from '../store/repos/meetinglinks.js'
import {
  bookedStarts,
  findBooking,
  findLobby,
  findLobbyById,
  findLobbyByPath,
  handleExists,
  insertBooking,
  insertLobby,
  listBookings as listBookingRows,
  listLobbies as listLobbyRows,
  replaceAvailability,
  setBookingMeetingLink,
  updateLobby as updateLobbyRow,
} from '../store/repos/lobbies.js'
import { insertEvent } from '../store/repos/outbox.js'
import { findUser, findUserByEmail } from '../store/repos/users.js'
import { microsToIso, nowMicros, parseDateParam } from '../time.js'
import { pageOf, resolveDateRange, type DateRangeQuery } from './daterange.js'
import { insertLinkFor, meetingLinkUrl } from './meetinglinks.js'
import { normalizeEmail } from '../email.js'
import { publicUrl } from '../public-url.js'

/**
 * Lobbies: public booking pages (`<public URL>/l/<handle>[/<slug>]`) offering a host's free slots.
 * A lobby has a slot length, a time zone, weekly availability windows in that zone and a horizon
 * (how many days ahead it offers slots). A guest books one slot: the booking gets the host and
 * the guest, a meeting link, an ICS file, and a `lobby.booked` event. One booking per slot is
 * enforced by a unique index, so concurrent requests for a slot cannot both succeed.
 */

export const DURATION_MIN = 5
export const DURATION_MAX = 480
export const HORIZON_MAX = 90
const MAX_SLOTS = 1000
const handleRe = /^[a-z0-9][a-z0-9-]{1,39}$/
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const

export interface AvailabilityInput {
  /** Day names (`mon`…`sun`) or ranges (`mon-fri`). */
  days: string[]
  /** `HH:MM`, local to the lobby's time zone. */
  start: string
  end: string
}

export interface LobbyInput {
  handle: string
  slug?: string | undefined
  name: string
  host: string
  duration: number
  timeZone?: string | undefined
  horizonDays?: number | undefined
  availability?: AvailabilityInput[] | undefined
}

export const DEFAULT_AVAILABILITY: AvailabilityInput[] = [{ days: ['mon-fri'], start: '09:00', end: '17:00' }]

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

function parseDays(spec: string, field: string): number[] {
  const out: number[] = []
  for (const part of spec.toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    const [from, to] = part.split('-') as [string, string | undefined]
    const a = DAYS.indexOf(from.slice(0, 3) as (typeof DAYS)[number])
    const b = to === undefined ? a : DAYS.indexOf(to.slice(0, 3) as (typeof DAYS)[number])
    if (a < 0 || b < 0) fail('invalid_request', `${field}: "${part}" is not a day (mon…sun) or a range (mon-fri)`)
    for (let d = a; ; d = (d + 1) % 7) {
      if (!out.includes(d)) out.push(d)
      if (d === b) break
    }
  }
  return out
}

function parseClock(value: string, field: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim())
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60) fail('invalid_request', `${field}: must be HH:MM between 00:00 and 24:00`)
  return minutes
}

export function parseAvailability(input: ReadonlyArray<AvailabilityInput>): AvailabilityWindow[] {
  const windows: AvailabilityWindow[] = []
  for (const [i, a] of input.entries()) {
    const startMinute = parseClock(a.start, `availability/${i}/start`)
    const endMinute = parseClock(a.end, `availability/${i}/end`)
    if (endMinute <= startMinute) fail('invalid_request', `availability/${i}/end: must be after start`)
    for (const weekday of parseDays(a.days.join(','), `availability/${i}/days`)) {
      if (windows.some((w) => w.weekday === weekday && w.startMinute < endMinute && startMinute < w.endMinute)) {
        fail('invalid_request', `availability/${i}: overlaps another window on ${DAYS[weekday]}`)
      }
      windows.push({ weekday, startMinute, endMinute })
    }
  }
  return windows.sort((x, y) => x.weekday - y.weekday || x.startMinute - y.startMinute)
}

function checkDuration(duration: number): void {
  if (!Number.isInteger(duration) || duration < DURATION_MIN || duration > DURATION_MAX) {
    fail('invalid_request', `duration: must be a whole number of minutes from ${DURATION_MIN} to ${DURATION_MAX}`)
  }
}

function checkHorizon(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > HORIZON_MAX) fail('invalid_request', `horizonDays: must be 1 to ${HORIZON_MAX}`)
}

export function lobbyUrl(ctx: Context, lobby: Pick<Lobby, 'handle' | 'slug'>): string {
  return publicUrl(ctx.config, `/l/${lobby.handle}${lobby.slug ? `/${lobby.slug}` : ''}`)
}

/** Wire shape of `LobbyConfiguration`. */
export function presentLobby(ctx: Context, lobby: Lobby) {
  return { id: lobby.id, slug: lobby.slug, displayName: lobby.displayName, active: lobby.active, url: lobbyUrl(ctx, lobby), handle: lobby.handle }
}

/** Creates a lobby (administration). Handle and slug are unique in the organization. */
export async function createLobby(ctx: Context, orgId: string, input: LobbyInput): Promise<Lobby> {
  const handle = input.handle.trim().toLowerCase()
  const slug = (input.slug ?? '').trim().toLowerCase()
  if (!handleRe.test(handle)) fail('invalid_request', 'handle: 2 to 40 lower-case letters, digits or hyphens, starting with a letter or digit')
  if (slug !== '' && !handleRe.test(slug)) fail('invalid_request', 'slug: empty, or 2 to 40 lower-case letters, digits or hyphens')
  const name = input.name.trim()
  if (name === '' || name.length > 200) fail('invalid_request', 'name: must be 1 to 200 characters')
  checkDuration(input.duration)
  const timeZone = input.timeZone ?? 'UTC'
  if (!isTimeZone(timeZone)) fail('invalid_request', `timeZone: "${timeZone}" is not an IANA time zone`)
  const horizonDays = input.horizonDays ?? 14
  checkHorizon(horizonDays)
  const availability = parseAvailability(input.availability ?? DEFAULT_AVAILABILITY)
  return ctx.db.transaction().execute(async (tx) => {
    const host = await findUserByEmail(tx, orgId, input.host)
    if (!host || !host.active) fail('invalid_request', 'host: no member of this Roam has that email')
    const lobby = await insertLobby(tx, {
      id: newId(),
      orgId,
      handle,
      slug,
      displayName: name,
      active: true,
      hostUserId: host.id,
      durationMinutes: input.duration,
      timeZone,
      horizonDays,
      availability,
      createdAt: nowMicros(),
    })
    if (!lobby) fail('conflict', `handle: ${handle}${slug ? `/${slug}` : ''} is already taken`)
    return lobby
  })
}

export interface LobbyChanges {
  name?: string | undefined
  active?: boolean | undefined
  duration?: number | undefined
  timeZone?: string | undefined
  horizonDays?: number | undefined
  availability?: AvailabilityInput[] | undefined
}

export async function updateLobby(ctx: Context, orgId: string, id: string, changes: LobbyChanges): Promise<Lobby> {
  if (changes.duration !== undefined) checkDuration(changes.duration)
  if (changes.horizonDays !== undefined) checkHorizon(changes.horizonDays)
  if (changes.timeZone !== undefined && !isTimeZone(changes.timeZone)) fail('invalid_request', `timeZone: "${changes.timeZone}" is not an IANA time zone`)
  const name = changes.name?.trim()
  if (name !== undefined && (name === '' || name.length > 200)) fail('invalid_request', 'name: must be 1 to 200 characters')
  const availability = changes.availability && parseAvailability(changes.availability)
  return ctx.db.transaction().execute(async (tx) => {
    const lobby = await findLobby(tx, orgId, id)
    if (!lobby) fail('not_found', 'Lobby not found.')
    await updateLobbyRow(tx, id, {
      displayName: name,
      active: changes.active,
      durationMinutes: changes.duration,
      timeZone: changes.timeZone,
      horizonDays: changes.horizonDays,
    })
    if (availability) await replaceAvailability(tx, id, availability)
    return (await findLobby(tx, orgId, id))!
  })
}

export async function listLobbies(ctx: Context, principal: Principal, handle: string | undefined) {
  const h = handle?.trim().toLowerCase()
  if (h !== undefined && h !== '' && !(await handleExists(ctx.db, principal.orgId, h))) fail('not_found', 'Handle not found.')
  const lobbies = await listLobbyRows(ctx.db, principal.orgId, h ? { handle: h } : {})
  return { lobbies: lobbies.map((l) => presentLobby(ctx, l)) }
}

async function presentBooking(ctx: Context, db: Executor, b: LobbyBooking, host?: User) {
  const h = host ?? (await findUser(db, b.orgId, b.hostUserId))
  const link = b.meetingLinkId ? await findMeetingLink(db, b.orgId, b.meetingLinkId) : undefined
  return {
    id: b.id,
    start: microsToIso(b.startAt),
    end: microsToIso(b.endAt),
    status: b.status,
    timeZone: b.timeZone,
    ...(b.notes ? { notes: b.notes } : {}),
    created: microsToIso(b.createdAt),
    hosts: h ? [{ name: h.name, email: h.email, isOrganizer: true }] : [],
    invitees: [{ name: b.inviteeName, email: b.inviteeEmail, status: 'invited', isBooker: true }],
    ...(link ? { meetingLink: meetingLinkUrl(ctx, link.id) } : {}),
  }
}

export async function listBookings(ctx: Context, principal: Principal, lobbyId: string, query: DateRangeQuery) {
  const lobby = await findLobby(ctx.db, principal.orgId, lobbyId)
  if (!lobby) fail('not_found', 'Lobby not found.')
  const page = resolveDateRange(query, nowMicros())
  const rows = await listBookingRows(ctx.db, lobby.id, page)
  const { items, nextCursor } = pageOf(rows, page, (b) => ({ at: b.startAt, id: b.id }))
  const bookings = []
  for (const b of items) bookings.push(await presentBooking(ctx, ctx.db, b))
  return { bookings, ...(nextCursor ? { nextCursor } : {}) }
}

// ---- slots -----------------------------------------------------------------------------------

/** Offset of `tz` from UTC at the instant `utcMs`, in ms (positive east of Greenwich). */
const formatters = new Map<string, Intl.DateTimeFormat>()

function zoneOffsetMs(tz: string, utcMs: number): number {
  let format = formatters.get(tz)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(tz, format)
  }
  const parts = format.formatToParts(new Date(utcMs))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return asUtc - Math.floor(utcMs / 1000) * 1000
}

/** The UTC instant (ms) of a wall-clock time in `tz` (for times skipped by DST, the later one). */
function wallToUtc(tz: string, y: number, month: number, day: number, minute: number): number {
  const guess = Date.UTC(y, month, day, 0, minute)
  const first = guess - zoneOffsetMs(tz, guess)
  const second = guess - zoneOffsetMs(tz, first)
  return second
}

/** Every slot start (µs) the lobby offers from `now` over its horizon, booked or not. */
export function candidateSlots(lobby: Lobby, now: number): number[] {
  const nowMs = Math.floor(now / 1000)
  const local = new Date(nowMs + zoneOffsetMs(lobby.timeZone, nowMs))
  const slots: number[] = []
  for (let d = 0; d < lobby.horizonDays && slots.length < MAX_SLOTS; d++) {
    const date = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + d))
    for (const w of lobby.availability) {
      if (w.weekday !== date.getUTCDay()) continue
      for (let m = w.startMinute; m + lobby.durationMinutes <= w.endMinute && slots.length < MAX_SLOTS; m += lobby.durationMinutes) {
        const utc = wallToUtc(lobby.timeZone, date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), m)
        if (utc > nowMs) slots.push(utc * 1000)
      }
    }
  }
  return slots.sort((a, b) => a - b)
}

export interface PublicLobby {
  lobby: Lobby
  hostName: string
  /** Free slot starts (µs), soonest first. */
  free: number[]
}

/** The lobby at a public path with its free slots; undefined when absent or inactive. */
export async function publicLobby(ctx: Context, handle: string, slug: string): Promise<PublicLobby | undefined> {
  const lobby = await findLobbyByPath(ctx.db, handle.toLowerCase(), slug.toLowerCase())
  if (!lobby || !lobby.active) return undefined
  const host = await findUser(ctx.db, lobby.orgId, lobby.hostUserId)
  const slots = candidateSlots(lobby, nowMicros())
  const taken = slots.length ? await bookedStarts(ctx.db, lobby.id, slots[0]!, slots[slots.length - 1]! + 1) : new Set<number>()
  return { lobby, hostName: host?.name ?? '', free: slots.filter((s) => !taken.has(s)) }
}

export interface BookingInput {
  start: string
  name: string
  email: string
  notes?: string | undefined
  timeZone?: string | undefined
}

export const MAX_NOTES = 2000
const emailRe = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * Books one slot of a lobby for a guest. The slot must be one the lobby offers; the insert is
 * the arbiter between concurrent requests (the loser gets 409 `conflict`). Creates the meeting
 * link and emits `lobby.booked` in the same transaction.
 */
export async function bookSlot(ctx: Context, lobbyId: string, input: BookingInput) {
  const name = input.name.trim()
  const email = normalizeEmail(input.email)
  const notes = input.notes?.trim() || null
  if (name === '' || name.length > 200) fail('invalid_request', 'name: must be 1 to 200 characters')
  if (!emailRe.test(email) || email.length > 254) fail('invalid_request', 'email: must be an email address')
  if (notes !== null && notes.length > MAX_NOTES) fail('invalid_request', `notes: at most ${MAX_NOTES} characters`)
  const start = parseDateParam(input.start.trim())
  if (start === undefined) fail('invalid_request', 'start: must be an RFC 3339 date-time')
  const now = nowMicros()
  return ctx.db.transaction().execute(async (tx) => {
    const full = await findLobbyById(tx, lobbyId)
    if (!full || !full.active) fail('not_found', 'Lobby not found.')
    if (!candidateSlots(full, now).includes(start)) fail('invalid_request', 'start: not a slot this lobby offers')
    const timeZone = input.timeZone && isTimeZone(input.timeZone) ? input.timeZone : full.timeZone
    const host = (await findUser(tx, full.orgId, full.hostUserId))!
    const end = start + full.durationMinutes * 60_000_000
    const booking = await insertBooking(tx, {
      id: newId(),
      orgId: full.orgId,
      lobbyId: full.id,
      startAt: start,
      endAt: end,
      status: 'active',
      timeZone,
      notes,
      hostUserId: host.id,
      inviteeName: name,
      inviteeEmail: email,
      meetingLinkId: null,
      createdAt: now,
    })
    if (!booking) fail('conflict', 'start: this slot has just been booked; pick another')
    const link = await insertLinkFor(tx, full.orgId, { name: `${full.displayName}: ${name}`, hostUserId: host.id, start, end, createdBy: tag('V', booking.id) })
    await setBookingMeetingLink(tx, booking.id, link.id)
    booking.meetingLinkId = link.id
    const presented = await presentBooking(ctx, tx, booking, host)
    await insertEvent(tx, {
      orgId: full.orgId,
      type: 'lobby.booked',
      payload: { lobby: presentLobby(ctx, full), booking: presented },
      routing: { lobbyId: full.id, addresses: [tag('U', host.id)] },
      createdAt: now,
    })
    return { booking: presented, lobby: full, hostName: host.name }
  })
}

/** What the booking's confirmation page shows; undefined when there is no such booking. */
export async function bookingSummary(ctx: Context, bookingId: string) {
  const booking = await findBooking(ctx.db, bookingId)
  if (!booking) return undefined
  const lobby = (await findLobby(ctx.db, booking.orgId, booking.lobbyId))!
  const host = await findUser(ctx.db, booking.orgId, booking.hostUserId)
  return {
    lobbyName: lobby.displayName,
    hostName: host?.name ?? '',
    start: booking.startAt,
    durationMinutes: Math.round((booking.endAt - booking.startAt) / 60_000_000),
    timeZone: booking.timeZone,
    meetingLink: booking.meetingLinkId ? meetingLinkUrl(ctx, booking.meetingLinkId) : null,
  }
}

/** The booking's calendar file (ICS), or undefined when there is no such booking. */
export async function bookingIcs(ctx: Context, bookingId: string): Promise<string | undefined> {
  const booking = await findBooking(ctx.db, bookingId)
  if (!booking) return undefined
  const lobby = (await findLobby(ctx.db, booking.orgId, booking.lobbyId))!
  const host = await findUser(ctx.db, booking.orgId, booking.hostUserId)
  const url = booking.meetingLinkId ? meetingLinkUrl(ctx, booking.meetingLinkId) : lobbyUrl(ctx, lobby)
  const { error, value } = createEvent({
    uid: `${booking.id}@atrium`,
    start: Math.floor(booking.startAt / 1000),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: Math.floor(booking.endAt / 1000),
    endInputType: 'utc',
    endOutputType: 'utc',
    title: `${lobby.displayName}: ${booking.inviteeName}`,
    description: `Join: ${url}${booking.notes ? `\n\n${booking.notes}` : ''}`,
    url,
    location: url,
    status: 'CONFIRMED',
    productId: 'atrium/lobby',
    method: 'PUBLISH',
    ...(host ? { organizer: { name: host.name, email: host.email } } : {}),
    attendees: [{ name: booking.inviteeName, email: booking.inviteeEmail, rsvp: false, partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT' }],
  })
  if (error || !value) throw error ?? new Error('ICS generation produced nothing')
  return value
}
