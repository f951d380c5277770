#!/usr/bin/env node
// `npm start`: builds only when a source is newer than the build, then runs `atrium serve` in this
// very process. npm starts this script through `exec` (see package.json), so npm's child is the
// server itself: a SIGTERM or SIGINT that npm forwards reaches the server, which shuts down
// gracefully, and nothing is left holding the port.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** What the build reads: a change to any of them (or a file added or removed) means rebuild. */
const inputs = ['src', 'web/src', 'web/index.html', 'web/vite.config.ts', 'web/tsconfig.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']
/** What the build writes, each rewritten by every build. */
const outputs = ['dist/main.js', 'web/dist/index.html']

/** Newest modification time under `p`, directories included (their time changes when entries come or go). */
function newest(p) {
  let stat
  try {
    stat = fs.statSync(p)
  } catch {
    return 0
  }
  let time = stat.mtimeMs
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(p)) time = Math.max(time, newest(path.join(p, entry)))
  }
  return time
}

/** The reason to build, or undefined when the build is newer than every source. */
export function staleReason(dir = root) {
  let oldestOutput = Infinity
  for (const out of outputs) {
    const file = path.join(dir, out)
    if (!fs.existsSync(file)) return `${out} is missing`
    oldestOutput = Math.min(oldestOutput, fs.statSync(file).mtimeMs)
  }
  for (const input of inputs) {
    if (newest(path.join(dir, input)) > oldestOutput) return `${input} changed since the last build`
  }
  return undefined
}

/** `npm run build`, with SIGINT/SIGTERM passed on to it; resolves to its exit code. */
function build() {
  const npmCli = process.env.npm_execpath
  const [command, args] = npmCli && /\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli, 'run', 'build', '--silent']] : ['npm', ['run', 'build', '--silent']]
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' && command === 'npm' })
  const forward = (signal) => child.kill(signal)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(signal ? 1 : (code ?? 1))
    })
  })
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const reason = staleReason()
  if (reason) {
    process.stderr.write(`atrium: building (${reason}; about 25 s)…\n`)
    const code = await build()
    if (code !== 0) {
      process.stderr.write('atrium: the build failed; see the messages above\n')
      process.exit(code)
    }
  }
  // Run the compiled CLI here, as `atrium serve [args]`.
  const main = path.join(root, 'dist', 'main.js')
  process.argv = [process.argv[0], main, 'serve', ...process.argv.slice(2)]
  await import(pathToFileURL(main).href)
}
