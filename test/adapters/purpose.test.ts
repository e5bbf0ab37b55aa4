// A call's purpose reaches the pipeline from both vendors' list walks and incident reads: against
// the simulators, vendorCalls() counts exactly the requests the vendor logged, by purpose (a ZWA
// token request is interactive), and a provider's sync.budget_share is the share sync calls get.
import t from 'tap'
import type { CloudlockProviderConfigT } from '../../src/config/schema.ts'
import { testResilience } from '../helpers/resilience.ts'
import { allRecords, makeAdapter, startSim } from './cloudlock/helpers.ts'
import { incidentCalls, START, startZwa, tokenCalls } from './zwa/harness.ts'

const page = (purpose?: 'sync' | 'interactive') =>
  ({ filters: {}, position: null, pinnedAt: new Date(START).toISOString(), want: 150, purpose })

t.test('ZWA: a sync list walk and read are counted as sync, the token request as interactive', async (t) => {
  const h = await startZwa(t, { sim: { count: 250 } })
  const listed = await h.adapter.listPage(page('sync'))
  t.ok(listed.upstreamCalls >= 2, `the walk took several searches (${listed.upstreamCalls})`)
  await h.adapter.get(listed.items[0].incident.native_id, { purpose: 'sync' })
  const incidents = (await h.requests(incidentCalls)).length
  const tokens = (await h.requests(tokenCalls)).length
  t.equal(tokens, 1)
  t.same(h.adapter.vendorCalls(), { sync_last_hour: incidents, interactive_last_hour: tokens })
  await h.clearLog()
  const again = await h.adapter.listPage(page())
  await h.adapter.get(again.items[1].incident.native_id)
  t.same(h.adapter.vendorCalls(), {
    sync_last_hour: incidents, interactive_last_hour: tokens + (await h.requests(incidentCalls)).length
  }, 'without a purpose: interactive')
})

t.test('Cloudlock: a sync list walk and read are counted as sync', async (t) => {
  const sim = await startSim(t, { count: 250 })
  const adapter = makeAdapter(t, sim.url)
  const pinnedAt = new Date(Date.now() + 60_000).toISOString()
  const listed = await adapter.listPage({ ...page('sync'), pinnedAt })
  t.ok(listed.upstreamCalls >= 2, `the walk took several requests (${listed.upstreamCalls})`)
  await adapter.get(listed.items[0].incident.native_id, { purpose: 'sync' })
  const sync = (await sim.requests()).length
  t.same(adapter.vendorCalls(), { sync_last_hour: sync, interactive_last_hour: 0 })
  await sim.clearRequests()
  await adapter.listPage({ ...page('interactive'), pinnedAt })
  t.same(adapter.vendorCalls(), { sync_last_hour: sync, interactive_last_hour: (await sim.requests()).length })
})

t.test('Cloudlock: sync.budget_share is the share of each limit sync calls get', async (t) => {
  const sim = await startSim(t, { count: 5 })
  const ids = (await allRecords(sim)).map((r) => String(r.id))
  await sim.clearRequests()
  const adapter = makeAdapter(t, sim.url, {
    resilience: testResilience({ default: { per_minute: 4, per_hour: 0 } }, {}, true) as CloudlockProviderConfigT['resilience'],
    sync: { budget_share: 0.25 } as CloudlockProviderConfigT['sync']
  })
  const read = (purpose: 'sync' | 'interactive') =>
    adapter.get(ids[0], { purpose, deadline: Date.now() + 1_000 }).then(() => 'ok', (e: { code: string }) => e.code)
  t.same([await read('sync'), await read('sync')], ['ok', 'upstream_rate_limited'], 'sync: 1 of 4 a minute')
  t.same([await read('interactive'), await read('interactive'), await read('interactive'), await read('interactive')],
    ['ok', 'ok', 'ok', 'upstream_rate_limited'], 'interactive calls keep the other 3')
  t.equal((await sim.requests()).length, 4)
})
