import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

export interface ImportRef {
  specifier: string
  typeOnly: boolean
}

// Whether an import or export-from is erased by type stripping. `import { type A } from` is NOT:
// Node (and TypeScript under verbatimModuleSyntax) keeps it as `import {} from`, which loads the module.
function declarationIsTypeOnly (node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly
  return node.importClause?.isTypeOnly === true
}

const literalText = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined

// Every module a file names: static imports, export-from, dynamic import() with a literal, and
// `typeof import('...')` in types (type-only).
export function readImports (fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const out: ImportRef[] = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const specifier = literalText(node.moduleSpecifier)
      if (specifier !== undefined) out.push({ specifier, typeOnly: declarationIsTypeOnly(node) })
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const specifier = literalText(node.arguments[0])
      if (specifier !== undefined) out.push({ specifier, typeOnly: false })
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = literalText(node.argument.literal)
      if (specifier !== undefined) out.push({ specifier, typeOnly: true })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile()

// The file a relative specifier names (the project imports with explicit .ts extensions; the
// extensionless and index forms are tried too). Package and node: specifiers give undefined.
export function resolveRelative (fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined
  const base = resolve(dirname(fromFile), specifier)
  return [base, `${base}.ts`, join(base, 'index.ts')].find(isFile)
}

export interface FileImport {
  from: string // relative to root's parent, e.g. src/app.ts
  to: string
  typeOnly: boolean
}

// Imports between files under root (paths relative to root's parent).
export function fileImports (root: string, files: string[]): FileImport[] {
  const parent = join(root, '..')
  const inside = (abs: string) => !relative(root, abs).startsWith('..')
  const out: FileImport[] = []
  for (const file of files) {
    const abs = join(parent, file)
    for (const ref of readImports(abs, readFileSync(abs, 'utf8'))) {
      const target = resolveRelative(abs, ref.specifier)
      if (target === undefined || !inside(target)) continue
      out.push({ from: file, to: relative(parent, target).split(sep).join('/'), typeOnly: ref.typeOnly })
    }
  }
  return out
}
