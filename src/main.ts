#!/usr/bin/env node
import { runCli } from './cli.js'

// `serve` resolves once listening; its socket keeps the process alive until a signal. A command
// that failed exits at once, so nothing it opened (a database pool, a Redis client) holds it.
const code = await runCli(process.argv.slice(2))
if (code !== 0) process.exit(code)
process.exitCode = code
