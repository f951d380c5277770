import { Type } from 'typebox'
import { listMeetings } from '../../actions/meetings.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'
import { DateRangeQuery, Uuid } from './meetingschemas.js'

const Meeting = Type.Object({
  meetingId: Uuid,
  place: Type.Optional(Type.String()),
  room: Type.Optional(Type.String()),
  roomType: Type.Optional(Type.String()),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  participants: Type.Array(Type.Object({ name: Type.String(), email: Type.Optional(Type.String()), seconds: Type.Integer() })),
  meetingLinkIds: Type.Optional(Type.Array(Uuid)),
})

export default async function meetingRoutes(app: V0App): Promise<void> {
  app.get(
    '/meeting.list',
    {
      schema: {
        summary: 'List meetings',
        description: 'Ended meetings of the Roam by start time: newest first, or oldest first from `after`.',
        tags: ['Meetings'],
        querystring: Type.Object(DateRangeQuery),
        response: { 200: Type.Object({ meetings: Type.Array(Meeting), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['meetings:read']], models: ORG_ONLY } },
    },
    async (request) => listMeetings(app.ctx, principalOf(request), { ...request.query, limit: request.query.limit ?? 10 }),
  )
}
