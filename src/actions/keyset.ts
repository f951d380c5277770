import { fail } from '../errors.js'

/**
 * Keyset cursors of the form `<µs>_<uuid>`: the time and id of the last row of a page, handed back
 * to get the rows after it (chat.list, group.list, search.messages).
 */

const cursorRe = /^(\d{1,16})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/

export function keysetCursor(at: number, id: string): string {
  return `${at}_${id}`
}

/** The (time, id) a cursor names; anything else is 400 naming the method that makes such cursors. */
export function parseKeysetCursor(cursor: string, method: string): { at: number; id: string } {
  const m = cursorRe.exec(cursor)
  const at = m ? Number(m[1]) : NaN
  if (!m || !Number.isSafeInteger(at)) fail('invalid_request', `cursor: is not a cursor returned by ${method}`)
  return { at, id: m[2]! }
}
