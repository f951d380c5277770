import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { bookingIcs, bookingSummary, bookSlot, publicLobby, type PublicLobby } from '../actions/lobbies.js'
import { publicMeetingLink } from '../actions/meetinglinks.js'
import type { Context } from '../context.js'
import { isAppError } from '../errors.js'
import { humanWait, withRetryAfter, type Refusal, type Surface, type Throttle } from '../http/throttle.js'
import { renderPage } from './index.js'

/**
 * Public pages of meetings: a meeting link's page (`/m/<id>`: name, time, host), a lobby's
 * booking page (`/l/<handle>[/<slug>]`: free slots and a form), the booking's confirmation
 * (`/bookings/<id>`) and its calendar file (`/bookings/<id>/invite.ics`). No sign-in: guests use them.
 */

const Id = Type.String({ maxLength: 64 })
const Segment = Type.String({ maxLength: 64 })
const BookingForm = Type.Object({
  start: Type.String({ maxLength: 64 }),
  name: Type.String({ maxLength: 400 }),
  email: Type.String({ maxLength: 400 }),
  notes: Type.Optional(Type.String({ maxLength: 4000 })),
  _csrf: Type.Optional(Type.String()),
})

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** `Mon, 2 Feb 2026, 14:00` in the zone, and the zone's name. */
export function formatInZone(us: number, timeZone: string, opts: Intl.DateTimeFormatOptions = {}): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...opts }).format(new Date(us / 1000))
}

function notFound(reply: FastifyReply, what: string): FastifyReply {
  return renderPage(reply, 'message', { title: `${what} not found`, message: `There is no such ${what.toLowerCase()} on this server.`, error: true }, 404)
}

/** Free slots grouped by local day, as the booking page lists them. */
function slotGroups(pub: PublicLobby) {
  const tz = pub.lobby.timeZone
  const groups: Array<{ day: string; slots: Array<{ value: string; label: string }> }> = []
  for (const s of pub.free) {
    const day = formatInZone(s, tz, { hour: undefined, minute: undefined, hourCycle: undefined })
    const label = formatInZone(s, tz, { weekday: undefined, day: undefined, month: undefined, year: undefined })
    let group = groups[groups.length - 1]
    if (!group || group.day !== day) groups.push((group = { day, slots: [] }))
    group.slots.push({ value: new Date(s / 1000).toISOString(), label })
  }
  return groups
}

function tooMany(reply: FastifyReply, refusal: Refusal): FastifyReply {
  return renderPage(withRetryAfter(reply, refusal), 'message', { title: 'Too many requests', message: `Too many requests from your address. Try again in ${humanWait(refusal.retryAfterSeconds)}.`, error: true }, 429)
}

/**
 * Meeting pages are public, so each is charged to the caller's address (`ATRIUM_PUBLIC_FORM_LIMIT`):
 * page views of meeting links and bookings under one budget, booking submissions under another.
 */
export async function meetingPageRoutes(app: FastifyInstance, opts: { ctx: Context; throttle: Throttle }): Promise<void> {
  const { ctx, throttle } = opts
  const limited = (surface: Surface) => async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = await throttle.address(surface, request.ip)
    if (refusal) return tooMany(reply, refusal)
  }
  const pageViews = limited('meeting-page')

  app.get('/m/:id', { schema: { hide: true, params: Type.Object({ id: Id }) }, preHandler: pageViews }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const link = uuidRe.test(id) ? await publicMeetingLink(ctx, id) : undefined
    if (!link) return notFound(reply, 'Meeting')
    const when =
      link.start === null
        ? null
        : `${formatInZone(link.start, 'UTC')}${link.end !== null ? ` – ${formatInZone(link.end, 'UTC', link.end - link.start < 86_400_000_000 ? { weekday: undefined, day: undefined, month: undefined, year: undefined } : {})}` : ''} UTC`
    return renderPage(reply, 'meetinglink', { title: link.name, name: link.name, when, startIso: link.start === null ? null : new Date(link.start / 1000).toISOString(), hostName: link.hostName, hostEmail: link.hostEmail })
  })

  const showLobby = async (reply: FastifyReply, handle: string, slug: string, extra: { error?: string; form?: Record<string, string> } = {}, status = 200) => {
    const pub = await publicLobby(ctx, handle, slug)
    if (!pub) return notFound(reply, 'Lobby')
    return renderPage(
      reply,
      'lobby',
      {
        title: pub.lobby.displayName,
        lobbyName: pub.lobby.displayName,
        hostName: pub.hostName,
        duration: pub.lobby.durationMinutes,
        timeZone: pub.lobby.timeZone,
        action: `/l/${pub.lobby.handle}${pub.lobby.slug ? `/${pub.lobby.slug}` : ''}`,
        groups: slotGroups(pub),
        error: extra.error ?? null,
        form: { name: '', email: '', notes: '', start: '', ...extra.form },
      },
      status,
    )
  }

  const book = async (request: { body: unknown }, reply: FastifyReply, handle: string, slug: string) => {
    const form = request.body as { start: string; name: string; email: string; notes?: string }
    const pub = await publicLobby(ctx, handle, slug)
    if (!pub) return notFound(reply, 'Lobby')
    const kept = { name: form.name, email: form.email, notes: form.notes ?? '', start: form.start }
    const full = await throttle.lobbyBooking(pub.lobby.id)
    if (full) {
      const error = `This lobby has taken all the bookings it accepts for now. Try again in ${humanWait(full.retryAfterSeconds)}.`
      return showLobby(withRetryAfter(reply, full), handle, slug, { error, form: kept }, 429)
    }
    try {
      const { booking } = await bookSlot(ctx, pub.lobby.id, { start: form.start, name: form.name, email: form.email, notes: form.notes })
      return reply.redirect(`/bookings/${booking.id}`, 303)
    } catch (err) {
      if (!isAppError(err) || (err.code !== 'invalid_request' && err.code !== 'conflict')) throw err
      const message = err.code === 'conflict' ? 'That time has just been booked by someone else. Please pick another.' : err.message
      return showLobby(reply, handle, slug, { error: message, form: kept }, err.status)
    }
  }

  const lobbyParams = Type.Object({ handle: Segment, slug: Type.Optional(Segment) })
  app.get('/l/:handle', { schema: { hide: true, params: lobbyParams } }, async (request, reply) => showLobby(reply, (request.params as { handle: string }).handle, ''))
  app.get('/l/:handle/:slug', { schema: { hide: true, params: lobbyParams } }, async (request, reply) => {
    const p = request.params as { handle: string; slug: string }
    return showLobby(reply, p.handle, p.slug)
  })
  const bookings = limited('booking')
  app.post('/l/:handle', { schema: { hide: true, params: lobbyParams, body: BookingForm }, preValidation: app.csrfProtection, preHandler: bookings }, async (request, reply) =>
    book(request, reply, (request.params as { handle: string }).handle, ''),
  )
  app.post('/l/:handle/:slug', { schema: { hide: true, params: lobbyParams, body: BookingForm }, preValidation: app.csrfProtection, preHandler: bookings }, async (request, reply) => {
    const p = request.params as { handle: string; slug: string }
    return book(request, reply, p.handle, p.slug)
  })

  app.get('/bookings/:id', { schema: { hide: true, params: Type.Object({ id: Id }) }, preHandler: pageViews }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const b = uuidRe.test(id) ? await bookingSummary(ctx, id) : undefined
    if (!b) return notFound(reply, 'Booking')
    return renderPage(reply, 'booking', {
      title: 'Booked',
      lobbyName: b.lobbyName,
      hostName: b.hostName,
      when: `${formatInZone(b.start, b.timeZone)} (${b.timeZone}), ${b.durationMinutes} minutes`,
      meetingLink: b.meetingLink,
      icsUrl: `/bookings/${id}/invite.ics`,
    })
  })

  app.get('/bookings/:id/invite.ics', { schema: { hide: true, params: Type.Object({ id: Id }) }, preHandler: pageViews }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const ics = uuidRe.test(id) ? await bookingIcs(ctx, id) : undefined
    if (!ics) return notFound(reply, 'Booking')
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', 'attachment; filename="invite.ics"')
      .header('cache-control', 'no-store')
      .send(ics)
  })
}
