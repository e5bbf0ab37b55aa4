import { readFileSync } from 'node:fs'

// The node flags of the shipped start command, read from the Dockerfile's CMD (where they are
// chosen and explained), so benchmarks start processes exactly as the image does.
export function startFlags (dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)
  if (!cmd) throw new Error('the Dockerfile has no exec-form CMD')
  const argv = JSON.parse(cmd[1]) as string[]
  return argv.slice(1, argv.indexOf('src/server.ts'))
}

export const START_FLAGS = startFlags()

// The image's malloc settings (MALLOC_* in the Dockerfile's ENV), for processes started like it.
export function startEnv (dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')) {
  return Object.fromEntries([...dockerfile.matchAll(/^\s*(?:ENV\s+)?(MALLOC_[A-Z_]+)=(\S+)/gm)].map((m) => [m[1], m[2]]))
}

export const START_ENV: Record<string, string> = startEnv()
