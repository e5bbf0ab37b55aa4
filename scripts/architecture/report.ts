import type { FolderGraph } from './folder-graph.ts'
import type { LineCount } from './lines.ts'
import { LONG_LINE } from './lines.ts'
import type { LoadedModules } from './loaded-modules.ts'

export interface Measurements {
  lines?: LineCount
  graph?: FolderGraph
  modules?: LoadedModules
}

const edgeText = (e: FolderGraph['edges'][number]) =>
  `${e.from} -> ${e.to} (${e.value} runtime, ${e.typeOnly} type-only; e.g. ${e.example})`

function cycleLines (title: string, cycles: FolderGraph['cycles']): string[] {
  if (cycles.length === 0) return []
  const out = ['', `${title}:`]
  for (const cycle of cycles) {
    out.push(`- ${cycle.folders.join(', ')}`)
    for (const e of cycle.edges) out.push(`  - ${edgeText(e)}`)
  }
  return out
}

// The summary as a markdown table, with the edges of any cycle listed under it.
export function markdown (m: Measurements): string {
  const rows: Array<[string, string | number]> = []
  if (m.lines) {
    const l = m.lines
    rows.push(['src files (without simulators)', l.files], ['src lines (without simulators)', l.lines])
    rows.push([`src lines longer than ${LONG_LINE} chars`, l.longLines])
    rows.push(['simulator files / lines (excluded)', `${l.excludedFiles} / ${l.excludedLines}`])
  }
  if (m.graph) {
    const g = m.graph
    const typeOnlyEdges = g.edges.filter((e) => e.value === 0).length
    rows.push(['folders', g.folders.length])
    rows.push(['folder edges (of which type-only)', `${g.edges.length} (${typeOnlyEdges})`])
    rows.push(['folder cycles, all imports', g.cycles.length])
    rows.push(['folder cycles, runtime imports only', g.runtimeCycles.length])
    const inCycles = g.cycles.reduce((n, c) => n + c.folders.length, 0)
    rows.push(['folders in cycles', inCycles])
  }
  if (m.modules) {
    const moments = [['start-up', m.modules.atStartup], ['after one list request', m.modules.afterListRequest]] as const
    for (const [when, s] of moments) {
      rows.push([`src modules loaded, ${when} (of which simulator/demo)`, `${s.srcModules} (${s.simulatorModules})`])
      rows.push([`packages loaded, ${when} (files)`, `${s.packages} (${s.packageFiles})`])
    }
  }
  const table = ['| measure | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)]
  if (m.graph) {
    table.push(...cycleLines('Cycles (all imports)', m.graph.cycles))
    table.push(...cycleLines('Cycles (runtime imports only)', m.graph.runtimeCycles))
  }
  return `${table.join('\n')}\n`
}
