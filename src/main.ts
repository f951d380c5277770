#!/usr/bin/env node
import { runCli } from './cli.js'

// `serve` resolves once listening; its socket keeps the process alive until a signal.
process.exitCode = await runCli(process.argv.slice(2))
