import type { Command } from 'commander'
import type { Config } from '../config.js'
import type { Context } from '../context.js'
import type { CliIo } from '../cli.js'

/** What runCli hands each command module: its streams, the environment's configuration and its output conventions. */
export interface CliTools {
  io: CliIo
  loadConfig(): Config
  /** Opens the configured database, migrates it, runs `fn`, closes it. */
  withContext<T>(fn: (ctx: Context) => Promise<T>): Promise<T>
  /** Prints either one JSON object (`--json`) or readable lines. */
  output(json: boolean, value: Record<string, unknown>, human: string): void
}

export type RegisterCommands = (program: Command, tools: CliTools) => void
