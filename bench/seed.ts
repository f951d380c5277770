import { sql } from 'kysely'
import type { Context } from '../src/context.js'
import { dialectOf } from '../src/store/dialect.js'
import { nowMicros } from '../src/time.js'

/**
 * Fills a chat with `count` top-level text messages from `sender`, one µs apart and ending now,
 * generated inside the database in chunks (one statement per chunk, no per-row round trips), then
 * moves the chat's key allocator past the last one. This is how 10⁶–10⁷-message chats are built in
 * seconds rather than hours through HTTP.
 */
export async function seedMessages(ctx: Context, chatId: string, sender: string, count: number): Promise<void> {
  const chunk = 100_000
  const end = nowMicros()
  const start = end - count
  const pg = dialectOf(ctx.db) === 'postgres'
  for (let from = 1; from <= count; from += chunk) {
    const to = Math.min(count, from + chunk - 1)
    if (pg) {
      await sql`
        insert into messages (chat_id, ts, sender, content_type, text, markdown, created_at)
        select ${chatId}, ${start}::bigint + g, ${sender}, 'text', 'Seeded message number ' || g, 1, ${start}::bigint + g
        from generate_series(${from}::bigint, ${to}::bigint) as g
      `.execute(ctx.db)
    } else {
      await sql`
        with recursive g(n) as (select ${from} union all select n + 1 from g where n < ${to})
        insert into messages (chat_id, ts, sender, content_type, text, markdown, created_at)
        select ${chatId}, ${start} + n, ${sender}, 'text', 'Seeded message number ' || n, 1, ${start} + n from g
      `.execute(ctx.db)
    }
  }
  await ctx.db.updateTable('chats').set({ last_ts: end }).where('id', '=', chatId).execute()
  if (pg) await sql`analyze messages`.execute(ctx.db)
}
