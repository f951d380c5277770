import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Context } from '../../context.js'
import { OAUTH_METADATA_PATH } from '../../http/openapi.js'
import { requestPublicBase } from '../../public-url.js'
import { SCOPES } from '../../scopes.js'

/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414) for what actions/oauth.ts implements: the
 * authorization code grant with PKCE, S256 only (the library's plain method stays disabled), and
 * rotating refresh tokens; confidential clients authenticate with HTTP Basic or form fields,
 * public clients with PKCE alone. Atrium has no token revocation or introspection endpoint
 * (`app.uninstall` is a v0 method, not RFC 7009) and is not an OpenID provider (no ID tokens),
 * so neither is announced, and there is no /.well-known/openid-configuration.
 */
const Metadata = Type.Object({
  issuer: Type.String({ format: 'uri', description: 'ATRIUM_PUBLIC_URL, or the origin the request came to when it is unset' }),
  authorization_endpoint: Type.String({ format: 'uri' }),
  token_endpoint: Type.String({ format: 'uri' }),
  scopes_supported: Type.Array(Type.String()),
  response_types_supported: Type.Array(Type.String()),
  response_modes_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  code_challenge_methods_supported: Type.Array(Type.String()),
  service_documentation: Type.String({ format: 'uri' }),
})

export async function oauthMetadataRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts
  app.get(
    OAUTH_METADATA_PATH,
    {
      schema: {
        summary: 'Authorization server metadata (RFC 8414)',
        description: 'Where the endpoints are and what this server supports; read by OAuth client libraries (discovery).',
        response: { 200: Metadata },
      },
    },
    async (request, reply) => {
      const issuer = requestPublicBase(request, ctx.config)
      reply.header('cache-control', 'no-cache')
      return {
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        scopes_supported: [...SCOPES],
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        code_challenge_methods_supported: ['S256'],
        service_documentation: `${issuer}/docs`,
      }
    },
  )
}
