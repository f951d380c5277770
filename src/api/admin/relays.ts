import { Type } from 'typebox'
import { createRelay, deleteRelay, listRelayViews, rotateRelaySecret, updateRelay } from '../../actions/relays.js'
import { ADMIN_READ, ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

const ColorRule = Type.Object(
  {
    when: Type.String({ description: 'filtrex expression over the payload, e.g. status == "failed"' }),
    color: Type.String({ description: 'good, warning, danger or #RRGGBB' }),
  },
  { additionalProperties: false },
)

const Link = Type.Object(
  {
    text: Type.String({ description: 'Button text (plain text, at most 75 characters)' }),
    urlTemplate: Type.String({ description: 'Mustache template of the button URL; {{field}} is URL-encoded, {{{field}}} inserted as is' }),
  },
  { additionalProperties: false },
)

const Relay = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  bot: Type.String({ description: 'The bot (B-…) that posts the messages, named after the relay' }),
  group: Type.Optional(Type.String({ description: 'Target group (G-…)' })),
  to: Type.Optional(Type.Array(Type.String(), { description: 'Target recipients (U-…): a DM with one, a multi-DM with several' })),
  template: Type.Optional(Type.String()),
  filter: Type.Optional(Type.String()),
  colorRules: Type.Array(ColorRule),
  link: Type.Optional(Link),
  enabled: Type.Boolean(),
  receivedCount: Type.Integer(),
  postedCount: Type.Integer(),
  filteredCount: Type.Integer(),
  failedCount: Type.Integer(),
  lastReceivedAt: Type.Optional(Type.String({ format: 'date-time' })),
  lastError: Type.Optional(Type.String()),
  createdBy: Type.Optional(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

const settings = {
  group: Type.Optional(Type.String({ minLength: 1, description: 'G-… id or exact group name' })),
  to: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'E-mail addresses or U-… ids' })),
  colorRules: Type.Optional(Type.Array(ColorRule)),
  enabled: Type.Optional(Type.Boolean()),
}

const CreateBody = Type.Object(
  {
    name: Type.String(),
    ...settings,
    template: Type.Optional(Type.String({ description: 'Mustache template over the payload; default: the payload as a JSON code block' })),
    filter: Type.Optional(Type.String({ description: 'filtrex expression; payloads for which it does not hold are not posted' })),
    link: Type.Optional(Link),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.Optional(Type.String()),
    ...settings,
    template: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'null: back to the default rendering' })),
    filter: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'null: post every payload' })),
    link: Type.Optional(Type.Union([Link, Type.Null()])),
  },
  { additionalProperties: false },
)

const IdBody = Type.Object({ id: Type.String({ format: 'uuid' }) })
const Issued = Type.Object({ relay: Relay, url: Type.String({ description: 'The relay URL with its secret: shown now only' }) })

/** Webhook relays: create (URL shown once), list, update, rotate the URL, delete. */
export default async function adminRelayRoutes(app: AdminApp): Promise<void> {
  app.post(
    '/relays.create',
    {
      schema: { tags: ['Admin'], summary: 'Create a webhook relay and its secret URL', body: CreateBody, response: { 200: Issued, ...errorResponses(400, 401, 403) } },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const principal = principalOf(request)
      const createdBy = principal.model === 'personal' ? principal.user.id : null
      return createRelay(app.ctx, principal.orgId, createdBy, request.body)
    },
  )

  app.get(
    '/relays.list',
    {
      schema: { tags: ['Admin'], summary: "The organization's webhook relays (never their URLs)", response: { 200: Type.Object({ relays: Type.Array(Relay) }), ...errorResponses(401, 403) } },
      config: { auth: ADMIN_READ },
    },
    async (request) => ({ relays: await listRelayViews(app.ctx, principalOf(request).orgId) }),
  )

  app.post(
    '/relays.update',
    {
      schema: { tags: ['Admin'], summary: "Change a relay's settings or target", body: UpdateBody, response: { 200: Relay, ...errorResponses(400, 401, 403, 404) } },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const { id, ...changes } = request.body
      return updateRelay(app.ctx, principalOf(request).orgId, id, changes)
    },
  )

  app.post(
    '/relays.rotate',
    {
      schema: { tags: ['Admin'], summary: 'Issue a new relay URL; the old one stops working', body: IdBody, response: { 200: Issued, ...errorResponses(400, 401, 403, 404) } },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => rotateRelaySecret(app.ctx, principalOf(request).orgId, request.body.id),
  )

  app.post(
    '/relays.delete',
    {
      schema: { tags: ['Admin'], summary: 'Delete a relay: its URL answers 404', body: IdBody, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
      config: { auth: ADMIN_WRITE },
    },
    async (request, reply) => {
      await deleteRelay(app.ctx, principalOf(request).orgId, request.body.id)
      return reply.code(204).send(null)
    },
  )
}
