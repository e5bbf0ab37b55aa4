import t from 'tap'
import { request } from 'undici'
import { KEYS, startStack } from '../helpers/stack.ts'

const SYNC = 'sync: { enabled: true, poll_interval_s: 1, lookback_s: 0, open_recheck_interval_s: 1 }'
// Sync's first polls are CPU-heavy on a loaded CI machine: never answer them 503 overloaded here.
const NO_SHEDDING = 'load_shedding: { max_event_loop_delay_ms: 0 }'
const manual = { changeFeed: { autostart: false } }
const enc = encodeURIComponent

t.test('a failed poll degrades freshness, never correctness: nothing is lost, the next poll catches up', async (t) => {
  const stack = await startStack({ count: 20, providerYaml: { cloudlock: SYNC }, appDeps: manual, yaml: NO_SHEDDING })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const first = await stack.get('/v1/changes?limit=1000&provider=cloudlock')
  t.equal(first.body.data.length, 20)
  const through = first.body.providers.cloudlock.complete_through
  t.ok(through)
  // a vendor-side change, then the vendor fails every call of the next poll
  const target = first.body.data[0].incident.native_id
  const patched = await request(`${stack.cloudlockUrl}/__sim/incidents/${target}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 'CRITICAL' })
  })
  t.equal(patched.statusCode, 200)
  await patched.body.dump()
  await (await request(`${stack.cloudlockUrl}/__sim/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 500 })
  })).body.dump()
  await t.rejects(stack.app.sync!.pollNow('cloudlock'))
  const during = await stack.get('/v1/providers')
  t.equal(during.status, 200, JSON.stringify(during.body))
  const sync = during.body.data.find((p: any) => p.id === 'cloudlock').sync
  t.equal(sync.state, 'degraded')
  t.match(sync.last_error, /upstream/)
  const stale = await stack.get(`/v1/changes?provider=cloudlock&after=${enc(first.body.next)}`)
  t.same(stale.body.data, [])
  t.equal(stale.body.providers.cloudlock.complete_through, through, 'completeness did not move past the failure')
  await (await request(`${stack.cloudlockUrl}/__sim/faults`, { method: 'DELETE' })).body.dump()
  await stack.app.sync!.pollNow('cloudlock')
  const after = await stack.get(`/v1/changes?provider=cloudlock&after=${enc(first.body.next)}`)
  t.equal(after.body.data.length, 1)
  t.equal(after.body.data[0].incident.severity, 'critical')
  t.same(after.body.data[0].previous.severity !== undefined, true)
  t.ok(after.body.providers.cloudlock.complete_through > through)
  t.equal((await stack.get('/v1/providers')).body.data.find((p: any) => p.id === 'cloudlock').sync.state, 'live')
})

t.test('the feed withholds matched content from keys without evidence:read, in incident and previous', async (t) => {
  const stack = await startStack({ count: 20, providerYaml: { cloudlock: SYNC }, appDeps: manual, yaml: NO_SHEDDING })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const withContent = await stack.get('/v1/changes?limit=1000&provider=cloudlock&include=raw')
  const withMatches = withContent.body.data.find((c: any) => c.incident.matches.some((m: any) => m.text !== null))
  t.ok(withMatches, 'the simulator has matched content')
  const hidden = await stack.get('/v1/changes?limit=1000&provider=cloudlock&include=raw', KEYS.noEvidence)
  const same = hidden.body.data.find((c: any) => c.seq === withMatches.seq)
  t.equal(same.incident.content_withheld, true)
  t.ok(same.incident.matches.every((m: any) => m.text === null && m.context_before === null))
  t.ok(same.incident.raw.matches.every((m: any) => m.text === null || m.text === undefined))
  // a vendor-side change of the matched content: the old content sits in `previous`
  const native = withMatches.incident.raw
  const matches = native.matches.map((m: any) => ({ ...m, text: `${m.text ?? ''} (edited)` }))
  const patched = await request(`${stack.cloudlockUrl}/__sim/incidents/${native.id}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matches })
  })
  t.equal(patched.statusCode, 200)
  await patched.body.dump()
  await stack.app.sync!.pollNow('cloudlock')
  const after = `&after=${enc(withContent.body.next)}`
  const full = (await stack.get(`/v1/changes?provider=cloudlock${after}`)).body.data[0]
  t.ok(full.changed.includes('matches'))
  t.ok(full.previous.matches.some((m: any) => m.text !== null), 'an evidence:read key sees the old content')
  t.notOk('content_withheld' in full)
  const withheld = (await stack.get(`/v1/changes?provider=cloudlock${after}`, KEYS.noEvidence)).body.data[0]
  t.ok(withheld.previous.matches.every((m: any) => m.text === null && m.context_before === null))
  t.equal(withheld.content_withheld, true)
})
