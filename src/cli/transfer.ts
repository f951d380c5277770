import { once } from 'node:events'
import fs from 'node:fs'
import readline from 'node:readline'
import type { Command } from 'commander'
import { exportOrganization, findExportOrganization, importOrganization, type ImportResult, type Progress } from '../actions/transfer.js'
import { AppError } from '../errors.js'
import type { CliIo } from '../cli.js'
import type { CliTools } from './tools.js'

/**
 * A one-line progress bar on stderr, redrawn at most every 100 ms, drawn only when stderr is a
 * terminal (so pipes and logs get no control characters); stdout stays the data alone.
 */
export function progressBar(io: CliIo, verb: string): { tick: Progress; done: () => void } {
  if (!io.stderrIsTTY) return { tick: () => {}, done: () => {} }
  let last = 0
  let drawn = false
  const draw = (done: number, total: number, what: string) => {
    const width = 30
    const ratio = total > 0 ? Math.min(1, done / total) : 0
    const filled = Math.round(ratio * width)
    io.stderr(`\r${verb} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total} ${what}\x1b[K`)
    drawn = true
  }
  let latest: [number, number, string] = [0, 0, '']
  return {
    tick(done, total, what) {
      latest = [done, total, what]
      const now = Date.now()
      if (now - last >= 100) {
        last = now
        draw(done, total, what)
      }
    },
    done() {
      if (drawn || latest[1] > 0) {
        draw(latest[1] || latest[0], latest[1] || latest[0], 'done')
        io.stderr('\n')
      }
    },
  }
}

/**
 * The input's lines, read from when the iteration starts (a readline interface created earlier
 * would emit lines, and its end, before anyone listens).
 */
async function* linesOf(input: NodeJS.ReadableStream): AsyncGenerator<string> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity })
  try {
    yield* rl
  } finally {
    rl.close()
  }
}

function secretLines(secrets: ImportResult['signingSecrets']): string[] {
  if (secrets.length === 0) return []
  return [
    'Webhook signing secrets do not travel with an export; these are new (shown this once). Give each receiver its new secret:',
    ...secrets.map((s) => (s.kind === 'client' ? `  client ${s.clientId} "${s.name}": ${s.signingSecret}` : `  subscription ${s.id} → ${s.url}: ${s.signingSecret}`)),
  ]
}

/**
 * `atrium export [--org …] > org.jsonl` and `atrium import [file] < org.jsonl`: one organization as
 * JSON Lines, between any two databases (SQLite ⇄ PostgreSQL). See actions/transfer.ts.
 */
export function registerTransfer(program: Command, { io, withContext, output }: CliTools): void {
  program
    .command('export')
    .description('write an organization (people, apps, groups, chats, messages, files…) to stdout as JSON Lines, for `atrium import`')
    .option('--org <id>', 'organization id or Roam id (default: the only organization)')
    .action(async (opts: { org?: string }) => {
      const bar = progressBar(io, 'export')
      // Wait for a slow reader (a pipe, ssh) instead of holding the whole export in memory.
      const stream = io.stdoutStream
      const write = stream
        ? async (line: string) => {
            if (!stream.write(`${line}\n`)) await once(stream, 'drain')
          }
        : (line: string) => io.stdout(`${line}\n`)
      const counts = await withContext(async (ctx) => {
        const org = await findExportOrganization(ctx, opts.org)
        return exportOrganization(ctx, org, write, bar.tick)
      })
      bar.done()
      if (counts.missingFiles) io.stderr(`atrium: warning: ${counts.missingFiles} uploaded file(s) were missing from the file storage and are not in the export\n`)
    })

  program
    .command('import [file]')
    .description('read an organization written by `atrium export` (from <file>, or stdin) into an empty database')
    .option('--json', 'print one JSON object')
    .action(async (file: string | undefined, opts: { json?: boolean }) => {
      let input: NodeJS.ReadableStream
      if (file === undefined || file === '-') {
        input = process.stdin
      } else {
        if (!fs.existsSync(file)) throw new AppError('invalid_request', `${file}: no such file`)
        input = fs.createReadStream(file)
      }
      const bar = progressBar(io, 'import')
      const result = await withContext(async (ctx) => importOrganization(ctx, linesOf(input), bar.tick))
      bar.done()
      const counted = Object.entries(result.counts).map(([what, n]) => `${n} ${what}`).join(', ')
      output(
        !!opts.json,
        { organization: result.organization, counts: result.counts, signingSecrets: result.signingSecrets },
        [`imported organization ${result.organization.id} "${result.organization.name}": ${counted}`, ...secretLines(result.signingSecrets)].join('\n'),
      )
    })
}
