import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

// One gateway process (the production start path) on an ephemeral port, with the given config
// file and Redis: replicas of one deployment in the multi-process tests.
// `redisUrl` undefined: no Redis (each replica keeps its own budgets); the store may still be shared.
export async function startReplica (config: string, redisUrl: string | undefined, options: { logLevel?: string } = {}):
Promise<{ child: ChildProcess, url: string, output: () => string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', GATEWAY_CONFIG: config, PORT: '0', LOG_LEVEL: options.logLevel ?? 'warn'
  }
  if (redisUrl) env.REDIS_URL = redisUrl
  const child = spawn(process.execPath, [server], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { err += d })
  const until = Date.now() + 20_000
  while (!/listening on (http:\/\/\S+) /.test(out)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`replica did not start: ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, url: /listening on (http:\/\/\S+) /.exec(out)![1], output: () => out + err }
}
