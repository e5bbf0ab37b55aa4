// The upstream rate budget against the ZWA simulator with the vendor's documented limits switched
// on: a burst of 200 gateway requests never makes the vendor answer 429; what does not fit the
// budget is answered at once with 503 upstream_rate_limited and a Retry-After. Plus coalescing:
// identical concurrent reads share one upstream call.
import t from 'tap'
import { startHarness } from './harness.ts'

t.test('a burst of 200 reads stays inside the vendor\'s limits', async (t) => {
  // scope 'class': the simulator counts all light endpoints together, as strictly as the gateway.
  const h = await startHarness({ count: 40, zwaSim: { rateLimits: { scope: 'class' } }, zwaResilience: '{ coalesce: false }' })
  t.teardown(() => h.close())
  const ids: string[] = (await h.get('/v1/incidents?provider=zwa&limit=10')).body.data.map((i: any) => i.native_id)
  t.equal(ids.length, 10)
  await h.zwa.clearLog()

  const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => h.get(`/v1/incidents/zwa:${ids[i % ids.length]}`)))
  const vendor = await h.zwa.requests('/dlp/v1/incidents', 'GET')
  t.equal(vendor.filter((r) => r.status === 429).length, 0, 'the vendor never answered 429')
  t.equal(vendor.length, 30, 'exactly the documented 30 light requests per minute reached the vendor')

  const ok = answers.filter((a) => a.status === 200)
  const held = answers.filter((a) => a.status === 503)
  t.equal(ok.length, 30)
  t.equal(held.length, 170)
  t.ok(held.every((a) => a.body.code === 'upstream_rate_limited' && a.body.provider === 'zwa'), 'the rest: 503 upstream_rate_limited')
  const waits = held.map((a) => Number(a.headers['retry-after']))
  t.ok(waits.every((s) => s >= 50 && s <= 60), `Retry-After tells when the window has room again (${Math.min(...waits)}..${Math.max(...waits)} s)`)
  t.ok(held.every((a) => a.ms < 5_000), 'refused at once, not after waiting')

  // Searches have their own, smaller budget (20/min); this listing still fits.
  t.equal((await h.get('/v1/incidents?provider=zwa&limit=5')).status, 200)
  t.equal((await h.get('/v1/providers')).body.data.find((p: any) => p.id === 'zwa').health.circuit, 'closed', 'local refusals are not provider failures')
})

t.test('identical concurrent reads share one upstream call', async (t) => {
  const h = await startHarness({ count: 10 })
  t.teardown(() => h.close())
  const [zwaId] = (await h.get('/v1/incidents?provider=zwa&limit=1')).body.data.map((i: any) => i.native_id)
  const [clId] = (await h.get('/v1/incidents?provider=cloudlock&limit=1')).body.data.map((i: any) => i.native_id)
  await h.zwa.clearLog()
  await h.cloudlock.clearLog()
  // Slow answers keep the first call in flight while the others arrive.
  await h.zwa.fault({ route: `GET /dlp/v1/incidents/${zwaId}`, latency_ms: 500, count: 1 })
  await h.cloudlock.fault({ route: `GET /api/v2/incidents/${clId}`, latency_ms: 500, count: 1 })
  const answers = await Promise.all([
    ...Array.from({ length: 20 }, () => h.get(`/v1/incidents/zwa:${zwaId}`)),
    ...Array.from({ length: 20 }, () => h.get(`/v1/incidents/cloudlock:${clId}?include=raw`))
  ])
  t.ok(answers.every((a) => a.status === 200), 'every caller got the incident')
  t.equal(new Set(answers.slice(0, 20).map((a) => JSON.stringify(a.body))).size, 1, 'the same answer for all')
  t.equal((await h.zwa.requests('/dlp/v1/incidents', 'GET')).length, 1, 'ZWA: one upstream call for 20 callers')
  t.equal((await h.cloudlock.requests('/api/v2/incidents', 'GET')).length, 1, 'Cloudlock: one upstream call for 20 callers')

  // Writes are never coalesced: each one is an action of its own.
  await h.cloudlock.clearLog()
  const writes = await Promise.all([1, 2, 3].map(() => h.send('PATCH', `/v1/incidents/cloudlock:${clId}`, { external_ref: 'SAME' })))
  t.same(writes.map((w) => w.status), [200, 200, 200])
  t.equal((await h.cloudlock.requests('/api/v2/incidents', 'PUT')).length, 3)
})
