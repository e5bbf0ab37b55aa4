// What a production gateway (src/server.ts, a YAML config, no OTEL_*, no REDIS_URL, no demo, no
// store) loads to start, watched by the architecture script's module hook: none of the modules it
// does not need (the OpenTelemetry SDK, Swagger UI and its static file server, the Redis client, the
// mirror, sync, webhook delivery and batch jobs, which all need a store), and Swagger UI once /docs
// is asked for. Each one loaded at boot costs resident memory for the process's life.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const NOT_AT_BOOT = [
  '@opentelemetry/sdk-trace-node', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources', '@fastify/swagger-ui', '@fastify/static', 'ioredis', 'standardwebhooks',
  '@electric-sql/pglite', 'pg'
]
// Sources that only a store (or REDIS_URL) puts to work.
const SOURCES_NOT_AT_BOOT = /\/src\/(?:sync|webhooks|store)\/|\/src\/mirror\/(?!change-token)|\/src\/jobs\/job-|redis-store/

const packagesIn = (file: string): Set<string> => new Set((existsSync(file) ? readFileSync(file, 'utf8') : '')
  .split('\n').flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []))

t.test('production boot loads no SDK, UI or Redis client; /docs loads the UI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-boot-'))
  const config = join(dir, 'gateway.yaml')
  const out = join(dir, 'modules.txt')
  writeFileSync(config, `
server: { log_level: warn }
cursor: { secret: ${'c'.repeat(40)} }
providers:
  - { id: cloudlock, type: cloudlock, base_url: "http://127.0.0.1:9/api/v2", token: boot-token }
api_keys:
  - { name: boot, sha256: "${'a'.repeat(64)}", scopes: [incidents:read] }
`)
  const child = spawn(process.execPath, ['--import', here('../scripts/architecture/module-hook.ts'),
    here('../src/server.ts')], {
    env: { PATH: process.env.PATH ?? '', GATEWAY_CONFIG: config, PORT: '0', ARCHITECTURE_MODULES_OUT: out },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { child.kill('SIGTERM') })
  let stdout = ''
  child.stdout.on('data', (d) => { stdout += d })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/[^\s)]+)/.exec(stdout)
      if (m) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)))
  })

  const atBoot = packagesIn(out)
  t.ok(atBoot.has('fastify') && atBoot.has('undici'), `the hook sees the packages loaded (${atBoot.size})`)
  t.same(NOT_AT_BOOT.filter((name) => atBoot.has(name)), [], 'none of them is loaded at boot')
  const sources = readFileSync(out, 'utf8').split('\n').filter((url) => url.includes('/src/'))
  t.ok(sources.some((url) => url.endsWith('/src/plugins/app/change-feed.ts')), 'the hook sees the sources loaded')
  t.same(sources.filter((url) => SOURCES_NOT_AT_BOOT.test(url)), [], 'no store, sync, webhook or job runtime')

  const docs = await request(`${url}/docs/`)
  t.equal(docs.statusCode, 200)
  t.match(await docs.body.text(), /swagger-ui/i)
  t.ok(packagesIn(out).has('@fastify/swagger-ui'), 'Swagger UI is loaded once /docs is asked for')
})
