import type { Command } from 'commander'
import { openConfiguredDatabase } from '../store/first-start.js'
import { migrateToLatest, migrationStatus } from '../store/migrate.js'
import type { CliTools } from './tools.js'

/**
 * `atrium migrate` applies pending migrations; `--status` only reports where the database stands.
 * A database migrated by a newer Atrium is refused with exit code 1 and left untouched.
 */
export function registerMigrate(program: Command, { loadConfig, output }: CliTools): void {
  program
    .command('migrate')
    .description('apply pending database migrations (--status: only say where the database stands)')
    .option('--status', 'print the schema version of the database and the pending migrations, change nothing')
    .option('--json', 'print one JSON object')
    .action(async (opts: { status?: boolean; json?: boolean }) => {
      const db = openConfiguredDatabase(loadConfig(), { init: false })
      try {
        if (opts.status) {
          const s = await migrationStatus(db)
          const human = [
            `database schema: ${s.current ?? 'empty (nothing applied)'} (${s.applied.length} migrations applied)`,
            `this Atrium:     ${s.latest}`,
            s.unknown.length > 0
              ? `newer than this Atrium (applied by a newer version): ${s.unknown.join(', ')}`
              : s.pending.length > 0
                ? `pending: ${s.pending.join(', ')} (run \`atrium migrate\`)`
                : 'up to date',
          ].join('\n')
          output(!!opts.json, { current: s.current, latest: s.latest, applied: s.applied, pending: s.pending, newer: s.unknown, upToDate: s.pending.length === 0 && s.unknown.length === 0 }, human)
          return
        }
        const applied = await migrateToLatest(db)
        output(!!opts.json, { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
      } finally {
        await db.destroy()
      }
    })
}
