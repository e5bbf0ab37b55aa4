import { readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

// Every .ts file under `root`, as paths relative to root's parent (so they read `src/...`), sorted.
export function listTsFiles (root: string): string[] {
  const parent = join(root, '..')
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(parent, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}

// A glob as a regular expression: `**` spans folders, `*` stays within one path segment. Small on
// purpose: path.matchesGlob is still experimental and prints a warning.
export function globToRegExp (glob: string): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*'
      i++
    } else if (c === '*') {
      source += '[^/]*'
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${source}$`)
}

export function matcher (globs: string[]): (path: string) => boolean {
  const patterns = globs.map(globToRegExp)
  return (path) => patterns.some((p) => p.test(path))
}

// The folder a file belongs to in the folder graph: its directory, cut to at most `src/<a>/<b>`,
// so `src/adapters/zwa` and `src/adapters` are separate folders but `src/a/b/c` is `src/a/b`.
export function folderOf (path: string): string {
  const parts = path.split('/').slice(0, -1)
  return parts.slice(0, 3).join('/')
}
