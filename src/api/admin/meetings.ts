import { Type } from 'typebox'
import { attachRecording, type AttendeeInput } from '../../actions/meetings.js'
import { appendLiveCues, finishLiveTranscript, importTranscript, MAX_APPEND_CUES, startLiveTranscript } from '../../actions/transcripts.js'
import { fail } from '../../errors.js'
import { ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { parseDateParam } from '../../time.js'
import type { AdminApp } from './index.js'

/**
 * Meeting ingestion for administrators: import a transcript file (WebVTT or SRT), run a live
 * transcript (start, append cues, finish), attach a recording. The CLI calls the same actions.
 */

const Attendee = Type.Union([Type.String({ description: 'email' }), Type.Object({ email: Type.String(), name: Type.Optional(Type.String()) })])
const Uuid = Type.String({ format: 'uuid' })
const Ids = Type.Object({ meetingId: Uuid, transcriptId: Uuid })

function attendees(list: ReadonlyArray<string | { email: string; name?: string | undefined }>): AttendeeInput[] {
  return list.map((a) => (typeof a === 'string' ? { email: a } : a))
}

function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined
  const us = parseDateParam(value)
  if (us === undefined) fail('invalid_request', `${field}: must be an RFC 3339 date-time`)
  return us
}

export default async function adminMeetingRoutes(app: AdminApp): Promise<void> {
  app.post(
    '/meetings.import',
    {
      schema: {
        summary: 'Record an ended meeting from a WebVTT or SRT transcript',
        tags: ['Admin'],
        body: Type.Object({
          title: Type.String({ minLength: 1, maxLength: 200 }),
          start: Type.String({ description: 'RFC 3339 instant of the file\'s zero offset' }),
          participants: Type.Array(Attendee, { maxItems: 500 }),
          format: Type.Union([Type.Literal('vtt'), Type.Literal('srt')]),
          content: Type.String({ minLength: 1 }),
          room: Type.Optional(Type.String({ maxLength: 200 })),
          host: Type.Optional(Type.String()),
          meetingLinkId: Type.Optional(Uuid),
        }),
        response: { 200: Type.Object({ meetingId: Uuid, transcriptId: Uuid, cues: Type.Integer(), summarySource: Type.String() }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const b = request.body
      return importTranscript(
        app.ctx,
        principalOf(request).orgId,
        { ...b, start: instant(b.start, 'start')!, participants: attendees(b.participants) },
        request.log,
      )
    },
  )

  app.post(
    '/meetings.start',
    {
      schema: {
        summary: 'Start a meeting with a live transcript (emits transcript.started)',
        tags: ['Admin'],
        body: Type.Object({
          title: Type.String({ minLength: 1, maxLength: 200 }),
          participants: Type.Array(Attendee, { maxItems: 500 }),
          room: Type.Optional(Type.String({ maxLength: 200 })),
          host: Type.Optional(Type.String()),
          start: Type.Optional(Type.String()),
          meetingLinkId: Type.Optional(Uuid),
        }),
        response: { 200: Ids, ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const b = request.body
      return startLiveTranscript(app.ctx, principalOf(request).orgId, { ...b, start: instant(b.start, 'start'), participants: attendees(b.participants) })
    },
  )

  app.post(
    '/transcripts.append',
    {
      schema: {
        summary: 'Append cues to a live transcript',
        tags: ['Admin'],
        body: Type.Object({
          id: Uuid,
          cues: Type.Array(
            Type.Object({
              speaker: Type.String({ minLength: 1, maxLength: 200 }),
              text: Type.String({ minLength: 1, maxLength: 10_000 }),
              startOffset: Type.Integer({ minimum: 0 }),
              endOffset: Type.Integer({ minimum: 0 }),
            }),
            { minItems: 1, maxItems: MAX_APPEND_CUES },
          ),
        }),
        response: { 200: Type.Object({ cues: Type.Integer({ description: 'Cues the transcript now has' }) }), ...errorResponses(400, 401, 403, 404, 409) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => appendLiveCues(app.ctx, principalOf(request).orgId, request.body.id, request.body.cues),
  )

  app.post(
    '/transcripts.finish',
    {
      schema: {
        summary: 'Save a live transcript: end it and its meeting, summarise, emit transcript.saved',
        tags: ['Admin'],
        body: Type.Object({ id: Uuid, end: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ meetingId: Uuid, transcriptId: Uuid, summarySource: Type.String() }), ...errorResponses(400, 401, 403, 404, 409) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => finishLiveTranscript(app.ctx, principalOf(request).orgId, request.body.id, instant(request.body.end, 'end'), request.log),
  )

  app.post(
    '/meetings.attachRecording',
    {
      schema: {
        summary: 'Attach a recording file to an ended meeting (emits recording.saved)',
        tags: ['Admin'],
        body: Type.Object({
          meetingId: Uuid,
          videoUrl: Type.String({ maxLength: 2000 }),
          location: Type.Optional(Type.String({ maxLength: 200 })),
          transcriptId: Type.Optional(Uuid),
        }),
        response: {
          200: Type.Object({
            recordingId: Type.String(),
            host: Type.Optional(Type.Object({ name: Type.String(), email: Type.Optional(Type.String()), user: Type.String() })),
            location: Type.String(),
            startTime: Type.String(),
            endTime: Type.String(),
            videoUrl: Type.String(),
            transcriptId: Type.Optional(Type.String()),
            participants: Type.Array(Type.Object({ name: Type.String(), email: Type.Optional(Type.String()), user: Type.String() })),
          }),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => attachRecording(app.ctx, principalOf(request).orgId, request.body),
  )
}
