import { Type } from 'typebox'
import { listUserAuditLog } from '../../actions/audit.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'

const Entry = Type.Object({
  timestamp: Type.String({ format: 'date-time', description: 'When it happened (UTC, millisecond precision)' }),
  eventType: Type.String({ description: 'USER_CREATED, USER_DEACTIVATED, USER_REACTIVATED, ROLE_CHANGED, USER_SIGNED_IN, ENTER_ROOM, LEAVE_ROOM' }),
  name: Type.Optional(Type.String({ description: 'Name of the user the entry is about' })),
  email: Type.Optional(Type.String({ description: 'Email of the user the entry is about' })),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'Event-specific data' }),
})

export default async function userAuditLogRoutes(app: V0App): Promise<void> {
  app.get(
    '/userauditlog.list',
    {
      schema: {
        summary: 'List user audit log entries',
        description: 'Every entry of one UTC day (date as YYYY-MM-DD, or an RFC 3339 instant in that day), newest first. Not paginated.',
        tags: ['Users'],
        querystring: Type.Object({ date: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ auditLogs: Type.Array(Entry) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['userauditlog:read']], models: ORG_ONLY } },
    },
    async (request) => listUserAuditLog(app.ctx, principalOf(request).orgId, request.query.date),
  )
}
