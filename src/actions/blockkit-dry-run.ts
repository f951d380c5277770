import { colorError, validateBlocks } from '../blockkit/index.js'

export interface DryRunResult {
  ok: boolean
  interactive: boolean
  bytes: number
  errors: Array<{ pointer: string; message: string }>
}

/**
 * The Block Kit checks of chat.post (the same validator), run without posting. Violations come
 * back as RFC 6901 JSON pointers into the body (`/blocks/4/elements/8`) with their messages.
 */
export function validateDryRun(body: { blocks?: unknown; color?: unknown }): DryRunResult {
  const result = validateBlocks(body.blocks)
  const errors = [...result.errors]
  if (body.color !== undefined) {
    if (typeof body.color !== 'string') errors.push('color: must be a string')
    else {
      const error = colorError(body.color)
      if (error) errors.push(error)
    }
  }
  return {
    ok: errors.length === 0,
    interactive: result.interactive,
    bytes: Buffer.byteLength(JSON.stringify(body.blocks ?? null), 'utf8'),
    errors: errors.map(toPointer),
  }
}

function toPointer(error: string): { pointer: string; message: string } {
  const at = error.indexOf(': ')
  if (at === -1) return { pointer: '', message: error }
  return { pointer: `/${error.slice(0, at)}`, message: error.slice(at + 2) }
}
