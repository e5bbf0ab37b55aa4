// `node bench/lib/heap-diff.ts a.heapsnapshot b.heapsnapshot [name]`: what the soak's heap gained
// between two snapshots (`bench/soak.ts --heap-snapshots dir`): objects and self size in b minus a,
// largest growth first, by constructor and by owner. With `name`, also the retainer paths of a few objects
// of that constructor that are new in b (not in a, by snapshot id): what holds them.
import { readFileSync } from 'node:fs'

interface Snap { nodes: number[], edges: number[], strings: string[], snapshot: { meta: any } }
const load = (file: string): Snap => JSON.parse(readFileSync(file, 'utf8'))

function index (s: Snap) {
  const m = s.snapshot.meta
  const nf = m.node_fields.length
  const ef = m.edge_fields.length
  const types: string[] = m.node_types[0]
  const edgeTypes: string[] = m.edge_types[0]
  const at = (f: string) => m.node_fields.indexOf(f)
  const [T, N, I, S, E] = ['type', 'name', 'id', 'self_size', 'edge_count'].map(at)
  const count = s.nodes.length / nf
  const firstEdge = new Uint32Array(count + 1)
  for (let i = 0; i < count; i++) firstEdge[i + 1] = firstEdge[i] + s.nodes[i * nf + E] * ef
  const label = (i: number) => {
    const type = types[s.nodes[i * nf + T]]
    const name = s.strings[s.nodes[i * nf + N]]
    return type === 'object' || type === 'closure' ? name : `(${type}) ${type === 'string' || type === 'concatenated string' ? '' : name.slice(0, 40)}`
  }
  return { nf, ef, count, firstEdge, edgeTypes, label, id: (i: number) => s.nodes[i * nf + I], size: (i: number) => s.nodes[i * nf + S] }
}

// Generic containers are attributed to whoever holds them; a class instance owns what it holds.
const GENERIC = /^(Object|Array|Map|Set|WeakMap|WeakSet|Promise|Buffer|Uint8Array|ArrayBuffer|Function|Error|String|Number|Date|RegExp|system \/ .*|\(.*)$/

// Self size by owner: each object is charged to the first class instance found by following its
// first strong retainer upwards (an approximation of the dominator, cheap on a large snapshot).
function owners (s: Snap, x: ReturnType<typeof index>) {
  const firstRetainer = new Int32Array(x.count).fill(-1)
  for (let i = 0; i < x.count; i++) {
    for (let e = x.firstEdge[i]; e < x.firstEdge[i + 1]; e += x.ef) {
      const type = x.edgeTypes[s.edges[e]]
      if (type === 'weak' || type === 'shortcut') continue
      const to = s.edges[e + 2] / x.nf
      if (firstRetainer[to] < 0 && to !== i) firstRetainer[to] = i
    }
  }
  const memo = new Array<string | undefined>(x.count)
  const owner = (start: number): string => {
    const path: number[] = []
    let i = start
    let found = '(root)'
    for (let depth = 0; depth < 40 && i >= 0; depth++) {
      if (memo[i] !== undefined) { found = memo[i]!; break }
      const label = x.label(i)
      if (!GENERIC.test(label) && label !== '') { found = label; break }
      path.push(i)
      i = firstRetainer[i]
    }
    for (const p of path) memo[p] = found
    return found
  }
  const out = new Map<string, { n: number, bytes: number }>()
  for (let i = 0; i < x.count; i++) {
    const k = owner(i)
    const e = out.get(k) ?? { n: 0, bytes: 0 }
    e.n++
    e.bytes += x.size(i)
    out.set(k, e)
  }
  return { out, owner }
}

const byLabel = (x: ReturnType<typeof index>) => {
  const out = new Map<string, { n: number, bytes: number }>()
  for (let i = 0; i < x.count; i++) {
    const k = x.label(i)
    const e = out.get(k) ?? { n: 0, bytes: 0 }
    e.n++
    e.bytes += x.size(i)
    out.set(k, e)
  }
  return out
}

const diff = (title: string, before: Map<string, { n: number, bytes: number }>, after: Map<string, { n: number, bytes: number }>) => {
  console.log(`\n${title}: KB, objects (b - a)`)
  const rows = [...after].map(([k, v]) => ({ k, n: v.n - (before.get(k)?.n ?? 0), kb: Math.round((v.bytes - (before.get(k)?.bytes ?? 0)) / 1024) }))
    .sort((x, y) => y.kb - x.kb).slice(0, 30)
  for (const r of rows) console.log(`${String(r.kb).padStart(8)} ${String(r.n).padStart(8)}  ${r.k}`)
}

const [fileA, fileB, wanted] = process.argv.slice(2)
const a = load(fileA)
const ia = index(a)
const labelsA = byLabel(ia)
const ownersA = owners(a, ia).out
const idsA = new Set<number>()
for (let i = 0; i < ia.count; i++) idsA.add(ia.id(i))
a.nodes = []
a.edges = []
const b = load(fileB)
const ib = index(b)
diff('by constructor', labelsA, byLabel(ib))
const ownersB = owners(b, ib)
diff('by owner (first class instance up the retainer chain)', ownersA, ownersB.out)

if (wanted) {
  // Reverse edges (strong ones only: weak edges do not keep anything alive).
  const retainers: number[][] = Array.from({ length: ib.count }, () => [])
  const edgeNames: string[][] = Array.from({ length: ib.count }, () => [])
  for (let i = 0; i < ib.count; i++) {
    for (let e = ib.firstEdge[i]; e < ib.firstEdge[i + 1]; e += ib.ef) {
      const type = ib.edgeTypes[b.edges[e]]
      if (type === 'weak') continue
      const to = b.edges[e + 2] / ib.nf
      retainers[to].push(i)
      edgeNames[to].push(type === 'element' || type === 'hidden' ? `[${b.edges[e + 1]}]` : b.strings[b.edges[e + 1]])
    }
  }
  // The largest new objects that `wanted` owns (or that are `wanted`), each with its retainer path.
  const picked: number[] = []
  for (let i = 0; i < ib.count; i++) {
    if (!idsA.has(ib.id(i)) && (ib.label(i) === wanted || ownersB.owner(i) === wanted)) picked.push(i)
  }
  picked.sort((x, y) => ib.size(y) - ib.size(x))
  for (const i of picked.slice(0, 3)) {
    console.log(`\n${ib.label(i)} @${ib.id(i)} (${ib.size(i)} bytes) retained by:`)
    let node = i
    const seen = new Set([node])
    for (let depth = 0; depth < 14; depth++) {
      const k = retainers[node].findIndex((r) => !seen.has(r))
      if (k < 0) break
      console.log(`  ${'  '.repeat(depth)}.${edgeNames[node][k]} of ${ib.label(retainers[node][k])} @${ib.id(retainers[node][k])}`)
      node = retainers[node][k]
      seen.add(node)
    }
  }
}
