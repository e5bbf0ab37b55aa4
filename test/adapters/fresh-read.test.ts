// A write's read-back (unknown outcomes, spec section 6) must see the vendor's state now: it never
// joins a coalesced read that was already in flight (CallOptions.fresh), while ordinary reads do.
import { createHash } from 'node:crypto'
import t from 'tap'
import { createCloudlockAdapter } from '../../src/vendors/cloudlock/adapter.ts'
import { loadConfig } from '../../src/config/load.ts'
import type { CloudlockProviderConfigT } from '../../src/config/schema.ts'
import { startSim, TOKEN } from './cloudlock/helpers.ts'

t.test('a fresh read is sent on its own while an identical read is in flight', async (t) => {
  const sim = await startSim(t, { count: 3 })
  // Configured the way the gateway configures it: the resilience defaults, coalescing on.
  const config = loadConfig({
    CLOUDLOCK_BASE_URL: `${sim.url}`,
    CLOUDLOCK_TOKEN: TOKEN,
    API_KEY_SHA256: createHash('sha256').update('k').digest('hex'),
    CURSOR_SECRET: 'c'.repeat(40)
  }).providers[0] as CloudlockProviderConfigT
  const adapter = createCloudlockAdapter(config)
  t.teardown(() => adapter.shutdown())
  const id = (await adapter.listPage({ filters: {}, position: null, pinnedAt: new Date().toISOString(), want: 1 })).items[0].incident.native_id
  const path = `/api/v2/incidents/${id}`
  await sim.fault({ route: `GET ${path}`, latency_ms: 300, count: 1 })
  await sim.clearRequests()
  const slow = adapter.get(id)
  await new Promise((resolve) => setTimeout(resolve, 50)) // the first read is on the wire
  const [a, b, c] = await Promise.all([slow, adapter.get(id), adapter.get(id, { fresh: true })])
  t.same([a.native_id, b.native_id, c.native_id], [id, id, id])
  const gets = (await sim.requests()).filter((r) => r.method === 'GET' && r.path === path)
  t.equal(gets.length, 2, 'the plain read joined the one in flight; the fresh one was sent')
})
