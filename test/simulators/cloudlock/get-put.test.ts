import t from 'tap'
import { startCloudlock, TOKEN } from '../helpers/cloudlock.ts'
import { call } from '../helpers/http.ts'
import { createManualClock } from '../../../src/sim-kit/clock.ts'

t.test('GET /incidents/{id} returns the bare incident', async (t) => {
  const sim = await startCloudlock(t, { count: 10 })
  const listed = (await sim.get('/incidents?limit=10')).json.items
  const one = await sim.get(`/incidents/${listed[3].id}`)
  t.equal(one.status, 200)
  t.same(one.json, listed[3], 'same object as in the list, no envelope')
  t.same((await sim.get(`/incidents/0${listed[3].id}`)).json, listed[3], 'the path id is read as a number')
  for (const id of ['1', '99999999999999999999', 'abc', '12a', '-5', '123456789012345678901', '%20']) {
    const res = await sim.get(`/incidents/${id}`)
    t.equal(res.status, 404, id)
    t.match(res.json, { message: /not found/ }, id)
  }
})

t.test('PUT /incidents/{id} updates status, severity and customer_key', async (t) => {
  const clock = createManualClock(Date.parse('2026-02-03T04:05:06.789Z'))
  const sim = await startCloudlock(t, { count: 10, clock: clock.clock })
  const before = (await sim.get('/incidents?limit=1')).json.items[0]
  const res = await sim.put(`/incidents/${before.id}`, { incident_status: 'IN PROGRESS', customer_key: 'SOC-881' })
  t.equal(res.status, 200)
  t.same(res.json, { ...before, incident_status: 'IN PROGRESS', customer_key: 'SOC-881', updated_at: '2026-02-03T04:05:06.789000+00:00' }, 'full incident, only those fields and updated_at changed')

  clock.advance(1000)
  const again = await sim.put(`/incidents/${before.id}`, { severity: 'CRITICAL' })
  t.equal(again.json.severity, 'CRITICAL')
  t.equal(again.json.incident_status, 'IN PROGRESS', 'partial update keeps other fields')
  t.equal(again.json.updated_at, '2026-02-03T04:05:07.789000+00:00')

  t.same((await sim.get(`/incidents/${before.id}`)).json, again.json, 'persisted')
  const filtered = await sim.get('/incidents?customer_key=SOC-881&updated_after=2026-02-03T04:05:07.789&order=-updated_at')
  t.same(filtered.json.items.map((i: { id: string }) => i.id), [before.id], 'filters see the new values')

  for (const status of ['NEW', 'RESOLVED', 'DISMISSED', 'IN PROGRESS']) {
    t.equal((await sim.put(`/incidents/${before.id}`, { incident_status: status })).json.incident_status, status, `any status from any status: ${status}`)
  }
  t.equal((await sim.put(`/incidents/${before.id}`, { customer_key: '' })).json.customer_key, '', 'customer_key can be cleared')

  t.equal((await sim.admin('POST', '/reset')).status, 204)
  t.same((await sim.get(`/incidents/${before.id}`)).json, before, 'reset restores the seeded incident')
})

t.test('PUT validation: 400 {message}, nothing changes', async (t) => {
  const sim = await startCloudlock(t, { count: 3 })
  const target = (await sim.get('/incidents?limit=1')).json.items[0]
  const bad: unknown[] = [
    { incident_status: 'resolved' },
    { incident_status: 'CLOSED' },
    { severity: 'HIGH' },
    { severity: null },
    { customer_key: 42 },
    { incident_status: 'RESOLVED', id: '1' },
    { match_count: 3 },
    {},
    [],
    [{ incident_status: 'RESOLVED' }],
    'RESOLVED',
    7,
    null
  ]
  for (const body of bad) {
    const res = await call(sim.base, 'PUT', `/api/v2/incidents/${target.id}`, { headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.equal(res.status, 400, JSON.stringify(body))
    t.type(res.json?.message, 'string', JSON.stringify(body))
  }
  const broken = await call(sim.base, 'PUT', `/api/v2/incidents/${target.id}`, { headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"incident_status":' })
  t.equal(broken.status, 400)
  t.type(broken.json.message, 'string')
  t.same((await sim.get(`/incidents/${target.id}`)).json, target, 'unchanged')

  const missing = await sim.put('/incidents/1', { incident_status: 'RESOLVED' })
  t.equal(missing.status, 404)
  t.match(missing.json, { message: /not found/ })
  t.equal((await sim.put('/incidents/abc', { incident_status: 'RESOLVED' })).status, 404)
})
