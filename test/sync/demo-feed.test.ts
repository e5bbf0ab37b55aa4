import t from 'tap'
import { request } from 'undici'
import { startDemoGateway } from '../helpers/demo.ts'

// What the README promises: `npm start` (demo mode) keeps a live change feed of the simulators, and
// DEMO_ACTIVITY_PER_MIN makes them change under it like a vendor console.
t.test('demo mode: the feed holds the initial load, then the simulators\' activity', async (t) => {
  const demo = await startDemoGateway({ DEMO_INCIDENTS: '25', DEMO_ACTIVITY_PER_MIN: '600' })
  t.teardown(() => demo.close())
  const get = async (path: string) => {
    const res = await request(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.apiKey}` } })
    return { status: res.statusCode, body: await res.body.json() as any }
  }
  const seen = new Map<number, any>()
  let token: string | undefined
  const deadline = Date.now() + 60_000
  let live = false
  let afterLoad = 0
  while (Date.now() < deadline) {
    const page = await get(`/v1/changes?limit=1000&wait=5${token ? `&after=${encodeURIComponent(token)}` : ''}`)
    t.equal(page.status, 200)
    for (const c of page.body.data) {
      t.notOk(seen.has(c.seq), `seq ${c.seq} once`)
      seen.set(c.seq, c)
      if (live) afterLoad++
    }
    token = page.body.next
    const providers = (await get('/v1/providers')).body.data
    if (!live && providers.every((p: any) => p.sync.state === 'live') && !page.body.has_more) live = true
    if (live && afterLoad > 0) break
  }
  t.ok(live, 'both providers reach live')
  t.ok([...seen.values()].filter((c) => c.type === 'created').length >= 50, 'the initial load is in the feed')
  t.ok(afterLoad > 0, 'activity reaches the feed')
  const seqs = [...seen.keys()]
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'in seq order')
})
