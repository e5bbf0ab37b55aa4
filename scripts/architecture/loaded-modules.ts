import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { BENCH_KEY, startGateway } from '../../bench/lib/gateway.ts'
import { startProcess, type Proc } from '../../bench/lib/processes.ts'
import { matcher } from './files.ts'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const repo = here('../../')

export interface ModuleSet {
  srcModules: number // distinct files under src/ loaded
  simulatorModules: number // of which match the simulator globs
  packages: number // distinct node_modules packages
  packageFiles: number // files loaded from node_modules
  builtins: number // node: modules imported
}

export interface LoadedModules {
  atStartup: ModuleSet
  afterListRequest: ModuleSet
  src: string[] // after the request, relative to the repository
  packages: Record<string, number> // package -> files loaded, after the request
}

// The package a node_modules path belongs to (the innermost node_modules, scoped names kept whole).
export function packageOf (path: string): string | undefined {
  const at = path.lastIndexOf('/node_modules/')
  if (at < 0) return undefined
  const parts = path.slice(at + '/node_modules/'.length).split('/')
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
}

function summarise (urls: string[], simulator: (path: string) => boolean) {
  const src: string[] = []
  const packages: Record<string, number> = {}
  let builtins = 0
  for (const url of new Set(urls)) {
    if (url.startsWith('node:')) {
      builtins++
      continue
    }
    if (!url.startsWith('file:')) continue
    const path = fileURLToPath(url)
    const pkg = packageOf(path.split(sep).join('/'))
    if (pkg !== undefined) packages[pkg] = (packages[pkg] ?? 0) + 1
    else if (path.startsWith(join(repo, 'src', sep))) src.push(relative(repo, path).split(sep).join('/'))
  }
  src.sort()
  const set: ModuleSet = {
    srcModules: src.length,
    simulatorModules: src.filter(simulator).length,
    packages: Object.keys(packages).length,
    packageFiles: Object.values(packages).reduce((a, b) => a + b, 0),
    builtins
  }
  return { set, src, packages: Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b))) }
}

// The modules the gateway has loaded so far, once nothing new has come for a moment (a module
// loaded just after a response would otherwise be missed).
async function loadedSoFar (file: string): Promise<string[]> {
  let last = -1
  for (;;) {
    const urls = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
    if (urls.length === last) return urls
    last = urls.length
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

// The production gateway (src/server.ts with a YAML config, not demo mode) against two simulators in
// processes of their own, so only the gateway's modules are counted: what it loads to start, and
// after one authenticated merged list request.
export async function measureLoadedModules (simulatorGlobs: string[]): Promise<LoadedModules> {
  const simulator = matcher(simulatorGlobs)
  const out = join(mkdtempSync(join(tmpdir(), 'gw-modules-')), 'modules.txt')
  const sim = here('../../bench/servers/simulator.ts')
  const [zwa, cloudlock] = await Promise.all([startProcess(sim, ['zwa', '50']), startProcess(sim, ['cloudlock', '50'])])
  let gateway: Proc | undefined
  try {
    gateway = await startGateway({ zwa: zwa.url, cloudlock: cloudlock.url }, '', {
      nodeFlags: ['--import', here('./module-hook.ts')],
      env: { ARCHITECTURE_MODULES_OUT: out }
    })
    const atStartup = summarise(await loadedSoFar(out), simulator)
    const headers = { authorization: `Bearer ${BENCH_KEY}` }
    const res = await request(`${gateway.url}/v1/incidents?limit=10`, { headers })
    const body = await res.body.json() as { data?: unknown[], providers?: Record<string, { status: string }> }
    const bothAnswered = body.providers?.zwa?.status === 'ok' && body.providers?.cloudlock?.status === 'ok'
    if (res.statusCode !== 200 || body.data?.length !== 10 || !bothAnswered) {
      throw new Error(`the list request failed: ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`)
    }
    const after = summarise(await loadedSoFar(out), simulator)
    return { atStartup: atStartup.set, afterListRequest: after.set, src: after.src, packages: after.packages }
  } finally {
    await gateway?.stop()
    await Promise.all([zwa.stop(), cloudlock.stop()])
  }
}
