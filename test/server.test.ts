import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'
import { buildTestApp } from './helpers/build.ts'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

function start (env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [server, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  return { child, out: () => stdout, err: () => stderr }
}

async function waitFor (check: () => boolean, ms = 60_000) { // generous: spawned processes start slowly on a busy machine
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

t.test('a bad setting stops startup with one line and no stack trace', async (t) => {
  const proc = start({ PORT: 'not-a-port' })
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 78)
  t.equal(proc.err().trim(), 'Invalid configuration: PORT must be an integer')
  t.notMatch(proc.err(), /\n.+/, 'exactly one line')
  t.notMatch(proc.err(), /at .*\(/, 'no stack trace')
})

t.test('with no provider and no demo request, startup stops with exit 78 and one line', async (t) => {
  // A misspelt provider variable in a production-looking environment: never demo mode, never a key.
  const proc = start({ PORT: '0', ZWA_BASEURL: 'https://tenant-secret.example', API_KEY_SHA256: 'a'.repeat(64), CURSOR_SECRET: 'c'.repeat(40) })
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 78)
  const line = proc.err().trim()
  t.match(line, /^No provider configured: set ZWA_BASE_URL .*; for a demo, run with --demo or DEMO=true\. Note: ZWA_BASEURL .*did you mean ZWA_BASE_URL\?\)$/)
  t.notMatch(line, /\n/, 'exactly one line')
  t.notMatch(line, /tenant-secret/, 'never the value')
  t.equal(proc.out(), '', 'nothing served, no key printed')
})

t.test('an unknown flag stops startup with one line', async (t) => {
  const proc = start({ PORT: '0' }, ['--dmeo'])
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 78)
  t.equal(proc.err().trim(), "Invalid arguments: Unknown option '--dmeo' (the only option is --demo)")
})

t.test('DEMO=true starts demo mode; unknown variables of the gateway are logged as likely typos', async (t) => {
  const proc = start({ PORT: '0', DEMO: 'true', DEMO_INCIDENTS: '2', CLOUDLOCK_TOKNE: 'value-never-logged' })
  t.teardown(() => { proc.child.kill('SIGKILL') })
  await waitFor(() => /Demo API key: \S+/.test(proc.out()))
  const warning = proc.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.variable)
  t.match(warning, { level: 40, variable: 'CLOUDLOCK_TOKNE', closest: 'CLOUDLOCK_TOKEN', msg: /CLOUDLOCK_TOKNE .*did you mean CLOUDLOCK_TOKEN/ })
  t.notMatch(proc.out(), /value-never-logged/)
})

t.test('demo mode mixed with a production setting is refused', async (t) => {
  const proc = start({ PORT: '0', API_KEY_SHA256: 'a'.repeat(64) }, ['--demo'])
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 78)
  t.equal(proc.err().trim(), 'Invalid configuration: --demo asks for demo mode, which cannot be combined with API keys (API_KEY_SHA256); remove one of them')
  t.equal(proc.out(), '')
})

t.test('SIGTERM turns readiness to 503 during the drain, then exits cleanly', async (t) => {
  const proc = start({ PORT: '0', SHUTDOWN_DRAIN_MS: '1500', LOG_LEVEL: 'info' }, ['--demo'])
  t.teardown(() => { proc.child.kill('SIGKILL') })
  await waitFor(() => /listening on (http:\/\/\S+)/.test(proc.out()))
  const url = /listening on (http:\/\/\S+) /.exec(proc.out())![1]

  const before = await request(`${url}/readyz`)
  t.equal(before.statusCode, 200)
  await before.body.dump()

  proc.child.kill('SIGTERM')
  await waitFor(() => proc.out().includes('shutting down'))
  const during = await request(`${url}/readyz`)
  t.equal(during.statusCode, 503, 'not ready as soon as shutdown starts')
  t.match(await during.body.json(), { status: 'not_ready', checks: { config: 'ok', shutdown: 'in_progress' }, providers: { zwa: { circuit: 'closed' }, cloudlock: { circuit: 'closed' } } })
  const live = await request(`${url}/healthz`)
  t.equal(live.statusCode, 200, 'still serving while draining')
  await live.body.dump()

  const [code] = await once(proc.child, 'exit')
  t.equal(code, 0)
  t.notMatch(proc.err(), /Error/)
})

t.test('close lets in-flight requests finish', async (t) => {
  let release = () => {}
  const { app } = await buildTestApp({}, (app) => {
    app.get('/slow', async () => {
      await new Promise<void>((resolve) => { release = resolve })
      return { done: true }
    })
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const inflight = request(`${url}/slow`)
  await waitFor(() => release.toString() !== '() => {}')
  const closing = app.close()
  setTimeout(() => release(), 200)
  const res = await inflight
  t.equal(res.statusCode, 200)
  t.equal(res.headers.connection, 'close', 'the finished connection is not kept alive during shutdown')
  t.same(await res.body.json(), { done: true })
  await closing
})
