import { Type, type TSchema } from 'typebox'
import { SCIM_SCHEMA } from '../../actions/scim.js'

/**
 * What the SCIM routes answer, for the API document and its contract test. actions/scim.ts builds
 * every body field by field (excludedAttributes removes some), and the routes send it as built;
 * these schemas describe it. Extension attributes are open (additionalProperties).
 */

const Meta = (resourceType: string) =>
  Type.Object({
    resourceType: Type.Literal(resourceType),
    created: Type.Optional(Type.String({ format: 'date-time' })),
    lastModified: Type.Optional(Type.String({ format: 'date-time' })),
    location: Type.String({ format: 'uri' }),
  })

export const ScimUser = Type.Object(
  {
    schemas: Type.Array(Type.String()),
    id: Type.String({ description: 'U-<uuid>' }),
    externalId: Type.Optional(Type.String()),
    userName: Type.Optional(Type.String({ description: 'The primary email address' })),
    name: Type.Optional(Type.Object({ givenName: Type.String(), familyName: Type.String(), formatted: Type.Optional(Type.String()) })),
    displayName: Type.Optional(Type.String()),
    emails: Type.Optional(Type.Array(Type.Object({ value: Type.String(), type: Type.Optional(Type.String()), primary: Type.Optional(Type.Boolean()) }))),
    active: Type.Optional(Type.Boolean()),
    [SCIM_SCHEMA.roamUser]: Type.Optional(Type.Object({ role: Type.Union([Type.Literal('User'), Type.Literal('Admin')]) })),
    meta: Type.Optional(Meta('User')),
  },
  { $id: 'ScimUser' },
)

export const ScimGroup = Type.Object(
  {
    schemas: Type.Array(Type.String()),
    id: Type.String({ description: 'G-<uuid>' }),
    displayName: Type.Optional(Type.String()),
    members: Type.Optional(Type.Array(Type.Object({ value: Type.String({ description: 'U-<uuid>' }), type: Type.Optional(Type.Literal('User')) }))),
    meta: Type.Optional(Meta('Group')),
  },
  { $id: 'ScimGroup' },
)

export const ScimError = Type.Object(
  {
    schemas: Type.Array(Type.Literal(SCIM_SCHEMA.error)),
    status: Type.String({ description: 'The HTTP status, as a string' }),
    scimType: Type.Optional(Type.String()),
    detail: Type.String(),
    code: Type.String({ description: "Atrium's stable error code" }),
  },
  { $id: 'ScimError' },
)

export const ListResponse = (resource: TSchema) =>
  Type.Object({
    schemas: Type.Array(Type.Literal(SCIM_SCHEMA.list)),
    totalResults: Type.Integer({ minimum: 0 }),
    startIndex: Type.Integer({ minimum: 1 }),
    itemsPerPage: Type.Integer({ minimum: 0 }),
    Resources: Type.Array(resource),
  })

/** Discovery documents (RFC 7643 §5–7), described by their common members. */
export const DiscoveryDocument = Type.Object(
  { schemas: Type.Array(Type.String()), id: Type.Optional(Type.String()), meta: Type.Optional(Type.Object({ resourceType: Type.String(), location: Type.String() })) },
  { additionalProperties: true },
)

/** The SCIM error shape for each status. */
export function scimErrors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ScimError')]))
}
