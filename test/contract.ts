import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

/**
 * Contract checks against Roam's own OpenAPI files in ../shared/roam-openapi. A response body is
 * validated against the schema the file declares for that path, method and status.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
export const specDir = path.resolve(here, '../../shared/roam-openapi')
export const haveSpecs = fs.existsSync(path.join(specDir, 'chat.json'))

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

export type SpecFile = 'chat.json' | 'webhooks.json' | 'hq-v1.json' | 'scim.json'

/** Returns the validation errors of `body` against the spec's response schema (empty = valid). */
export function contractErrors(file: SpecFile, route: string, method: string, status: number, body: unknown): string[] {
  if (!loaded.has(file)) {
    const doc = JSON.parse(fs.readFileSync(path.join(specDir, file), 'utf8')) as object
    ajv.addSchema(doc, file)
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
 * Validation errors of `body` against a named component schema of a spec file
 * (`componentErrors('scim.json', 'User', body)`), for items of a list whose path-level schema
 * cannot tell them apart (scim.json lists Resources as oneOf User|Group, and a User with a
 * displayName also satisfies Group).
 */
export function componentErrors(file: SpecFile, component: string, body: unknown): string[] {
  if (!loaded.has(file)) {
    const doc = JSON.parse(fs.readFileSync(path.join(specDir, file), 'utf8')) as object
    ajv.addSchema(doc, file)
    loaded.add(file)
  }
  const ref = `${file}#/components/schemas/${escapePointer(component)}`
  let validate = cache.get(ref)
  if (!validate) {
    validate = ajv.compile({ $ref: ref })
    cache.set(ref, validate)
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
}
