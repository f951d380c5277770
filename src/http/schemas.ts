import { Type, type TSchema } from 'typebox'
import { TAGGED_UUID_PATTERN } from '../ids.js'

/** Schemas shared by many routes. Each route's own schemas live beside the route. */

export const TaggedUUID = Type.String({
  pattern: TAGGED_UUID_PATTERN,
  description: 'A UUID prefixed by a tag identifying the specific type of object',
})

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'A description of the error.' }),
    code: Type.Optional(Type.String({ description: 'Stable machine-readable error code (Atrium extension).' })),
  },
  { $id: 'Error' },
)

/** Error responses for a route's schema, so they appear in the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {}
  for (const status of statuses) out[status] = Type.Ref('Error')
  return out
}

export const Limit = (max: number, def = 10) =>
  Type.Integer({ minimum: 1, maximum: max, default: def, description: `Page size, 1 to ${max}` })

export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'Opaque cursor from a previous nextCursor' })
