import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

/**
 * Contract checks against Roam's own published OpenAPI files, vendored in test/fixtures/roam-openapi
 * (see the README there for their source and date). A response body is validated against the
 * schema the file declares for that path, method and status. A missing file fails the test that
 * needs it: a contract check is never skipped.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
export const specDir = path.join(here, 'fixtures', 'roam-openapi')

/** Reads one of the vendored contract files; throws (failing the test) when it is missing. */
export function readSpec(file: string): object {
  const at = path.join(specDir, file)
  if (!fs.existsSync(at)) throw new Error(`contract file ${at} is missing: the contract tests need every file in test/fixtures/roam-openapi`)
  return JSON.parse(fs.readFileSync(at, 'utf8')) as object
}

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addFormat('datetime', true)
const loaded = new Set<string>()
const cache = new Map<string, ValidateFunction>()

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

export type SpecFile = 'chat.json' | 'webhooks.json' | 'hq-v1.json' | 'scim.json' | 'onair.json'

/** Returns the validation errors of `body` against the spec's response schema (empty = valid). */
export function contractErrors(file: SpecFile, route: string, method: string, status: number, body: unknown): string[] {
  if (!loaded.has(file)) {
    ajv.addSchema(readSpec(file), file)
    loaded.add(file)
  }
  const doc = ajv.getSchema(file)?.schema as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> }
  const response = doc.paths[route]?.[method.toLowerCase()]?.responses[String(status)]
  if (!response) return [`${file} has no ${method} ${route} response ${status}`]
  const media = response.content?.['application/json'] ?? response.content?.['application/scim+json']
  if (!media?.schema) return []
  const contentType = response.content?.['application/json'] ? 'application~1json' : 'application~1scim+json'
  const ref = `${file}#/paths/${escapePointer(route)}/${method.toLowerCase()}/responses/${status}/content/${contentType}/schema`
  let validate = cache.get(ref)
  if (!validate) {
    validate = ajv.compile({ $ref: ref })
    cache.set(ref, validate)
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
}

/**
 * Validation errors of a webhook body against webhooks.json: the `x-webhooks` request schema of
 * the event, or (for events the file lists only in prose, like `chat.message.mention`) the named
 * component schema.
 */
export function webhookPayloadErrors(event: string, body: unknown): string[] {
  contractErrors('webhooks.json', '/webhook.subscribe', 'post', 200, {})
  const components: Record<string, string> = { 'chat.message.mention': 'ChatMessage' }
  const ref = components[event]
    ? `webhooks.json#/components/schemas/${components[event]}`
    : `webhooks.json#/x-webhooks/${escapePointer(event)}/post/requestBody/content/application~1json/schema`
  let validate = cache.get(ref)
  if (!validate) {
    validate = ajv.compile({ $ref: ref })
    cache.set(ref, validate)
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
}

/** Returns the validation errors of `body` against `components.schemas.<name>` of a spec file. */
export function componentErrors(file: SpecFile, name: string, body: unknown): string[] {
  if (!loaded.has(file)) {
    ajv.addSchema(readSpec(file), file)
    loaded.add(file)
  }
  const ref = `${file}#/components/schemas/${escapePointer(name)}`
  let validate = cache.get(ref)
  if (!validate) {
    validate = ajv.compile({ $ref: ref })
    cache.set(ref, validate)
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
}
