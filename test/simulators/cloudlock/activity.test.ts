// Cloudlock activity mode: console-like creations and triage, deterministic per seed, visible to the vendor routes.
import t from 'tap'
import { createManualClock } from '../../../src/sim-kit/clock.ts'
import { buildCloudlockSimulator } from '../../../src/vendors/cloudlock/simulator/app.ts'
import { record, startCloudlock, TOKEN, type CloudlockHarness } from '../helpers/cloudlock.ts'

const NOW = Date.parse('2026-03-04T05:06:07.890Z')
const NOW_TEXT = '2026-03-04T05:06:07.890000+00:00'

async function everything (sim: CloudlockHarness): Promise<Map<string, any>> {
  const out = new Map<string, any>()
  for (let offset = 0; ; offset += 100) {
    const items = (await sim.get(`/incidents?limit=100&offset=${offset}`)).json.items
    for (const item of items) out.set(item.id, item)
    if (items.length < 100) return out
  }
}

const tick = async (sim: CloudlockHarness, count: number) => sim.admin('POST', '/activity/tick', { count })

t.test('a tick creates and triages incidents the way the console would', async (t) => {
  const clock = createManualClock(NOW)
  const sim = await startCloudlock(t, { count: 80, clock: clock.clock })
  const before = await everything(sim)
  const maxId = Math.max(...[...before.keys()].map(Number))
  const res = await tick(sim, 200)
  t.equal(res.status, 200)
  const actions: Array<{ type: string, id: string, changed: string[] }> = res.json.actions
  const created = actions.filter((a) => a.type === 'created')
  t.ok(created.length > 50 && created.length < 110, `${created.length} of 200 are new incidents`)

  const after = await everything(sim)
  t.equal(after.size, before.size + created.length)
  const updatedIds = new Set(actions.filter((a) => a.type === 'updated').map((a) => a.id))
  for (const a of created) {
    t.ok(Number(a.id) > maxId, 'new ids continue the sequence')
    const incident = after.get(a.id)
    t.equal(incident.created_at, NOW_TEXT, 'created now')
    if (updatedIds.has(a.id)) continue
    t.match(incident, { incident_status: 'NEW', customer_key: '', updated_at: NOW_TEXT, severity: /^(INFO|WARNING|ALERT|CRITICAL)$/ })
    t.same(Object.keys(incident), ['id', 'customer_key', 'incident_status', 'severity', 'created_at', 'updated_at', 'match_count', 'entity', 'policy', 'matches'], 'vendor key order')
  }

  const kinds = new Set<string>()
  for (const a of actions.filter((x) => x.type === 'updated')) {
    const current = after.get(a.id)
    t.equal(current.updated_at, NOW_TEXT, `${a.id} updated_at moved`)
    for (const field of a.changed) kinds.add(field)
    if (!before.has(a.id) || actions.filter((x) => x.id === a.id).length > 1) continue
    const old = before.get(a.id)
    if (a.changed.includes('incident_status')) {
      const allowed = old.incident_status === 'NEW' ? ['IN PROGRESS'] : ['RESOLVED', 'DISMISSED']
      t.ok(old.incident_status === 'NEW' || old.incident_status === 'IN PROGRESS', 'only open incidents move')
      t.ok(allowed.includes(current.incident_status), `${old.incident_status} -> ${current.incident_status}`)
    }
    if (a.changed.includes('severity')) t.not(current.severity, old.severity)
  }
  t.same([...kinds].sort(), ['customer_key', 'incident_status', 'severity', 'updated_at'])
  const updatedAfter = await sim.get(`/incidents?updated_after=${encodeURIComponent(NOW_TEXT)}&limit=100&count_total=true`)
  t.equal(updatedAfter.json.total, new Set(actions.map((a) => a.id)).size, 'updated_after finds exactly what the tick touched')
})

t.test('with nothing open, a change is a severity change', async (t) => {
  let updates = 0
  for (let seed = 1; seed <= 8; seed++) {
    const incidents = ['1', '2', '3'].map((id) => record(id, '2024-01-01T00:00:00.000000+00:00', undefined, { incident_status: 'RESOLVED' }))
    const sim = await startCloudlock(t, { incidents, activity: { perMinute: 0, seed } })
    for (let n = 0; n < 20; n++) {
      const [action] = (await tick(sim, 1)).json.actions
      if (action.type === 'created') break // a new incident is open
      t.same(action.changed, ['severity', 'updated_at'], `seed ${seed}`)
      updates++
    }
  }
  t.ok(updates > 3, `${updates} changes checked`)
})

t.test('same seed and clock: the same actions and the same data; reset starts over', async (t) => {
  const opts = { count: 40, clock: createManualClock(NOW).clock, activity: { perMinute: 0, seed: 3 } }
  const a = await startCloudlock(t, opts)
  const b = await startCloudlock(t, opts)
  const c = await startCloudlock(t, { ...opts, activity: { perMinute: 0, seed: 4 } })
  const actions = (await tick(a, 60)).json.actions
  t.same((await tick(b, 60)).json.actions, actions)
  t.same([...(await everything(b)).values()], [...(await everything(a)).values()], 'identical records')
  t.not(JSON.stringify((await tick(c, 60)).json.actions), JSON.stringify(actions))
  await a.admin('POST', '/reset')
  t.same((await tick(a, 60)).json.actions, actions)
})

t.test('the timer runs while listening and stops on close', async (t) => {
  const seen: string[] = []
  const app = await buildCloudlockSimulator({ token: TOKEN, count: 10, activity: { perMinute: 6000, onAction: (a) => seen.push(a.id) } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const until = Date.now() + 5000
  while (seen.length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
  t.ok(seen.length >= 3, `${seen.length} actions`)
  await app.close()
  const atClose = seen.length
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(seen.length, atClose, 'nothing after close')
})

t.test('activity options are checked', async (t) => {
  await t.rejects(buildCloudlockSimulator({ token: TOKEN, activity: { perMinute: 100_000 } }), /activity\.perMinute/)
})
