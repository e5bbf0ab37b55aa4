import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { KEYS, startStack } from '../helpers/stack.ts'

const SYNC = 'sync: { enabled: true, poll_interval_s: 1, lookback_s: 0, open_recheck_interval_s: 1 }'
// Sync's first polls are CPU-heavy on a loaded CI machine: never answer them 503 overloaded here.
const NO_SHEDDING = 'load_shedding: { max_event_loop_delay_ms: 0 }'
const manual = { changeFeed: { autostart: false } }
const enc = encodeURIComponent

t.test('a key sees only its providers; a token is bound to the provider set; a foreign token is refused', async (t) => {
  const stack = await startStack({ count: 10, providerYaml: { cloudlock: SYNC, zwa: SYNC }, appDeps: manual, yaml: NO_SHEDDING })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  await stack.app.sync!.pollNow('zwa')
  const only = await stack.get('/v1/changes?limit=1000', KEYS.cloudlockOnly)
  t.ok(only.body.data.every((c: any) => c.provider === 'cloudlock'))
  t.same(Object.keys(only.body.providers), ['cloudlock'])
  t.equal((await stack.get('/v1/changes?provider=zwa', KEYS.cloudlockOnly)).status, 403)
  const all = await stack.get('/v1/changes?limit=5')
  t.equal(all.body.has_more, true)
  t.equal(all.body.providers.zwa.complete_through, null, 'not trusted before the reader reached the checkpoint')
  const reused = await stack.get(`/v1/changes?after=${enc(all.body.next)}`, KEYS.cloudlockOnly)
  t.equal(reused.status, 400)
  t.equal(reused.body.code, 'invalid_cursor')
  const forged = all.body.next.slice(0, -4) + 'AAAA'
  t.equal((await stack.get(`/v1/changes?after=${enc(forged)}`)).body.code, 'invalid_cursor')
  t.equal((await stack.get('/v1/changes?limit=1001')).status, 400)
  t.equal((await stack.get('/v1/changes?wait=61')).status, 400)
  t.equal((await stack.get('/v1/changes?bogus=1')).status, 400)
  t.equal((await stack.get('/v1/changes', '')).status, 401)
})

t.test('a long poll returns as soon as a write-through appends a change', async (t) => {
  const stack = await startStack({ count: 10, providerYaml: { cloudlock: SYNC }, appDeps: manual, yaml: NO_SHEDDING })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const head = await stack.get('/v1/changes?limit=1000&provider=cloudlock')
  const target = head.body.data.find((c: any) => c.incident.status === 'new')
  const started = Date.now()
  const waiting = stack.get(`/v1/changes?provider=cloudlock&wait=30&after=${enc(head.body.next)}`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal((await stack.send('PATCH', `/v1/incidents/${target.incident_id}`, { severity: 'critical' })).status, 200)
  const woken = await waiting
  t.equal(woken.body.data.length, 1)
  t.ok(Date.now() - started < 20_000, 'woken by the change, not by the end of the wait')
})

t.test('a persistent embedded store: a restart resumes the feed and the token stays valid', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-store-'))
  const yaml = `store: { data_dir: ${join(dir, 'db')} }\n${NO_SHEDDING}`
  const one = await startStack({ count: 10, yaml, providerYaml: { cloudlock: SYNC }, appDeps: manual })
  await one.app.sync!.pollNow('cloudlock')
  const first = await one.get('/v1/changes?limit=1000')
  t.equal(first.body.data.length, 10)
  const cloudlockRecords = await (await request(`${one.cloudlockUrl}/api/v2/incidents?limit=100`, {
    headers: { authorization: 'Bearer cloudlock-test-token' }
  })).body.json() as any
  await one.close()
  // the same vendor data, a new gateway process on the same store
  const two = await startStack({
    count: 0, cloudlockRecords: cloudlockRecords.items ?? cloudlockRecords, yaml, providerYaml: { cloudlock: SYNC }, appDeps: manual
  })
  t.teardown(() => two.close())
  await two.app.sync!.pollNow('cloudlock')
  const next = await two.get(`/v1/changes?after=${enc(first.body.next)}`)
  t.equal(next.status, 200, JSON.stringify(next.body))
  t.same(next.body.data, [], 'nothing re-emitted after the restart')
})
