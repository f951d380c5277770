import type { Context } from '../context.js'
import type { Organization } from '../domain.js'
import { fail } from '../errors.js'
import { knownMigrations, migrationStatus } from '../store/migrate.js'
import { findFirstOrganization, findOrganization } from '../store/repos/organizations.js'
import {
  countOrganizationRows,
  hasAnyOrganization,
  insertRows,
  organizationRows,
  TRANSFER_TABLES,
  transferColumns,
  withReadSnapshot,
  type Row,
  type TransferTable,
} from '../store/repos/transfer.js'
import { microsToIso, nowMicros } from '../time.js'
import { newSigningSecret } from './clients.js'
import { storageOf } from './items.js'

/**
 * Moving one organization between databases (SQLite ⇄ PostgreSQL, or to another server) as JSON
 * Lines: a header, the organization's stored rows table by table (parents first), the bytes of its
 * uploaded files (base64), and a trailer with what was written, so a truncated file is refused.
 *
 * The compliance export (`messageevent.export`, actions/export.ts) is a Roam-shaped view of one
 * day's message events; it cannot be read back. This one keeps every stored value (ids, message
 * keys, instants), so the API answers the same after the move.
 *
 * Secrets: bearer keys, passwords, OAuth client secrets and relay URLs are stored only as digests
 * and travel as such (API keys, personal tokens and relay URLs keep working after the move).
 * Webhook signing secrets have to be kept in clear to sign, so they do not travel: the import
 * gives each one a new value and reports it once, for handing to the receivers.
 */

export const TRANSFER_FORMAT = 'atrium.organization/1'
const WITHHELD = '(withheld: issued anew on import)'

export interface TransferHeader {
  type: 'header'
  format: typeof TRANSFER_FORMAT
  /** Schema version (newest migration) of the exporting database. */
  schema: string | null
  organization: { id: string; name: string }
  exportedAt: string
  /** Rows per table and `files`, as counted when the export began (for progress). */
  counts: Record<string, number>
}

export type TransferLine =
  | TransferHeader
  | { type: 'row'; table: string; row: Row }
  | { type: 'file'; key: string; base64: string }
  | { type: 'end'; counts: Record<string, number> }

export type Progress = (done: number, total: number, what: string) => void

/** Finds the organization to export: by id or external id, or the only one when none is named. */
export async function findExportOrganization(ctx: Context, ref: string | undefined): Promise<Organization> {
  if (ref === undefined) {
    const first = await findFirstOrganization(ctx.db)
    if (!first) fail('not_found', 'the database hosts no organization')
    return first
  }
  const byId = await findOrganization(ctx.db, ref.toLowerCase())
  if (byId) return byId
  const first = await findFirstOrganization(ctx.db)
  if (first && first.externalId === ref.toUpperCase()) return first
  fail('not_found', `--org: no organization ${ref} (give its id or its Roam id, as token.info shows it)`)
}

function withholdSecrets(table: string, row: Row): Row {
  if ((table === 'apps' || table === 'webhook_subscriptions') && row.signing_secret != null) return { ...row, signing_secret: WITHHELD }
  return row
}

/**
 * Writes the organization as JSON Lines through `write`, from one consistent snapshot of the
 * database, reading each table in keyset pages so memory stays bounded by a page.
 */
export async function exportOrganization(
  ctx: Context,
  org: Organization,
  write: (line: string) => void | Promise<void>,
  progress: Progress = () => {},
): Promise<Record<string, number>> {
  const schema = (await migrationStatus(ctx.db)).current
  return withReadSnapshot(ctx.db, async (tx) => {
    const planned: Record<string, number> = {}
    for (const table of TRANSFER_TABLES) planned[table.name] = await countOrganizationRows(tx, table, org.id)
    planned.files = planned.items ?? 0
    const total = Object.values(planned).reduce((a, b) => a + b, 0)
    const header: TransferHeader = {
      type: 'header',
      format: TRANSFER_FORMAT,
      schema,
      organization: { id: org.id, name: org.name },
      exportedAt: microsToIso(nowMicros()),
      counts: planned,
    }
    await write(JSON.stringify(header))
    const written: Record<string, number> = {}
    const fileKeys: string[] = []
    const storage = storageOf(ctx)
    let done = 0
    for (const table of TRANSFER_TABLES) {
      written[table.name] = 0
      for await (const row of organizationRows(tx, table, org.id)) {
        await write(JSON.stringify({ type: 'row', table: table.name, row: withholdSecrets(table.name, row) } satisfies TransferLine))
        if (table.name === 'items') fileKeys.push(String(row.storage_key))
        written[table.name]!++
        progress(++done, total, table.name)
      }
    }
    written.files = 0
    written.missingFiles = 0
    for (const key of fileKeys) {
      const bytes = await storage.get(key)
      if (bytes) {
        await write(JSON.stringify({ type: 'file', key, base64: bytes.toString('base64') } satisfies TransferLine))
        written.files++
      } else {
        written.missingFiles++
      }
      progress(++done, total, 'files')
    }
    await write(JSON.stringify({ type: 'end', counts: written } satisfies TransferLine))
    return written
  })
}

export interface ImportResult {
  organization: { id: string; name: string }
  counts: Record<string, number>
  /** New webhook signing secrets (the exported ones were withheld), shown this once. */
  signingSecrets: Array<{ kind: 'client'; clientId: string; name: string; signingSecret: string } | { kind: 'subscription'; id: string; url: string; signingSecret: string }>
}

function parseLine(text: string, n: number): TransferLine {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    fail('invalid_request', `line ${n}: not JSON`)
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') fail('invalid_request', `line ${n}: expected an object with a "type"`)
  return value as TransferLine
}

function checkRow(table: TransferTable, row: unknown, columns: Set<string> | undefined, n: number): Row {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) fail('invalid_request', `line ${n}: "row" must be an object`)
  for (const [column, value] of Object.entries(row)) {
    if (!columns?.has(column)) fail('invalid_request', `line ${n}: ${table.name} has no column "${column}" here (exported by a newer Atrium?)`)
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') fail('invalid_request', `line ${n}: ${table.name}.${column} must be a string, a number or null`)
  }
  return row as Row
}

/**
 * Reads an export into this database, which must host no organization yet (a freshly migrated
 * one). Rows are written in one transaction: a bad line, a truncated file (no trailer, or fewer
 * lines than it lists) or a conflict leaves the database as it was. File bytes go to the file
 * storage as they arrive and are removed again if the import fails.
 */
export async function importOrganization(ctx: Context, lines: AsyncIterable<string>, progress: Progress = () => {}): Promise<ImportResult> {
  if (await hasAnyOrganization(ctx.db)) {
    fail('conflict', 'this database already hosts an organization; import into an empty database (`atrium migrate` on a new one, then `atrium import`)')
  }
  const columns = await transferColumns(ctx.db)
  const tables = new Map(TRANSFER_TABLES.map((t) => [t.name as string, t]))
  const order = new Map(TRANSFER_TABLES.map((t, i) => [t.name as string, i]))
  const storage = storageOf(ctx)
  const storedKeys: string[] = []
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      let header: TransferHeader | undefined
      let end: Record<string, number> | undefined
      let n = 0
      let done = 0
      let total = 0
      let current: TransferTable | undefined
      let batch: Row[] = []
      const read: Record<string, number> = { files: 0 }
      const itemKeys = new Set<string>()
      const signingSecrets: ImportResult['signingSecrets'] = []
      const flush = async () => {
        if (current && batch.length > 0) await insertRows(tx, current, batch)
        batch = []
      }
      for await (const text of lines) {
        n++
        if (text.trim() === '') continue
        if (end) fail('invalid_request', `line ${n}: nothing may follow the "end" line`)
        const line = parseLine(text, n)
        if (!header) {
          if (line.type !== 'header' || line.format !== TRANSFER_FORMAT) fail('invalid_request', `line ${n}: not an Atrium organization export (expected a header of format ${TRANSFER_FORMAT})`)
          if (line.schema !== null && !knownMigrations().includes(line.schema)) {
            fail('invalid_request', `the export was made by a newer Atrium (schema ${line.schema}); this one knows schema versions up to ${knownMigrations().at(-1)}: upgrade first`)
          }
          header = line
          total = Object.values(line.counts ?? {}).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0)
          continue
        }
        if (line.type === 'row') {
          const table = tables.get(line.table)
          if (!table) fail('invalid_request', `line ${n}: unknown table "${line.table}"`)
          if (table !== current) {
            if (current && order.get(table.name)! < order.get(current.name)!) fail('invalid_request', `line ${n}: ${table.name} rows must come before ${current.name} rows`)
            await flush()
            current = table
          }
          let row = checkRow(table, line.row, columns.get(table.name), n)
          if (table.name === 'organizations' && row.id !== header.organization.id) fail('invalid_request', `line ${n}: the organization row does not match the header`)
          if (table.name !== 'organizations' && read.organizations !== 1) fail('invalid_request', `line ${n}: the organization row must come first`)
          if (table.name === 'items') itemKeys.add(String(row.storage_key))
          if (row.signing_secret === WITHHELD) {
            row = { ...row, signing_secret: newSigningSecret() }
            signingSecrets.push(
              table.name === 'apps'
                ? { kind: 'client', clientId: String(row.client_id), name: String(row.name), signingSecret: String(row.signing_secret) }
                : { kind: 'subscription', id: String(row.id), url: String(row.url), signingSecret: String(row.signing_secret) },
            )
          }
          batch.push(row)
          if (batch.length >= 500) await flush()
          read[table.name] = (read[table.name] ?? 0) + 1
        } else if (line.type === 'file') {
          await flush()
          if (typeof line.key !== 'string' || !itemKeys.has(line.key)) fail('invalid_request', `line ${n}: file ${JSON.stringify(line.key)} belongs to no imported item`)
          if (typeof line.base64 !== 'string') fail('invalid_request', `line ${n}: "base64" must be a string`)
          await storage.put(line.key, Buffer.from(line.base64, 'base64'))
          storedKeys.push(line.key)
          read.files!++
        } else if (line.type === 'end') {
          await flush()
          end = line.counts
        } else {
          fail('invalid_request', `line ${n}: unknown line type "${(line as { type: string }).type}"`)
        }
        progress(++done, total, line.type === 'row' ? line.table : 'files')
      }
      if (!header) fail('invalid_request', 'the input is empty')
      if (!end) fail('invalid_request', 'the export is incomplete (no "end" line): nothing was imported')
      for (const [what, count] of Object.entries(end)) {
        if (what === 'missingFiles') continue
        if ((read[what] ?? 0) !== count) fail('invalid_request', `the export lists ${count} ${what} but holds ${read[what] ?? 0}: nothing was imported`)
      }
      if (read.organizations !== 1) fail('invalid_request', 'the export holds no organization')
      const { files: _files, ...rows } = read
      return { organization: header.organization, counts: { ...rows, files: read.files! }, signingSecrets }
    })
  } catch (err) {
    for (const key of storedKeys) await storage.delete(key)
    throw err
  }
}
