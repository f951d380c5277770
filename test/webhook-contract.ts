import fs from 'node:fs'
import path from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { specDir } from './contract.js'

/** Validates an event payload against the request body webhooks.json declares for that event (`x-webhooks`). */
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv
const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
let loaded = false
const cache = new Map<string, ValidateFunction>()

export function webhookPayloadErrors(event: string, body: unknown): string[] {
  if (!loaded) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(specDir, 'webhooks.json'), 'utf8')) as object, 'webhooks.json')
    loaded = true
  }
  let validate = cache.get(event)
  if (!validate) {
    validate = ajv.compile({ $ref: `webhooks.json#/x-webhooks/${event}/post/requestBody/content/application~1json/schema` })
    cache.set(event, validate)
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
}
