import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

/**
 * Which request input is coerced to its schema's types, and which is taken as sent.
 *
 * - JSON bodies carry their own types: they are validated **without coercion**. `{"text": 42}`
 *   where text is a string, `"U-…"` where an array is expected, or `null` where a field is not
 *   nullable are each a 400 naming the field, never a silently converted value.
 * - Query strings, path parameters, headers and form bodies (`application/x-www-form-urlencoded`)
 *   are text on the wire, so they are coerced as before: `limit=5` is the integer 5, `true` the
 *   boolean, a single value an array of one where the schema wants an array.
 *
 * Fastify compiles one validator per route part (`httpPart`), not per content type, so each route's
 * body gets both a strict and a coercing validator; the form parser marks the objects it makes, and
 * the body validator picks the coercing one only for those.
 */

export type ValidatorBuilder = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>

/**
 * Fastify's own validator compiler and @fastify/formbody's own query-string parser, loaded from where
 * those packages load them: the same code and versions as Fastify's defaults, without depending on
 * them directly.
 */
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const fromFormbody = createRequire(createRequire(import.meta.url).resolve('@fastify/formbody'))
const AjvCompiler = fromFastify('@fastify/ajv-compiler') as () => ValidatorBuilder
const parseQueryString = (fromFormbody('fast-querystring') as { parse: (text: string) => Record<string, unknown> }).parse

/** Bodies parsed from a form: the only bodies whose values are converted to the schema's types. */
const formBodies = new WeakSet<object>()

/** The form parser (for @fastify/formbody's `parser` option): fast-querystring, its result marked as a form. */
export function parseForm(text: string): Record<string, unknown> {
  const body = parseQueryString(text)
  formBodies.add(body)
  return body
}

/** The shape of a validator builder as used here (Fastify's types tie it to one Ajv mode). */
type LooseBuilder = (
  externalSchemas: unknown,
  options: { customOptions?: Record<string, unknown> } | undefined,
) => (route: { schema: unknown; httpPart?: string }) => Validate

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown }

/** One body validator: the coercing one for a form's object, the strict one for anything else. */
function bodyValidator(strict: Validate, coercing: Validate): Validate {
  const validate: Validate = (data, context) => {
    const chosen = data !== null && typeof data === 'object' && formBodies.has(data) ? coercing : strict
    const ok = chosen(data, context)
    validate.errors = chosen.errors
    return ok
  }
  // Fastify hands Ajv validators the request as the root's parent (so a root value may be
  // replaced by coercion); it tells them apart by this property.
  validate.schemaEnv = strict.schemaEnv
  return validate
}

/**
 * The validator compilers of every app: Fastify's own Ajv compiler (`base`), twice — with
 * `coerceTypes: 'array'` for the text parts of a request, without coercion for JSON bodies.
 * The `ajv.customOptions` of the server apply to both; their `coerceTypes` is overridden.
 */
export function inputValidators(base: ValidatorBuilder = AjvCompiler()): ValidatorBuilder {
  const build = base as unknown as LooseBuilder
  const inputs: LooseBuilder = (externalSchemas, options) => {
    const customOptions = options?.customOptions ?? {}
    const coercingBuild = build(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: 'array' } })
    const strictBuild = build(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: false } })
    return (route) => {
      const coercing = coercingBuild(route)
      return route.httpPart === 'body' ? bodyValidator(strictBuild(route), coercing) : coercing
    }
  }
  return inputs as unknown as ValidatorBuilder
}
