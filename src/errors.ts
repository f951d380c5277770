/**
 * The error catalogue. Every error Atrium returns has a stable `code` from this list, an HTTP
 * status and a human message. The wire body is `{"error": message, "code": code}`; Roam clients
 * read `error`, Atrium-aware clients may switch on `code`.
 */
export const errorCatalogue = {
  invalid_request: { status: 400, message: 'The request is invalid.' },
  invalid_auth: { status: 401, message: 'Presented invalid authentication credentials.' },
  not_authed: { status: 401, message: 'Missing Authorization: Bearer <token> header.' },
  // Permanent: the token was revoked, or its app deleted, or its owner deactivated. Clients stop retrying.
  token_revoked: { status: 401, message: 'This token has been revoked.' },
  missing_scope: { status: 403, message: 'The token lacks a scope this method needs.' },
  access_mode_not_supported: { status: 403, message: 'access_mode_not_supported' },
  forbidden: { status: 403, message: 'You do not have access to this resource.' },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'An unsupported method was requested.' },
  group_archived: { status: 403, message: 'This group is archived: it accepts no new messages, members or settings.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  payload_too_large: { status: 413, message: 'Request body exceeds the maximum allowed size.' },
  quota_exceeded: { status: 413, message: 'The upload would exceed a storage quota.' },
  unsupported_media_type: { status: 415, message: 'Unsupported media type.' },
  ratelimited: { status: 429, message: 'Too many requests.' },
  internal: { status: 500, message: 'An internal error occurred.' },
  unavailable: { status: 503, message: 'The service is not ready.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof errorCatalogue

export class AppError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? errorCatalogue[code].message)
    this.name = 'AppError'
    this.status = errorCatalogue[code].status
  }
}

/** Throws an AppError: `fail('not_found', 'Group not found.')`. */
export function fail(code: ErrorCode, message?: string, headers?: Record<string, string>): never {
  throw new AppError(code, message, headers)
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}
