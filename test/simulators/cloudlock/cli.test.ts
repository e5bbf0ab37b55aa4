import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { call } from '../helpers/http.ts'
import { record } from '../helpers/cloudlock.ts'

const CLI = fileURLToPath(new URL('../../../src/vendors/cloudlock/simulator/cli.ts', import.meta.url))

// Starts the CLI and resolves with the printed URL once it is listening.
function startCli (t: Test, args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill('SIGTERM') })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += String(chunk)
      const match = /Cloudlock simulator: (http:\/\/\S+)\/api\/v2/.exec(out)
      if (match !== null) resolve(match[1])
    })
    child.stderr.on('data', (chunk) => { out += String(chunk) })
    child.on('exit', (code) => reject(new Error(`cli exited with ${code}: ${out}`)))
  })
}

t.test('standalone runner serves fixtures with the configured token', async (t) => {
  const dir = t.testdir({ 'fixtures.json': JSON.stringify([record('123', '2024-01-01T00:00:00.000000+00:00')]) })
  const base = await startCli(t, ['--fixtures', join(dir, 'fixtures.json')], { CLOUDLOCK_SIM_TOKEN: 'from-env' })
  const res = await call(base, 'GET', '/api/v2/incidents', { headers: { authorization: 'Bearer from-env' } })
  t.equal(res.status, 200)
  t.same(res.json.items.map((i: { id: string }) => i.id), ['123'])
})

t.test('defaults: dev token and seeded data', async (t) => {
  const base = await startCli(t, ['--count', '3', '--seed', '5'])
  const res = await call(base, 'GET', '/api/v2/incidents?count_total=true', { headers: { authorization: 'Bearer cloudlock-sim-dev-token' } })
  t.equal(res.json.total, 3)
})

t.test('--activity-per-minute turns on console activity; off by default', async (t) => {
  const on = await startCli(t, ['--count', '3', '--activity-per-minute', '600'])
  t.match((await call(on, 'GET', '/__sim/activity')).json, { per_minute: 600, running: true })
  const off = await startCli(t, ['--count', '3'])
  t.match((await call(off, 'GET', '/__sim/activity')).json, { per_minute: 0, running: false })
})
