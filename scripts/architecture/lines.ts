import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { folderOf, listTsFiles, matcher } from './files.ts'

export const LONG_LINE = 120

export interface LineCount {
  files: number
  lines: number
  longLines: number // lines longer than LONG_LINE characters
  excludedFiles: number
  excludedLines: number
  byFolder: Record<string, { files: number, lines: number }>
}

function countLines (text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop() // the final newline ends a line, it does not start one
  return lines
}

// Lines of every .ts file under root except those matching `exclude` (simulator code).
export function countSourceLines (root: string, exclude: string[]): LineCount {
  const excluded = matcher(exclude)
  const out: LineCount = { files: 0, lines: 0, longLines: 0, excludedFiles: 0, excludedLines: 0, byFolder: {} }
  for (const file of listTsFiles(root)) {
    const lines = countLines(readFileSync(join(root, '..', file), 'utf8'))
    if (excluded(file)) {
      out.excludedFiles++
      out.excludedLines += lines.length
      continue
    }
    out.files++
    out.lines += lines.length
    out.longLines += lines.filter((l) => l.length > LONG_LINE).length
    const folder = (out.byFolder[folderOf(file)] ??= { files: 0, lines: 0 })
    folder.files++
    folder.lines += lines.length
  }
  out.byFolder = Object.fromEntries(Object.entries(out.byFolder).sort(([a], [b]) => a.localeCompare(b)))
  return out
}
