// The production start path (src/server.ts) loads no demo or simulator module: server.ts imports
// the demo dynamically, only in demo mode, so the image can leave out what .dockerignore lists.
// Walks the imports Node would load at startup: static ones, type-only declarations excluded.
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'
import { resolveRelative } from '../scripts/architecture/imports.ts'

const repo = fileURLToPath(new URL('../', import.meta.url))

// Relative specifiers of the imports loaded with the module itself, and of its dynamic imports.
function importsOf (file: string): { loaded: string[], dynamic: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const out = { loaded: [] as string[], dynamic: [] as string[] }
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isExportDeclaration(node) ? node.isTypeOnly : node.importClause?.isTypeOnly === true
      if (!typeOnly) out.loaded.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.dynamic.push(node.arguments[0].text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

// Source paths (relative to the repository) of the modules loaded when `start` is.
function loadedWith (start: string): Set<string> {
  const seen = new Set<string>()
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.pop()!
    const rel = relative(repo, file)
    if (seen.has(rel)) continue
    seen.add(rel)
    for (const specifier of importsOf(file).loaded) {
      const target = resolveRelative(file, specifier)
      if (target) queue.push(target)
    }
  }
  return seen
}

// The src/ entries of .dockerignore ("src/demo", "src/vendors/*/simulator") as path prefixes.
const leftOut = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8').split('\n')
  .map((line) => line.trim()).filter((line) => line.startsWith('src/'))
  .map((glob) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}(/|$)`))

t.test('src/server.ts loads no module the image leaves out', async (t) => {
  t.ok(leftOut.length >= 3, '.dockerignore names the demo and the simulators')
  const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))
  const loaded = [...loadedWith(server)]
  t.ok(loaded.includes('src/app.ts') && loaded.length > 50, `the walk follows the imports (${loaded.length} files)`)
  const excluded = loaded.filter((path) => leftOut.some((re) => re.test(path)))
  t.same(excluded, [], 'no demo or simulator module at startup')
  t.ok(importsOf(server).dynamic.includes('./demo/start-demo.ts'), 'the demo is a dynamic import')
})
