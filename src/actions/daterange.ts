import type { DateRangePage } from '../domain.js'
import { fail } from '../errors.js'
import { parseDateParam } from '../time.js'

/**
 * Date-range paging shared by meeting.list, transcript.list and lobbyBooking.list (Roam's rule):
 * without `after`, newest first and `before` defaults to now; with `after`, oldest first from
 * `after` and no upper bound unless `before` is given. `after` is inclusive, `before` exclusive,
 * both compared with the item's start. Date-only values are UTC midnight.
 *
 * Cursors are opaque: base64url of the last row's (start, id) and the direction, so a page never
 * skips or repeats a row while new rows arrive.
 */
export interface DateRangeQuery {
  after?: string | undefined
  before?: string | undefined
  cursor?: string | undefined
  limit: number
}

export function resolveDateRange(query: DateRangeQuery, now: number): DateRangePage {
  const after = query.after === undefined ? undefined : parseDateParam(query.after)
  if (query.after !== undefined && after === undefined) fail('invalid_request', 'after: must be YYYY-MM-DD or an RFC 3339 date-time')
  const before = query.before === undefined ? undefined : parseDateParam(query.before)
  if (query.before !== undefined && before === undefined) fail('invalid_request', 'before: must be YYYY-MM-DD or an RFC 3339 date-time')
  const ascending = after !== undefined
  return {
    after,
    before: before ?? (ascending ? undefined : now),
    ascending,
    from: query.cursor === undefined ? undefined : decodeCursor(query.cursor, ascending),
    limit: query.limit,
  }
}

function decodeCursor(cursor: string, ascending: boolean): { at: number; id: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    fail('invalid_request', 'cursor: not a cursor returned by this method')
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[0] !== 'number' || typeof parsed[1] !== 'string' || typeof parsed[2] !== 'string') {
    fail('invalid_request', 'cursor: not a cursor returned by this method')
  }
  if ((parsed[2] === 'a') !== ascending) fail('invalid_request', 'cursor: belongs to a query with a different order (after given or not)')
  return { at: parsed[0], id: parsed[1] }
}

/**
 * Splits the `limit + 1` rows a repository returned into the page and its `nextCursor`
 * (undefined on the last page).
 */
export function pageOf<T>(rows: T[], page: DateRangePage, key: (row: T) => { at: number; id: string }): { items: T[]; nextCursor: string | undefined } {
  if (rows.length <= page.limit) return { items: rows, nextCursor: undefined }
  const items = rows.slice(0, page.limit)
  const last = key(items[items.length - 1]!)
  const nextCursor = Buffer.from(JSON.stringify([last.at, last.id, page.ascending ? 'a' : 'd'])).toString('base64url')
  return { items, nextCursor }
}
