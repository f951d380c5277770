import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { staleReason } from '../scripts/start.js'

/** `npm start` builds only when a source is newer than the build (scripts/start.js). */

const dirs: string[] = []
afterEach(() => {
  while (dirs.length > 0) fs.rmSync(dirs.pop()!, { recursive: true, force: true })
})

function tree(): { dir: string; at: (rel: string, secondsAgo: number) => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-start-'))
  dirs.push(dir)
  const at = (rel: string, secondsAgo: number) => {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    if (!fs.existsSync(file)) fs.writeFileSync(file, '')
    const t = new Date(Date.now() - secondsAgo * 1000)
    fs.utimesSync(file, t, t)
  }
  return { dir, at }
}

/** Sets every directory under `dir` to `secondsAgo` (creating files touches their directories). */
function ageDirectories(dir: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000)
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) fs.utimesSync(path.join(entry.parentPath, entry.name), t, t)
  }
  fs.utimesSync(dir, t, t)
}

describe('npm start: build only when needed', () => {
  it('builds when an output is missing', () => {
    const { dir, at } = tree()
    at('src/main.ts', 100)
    at('dist/main.js', 50)
    expect(staleReason(dir)).toBe('web/dist/index.html is missing')
  })

  it('starts at once when the build is newer than every source', () => {
    const { dir, at } = tree()
    for (const f of ['src/main.ts', 'src/store/db.ts', 'web/src/App.tsx', 'tsconfig.json', 'package-lock.json']) at(f, 100)
    ageDirectories(dir, 100)
    at('dist/main.js', 50)
    at('web/dist/index.html', 50)
    expect(staleReason(dir)).toBeUndefined()
  })

  it('rebuilds after a source, the web client, a tsconfig or the lock file changes, or a source file is removed', () => {
    for (const changed of ['src/store/db.ts', 'web/src/App.tsx', 'tsconfig.build.json', 'package-lock.json']) {
      const { dir, at } = tree()
      for (const f of ['src/main.ts', 'src/store/db.ts', 'web/src/App.tsx', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) at(f, 100)
      ageDirectories(dir, 100)
      at('dist/main.js', 50)
      at('web/dist/index.html', 50)
      at(changed, 10)
      expect(staleReason(dir), changed).toBe(`${changed.startsWith('src/') ? 'src' : changed.startsWith('web/src/') ? 'web/src' : changed} changed since the last build`)
    }
    const { dir, at } = tree()
    at('src/main.ts', 100)
    at('src/old.ts', 100)
    ageDirectories(dir, 100)
    at('dist/main.js', 50)
    at('web/dist/index.html', 50)
    fs.rmSync(path.join(dir, 'src/old.ts'))
    expect(staleReason(dir)).toBe('src changed since the last build')
  })
})
