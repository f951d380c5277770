import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import type { AppError, ErrorCode } from '../../errors.js'
import { toAppError } from '../../http/errors.js'

/**
 * `/v1` answers errors as Roam's current clients expect: `{"ok": false, "error": "<code>",
 * "message": "<sentence>"}`, with the same HTTP statuses as v0. The codes are the catalogue's,
 * under the names Roam's clients branch on where Roam's differ.
 */
const v1Names: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'invalid_arguments',
  invalid_auth: 'invalid_token',
}

export function v1ErrorCode(code: ErrorCode): string {
  return v1Names[code] ?? code
}

export function sendV1Error(reply: FastifyReply, err: AppError): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  return reply.code(err.status).type('application/json; charset=utf-8').send({ ok: false, error: v1ErrorCode(err.code), message: err.message })
}

export const V1ErrorBody = Type.Object(
  {
    ok: Type.Literal(false),
    error: Type.String({ description: 'Stable snake_case code: invalid_token, token_revoked, not_authed, missing_scope, ratelimited, not_found, invalid_arguments, payload_too_large, …' }),
    message: Type.String({ description: 'What was wrong, naming the field' }),
  },
  { $id: 'V1Error' },
)

/**
 * Gives every route of the `/v1` scope the v1 error shape: registers it, and points the error
 * responses the routes declare (`errorResponses(…)`, the v0 shape) at it, for serialisation and
 * for the OpenAPI document alike.
 */
export function useV1Errors(app: FastifyInstance): void {
  app.addSchema(V1ErrorBody)
  app.addHook('onRoute', (route) => {
    const responses = route.schema?.response as Record<string, unknown> | undefined
    if (!responses) return
    for (const [status, schema] of Object.entries(responses)) {
      if ((schema as { $ref?: unknown }).$ref === 'Error') responses[status] = Type.Ref('V1Error')
    }
  })
  app.setErrorHandler((err, request, reply) => sendV1Error(reply, toAppError(err as FastifyError | AppError, request)))
}
