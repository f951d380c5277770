import { Type } from 'typebox'
import { clickButton, clickStates } from '../../actions/interactivity.js'
import { principalOf, type RouteAuth } from '../../http/auth.js'
import { errorResponses, TaggedUUID } from '../../http/schemas.js'
import type { V0App } from './index.js'

/**
 * Who may click: a person, through their signed-in browser session or one of their personal
 * tokens (`access.requireClicker` decides which tokens qualify).
 */
const CLICKER: RouteAuth = { scopes: [], models: ['personal'], session: 'allow' }

const ClickOutcome = Type.Union([Type.Literal('clicked'), Type.Literal('timeout'), Type.Literal('no_response'), Type.Literal('error')], {
  description: 'clicked: the app answered 2xx; timeout: "App didn\'t respond in time"; no_response: "App didn\'t respond"; error: "App returned an error"',
})

const Click = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Also the webhook-id header of the request sent to the app' }),
  outcome: ClickOutcome,
  message: Type.String({ description: 'What the person sees' }),
  actionId: Type.String(),
  blockId: Type.String(),
  statusCode: Type.Optional(Type.Integer({ description: "The app's HTTP status, when it answered" })),
})

export default async function interactivityRoutes(app: V0App): Promise<void> {
  app.post(
    '/interactivity.click',
    {
      schema: {
        summary: 'Click an interactive button',
        description:
          "Atrium extension for chat clients: records a person's click on a Block Kit button (`action_id`, no `url`) and POSTs the signed `block_actions` payload to the Interactivity URL of the app that posted the message; returns the outcome.",
        tags: ['Interactivity'],
        body: Type.Object({
          chat: TaggedUUID,
          timestamp: Type.Integer({ minimum: 0, description: 'Key of the message holding the button (Unix µs)' }),
          actionId: Type.String({ minLength: 1, maxLength: 255 }),
          blockId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        response: { 200: Click, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: CLICKER },
    },
    async (request) => clickButton(app.ctx, principalOf(request), request.body),
  )

  app.get(
    '/interactivity.clicks',
    {
      schema: {
        summary: "The caller's latest click on each button of a message",
        tags: ['Interactivity'],
        querystring: Type.Object({ chat: TaggedUUID, timestamp: Type.Integer({ minimum: 0 }) }),
        response: { 200: Type.Object({ clicks: Type.Array(Click) }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: CLICKER },
    },
    async (request) => ({ clicks: await clickStates(app.ctx, principalOf(request), request.query.chat, request.query.timestamp) }),
  )
}
