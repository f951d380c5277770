import { meetingLinkHostEmail } from '../access.js'
import type { Context } from '../context.js'
import type { MeetingLink, Principal } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findMeetingLink, insertMeetingLink, updateMeetingLink } from '../store/repos/meetinglinks.js'
import { findUser, findUserByEmail } from '../store/repos/users.js'
import { microsToIso, nowMicros, parseDateParam } from '../time.js'
import { normalizeEmail } from '../email.js'
import { publicUrl } from '../public-url.js'

/**
 * Meeting links: a named, optionally scheduled meeting with a host and a public page on this
 * server (`<public URL>/m/<id>`) showing its name, time and host.
 */

export const MAX_LINK_NAME = 200

export interface MeetingLinkInput {
  name: string
  host?: string | undefined
  start?: string | undefined
  end?: string | undefined
}

export function meetingLinkUrl(ctx: Context, id: string): string {
  return publicUrl(ctx.config, `/m/${id}`)
}

function checkName(name: string): string {
  const n = name.trim()
  if (n === '' || n.length > MAX_LINK_NAME) fail('invalid_request', `name: must be 1 to ${MAX_LINK_NAME} characters`)
  return n
}

/** `undefined` = not given; `null` = given empty (clears on update). */
function parseTime(value: string | undefined, field: string): number | null | undefined {
  if (value === undefined) return undefined
  if (value.trim() === '') return null
  const us = parseDateParam(value.trim())
  if (us === undefined) fail('invalid_request', `${field}: must be an RFC 3339 date-time`)
  return us
}

function checkOrder(start: number | null, end: number | null): void {
  if (start !== null && end !== null && end < start) fail('invalid_request', 'end: must not be before start')
}

/** Creates a link in a transaction the caller owns (lobby bookings create theirs with the booking). */
export async function insertLinkFor(tx: Executor, orgId: string, input: { name: string; hostUserId: string; start: number | null; end: number | null; createdBy: string }): Promise<MeetingLink> {
  return insertMeetingLink(tx, {
    id: newId(),
    orgId,
    name: input.name,
    hostUserId: input.hostUserId,
    startAt: input.start,
    endAt: input.end,
    createdBy: input.createdBy,
    createdAt: nowMicros(),
  })
}

export async function createMeetingLink(ctx: Context, principal: Principal, input: MeetingLinkInput) {
  const name = checkName(input.name)
  const hostEmail = meetingLinkHostEmail(principal, input.host)
  const start = parseTime(input.start, 'start') ?? null
  const end = parseTime(input.end, 'end') ?? null
  checkOrder(start, end)
  const host = await findUserByEmail(ctx.db, principal.orgId, hostEmail)
  if (!host || !host.active) fail('invalid_request', 'host: no member of this Roam has that email')
  const link = await ctx.db.transaction().execute((tx) => insertLinkFor(tx, principal.orgId, { name, hostUserId: host.id, start, end, createdBy: principal.address }))
  return { id: link.id, url: meetingLinkUrl(ctx, link.id) }
}

export async function presentMeetingLink(ctx: Context, link: MeetingLink) {
  const host = await findUser(ctx.db, link.orgId, link.hostUserId)
  return {
    id: link.id,
    name: link.name,
    host: host?.email ?? '',
    ...(link.startAt !== null ? { start: microsToIso(link.startAt) } : {}),
    ...(link.endAt !== null ? { end: microsToIso(link.endAt) } : {}),
    url: meetingLinkUrl(ctx, link.id),
  }
}

export async function meetingLinkInfo(ctx: Context, principal: Principal, id: string) {
  const link = await findMeetingLink(ctx.db, principal.orgId, id)
  if (!link) fail('not_found', 'Meeting link not found.')
  return presentMeetingLink(ctx, link)
}

/**
 * Updates name and times. The host cannot change: `host` may be omitted or empty, and otherwise
 * must equal the current host. Omitted `start`/`end` keep their values; empty strings clear them.
 */
export async function updateMeetingLinkDetails(ctx: Context, principal: Principal, input: MeetingLinkInput & { id: string }): Promise<void> {
  const name = checkName(input.name)
  await ctx.db.transaction().execute(async (tx) => {
    const link = await findMeetingLink(tx, principal.orgId, input.id)
    if (!link) fail('not_found', 'Meeting link not found.')
    if (input.host !== undefined && input.host.trim() !== '') {
      const host = await findUser(tx, link.orgId, link.hostUserId)
      if ((host && normalizeEmail(host.email)) !== normalizeEmail(input.host)) fail('invalid_request', 'host: the host of a meeting link cannot be changed')
    }
    const startIn = parseTime(input.start, 'start')
    const endIn = parseTime(input.end, 'end')
    const start = startIn === undefined ? link.startAt : startIn
    const end = endIn === undefined ? link.endAt : endIn
    checkOrder(start, end)
    await updateMeetingLink(tx, link.id, { name, startAt: start, endAt: end, updatedAt: nowMicros() })
  })
}

/** What the public page shows; undefined when there is no such link. */
export async function publicMeetingLink(ctx: Context, id: string) {
  const link = await findMeetingLink(ctx.db, undefined, id)
  if (!link) return undefined
  const host = await findUser(ctx.db, link.orgId, link.hostUserId)
  return { name: link.name, hostName: host?.name ?? '', hostEmail: host?.email ?? '', start: link.startAt, end: link.endAt, url: meetingLinkUrl(ctx, link.id) }
}
