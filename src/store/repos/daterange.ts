import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely'
import type { DateRangePage } from '../../domain.js'
import type { Database } from '../schema.js'

/**
 * Applies a date-range page to a query over a table with an instant column and a text id:
 * bounds (`after` inclusive, `before` exclusive), the keyset position, the order (newest first,
 * oldest first when `after` was given) and `limit + 1` rows so the caller can tell whether a next
 * page exists. Keyset on `(instant, id)`, never OFFSET.
 */
export function pageByInstant<T extends keyof Database, O>(
  query: SelectQueryBuilder<Database, T, O>,
  instant: string,
  idColumn: string,
  page: DateRangePage,
): SelectQueryBuilder<Database, T, O> {
  // Column names are fixed by the calling repository; Kysely cannot type a column chosen at run time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let q = query as SelectQueryBuilder<any, any, O>
  if (page.after !== undefined) q = q.where(instant, '>=', page.after)
  if (page.before !== undefined) q = q.where(instant, '<', page.before)
  const from = page.from
  if (from) {
    const op = page.ascending ? '>' : '<'
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    q = q.where((eb: ExpressionBuilder<any, any>) =>
      eb.or([eb(instant, op, from.at), eb.and([eb(instant, '=', from.at), eb(idColumn, op, from.id)])]),
    )
  }
  const dir = page.ascending ? 'asc' : 'desc'
  return q.orderBy(instant, dir).orderBy(idColumn, dir).limit(page.limit + 1) as SelectQueryBuilder<Database, T, O>
}
