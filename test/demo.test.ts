import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

async function startServer (env: Record<string, string>) {
  const child = spawn(process.execPath, [server, '--demo'], { env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { err += d })
  const until = Date.now() + 60_000 // demo mode boots the embedded store: slow on a busy machine
  while (!/Demo API key: \S+/.test(out)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`demo did not start: ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const url = /listening on (http:\/\/\S+) /.exec(out)![1]
  const key = /Demo API key: (\S+)/.exec(out)![1]
  return { child, url, key, out: () => out }
}

t.test('--demo (as npm start passes it) runs demo mode end to end', async (t) => {
  const demo = await startServer({ DEMO_INCIDENTS: '15', DEMO_API_KEY: 'my-demo-key-123456' })
  t.teardown(() => { demo.child.kill('SIGKILL') })
  t.equal(demo.key, 'my-demo-key-123456', 'DEMO_API_KEY sets the key')
  t.match(demo.out(), /simulated providers zwa \(http:\/\/127\.0\.0\.1:\d+\) and cloudlock/)
  const auth = { authorization: `Bearer ${demo.key}` }
  const res = await request(`${demo.url}/v1/incidents?limit=100`, { headers: auth })
  t.equal(res.statusCode, 200)
  const body = await res.body.json() as any
  t.equal(body.data.length, 30, '15 incidents per provider')
  t.equal(body.next_cursor, null)
  const providers = await (await request(`${demo.url}/v1/providers`, { headers: auth })).body.json() as any
  t.same(providers.data.map((p: any) => p.id), ['zwa', 'cloudlock'])
  demo.child.kill('SIGTERM')
  const [code] = await once(demo.child, 'exit')
  t.equal(code, 0, 'stops cleanly, simulators included')
})

t.test('demo fixtures replace the generated incidents and a key is generated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-demo-'))
  const file = join(dir, 'cloudlock.json')
  writeFileSync(file, JSON.stringify([{
    id: '320831601',
    customer_key: '',
    incident_status: 'IN PROGRESS',
    severity: 'WARNING',
    created_at: '2014-08-08T05:09:53.218594+00:00',
    updated_at: '2014-08-08T05:09:52.930752+00:00',
    match_count: 1,
    entity: { id: 'GM46KpY7xO', name: 'Gautum Trentson', mime_type: '', owner_email: 'jane@cloudlock.com', owner_name: 'Jane Demo', origin_id: '00Qi00000088wrBEAQ', origin_type: 'document', direct_url: 'https://na15.salesforce.com/00Qi00000088wrBEAQ', vendor: { name: 'salesforce' }, extra: { origin_type_label: 'Lead', origin_type_label_plural: 'Leads' } },
    policy: { id: 'eyaznBzYKv', name: 'PCI' },
    matches: [{ created_at: '2014-08-08T05:09:53.218594+00:00', text: 'XXXXXXXXXXXX6966', ctx_after: ') -- can we use this on the up', ctx_before: 'ard number on an old invoice (', field_name: 'Description' }]
  }]))
  const demo = await startServer({ DEMO_INCIDENTS: '2', DEMO_CLOUDLOCK_FIXTURES: file })
  t.teardown(() => { demo.child.kill('SIGKILL') })
  t.match(demo.key, /^demo-[A-Za-z0-9_-]{20,}$/)
  const res = await request(`${demo.url}/v1/incidents?provider=cloudlock`, { headers: { authorization: `Bearer ${demo.key}` } })
  const body = await res.body.json() as any
  t.equal(body.data.length, 1)
  t.match(body.data[0], { id: 'cloudlock:320831601', severity: 'medium', status: 'in_progress', title: 'PCI: Gautum Trentson', created_at: '2014-08-08T05:09:53.218Z' })
})

t.test('a missing fixtures file stops startup with one line', async (t) => {
  const child = spawn(process.execPath, [server], { env: { PATH: process.env.PATH ?? '', PORT: '0', DEMO: 'true', DEMO_ZWA_FIXTURES: '/nonexistent/zwa.json' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  const [code] = await once(child, 'exit')
  t.equal(code, 78)
  t.match(err.trim(), /^Invalid configuration: DEMO_ZWA_FIXTURES \(\/nonexistent\/zwa\.json\)/)
  t.notMatch(err.trim(), /\n/)
})
