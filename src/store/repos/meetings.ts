import type { Selectable } from 'kysely'
import type {
  DateRangePage,
  Meeting,
  MeetingParticipant,
  Recording,
  Transcript,
  TranscriptActionItem,
  TranscriptCue,
} from '../../domain.js'
import type { Executor } from '../db.js'
import type { MeetingParticipantsTable, MeetingsTable, RecordingsTable, TranscriptsTable } from '../schema.js'
import { pageByInstant } from './daterange.js'

function toParticipant(row: Selectable<MeetingParticipantsTable>): MeetingParticipant {
  return {
    userId: row.user_id,
    address: row.address,
    name: row.name,
    email: row.email,
    kind: row.kind === 'guest' ? 'guest' : 'member',
    seconds: row.seconds,
  }
}

function toMeeting(row: Selectable<MeetingsTable>, participants: MeetingParticipant[]): Meeting {
  return {
    id: row.id,
    orgId: row.org_id,
    title: row.title,
    place: row.place,
    room: row.room,
    roomType: row.room_type,
    hostUserId: row.host_user_id,
    meetingLinkId: row.meeting_link_id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    participants,
  }
}

function toTranscript(row: Selectable<TranscriptsTable>, participants: MeetingParticipant[]): Transcript {
  return {
    id: row.id,
    orgId: row.org_id,
    meetingId: row.meeting_id,
    eventName: row.event_name,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    summary: row.summary,
    meetingLinkId: row.meeting_link_id,
    invitees: JSON.parse(row.invitees) as string[],
    participants,
  }
}

function toRecording(row: Selectable<RecordingsTable>): Recording {
  return {
    id: row.id,
    orgId: row.org_id,
    meetingId: row.meeting_id,
    transcriptId: row.transcript_id,
    location: row.location,
    videoUrl: row.video_url,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  }
}

async function participantsOf(db: Executor, meetingIds: string[]): Promise<Map<string, MeetingParticipant[]>> {
  const out = new Map<string, MeetingParticipant[]>()
  if (meetingIds.length === 0) return out
  const rows = await db
    .selectFrom('meeting_participants')
    .selectAll()
    .where('meeting_id', 'in', meetingIds)
    .orderBy('meeting_id')
    .orderBy('position')
    .execute()
  for (const row of rows) {
    const list = out.get(row.meeting_id) ?? []
    list.push(toParticipant(row))
    out.set(row.meeting_id, list)
  }
  return out
}

export type NewMeeting = Omit<Meeting, 'participants'> & { participants: MeetingParticipant[]; createdAt: number }

export async function insertMeeting(db: Executor, meeting: NewMeeting): Promise<Meeting> {
  const row = await db
    .insertInto('meetings')
    .values({
      id: meeting.id,
      org_id: meeting.orgId,
      title: meeting.title,
      place: meeting.place,
      room: meeting.room,
      room_type: meeting.roomType,
      host_user_id: meeting.hostUserId,
      meeting_link_id: meeting.meetingLinkId,
      started_at: meeting.startedAt,
      ended_at: meeting.endedAt,
      created_at: meeting.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  if (meeting.participants.length > 0) {
    await db
      .insertInto('meeting_participants')
      .values(
        meeting.participants.map((p, position) => ({
          meeting_id: meeting.id,
          position,
          user_id: p.userId,
          address: p.address,
          name: p.name,
          email: p.email,
          kind: p.kind,
          seconds: p.seconds,
        })),
      )
      .execute()
  }
  return toMeeting(row, meeting.participants)
}

export async function findMeeting(db: Executor, orgId: string, id: string): Promise<Meeting | undefined> {
  const row = await db.selectFrom('meetings').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  if (!row) return undefined
  return toMeeting(row, (await participantsOf(db, [row.id])).get(row.id) ?? [])
}

/** Marks the meeting ended; every participant is credited with the whole meeting's duration. */
export async function endMeeting(db: Executor, id: string, endedAt: number, seconds: number): Promise<void> {
  await db.updateTable('meetings').set({ ended_at: endedAt }).where('id', '=', id).execute()
  await db.updateTable('meeting_participants').set({ seconds }).where('meeting_id', '=', id).execute()
}

/** Ended meetings of the organization, one date-range page (by start). */
export async function listMeetings(db: Executor, orgId: string, page: DateRangePage): Promise<Meeting[]> {
  const rows = await pageByInstant(
    db.selectFrom('meetings').selectAll().where('org_id', '=', orgId).where('ended_at', 'is not', null),
    'started_at',
    'id',
    page,
  ).execute()
  const participants = await participantsOf(db, rows.map((r) => r.id))
  return rows.map((r) => toMeeting(r, participants.get(r.id) ?? []))
}

export interface NewTranscript {
  id: string
  orgId: string
  meetingId: string
  eventName: string | null
  startedAt: number
  endedAt: number | null
  meetingLinkId: string | null
  invitees: string[]
  createdAt: number
}

export async function insertTranscript(db: Executor, t: NewTranscript): Promise<void> {
  await db
    .insertInto('transcripts')
    .values({
      id: t.id,
      org_id: t.orgId,
      meeting_id: t.meetingId,
      event_name: t.eventName,
      started_at: t.startedAt,
      ended_at: t.endedAt,
      summary: null,
      meeting_link_id: t.meetingLinkId,
      invitees: JSON.stringify(t.invitees),
      created_at: t.createdAt,
    })
    .execute()
}

export async function findTranscript(db: Executor, orgId: string, id: string): Promise<Transcript | undefined> {
  const row = await db.selectFrom('transcripts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  if (!row) return undefined
  return toTranscript(row, (await participantsOf(db, [row.meeting_id])).get(row.meeting_id) ?? [])
}

/**
 * One date-range page of transcripts (by start). With `attendee`, only transcripts of meetings
 * that address took part in.
 */
export async function listTranscripts(db: Executor, orgId: string, page: DateRangePage, attendee?: string): Promise<Transcript[]> {
  let q = db.selectFrom('transcripts').selectAll('transcripts').where('transcripts.org_id', '=', orgId)
  if (attendee !== undefined) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('meeting_participants')
          .select('meeting_participants.meeting_id')
          .whereRef('meeting_participants.meeting_id', '=', 'transcripts.meeting_id')
          .where('meeting_participants.address', '=', attendee),
      ),
    )
  }
  const rows = await pageByInstant(q, 'transcripts.started_at', 'transcripts.id', page).execute()
  const participants = await participantsOf(db, [...new Set(rows.map((r) => r.meeting_id))])
  return rows.map((r) => toTranscript(r, participants.get(r.meeting_id) ?? []))
}

export async function endTranscript(db: Executor, id: string, endedAt: number, summary: string | null): Promise<void> {
  await db.updateTable('transcripts').set({ ended_at: endedAt, summary }).where('id', '=', id).execute()
}

/** Appends cues after the last stored one; returns how many the transcript now has. */
export async function appendCues(db: Executor, transcriptId: string, cues: ReadonlyArray<TranscriptCue>): Promise<number> {
  const last = await db
    .selectFrom('transcript_cues')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('transcript_id', '=', transcriptId)
    .executeTakeFirst()
  const first = last?.seq == null ? 0 : Number(last.seq) + 1
  // Chunked so a long transcript stays under the databases' bound-parameter limits.
  for (let i = 0; i < cues.length; i += 500) {
    await db
      .insertInto('transcript_cues')
      .values(
        cues.slice(i, i + 500).map((c, j) => ({
          transcript_id: transcriptId,
          seq: first + i + j,
          speaker: c.speaker,
          text: c.text,
          start_offset: c.startOffset,
          end_offset: c.endOffset,
        })),
      )
      .execute()
  }
  return first + cues.length
}

/** Cues in spoken order; with `sinceOffset`, only those starting at or after it. */
export async function listCues(db: Executor, transcriptId: string, sinceOffset = 0): Promise<TranscriptCue[]> {
  const rows = await db
    .selectFrom('transcript_cues')
    .select(['speaker', 'text', 'start_offset', 'end_offset'])
    .where('transcript_id', '=', transcriptId)
    .where('start_offset', '>=', sinceOffset)
    .orderBy('start_offset')
    .orderBy('seq')
    .execute()
  return rows.map((r) => ({ speaker: r.speaker, text: r.text, startOffset: r.start_offset, endOffset: r.end_offset }))
}

export async function replaceActionItems(db: Executor, transcriptId: string, items: ReadonlyArray<TranscriptActionItem>): Promise<void> {
  await db.deleteFrom('transcript_action_items').where('transcript_id', '=', transcriptId).execute()
  if (items.length === 0) return
  await db
    .insertInto('transcript_action_items')
    .values(
      items.map((item, position) => ({
        transcript_id: transcriptId,
        position,
        title: item.title,
        description: item.description,
        assignee: item.assignee,
      })),
    )
    .execute()
}

export async function listActionItems(db: Executor, transcriptId: string): Promise<TranscriptActionItem[]> {
  const rows = await db
    .selectFrom('transcript_action_items')
    .select(['title', 'description', 'assignee'])
    .where('transcript_id', '=', transcriptId)
    .orderBy('position')
    .execute()
  return rows.map((r) => ({ title: r.title, description: r.description, assignee: r.assignee }))
}

export async function insertRecording(db: Executor, recording: Recording & { createdAt: number }): Promise<Recording> {
  const row = await db
    .insertInto('recordings')
    .values({
      id: recording.id,
      org_id: recording.orgId,
      meeting_id: recording.meetingId,
      transcript_id: recording.transcriptId,
      location: recording.location,
      video_url: recording.videoUrl,
      started_at: recording.startedAt,
      ended_at: recording.endedAt,
      created_at: recording.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toRecording(row)
}

export async function findTranscriptIdsOfMeeting(db: Executor, meetingId: string): Promise<string[]> {
  const rows = await db.selectFrom('transcripts').select('id').where('meeting_id', '=', meetingId).orderBy('started_at').execute()
  return rows.map((r) => r.id)
}

/** One date-range page of the organization's recordings by start, on (org_id, started_at, id). */
export async function listRecordings(db: Executor, orgId: string, page: DateRangePage): Promise<Recording[]> {
  const rows = await pageByInstant(db.selectFrom('recordings').selectAll().where('org_id', '=', orgId), 'started_at', 'id', page).execute()
  return rows.map(toRecording)
}
