import type { FastifyError, FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { AppError } from '../errors.js'
import { jsonSyntaxError } from './errors.js'

/**
 * Limits every request's input meets before any code walks it, the same on both dialects:
 *
 * - JSON bodies nested deeper than `ATRIUM_JSON_MAX_DEPTH` arrays/objects are refused while
 *   parsing (validators, Block Kit, request hashing and templates recurse over the value);
 * - no string from a JSON body, a form, the query string or the path may hold U+0000 (PostgreSQL
 *   text cannot store it; SQLite would), in values or property names;
 * - every number is finite (`1e400` parses to Infinity, and Ajv's type coercion lets an infinite
 *   query or form value through an integer schema with bounds, since it skips bounds for
 *   non-finite numbers);
 * - every integer a route accepts is within the safe-integer range unless its schema sets a
 *   narrower one (PostgreSQL refuses out-of-range parameters, SQLite stores them as floats).
 *
 * Each refusal is a 400 naming the field: `body/blocks/0/text: must not contain …`.
 */

/** The largest integer a request may carry where its schema sets no bound (2^53 − 1). */
const MAX_INPUT_INTEGER = Number.MAX_SAFE_INTEGER

const checked = Symbol('atrium.inputChecked')

type Checked = FastifyRequest & { [checked]?: boolean }

/** A JSON pointer segment (RFC 6901), with U+0000 shown as `\u0000` so messages stay printable. */
function segment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1').replace(/\0/g, '\\u0000')
}

/**
 * Checks a parsed value without recursion: nesting at most `maxDepth` arrays/objects, no U+0000
 * in any string or property name, and only finite numbers. Returns the problem as
 * `<where>/<pointer>: <rule>`, or undefined when the value passes.
 */
function inputProblem(value: unknown, where: string, maxDepth: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: where }]
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop()!
    if (typeof v === 'string') {
      if (v.includes('\0')) return `${path}: must not contain the NUL character (\\u0000)`
      continue
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${path}: must be a finite number`
      continue
    }
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) continue
    if (depth + 1 > maxDepth) return `${where}: is nested deeper than ${maxDepth} levels of arrays and objects`
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: depth + 1, path: `${path}/${i}` })
      continue
    }
    const keys = Object.keys(v)
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      if (key.includes('\0')) return `${path}/${segment(key)}: property names must not contain the NUL character (\\u0000)`
      stack.push({ value: (v as Record<string, unknown>)[key], depth: depth + 1, path: `${path}/${segment(key)}` })
    }
  }
  return undefined
}

/** Throws a 400 `invalid_request` when `value` breaks the input limits (see inputProblem). */
export function requireSafeInput(value: unknown, where: string, maxDepth: number): void {
  const problem = inputProblem(value, where, maxDepth)
  if (problem !== undefined) throw new AppError('invalid_request', problem)
}

type JsonParser = (request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void

/**
 * A JSON content-type parser: Fastify's own (prototype poisoning refused; a body that does not parse
 * says where), then the input limits.
 * JSON.parse and the poisoning filter are iterative, so depth is checked on the parsed value
 * before anything recursive sees it.
 */
export function limitedJsonParser(app: FastifyInstance, maxDepth: number): JsonParser {
  const parse = app.getDefaultJsonParser('error', 'error') as unknown as JsonParser
  return (request, body, done) => {
    parse(request, body, (err, value) => {
      if (err) return done((err as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? jsonSyntaxError(body) : err)
      const problem = inputProblem(value, 'body', maxDepth)
      if (problem !== undefined) return done(new AppError('invalid_request', problem))
      ;(request as Checked)[checked] = true
      done(null, value)
    })
  }
}

const VALUE_KEYWORDS = new Set(['default', 'examples', 'const', 'enum'])

/** Integer schemas with their missing bounds filled in: the safe-integer range. */
function boundIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundIntegers)
  if (schema === null || typeof schema !== 'object') return schema
  // A copy keeping each property's enumerability (TypeBox marks its kind with hidden ones).
  const descriptors = Object.getOwnPropertyDescriptors(schema)
  for (const [key, descriptor] of Object.entries(descriptors)) {
    // `properties` and friends map names to schemas; `default`/`examples`/`const`/`enum` are values.
    if (descriptor.enumerable && !VALUE_KEYWORDS.has(key)) descriptor.value = boundIntegers(descriptor.value)
  }
  const out = Object.defineProperties({}, descriptors) as Record<string, unknown>
  const type = out.type
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = MAX_INPUT_INTEGER
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = -MAX_INPUT_INTEGER
  }
  return out
}

/**
 * Installs the limits on the root instance; call before any route is registered (parsers and
 * hooks are inherited by the route plugins registered after it).
 */
export function installInputLimits(app: FastifyInstance, maxDepth: number): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, limitedJsonParser(app, maxDepth))

  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined
    if (!schema) return
    for (const part of ['body', 'querystring', 'params'] as const) {
      if (schema[part] !== undefined) schema[part] = boundIntegers(schema[part])
    }
  })

  // Forms, query strings and path parameters, as the schemas coerced them; JSON bodies were
  // checked while parsing, raw bodies (uploads, relay payloads) belong to their route.
  app.addHook('preHandler', async (request) => {
    requireSafeInput(request.params, 'params', maxDepth)
    requireSafeInput(request.query, 'querystring', maxDepth)
    const body = request.body
    if (!(request as Checked)[checked] && body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) requireSafeInput(body, 'body', maxDepth)
  })
}
