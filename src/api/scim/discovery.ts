import { SCIM_MAX_RESULTS, SCIM_SCHEMA } from '../../actions/scim.js'

/** SCIM discovery documents (RFC 7643 §5–7): what this service provider supports. */

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SCIM_SCHEMA.serviceProviderConfig],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/docs/scim`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'An organization API key (rmk-…) with user:read and user:read.email (reads) and user:write (writes).',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  }
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: [SCIM_SCHEMA.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'People in the organization',
      schema: SCIM_SCHEMA.user,
      schemaExtensions: [{ schema: SCIM_SCHEMA.roamUser, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: [SCIM_SCHEMA.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Groups, each with its channel chat',
      schema: SCIM_SCHEMA.group,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ]
}

interface AttributeOptions {
  type?: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime'
  required?: boolean
  multiValued?: boolean
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'
  returned?: 'always' | 'never' | 'default' | 'request'
  uniqueness?: 'none' | 'server' | 'global'
  caseExact?: boolean
  description: string
  subAttributes?: SchemaAttribute[]
  canonicalValues?: string[]
}

type SchemaAttribute = Record<string, unknown>

function attribute(name: string, o: AttributeOptions): SchemaAttribute {
  return {
    name,
    type: o.type ?? 'string',
    multiValued: o.multiValued ?? false,
    description: o.description,
    required: o.required ?? false,
    caseExact: o.caseExact ?? false,
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
  }
}

export function schemas(baseUrl: string) {
  const meta = (id: string) => ({ resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` })
  return [
    {
      schemas: [SCIM_SCHEMA.schema],
      id: SCIM_SCHEMA.user,
      name: 'User',
      description: 'User account',
      attributes: [
        attribute('userName', { required: true, uniqueness: 'server', mutability: 'immutable', description: 'The primary email address; immutable' }),
        attribute('name', {
          type: 'complex',
          required: true,
          description: 'Structured name; the display name is "givenName familyName"',
          subAttributes: [
            attribute('givenName', { required: true, description: 'Given (first) name' }),
            attribute('familyName', { required: true, description: 'Family (last) name' }),
            attribute('formatted', { mutability: 'readOnly', description: 'The display name' }),
          ],
        }),
        attribute('displayName', { mutability: 'readOnly', description: 'Derived from name; values sent are ignored' }),
        attribute('emails', {
          type: 'complex',
          multiValued: true,
          required: true,
          mutability: 'immutable',
          description: 'The primary email, equal to userName',
          subAttributes: [
            attribute('value', { required: true, description: 'Email address' }),
            attribute('type', { description: 'Kind of address', canonicalValues: ['work'] }),
            attribute('primary', { type: 'boolean', description: 'Whether this is the primary address' }),
          ],
        }),
        attribute('active', { type: 'boolean', description: 'false archives (deactivates) the user; true reactivates' }),
        attribute('externalId', { caseExact: true, description: "The identity provider's id for the user" }),
      ],
      meta: meta(SCIM_SCHEMA.user),
    },
    {
      schemas: [SCIM_SCHEMA.schema],
      id: SCIM_SCHEMA.group,
      name: 'Group',
      description: 'Group',
      attributes: [
        attribute('displayName', { required: true, description: 'Group name, at most 64 characters' }),
        attribute('members', {
          type: 'complex',
          multiValued: true,
          description: 'Users in the group',
          subAttributes: [
            attribute('value', { required: true, mutability: 'immutable', caseExact: true, description: 'User id (U-…)' }),
            attribute('type', { mutability: 'immutable', description: 'Always User', canonicalValues: ['User'] }),
          ],
        }),
      ],
      meta: meta(SCIM_SCHEMA.group),
    },
    {
      schemas: [SCIM_SCHEMA.schema],
      id: SCIM_SCHEMA.roamUser,
      name: 'RoamUser',
      description: 'Roam user extension',
      attributes: [
        attribute('role', { description: 'User (default) or Admin: access to administration', canonicalValues: ['User', 'Admin'], caseExact: true }),
      ],
      meta: meta(SCIM_SCHEMA.roamUser),
    },
  ]
}
