import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { folderGraph } from '../../scripts/architecture/folder-graph.ts'
import { folderOf, globToRegExp } from '../../scripts/architecture/files.ts'
import { countSourceLines } from '../../scripts/architecture/lines.ts'

// The architecture checker on tiny fixture trees, and once on the real src/: no folder imports a
// folder that imports it back (issue 15).
const script = fileURLToPath(new URL('../../scripts/architecture.ts', import.meta.url))
const run = promisify(execFile)

function fixture (files: Record<string, string>): string {
  const root = join(mkdtempSync(join(tmpdir(), 'arch-')), 'src')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

async function check (root: string) {
  try {
    const { stdout } = await run(process.execPath, [script, '--src', root, '--only', 'graph', '--check'])
    return { code: 0, stdout }
  } catch (err) {
    const e = err as { code: number, stdout: string }
    return { code: e.code, stdout: e.stdout }
  }
}

const acyclic = {
  'main.ts': "import { b } from './b/index.ts'\nexport const main = b\n",
  'b/index.ts': "import { c } from '../c/c.ts'\nimport type { D } from '../c/deep/d.ts'\nexport const b: D = c\n",
  'c/c.ts': 'export const c = 1\n',
  'c/deep/d.ts': "import { c } from '../c.ts'\nexport type D = typeof c\n"
}

t.test('no cycle: --check exits 0; sub-folders are folders of their own', async (t) => {
  const root = fixture(acyclic)
  const res = await check(root)
  t.equal(res.code, 0)
  t.match(res.stdout, /\| folder cycles, all imports \| 0 \|/)
  const g = folderGraph(root)
  t.same(g.folders, ['src', 'src/b', 'src/c', 'src/c/deep'])
  t.same(g.edges.map((e) => [e.from, e.to, e.value, e.typeOnly]), [
    ['src', 'src/b', 1, 0], ['src/b', 'src/c', 1, 0], ['src/b', 'src/c/deep', 0, 1], ['src/c/deep', 'src/c', 1, 0]
  ])
})

t.test('a runtime cycle: --check exits 1 and lists the edges that form it', async (t) => {
  const root = fixture({
    ...acyclic,
    'c/c.ts': "export { main } from '../main.ts'\nexport const c = 1\n", // back to src through export-from
    'c/lazy.ts': "export const load = () => import('../b/index.ts')\n"
  })
  const res = await check(root)
  t.equal(res.code, 1)
  t.match(res.stdout, /\| folder cycles, runtime imports only \| 1 \|/)
  t.match(res.stdout, /- src, src\/b, src\/c\n/)
  t.match(res.stdout, /src\/c -> src \(1 runtime, 0 type-only; e\.g\. src\/c\/c\.ts -> src\/main\.ts\)/)
  t.match(res.stdout, /src\/c -> src\/b \(1 runtime/, 'a dynamic import with a literal is an edge')
  const g = folderGraph(root)
  t.same(g.runtimeCycles.map((c) => c.folders), [['src', 'src/b', 'src/c']])
  const all = g.cycles.map((c) => c.folders)
  t.same(all, [['src', 'src/b', 'src/c', 'src/c/deep']], 'the type-only edge joins src/c/deep')
})

t.test('a cycle through a type-only import still fails --check, reported apart from runtime ones', async (t) => {
  const root = fixture({
    'a/a.ts': "import { b } from '../b/b.ts'\nexport const a = b\nexport type A = number\n",
    'b/b.ts': "import type { A } from '../a/a.ts'\nexport const b: A = 1\n"
  })
  const res = await check(root)
  t.equal(res.code, 1)
  const g = folderGraph(root)
  t.same(g.cycles.map((c) => c.folders), [['src/a', 'src/b']])
  t.same(g.runtimeCycles, [], 'type stripping erases the way back')
})

t.test('`import { type X }` is a runtime import: Node keeps it as `import {}`', async (t) => {
  const g = folderGraph(fixture({
    'a/a.ts': "import { b } from '../b/b.ts'\nexport const a = b\nexport type A = number\n",
    'b/b.ts': "import { type A } from '../a/a.ts'\nexport const b: A = 1\n"
  }))
  t.same(g.runtimeCycles.map((c) => c.folders), [['src/a', 'src/b']])
})

t.test('lines: simulator globs are left out, long lines counted', async (t) => {
  const root = fixture({
    'app.ts': `const a = 1\n${'x'.repeat(121)}\n${'y'.repeat(120)}\n`,
    'simulators/zwa/app.ts': 'one\ntwo\n',
    'vendors/zwa/simulator/store.ts': 'one\n',
    'vendors/zwa/adapter.ts': 'one\ntwo'
  })
  const l = countSourceLines(root, ['src/simulators/**', 'src/vendors/*/simulator/**'])
  t.match(l, { files: 2, lines: 5, longLines: 1, excludedFiles: 2, excludedLines: 3 })
  t.same(l.byFolder, { src: { files: 1, lines: 3 }, 'src/vendors/zwa': { files: 1, lines: 2 } })
})

t.test('globs and folders', async (t) => {
  t.equal(globToRegExp('src/vendors/*/simulator/**').test('src/vendors/zwa/simulator/a/b.ts'), true)
  t.equal(globToRegExp('src/vendors/*/simulator/**').test('src/vendors/zwa/x/simulator/b.ts'), false)
  t.equal(globToRegExp('src/demo/**').test('src/demo.ts'), false)
  t.equal(folderOf('src/app.ts'), 'src')
  t.equal(folderOf('src/adapters/zwa/deep/x.ts'), 'src/adapters/zwa')
})

t.test('the real src/ has no folder-level import cycle, type-only imports included', async (t) => {
  const { code, stdout } = await check(fileURLToPath(new URL('../../src', import.meta.url)))
  t.equal(code, 0, stdout)
})
