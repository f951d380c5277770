import { Type } from 'typebox'
import { Cursor, Limit, TaggedUUID } from '../../http/schemas.js'

/** Schemas shared by the meeting, transcript, meeting-link and lobby routes (Roam's names). */

export const DateRangeQuery = {
  after: Type.Optional(Type.String({ description: 'Start of the range (YYYY-MM-DD or RFC 3339, UTC); lists oldest first when given' })),
  before: Type.Optional(Type.String({ description: 'End of the range (YYYY-MM-DD or RFC 3339, UTC); defaults to now when after is absent' })),
  limit: Type.Optional(Limit(100)),
  cursor: Type.Optional(Cursor),
}

export const Uuid = Type.String({ format: 'uuid' })

export const ConversationParticipant = Type.Object({
  name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  unconfirmedEmail: Type.Optional(Type.String()),
  type: Type.Optional(Type.Union([Type.Literal('member'), Type.Literal('guest')])),
  user: Type.Optional(TaggedUUID),
})

export const TranscriptMetadataProps = {
  id: Uuid,
  meetingId: Uuid,
  start: Type.String({ format: 'date-time' }),
  end: Type.Optional(Type.String({ format: 'date-time', description: 'Absent while the transcript is live' })),
  participants: Type.Array(ConversationParticipant),
  eventName: Type.Optional(Type.String()),
  meetingLinkId: Type.Optional(Uuid),
  invitees: Type.Optional(Type.Array(Type.String())),
}

export const TranscriptMetadata = Type.Object(TranscriptMetadataProps)

export const TranscriptCue = Type.Object({
  speaker: Type.String(),
  text: Type.String(),
  startOffset: Type.Integer({ description: 'Milliseconds from the transcript start' }),
  endOffset: Type.Integer({ description: 'Milliseconds from the transcript start' }),
})

export const Transcript = Type.Object({
  ...TranscriptMetadataProps,
  summary: Type.Optional(Type.String()),
  cues: Type.Array(TranscriptCue),
  actionItems: Type.Array(
    Type.Object({
      title: Type.String(),
      description: Type.Optional(Type.String()),
      assignee: Type.Optional(Type.String()),
    }),
  ),
})

export const LobbyConfiguration = Type.Object({
  id: Uuid,
  slug: Type.String(),
  displayName: Type.String(),
  active: Type.Boolean(),
  url: Type.String({ format: 'uri' }),
  handle: Type.String(),
})

export const LobbyBooking = Type.Object({
  id: Type.String(),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  status: Type.String(),
  timeZone: Type.String(),
  notes: Type.Optional(Type.String()),
  created: Type.String({ format: 'date-time' }),
  hosts: Type.Array(Type.Object({ name: Type.String(), email: Type.String(), isOrganizer: Type.Boolean() })),
  invitees: Type.Array(Type.Object({ name: Type.String(), email: Type.String(), status: Type.String(), isBooker: Type.Boolean() })),
  meetingLink: Type.Optional(Type.String({ format: 'uri' })),
})
