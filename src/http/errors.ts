import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import Router from 'find-my-way'
import { AppError, errorCatalogue, type ErrorCode } from '../errors.js'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/** Maps Fastify's own 4xx statuses to catalogue codes. */
const codeForStatus: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'invalid_auth',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'ratelimited',
}

/** Answers an error in one API's error shape. */
export type ErrorSender = (reply: FastifyReply, err: AppError) => FastifyReply

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Error shapes of the APIs that have their own (Roomlio, SCIM), by path prefix, for the
     * refusals Fastify makes before a request reaches their plugin.
     */
    errorSenders: Map<string, ErrorSender>
  }
}

export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  return reply.code(err.status).type('application/json; charset=utf-8').send({ error: err.message, code: err.code })
}

/**
 * Formats schema validation failures so the message names the field:
 * `body/chat: is required`, `querystring/limit: must be <= 200`.
 */
export function formatValidation(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const messages = errors.map((e) => {
    const params = e.params as Record<string, unknown>
    let pointer = `${dataVar}${e.instancePath}`
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required') {
      pointer = `${pointer}/${String(params.missingProperty)}`
      message = 'is required'
    } else if (e.keyword === 'additionalProperties') {
      pointer = `${pointer}/${String(params.additionalProperty)}`
      message = 'is not allowed'
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    } else if (e.keyword === 'pattern' && /uuid/i.test(String(params.pattern))) {
      message = 'must be a tagged id such as U-0f1e2d3c-…'
    }
    return `${pointer}: ${message}`
  })
  return new AppError('invalid_request', [...new Set(messages)].join('; '))
}

/**
 * Installs the error handler (every error becomes `{"error", "code"}`), the JSON 404, and 405 for
 * a known path called with the wrong method.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.decorate('errorSenders', new Map<string, ErrorSender>())
  const routes = Router()
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (!(METHODS as readonly string[]).includes(method)) continue
      try {
        routes.on(method as (typeof METHODS)[number], route.url, () => undefined)
      } catch {
        // Already known for this method (HEAD is added next to GET).
      }
    }
  })

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((m) => m !== request.method && routes.find(m, path) !== null)
    const send = senderFor(request.server, path)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return send(reply, new AppError('method_not_allowed'))
    }
    return send(reply, new AppError('not_found', `No such method: ${request.method} ${path}`))
  })

  app.setErrorHandler((err: FastifyError | AppError, request, reply) => sendError(reply, toAppError(err, request)))
}

/** A request body that is not the JSON it claims to be (APIs with their own error codes tell it apart). */
export class MalformedBodyError extends AppError {
  constructor(message: string) {
    super('invalid_request', message)
  }
}

/** `body: invalid JSON: Expected ',' or '}' after property value (line 1, column 10)`. */
export function jsonSyntaxError(text: string): AppError {
  let detail = 'it does not parse'
  try {
    JSON.parse(text)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const at = /in JSON at position (\d+)/.exec(message)
    if (at) {
      const before = text.slice(0, Number(at[1]))
      const line = before.split('\n').length
      const column = before.length - before.lastIndexOf('\n')
      detail = `${message.slice(0, at.index).trim()} (line ${line}, column ${column})`
    } else {
      detail = message
    }
  }
  return new MalformedBodyError(`body: invalid JSON: ${detail}`)
}

const EXPECTED_JSON = 'body: expected JSON (Content-Type: application/json)'

/** What Fastify's body parsing refused, said as what was expected instead. */
function bodyProblem(err: FastifyError, request: FastifyRequest): AppError | undefined {
  const contentType = request.headers['content-type']
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', `${EXPECTED_JSON}, got ${contentType ? `Content-Type: ${contentType}` : 'no Content-Type'}`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request', `${EXPECTED_JSON}, got an empty body`)
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_request', 'body: its length differs from the Content-Length header')
    default:
      return undefined
  }
}

/**
 * A text/plain body reaches schema validation as a string and fails as "body: must be object":
 * say what was meant instead.
 */
function textForJson(err: FastifyError | AppError, request: FastifyRequest): AppError | undefined {
  const contentType = request.headers['content-type']
  if (typeof request.body !== 'string' || contentType === undefined || /json/i.test(contentType)) return undefined
  const fromSchema = err instanceof AppError ? err.code === 'invalid_request' && err.message.startsWith('body') : err.validationContext === 'body'
  return fromSchema ? new AppError('invalid_request', `${EXPECTED_JSON}, got Content-Type: ${contentType}`) : undefined
}

/**
 * Any error raised while handling a request, as a catalogue error: AppErrors as they are, schema
 * validation as `invalid_request` naming the field, Fastify's own 4xx by status; anything else is
 * logged in full and becomes a generic `internal`.
 */
export function toAppError(err: FastifyError | AppError, request: FastifyRequest): AppError {
  const notJson = textForJson(err, request)
  if (notJson) return notJson
  if (err instanceof AppError) return err
  const status = err.statusCode ?? 500
  const body = bodyProblem(err, request)
  if (body) return body
  if (err.validation) return formatValidation(err.validation, err.validationContext ?? 'body') as AppError
  const code = codeForStatus[status]
  if (status < 500 && code) {
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? errorCatalogue.payload_too_large.message : err.message
    return new AppError(code, message)
  }
  request.log.error({ err }, 'unhandled error')
  return new AppError('internal')
}

/**
 * Fastify's refusals made before routing (`frameworkErrors`): a path that is not valid
 * percent-encoded UTF-8, or a path parameter longer than the router takes. A 400 in the error
 * shape of the API the path belongs to.
 */
export function sendFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message =
    err.code === 'FST_ERR_BAD_URL'
      ? 'path: is not valid percent-encoded UTF-8'
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? `params: a path segment is longer than ${MAX_PARAM_LENGTH} characters`
        : undefined
  if (message === undefined) request.log.error({ err }, 'request refused by the router')
  const appError = message === undefined ? new AppError('internal') : new AppError('invalid_request', message)
  return senderFor(request.server, request.url.split('?')[0] ?? '/')(reply, appError)
}

/** The error shape of the API a path belongs to (v0's `{"error", "code"}` unless one registered its own). */
function senderFor(app: FastifyInstance, path: string): ErrorSender {
  for (const [prefix, send] of app.errorSenders) if (path.startsWith(prefix)) return send
  return sendError
}

/** The router's longest path parameter (find-my-way's maxParamLength). */
export const MAX_PARAM_LENGTH = 100
