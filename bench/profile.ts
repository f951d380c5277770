import fs from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
}

/** Where a function lives: its npm package, Atrium's own module, or the runtime. */
function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return 'node (runtime)'
  const own = /\/(dist|src)\/(.+)$/.exec(url)
  if (own) return `atrium ${own[2]!.replace(/\.js$/, '')}`
  return url
}

/** Self time of a V8 CPU profile, grouped by package/module and by function, as Markdown. */
export function summariseProfile(file: string, top = 15): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1
  const byArea = new Map<string, number>()
  const byFn = new Map<string, number>()
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0
    if (!hits) continue
    const { functionName, url, lineNumber } = n.callFrame
    const a = area(url, functionName)
    byArea.set(a, (byArea.get(a) ?? 0) + hits)
    const fn = `${functionName || '(anonymous)'} ${a}${url ? `:${lineNumber + 1}` : ''}`
    byFn.set(fn, (byFn.get(fn) ?? 0) + hits)
  }
  const pct = (h: number) => `${((h / total) * 100).toFixed(1)} %`
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((x, y) => y[1] - x[1]).slice(0, top)
  const seconds = ((profile.endTime - profile.startTime) / 1e6).toFixed(0)
  return [
    `${seconds} s profiled. Self time by package or module:`,
    '',
    '| where | self time |',
    '|---|---:|',
    ...sorted(byArea).map(([k, h]) => `| ${k} | ${pct(h)} |`),
    '',
    'Hottest functions (self time):',
    '',
    '| function | self time |',
    '|---|---:|',
    ...sorted(byFn).map(([k, h]) => `| \`${k}\` | ${pct(h)} |`),
  ].join('\n')
}

if (process.argv[1]?.endsWith('profile.ts') && process.argv[2]) {
  process.stdout.write(`${summariseProfile(process.argv[2], Number(process.argv[3] ?? 25))}\n`)
}
