import path from 'node:path'
import type { Command } from 'commander'
import type { Config } from '../config.js'
import { maskUrlPassword } from '../config-problems.js'
import { AppError } from '../errors.js'
import { localStorageFor, type LocalDiskStorage } from '../storage/index.js'
import { backupSqlite, restoreSqlite } from '../store/backup.js'
import type { CliTools } from './tools.js'

/**
 * What backup and restore work on: the configured SQLite database file and the uploads directory
 * beside it. Refused (with the PostgreSQL tool to use instead) on anything else.
 */
function sqliteFiles(config: Config, verb: 'backup' | 'restore', file: string): { database: string; uploads: LocalDiskStorage } {
  if (config.database.dialect !== 'sqlite') {
    const url = maskUrlPassword(config.database.url)
    const how =
      verb === 'backup'
        ? `pg_dump --format=custom --file=${JSON.stringify(file)} "${url}"`
        : `pg_restore --no-owner --dbname="${url}" ${JSON.stringify(file)}  (into an empty database)`
    throw new AppError(
      'invalid_request',
      `${verb} works on SQLite databases; on PostgreSQL the database server's own tools do this (uploaded files live in the database, so they are included): ${how}. See the README, Backups.`,
    )
  }
  if (config.database.file === ':memory:') throw new AppError('invalid_request', `an in-memory database cannot be ${verb === 'backup' ? 'backed up' : 'restored'}`)
  return { database: config.database.file, uploads: localStorageFor(config.dataDir) }
}

/**
 * `atrium backup <file>`: an online, consistent copy of the SQLite database with the uploaded files
 * inside it. `atrium restore <file>`: that copy into an empty data directory. On PostgreSQL both
 * print the pg_dump / pg_restore command to use and exit 2.
 */
export function registerBackup(program: Command, { io, loadConfig, output }: CliTools): void {
  program
    .command('backup <file>')
    .description('copy the SQLite database and its uploaded files into <file> while the server runs (PostgreSQL: prints the pg_dump command)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { database: source, uploads } = sqliteFiles(loadConfig(), 'backup', file)
      const result = await backupSqlite(source, file, (key) => uploads.get(key))
      if (result.missingFiles.length > 0) {
        io.stderr(`atrium: warning: ${result.missingFiles.length} uploaded file(s) of the snapshot were not found under ${uploads.dir}: ${result.missingFiles.join(', ')}\n`)
      }
      const target = path.resolve(file)
      output(
        !!opts.json,
        { file: target, bytes: result.bytes, files: result.files },
        `backed up ${source} and ${result.files} uploaded file(s) to ${target} (${result.bytes} bytes)`,
      )
    })

  program
    .command('restore <file>')
    .description('restore a backup made by `atrium backup` into an empty data directory (never overwrites a database)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { database: target, uploads } = sqliteFiles(loadConfig(), 'restore', file)
      const result = await restoreSqlite(file, target, (key, bytes) => uploads.put(key, bytes))
      output(
        !!opts.json,
        { database: target, schema: result.schema, files: result.files },
        `restored ${path.resolve(file)} to ${target} (schema ${result.schema ?? 'empty'}, ${result.files} uploaded file(s)); start the server to use it`,
      )
    })
}
