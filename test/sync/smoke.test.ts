import t from 'tap'
import { startStack } from '../helpers/stack.ts'

t.test('sync: initial load, a vendor change, the feed', async (t) => {
  const sync = 'sync: { enabled: true, poll_interval_s: 1, lookback_s: 0, open_recheck_interval_s: 1 }'
  const stack = await startStack({ count: 30, providerYaml: { zwa: sync, cloudlock: sync }, appDeps: { changeFeed: { autostart: false } }, yaml: 'load_shedding: { max_event_loop_delay_ms: 0 }' })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('zwa')
  await stack.app.sync!.pollNow('cloudlock')
  const first = await stack.get('/v1/changes?limit=1000')
  t.equal(first.status, 200, JSON.stringify(stack.logs.lines?.slice?.(-5) ?? stack.logs).slice(0, 3000))
  t.equal(first.body.data.length, 60)
  t.ok(first.body.data.every((c: any) => c.type === 'created'))
  t.ok(first.body.providers.zwa.complete_through)
  const providers = await stack.get('/v1/providers')
  t.equal(providers.body.data[0].sync.state, 'live', JSON.stringify(providers.body.data[0].sync))
  // a gateway write: its change is in the feed at once
  const open = first.body.data.find((c: any) => c.provider === 'cloudlock' && c.incident.status === 'new')
  const closed = await stack.send('POST', `/v1/incidents/${open.incident_id}/close`, {})
  t.equal(closed.status, 200)
  const second = await stack.get(`/v1/changes?after=${encodeURIComponent(first.body.next)}`)
  t.equal(second.body.data.length, 1)
  t.same(second.body.data[0].changed.includes('status'), true)
  t.equal(second.body.data[0].previous.status, 'new')
  // a re-poll finds nothing new
  await stack.app.sync!.pollNow('cloudlock')
  await stack.app.sync!.pollNow('zwa')
  const third = await stack.get(`/v1/changes?after=${encodeURIComponent(second.body.next)}`)
  t.same(third.body.data, [])
  const bad = await stack.get(`/v1/changes?after=${encodeURIComponent(second.body.next)}&provider=zwa`)
  t.equal(bad.status, 400)
})
