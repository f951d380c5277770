import { meetingAttendeeFilter, requireMeetingVisible } from '../access.js'
import type { Context } from '../context.js'
import type { MeetingParticipant, Principal, Transcript, TranscriptActionItem, TranscriptCue } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import { answerQuestion, meetingMinutes, type LlmLogger } from '../llm/index.js'
import type { Executor } from '../store/db.js'
import { findMeetingLink } from '../store/repos/meetinglinks.js'
import {
  appendCues as appendCueRows,
  endMeeting,
  endTranscript,
  findMeeting,
  findTranscript,
  insertMeeting,
  insertTranscript,
  listActionItems,
  listCues,
  listTranscripts as listTranscriptRows,
  replaceActionItems,
} from '../store/repos/meetings.js'
import { insertEvent } from '../store/repos/outbox.js'
import { findUserByEmail } from '../store/repos/users.js'
import { parseTranscript, type TranscriptFormat } from '../transcripts/index.js'
import { microsToIso, microsToIsoMillis, nowMicros } from '../time.js'
import { pageOf, resolveDateRange, type DateRangeQuery } from './daterange.js'
import { emitMeetingEvent, participantAddresses, resolveAttendees, type AttendeeInput } from './meetings.js'

/**
 * Transcripts: imported from WebVTT/SRT files or live (cues appended while the meeting runs,
 * `end` absent until finished). Finishing computes the summary and action items (language model
 * or extractive) and emits `transcript.saved`; starting a live one emits `transcript.started`.
 */

export const MAX_APPEND_CUES = 500
export const MAX_PROMPT_CHARS = 4000

function presentParticipant(p: MeetingParticipant) {
  return {
    name: p.name,
    ...(p.email ? { email: p.email } : {}),
    type: p.kind,
    ...(p.address ? { user: p.address } : {}),
  }
}

/** Wire shape of `TranscriptMetadata` (transcript.list items and the transcript.saved body). */
export function presentTranscriptMetadata(t: Transcript) {
  return {
    id: t.id,
    meetingId: t.meetingId,
    start: microsToIso(t.startedAt),
    ...(t.endedAt !== null ? { end: microsToIso(t.endedAt) } : {}),
    participants: t.participants.map(presentParticipant),
    ...(t.eventName ? { eventName: t.eventName } : {}),
    ...(t.meetingLinkId ? { meetingLinkId: t.meetingLinkId } : {}),
    ...(t.invitees.length > 0 ? { invitees: t.invitees } : {}),
  }
}

function presentTranscript(t: Transcript, cues: TranscriptCue[], actionItems: TranscriptActionItem[]) {
  return {
    ...presentTranscriptMetadata(t),
    ...(t.summary !== null ? { summary: t.summary } : {}),
    cues,
    actionItems: actionItems.map((a) => ({
      title: a.title,
      ...(a.description !== null ? { description: a.description } : {}),
      ...(a.assignee !== null ? { assignee: a.assignee } : {}),
    })),
  }
}

function routingOf(t: { meetingId: string; participants: MeetingParticipant[] }) {
  return { meetingId: t.meetingId, addresses: participantAddresses(t.participants) }
}

async function emitSaved(tx: Executor, orgId: string, transcriptId: string, at: number): Promise<void> {
  const saved = (await findTranscript(tx, orgId, transcriptId))!
  await insertEvent(tx, { orgId, type: 'transcript.saved', payload: presentTranscriptMetadata(saved), routing: routingOf(saved), createdAt: at })
}

export interface ImportTranscriptInput {
  title: string
  /** Instant the recording's zero offset corresponds to (µs). */
  start: number
  participants: AttendeeInput[]
  content: string
  format: TranscriptFormat
  room?: string | undefined
  host?: string | undefined
  meetingLinkId?: string | undefined
}

function checkTitle(title: string): string {
  const t = title.trim()
  if (t === '' || t.length > 200) fail('invalid_request', 'title: must be 1 to 200 characters')
  return t
}

async function hostOf(db: Executor, orgId: string, host: string | undefined, participants: MeetingParticipant[]): Promise<string | null> {
  if (host !== undefined) {
    const user = await findUserByEmail(db, orgId, host)
    if (!user) fail('invalid_request', 'host: no member of this Roam has that email')
    return user.id
  }
  return participants.find((p) => p.userId)?.userId ?? null
}

async function checkMeetingLink(db: Executor, orgId: string, id: string | undefined): Promise<string | null> {
  if (id === undefined) return null
  if (!(await findMeetingLink(db, orgId, id))) fail('invalid_request', 'meetingLinkId: no such meeting link')
  return id
}

/**
 * Records an ended meeting from a transcript file: the meeting runs from `start` to the last
 * cue's end; every participant is credited with that duration. Emits `transcript.saved`.
 */
export async function importTranscript(ctx: Context, orgId: string, input: ImportTranscriptInput, log?: LlmLogger) {
  const title = checkTitle(input.title)
  const cues = parseTranscript(input.content, input.format)
  const participants = await resolveAttendees(ctx.db, orgId, input.participants)
  const durationMs = Math.max(0, ...cues.map((c) => c.endOffset))
  const end = input.start + durationMs * 1000
  for (const p of participants) p.seconds = Math.round(durationMs / 1000)
  const minutes = await meetingMinutes(ctx.config.llm, cues, participants, log)
  return ctx.db.transaction().execute(async (tx) => {
    const now = nowMicros()
    const meetingLinkId = await checkMeetingLink(tx, orgId, input.meetingLinkId)
    const meeting = await insertMeeting(tx, {
      id: newId(),
      orgId,
      title,
      place: null,
      room: input.room?.trim() || null,
      roomType: 'MeetingRoom',
      hostUserId: await hostOf(tx, orgId, input.host, participants),
      meetingLinkId,
      startedAt: input.start,
      endedAt: end,
      participants,
      createdAt: now,
    })
    const transcriptId = newId()
    await insertTranscript(tx, { id: transcriptId, orgId, meetingId: meeting.id, eventName: title, startedAt: input.start, endedAt: null, meetingLinkId, invitees: [], createdAt: now })
    await appendCueRows(tx, transcriptId, cues)
    await replaceActionItems(tx, transcriptId, minutes.actionItems)
    await endTranscript(tx, transcriptId, end, minutes.summary)
    await emitSaved(tx, orgId, transcriptId, now)
    // An imported meeting has already ended: /v1 hears only that (no recording yet).
    await emitMeetingEvent(tx, 'meeting.ended', meeting, { transcriptId }, now)
    return { meetingId: meeting.id, transcriptId, cues: cues.length, summarySource: minutes.source }
  })
}

export interface StartLiveInput {
  title: string
  participants: AttendeeInput[]
  room?: string | undefined
  host?: string | undefined
  /** Defaults to now. */
  start?: number | undefined
  meetingLinkId?: string | undefined
}

/** Starts a meeting with a live transcript (no `end`) and emits `transcript.started`. */
export async function startLiveTranscript(ctx: Context, orgId: string, input: StartLiveInput) {
  const title = checkTitle(input.title)
  return ctx.db.transaction().execute(async (tx) => {
    const now = nowMicros()
    const start = input.start ?? now
    const participants = await resolveAttendees(tx, orgId, input.participants)
    const meetingLinkId = await checkMeetingLink(tx, orgId, input.meetingLinkId)
    const hostUserId = await hostOf(tx, orgId, input.host, participants)
    const meeting = await insertMeeting(tx, {
      id: newId(),
      orgId,
      title,
      place: null,
      room: input.room?.trim() || null,
      roomType: 'MeetingRoom',
      hostUserId,
      meetingLinkId,
      startedAt: start,
      endedAt: null,
      participants,
      createdAt: now,
    })
    const transcriptId = newId()
    await insertTranscript(tx, { id: transcriptId, orgId, meetingId: meeting.id, eventName: title, startedAt: start, endedAt: null, meetingLinkId, invitees: [], createdAt: now })
    const host = participants.find((p) => p.userId === hostUserId)
    await insertEvent(tx, {
      orgId,
      type: 'transcript.started',
      payload: {
        id: transcriptId,
        meetingId: meeting.id,
        start: microsToIsoMillis(start),
        location: meeting.room ?? title,
        ...(host?.email ? { hostEmail: host.email } : {}),
      },
      routing: routingOf({ meetingId: meeting.id, participants }),
      createdAt: now,
    })
    await emitMeetingEvent(tx, 'meeting.started', meeting, { transcriptId }, now)
    return { meetingId: meeting.id, transcriptId }
  })
}

async function requireLive(db: Executor, orgId: string, id: string): Promise<Transcript> {
  const t = await findTranscript(db, orgId, id)
  if (!t) fail('not_found', 'id: transcript not found')
  if (t.endedAt !== null) fail('conflict', 'id: the transcript is already saved')
  return t
}

/** Appends cues to a live transcript (offsets in ms from its start). */
export async function appendLiveCues(ctx: Context, orgId: string, id: string, cues: TranscriptCue[]) {
  if (cues.length > MAX_APPEND_CUES) fail('invalid_request', `cues: at most ${MAX_APPEND_CUES} per call`)
  for (const [i, c] of cues.entries()) {
    if (c.endOffset < c.startOffset) fail('invalid_request', `cues/${i}/endOffset: must not be before startOffset`)
    if (c.speaker.trim() === '' || c.text.trim() === '') fail('invalid_request', `cues/${i}: speaker and text must not be empty`)
  }
  return ctx.db.transaction().execute(async (tx) => {
    await requireLive(tx, orgId, id)
    const count = await appendCueRows(tx, id, cues)
    return { cues: count }
  })
}

/**
 * Ends a live transcript and its meeting (`end` defaults to now), computes the summary and the
 * action items, emits `transcript.saved`.
 */
export async function finishLiveTranscript(ctx: Context, orgId: string, id: string, end?: number, log?: LlmLogger) {
  const live = await requireLive(ctx.db, orgId, id)
  const endAt = end ?? nowMicros()
  if (endAt < live.startedAt) fail('invalid_request', 'end: must not be before the transcript started')
  const cues = await listCues(ctx.db, id)
  const minutes = await meetingMinutes(ctx.config.llm, cues, live.participants, log)
  return ctx.db.transaction().execute(async (tx) => {
    await requireLive(tx, orgId, id)
    const meeting = (await findMeeting(tx, orgId, live.meetingId))!
    await replaceActionItems(tx, id, minutes.actionItems)
    await endTranscript(tx, id, endAt, minutes.summary)
    const running = meeting.endedAt === null
    if (running) await endMeeting(tx, meeting.id, endAt, Math.round((endAt - meeting.startedAt) / 1_000_000))
    const now = nowMicros()
    await emitSaved(tx, orgId, id, now)
    if (running) await emitMeetingEvent(tx, 'meeting.ended', (await findMeeting(tx, orgId, meeting.id))!, { transcriptId: id, recording: null }, now)
    return { meetingId: meeting.id, transcriptId: id, summarySource: minutes.source }
  })
}

export async function listTranscripts(ctx: Context, principal: Principal, query: DateRangeQuery) {
  const page = resolveDateRange(query, nowMicros())
  const rows = await listTranscriptRows(ctx.db, principal.orgId, page, meetingAttendeeFilter(principal))
  const { items, nextCursor } = pageOf(rows, page, (t) => ({ at: t.startedAt, id: t.id }))
  return { transcripts: items.map(presentTranscriptMetadata), ...(nextCursor ? { nextCursor } : {}) }
}

async function visibleTranscript(ctx: Context, principal: Principal, id: string): Promise<Transcript> {
  const t = await findTranscript(ctx.db, principal.orgId, id)
  if (!t) fail('not_found', 'Transcript not found.')
  requireMeetingVisible(principal, participantAddresses(t.participants), 'Transcript')
  return t
}

export async function transcriptInfo(ctx: Context, principal: Principal, id: string, sinceOffset = 0) {
  const t = await visibleTranscript(ctx, principal, id)
  const [cues, items] = await Promise.all([listCues(ctx.db, id, sinceOffset), listActionItems(ctx.db, id)])
  return presentTranscript(t, cues, items)
}

/** Answers a question about one transcript (language model, or quoted cues without one). */
export async function promptTranscript(ctx: Context, principal: Principal, id: string, prompt: string, log?: LlmLogger) {
  const question = prompt.trim()
  if (question === '') fail('invalid_request', 'prompt: must not be empty')
  if (question.length > MAX_PROMPT_CHARS) fail('invalid_request', `prompt: at most ${MAX_PROMPT_CHARS} characters`)
  await visibleTranscript(ctx, principal, id)
  const cues = await listCues(ctx.db, id)
  if (cues.length === 0) return { response: 'The transcript has no cues yet, so there is nothing to answer from.' }
  return { response: await answerQuestion(ctx.config.llm, cues, question, log) }
}
