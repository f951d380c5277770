import type { Context } from '../context.js'
import type { Meeting, MeetingParticipant, Principal, Recording } from '../domain.js'
import { fail } from '../errors.js'
import { newId, tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findMeeting, findTranscriptIdsOfMeeting, insertRecording, listMeetings as listMeetingRows } from '../store/repos/meetings.js'
import { insertEvent } from '../store/repos/outbox.js'
import { findUser, findUserByEmail } from '../store/repos/users.js'
import { microsToIso, nowMicros } from '../time.js'
import { pageOf, resolveDateRange, type DateRangeQuery } from './daterange.js'
import { normalizeEmail } from '../email.js'

/**
 * Meetings. Atrium has no audio/video of its own, so meetings enter through ingestion (admin API
 * and CLI): a recorded meeting with its participants, an imported transcript file, or a live
 * transcript whose cues are appended while it runs. `meeting.list` shows ended meetings.
 */

/** Someone who attended: an email (matched against the Roam's members) and an optional name. */
export interface AttendeeInput {
  email: string
  name?: string | undefined
}

const emailRe = /^[^\s@]+@[^\s@]+$/

/**
 * Members become `member` participants with their `U-…` address and name; unknown emails become
 * guests named by the given name or the email's local part. Duplicates are dropped.
 */
export async function resolveAttendees(db: Executor, orgId: string, attendees: ReadonlyArray<AttendeeInput>, field = 'participants'): Promise<MeetingParticipant[]> {
  const out: MeetingParticipant[] = []
  const seen = new Set<string>()
  for (const [i, a] of attendees.entries()) {
    const email = normalizeEmail(a.email)
    if (!emailRe.test(email)) fail('invalid_request', `${field}/${i}: "${a.email}" is not an email address`)
    if (seen.has(email)) continue
    seen.add(email)
    const user = await findUserByEmail(db, orgId, email)
    out.push(
      user
        ? { userId: user.id, address: tag('U', user.id), name: user.name, email: user.email, kind: 'member', seconds: 0 }
        : { userId: null, address: null, name: a.name?.trim() || email.split('@')[0]!, email, kind: 'guest', seconds: 0 },
    )
  }
  return out
}

export function participantAddresses(participants: ReadonlyArray<MeetingParticipant>): string[] {
  return participants.flatMap((p) => (p.address ? [p.address] : []))
}

/** Wire shape of Roam's `Meeting`. */
export function presentMeeting(m: Meeting) {
  return {
    meetingId: m.id,
    ...(m.place ? { place: m.place } : {}),
    ...(m.room || m.title ? { room: (m.room ?? m.title)! } : {}),
    ...(m.roomType ? { roomType: m.roomType } : {}),
    start: microsToIso(m.startedAt),
    end: microsToIso(m.endedAt ?? m.startedAt),
    participants: m.participants.map((p) => ({ name: p.name, ...(p.email ? { email: p.email } : {}), seconds: p.seconds })),
    ...(m.meetingLinkId ? { meetingLinkIds: [m.meetingLinkId] } : {}),
  }
}

/**
 * The data of `/v1`'s `meeting.started` and `meeting.ended` events: Roam's `Meeting` (as
 * meeting.list shows it) with bare-UUID `userId`s on member participants, the meeting's title and
 * host, its transcript, and once it ended `hasVideo` (a recording exists) with the recording.
 */
export function presentMeetingEvent(m: Meeting, extra: { transcriptId?: string | null; recording?: Recording | null } = {}) {
  const base = presentMeeting(m)
  const { end, ...started } = base
  return {
    ...(m.endedAt !== null ? base : started),
    ...(m.title ? { title: m.title } : {}),
    ...(m.hostUserId ? { hostUserId: m.hostUserId } : {}),
    participants: m.participants.map((p) => ({ name: p.name, ...(p.email ? { email: p.email } : {}), ...(p.userId ? { userId: p.userId } : {}), type: p.kind, seconds: p.seconds })),
    ...(extra.transcriptId ? { transcriptId: extra.transcriptId } : {}),
    ...(m.endedAt !== null
      ? {
          end,
          hasVideo: Boolean(extra.recording),
          ...(extra.recording ? { recordingId: extra.recording.id, videoUrl: extra.recording.videoUrl } : {}),
        }
      : {}),
  }
}

/** Records `meeting.started` or `meeting.ended` (delivered to `/v1` subscriptions) in the outbox. */
export async function emitMeetingEvent(
  tx: Executor,
  type: 'meeting.started' | 'meeting.ended',
  meeting: Meeting,
  extra: { transcriptId?: string | null; recording?: Recording | null },
  at: number,
): Promise<void> {
  await insertEvent(tx, {
    orgId: meeting.orgId,
    type,
    payload: presentMeetingEvent(meeting, extra),
    routing: { meetingId: meeting.id, addresses: participantAddresses(meeting.participants) },
    createdAt: at,
  })
}

export async function listMeetings(ctx: Context, principal: Principal, query: DateRangeQuery) {
  const page = resolveDateRange(query, nowMicros())
  const rows = await listMeetingRows(ctx.db, principal.orgId, page)
  const { items, nextCursor } = pageOf(rows, page, (m) => ({ at: m.startedAt, id: m.id }))
  return { meetings: items.map(presentMeeting), ...(nextCursor ? { nextCursor } : {}) }
}

export interface AttachRecordingInput {
  meetingId: string
  videoUrl: string
  location?: string | undefined
  transcriptId?: string | undefined
}

/** Wire shape of Roam's `Recording` (the recording.saved webhook body). */
export async function presentRecording(db: Executor, r: Recording, meeting: Meeting) {
  const host = meeting.hostUserId ? await findUser(db, meeting.orgId, meeting.hostUserId) : undefined
  return {
    recordingId: r.id,
    ...(host ? { host: { name: host.name, email: host.email, user: tag('U', host.id) } } : {}),
    location: r.location,
    startTime: microsToIso(r.startedAt),
    endTime: microsToIso(r.endedAt),
    videoUrl: r.videoUrl,
    ...(r.transcriptId ? { transcriptId: r.transcriptId } : {}),
    participants: meeting.participants.flatMap((p) => (p.address ? [{ name: p.name, ...(p.email ? { email: p.email } : {}), user: p.address }] : [])),
  }
}

/** Attaches a recording file to an ended meeting and emits `recording.saved`. */
export async function attachRecording(ctx: Context, orgId: string, input: AttachRecordingInput) {
  if (!/^https?:\/\/\S+$/.test(input.videoUrl)) fail('invalid_request', 'videoUrl: must be an http(s) URL')
  return ctx.db.transaction().execute(async (tx) => {
    const meeting = await findMeeting(tx, orgId, input.meetingId)
    if (!meeting) fail('not_found', 'meetingId: meeting not found')
    if (meeting.endedAt === null) fail('conflict', 'meetingId: the meeting is still running')
    const transcripts = await findTranscriptIdsOfMeeting(tx, meeting.id)
    if (input.transcriptId !== undefined && !transcripts.includes(input.transcriptId)) {
      fail('invalid_request', 'transcriptId: not a transcript of this meeting')
    }
    const now = nowMicros()
    const recording = await insertRecording(tx, {
      id: newId(),
      orgId,
      meetingId: meeting.id,
      transcriptId: input.transcriptId ?? transcripts[0] ?? null,
      location: input.location?.trim() || meeting.room || meeting.title || 'Atrium',
      videoUrl: input.videoUrl,
      startedAt: meeting.startedAt,
      endedAt: meeting.endedAt,
      createdAt: now,
    })
    const payload = await presentRecording(tx, recording, meeting)
    await insertEvent(tx, {
      orgId,
      type: 'recording.saved',
      payload,
      routing: { meetingId: meeting.id, addresses: participantAddresses(meeting.participants) },
      createdAt: now,
    })
    // /v1 has no recording event: the ended meeting is announced again, now with its video.
    await emitMeetingEvent(tx, 'meeting.ended', meeting, { transcriptId: recording.transcriptId, recording }, now)
    return payload
  })
}
