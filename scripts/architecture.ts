// `npm run architecture`: the numbers issue 15 compares before and after the upstream-pipeline refactor.
//   npm run architecture -- [--json] [--check] [--only lines,graph,modules] [--src <dir>]
// lines: lines of src/**/*.ts without simulator code, and lines longer than 120 characters;
// graph: the folder-level import graph and its cycles (--check exits 1 when there is one);
// modules: src modules and packages the production gateway loads to serve one list request.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { folderGraph } from './architecture/folder-graph.ts'
import { countSourceLines } from './architecture/lines.ts'
import { measureLoadedModules } from './architecture/loaded-modules.ts'
import { markdown, type Measurements } from './architecture/report.ts'

// Simulator code, left out of the line count (and flagged when the gateway loads it): today's layout
// and the one after the refactor. `*` stays within a path segment, `**` spans folders.
const SIMULATOR_GLOBS = [
  'src/simulators/**',
  'src/demo/**',
  'src/vendors/*/simulator/**',
  'src/sim-kit/**'
]

const PARTS = ['lines', 'graph', 'modules']

function fail (message: string): never {
  process.stderr.write(`architecture: ${message}\n`)
  process.exit(2)
}

let values
try {
  values = parseArgs({
    options: {
      json: { type: 'boolean' },
      check: { type: 'boolean' },
      only: { type: 'string' },
      src: { type: 'string' }
    }
  }).values
} catch (err) {
  fail((err as Error).message)
}
const only = values.only?.split(',') ?? PARTS
for (const part of only) if (!PARTS.includes(part)) fail(`--only takes ${PARTS.join(', ')}; got "${part}"`)
const root = values.src ? resolve(values.src) : fileURLToPath(new URL('../src', import.meta.url))

const m: Measurements = {}
if (only.includes('lines')) m.lines = countSourceLines(root, SIMULATOR_GLOBS)
if (only.includes('graph')) m.graph = folderGraph(root)
if (only.includes('modules')) m.modules = await measureLoadedModules(SIMULATOR_GLOBS)

process.stdout.write(values.json ? `${JSON.stringify(m, null, 2)}\n` : markdown(m))
if (values.check && m.graph && m.graph.cycles.length > 0) {
  process.stderr.write(`architecture: ${m.graph.cycles.length} folder-level import cycle(s)\n`)
  process.exit(1)
}
