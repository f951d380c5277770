import { Type } from 'typebox'
import { createMeetingLink, MAX_LINK_NAME, meetingLinkInfo, updateMeetingLinkDetails } from '../../actions/meetinglinks.js'
import { ORG_AND_PERSONAL, ORG_ONLY, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'
import { Uuid } from './meetingschemas.js'

const Name = Type.String({ minLength: 1, maxLength: MAX_LINK_NAME, description: 'Meeting name' })
const Time = Type.String({ description: 'RFC 3339 date-time' })

export default async function meetingLinkRoutes(app: V0App): Promise<void> {
  app.post(
    '/meetinglink.create',
    {
      schema: {
        summary: 'Create a meeting link',
        description: 'Organization tokens must name the host (a member\'s email); personal tokens host their own links.',
        tags: ['Meeting links'],
        body: Type.Object({ name: Name, host: Type.Optional(Type.String()), start: Type.Optional(Time), end: Type.Optional(Time) }),
        response: { 200: Type.Object({ id: Uuid, url: Type.String({ format: 'uri' }) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['meeting:write'], ['meetinglink:write']], models: ORG_AND_PERSONAL } },
    },
    async (request) => createMeetingLink(app.ctx, principalOf(request), request.body),
  )

  app.post(
    '/meetinglink.info',
    {
      schema: {
        summary: 'Get a meeting link',
        tags: ['Meeting links'],
        body: Type.Object({ id: Uuid }),
        response: {
          200: Type.Object({
            id: Uuid,
            name: Type.String(),
            host: Type.String(),
            start: Type.Optional(Type.String()),
            end: Type.Optional(Type.String()),
            url: Type.String({ format: 'uri' }),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
      config: { auth: { scopes: [['meetinglink:read']], models: ORG_ONLY } },
    },
    async (request) => meetingLinkInfo(app.ctx, principalOf(request), request.body.id),
  )

  app.post(
    '/meetinglink.update',
    {
      schema: {
        summary: 'Update a meeting link',
        description: 'The host cannot change: omit it, send it empty, or send the current host. Omitted start/end keep their values; empty strings clear them.',
        tags: ['Meeting links'],
        body: Type.Object({ id: Uuid, name: Name, host: Type.Optional(Type.String()), start: Type.Optional(Type.String()), end: Type.Optional(Type.String()) }),
        response: { 204: Type.Null({ description: 'Meeting link updated' }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: { scopes: [['meetinglink:write']], models: ORG_ONLY } },
    },
    async (request, reply) => {
      await updateMeetingLinkDetails(app.ctx, principalOf(request), request.body)
      return reply.code(204).send(null)
    },
  )
}
