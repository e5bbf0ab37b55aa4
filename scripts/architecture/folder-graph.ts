import { folderOf, listTsFiles } from './files.ts'
import { fileImports } from './imports.ts'

export interface FolderEdge {
  from: string
  to: string
  value: number // runtime imports (static, export-from, dynamic)
  typeOnly: number // `import type` / `export type` / `typeof import()`: erased at run time
  example: string // one file import behind the edge, `a.ts -> b.ts`, to start looking from
}

export interface FolderGraph {
  folders: string[]
  edges: FolderEdge[]
  cycles: Array<{ folders: string[], edges: FolderEdge[] }> // every import counts
  runtimeCycles: Array<{ folders: string[], edges: FolderEdge[] }> // type-only imports left out
}

// Strongly connected components (Tarjan), each sorted; only those of more than one node.
export function cyclicComponents (nodes: string[], next: (node: string) => string[]): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const connect = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of next(v)) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      component.push(w)
    } while (w !== v)
    if (component.length > 1) out.push(component.sort())
  }
  for (const v of nodes) if (!index.has(v)) connect(v)
  return out.sort((a, b) => a[0].localeCompare(b[0]))
}

function cyclesOf (folders: string[], edges: FolderEdge[]): FolderGraph['cycles'] {
  const next = (f: string) => edges.filter((e) => e.from === f).map((e) => e.to)
  return cyclicComponents(folders, next).map((component) => {
    const members = new Set(component)
    return { folders: component, edges: edges.filter((e) => members.has(e.from) && members.has(e.to)) }
  })
}

// The folder-level import graph of every .ts file under root, simulators included: a cycle through
// simulator code is still a cycle.
export function folderGraph (root: string): FolderGraph {
  const files = listTsFiles(root)
  const byPair = new Map<string, FolderEdge>()
  for (const imp of fileImports(root, files)) {
    const from = folderOf(imp.from)
    const to = folderOf(imp.to)
    if (from === to) continue
    const key = `${from}\0${to}`
    const edge = byPair.get(key) ?? { from, to, value: 0, typeOnly: 0, example: `${imp.from} -> ${imp.to}` }
    if (imp.typeOnly) edge.typeOnly++
    else edge.value++
    // Prefer a runtime import as the example: it is the one that keeps the edge after type stripping.
    if (!imp.typeOnly && edge.value === 1) edge.example = `${imp.from} -> ${imp.to}`
    byPair.set(key, edge)
  }
  const folders = [...new Set(files.map(folderOf))].sort()
  const edges = [...byPair.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
  return {
    folders,
    edges,
    cycles: cyclesOf(folders, edges),
    runtimeCycles: cyclesOf(folders, edges.filter((e) => e.value > 0))
  }
}
