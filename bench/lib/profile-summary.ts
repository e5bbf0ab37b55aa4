import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[], startTime: number }

// Where a frame's code lives: a package, a src/ folder, or Node's own code.
function area (url: string): string {
  if (url === '') return '(native/VM)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]
  const src = /\/(src|bench)\/(.*)\/[^/]+$/.exec(url)
  if (src) return `${src[1]}/${src[2]}`
  if (url.startsWith('node:')) return 'node:*'
  return url
}

// Self time by function and by area, and inclusive time by function, largest first, as percentages
// of the busy samples taken between `from` and `to` (µs of the monotonic clock, which V8's sample
// times and process.hrtime share on Linux): the load only, without the boot.
export function summarizeProfile (dir: string, window: { from: number, to: number }, top = 40): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) return `no .cpuprofile in ${dir}`
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const keyOf = (n: Node) => {
    const { functionName, url, lineNumber } = n.callFrame
    return `${functionName || '(anon)'} ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}`
  }
  const fn = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const areas = new Map<string, number>()
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
  let total = 0
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0
    const node = byId.get(id)
    if (!node || at < window.from || at > window.to || node.callFrame.functionName === '(idle)') return
    total++
    bump(fn, keyOf(node))
    bump(areas, area(node.callFrame.url))
    const seen = new Set<string>()
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const k = keyOf(byId.get(x)!)
      if (!seen.has(k)) bump(inclusive, k)
      seen.add(k)
    }
  })
  const pct = (n: number) => `${((n / total) * 100).toFixed(1).padStart(5)} %`
  const sorted = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${pct(v)}  ${k}`)
  return [`${String(total)} busy samples`, '-- by area', ...sorted(areas, 25), '-- by function (self)',
    ...sorted(fn, top), '-- by function (inclusive)', ...sorted(inclusive, top * 2)].join('\n')
}
