// PATCH and DELETE /__sim/incidents/:id: vendor-console changes, seen at once through the vendor routes.
import t from 'tap'
import { createManualClock } from '../../../src/sim-kit/clock.ts'
import { ids, record, startCloudlock } from '../helpers/cloudlock.ts'

const T0 = '2024-01-01T00:00:00.000000+00:00'
const seedRecords = () => [record('100', T0), record('200', '2024-01-02T00:00:00.000000+00:00'), record('300', '2024-01-03T00:00:00.000000+00:00')]

t.test('PATCH merges native fields, moves updated_at, and list and get see it at once', async (t) => {
  const clock = createManualClock(Date.parse('2026-02-03T04:05:06.789Z'))
  const sim = await startCloudlock(t, { incidents: seedRecords(), clock: clock.clock })
  const before = (await sim.get('/incidents/200')).json
  const entity = { id: 'X1', name: 'renamed', vendor: { name: 'box' } }
  const res = await sim.admin('PATCH', '/incidents/200', { severity: 'CRITICAL', incident_status: 'IN PROGRESS', entity, extra_field: 1 })
  t.equal(res.status, 200)
  t.same(res.json, { ...before, severity: 'CRITICAL', incident_status: 'IN PROGRESS', entity, extra_field: 1, updated_at: '2026-02-03T04:05:06.789000+00:00' }, 'nested objects are replaced whole')
  t.same(Object.keys(res.json), [...Object.keys(before), 'extra_field'], 'key order kept, new keys last')
  t.same((await sim.get('/incidents/200')).json, res.json, 'GET shows the stored record')
  t.same(ids(await sim.get('/incidents?severity=CRITICAL')), ['200'], 'the severity filter sees it')
  t.same(ids(await sim.get('/incidents?vendor=box')), ['200'], 'vendor is read from the new entity')
  t.same(ids(await sim.get('/incidents?updated_after=2026-02-03T04:05:06.789&order=-updated_at')), ['200'], 'updated_after sees the new time')
  await sim.admin('PATCH', '/incidents/100', { policy: { id: 'Hb6Tr1QzPm', name: 'Login from Unusual Location' } })
  t.same(ids(await sim.get('/incidents?policy_id=Hb6Tr1QzPm')), ['100'], 'policy_id follows the new policy')
  t.same(ids(await sim.get('/incidents?incident_type=UEBA')), ['100'], 'and so does incident_type')

  clock.advance(1000)
  const touched = await sim.admin('PATCH', '/incidents/0100', {})
  t.equal(touched.status, 200, 'path ids are numbers, as on the vendor routes')
  t.equal(touched.json.updated_at, '2026-02-03T04:05:07.789000+00:00', '{} only moves updated_at')
  t.equal(touched.json.incident_status, 'NEW')
})

t.test('PATCH keeps an explicit updated_at and filters by it', async (t) => {
  const sim = await startCloudlock(t, { incidents: seedRecords() })
  const res = await sim.admin('PATCH', '/incidents/100', { updated_at: '2024-05-05T05:05:05.123456+00:00' })
  t.equal(res.json.updated_at, '2024-05-05T05:05:05.123456+00:00', 'verbatim, microseconds included')
  t.same(ids(await sim.get('/incidents?updated_after=2024-05-05T05:05:05.123456')), ['100'])
  t.same(ids(await sim.get('/incidents?updated_after=2024-05-05T05:05:05.123457')), [])
})

t.test('PATCH refuses bad input with 400 and changes nothing; unknown ids are 404', async (t) => {
  const sim = await startCloudlock(t, { incidents: seedRecords() })
  const before = (await sim.get('/incidents/300')).text
  const bad: Array<[unknown, RegExp]> = [
    [[{ severity: 'ALERT' }], /JSON object/],
    ['"ALERT"', /JSON object/],
    [{ id: '301' }, /"id" cannot change/],
    [{ id: 'abc' }, /"id" cannot change/],
    [{ severity: '' }, /severity/],
    [{ incident_status: 5 }, /incident_status/],
    [{ created_at: null }, /created_at/],
    [{ updated_at: 'soon' }, /updated_at/],
    [{ match_count: -1 }, /match_count/],
    [{ matches: 'x' }, /matches/],
    [{ entity: 'x' }, /entity/]
  ]
  for (const [body, message] of bad) {
    const res = await sim.admin('PATCH', '/incidents/300', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.json, { message }, JSON.stringify(body))
  }
  t.equal((await sim.get('/incidents/300')).text, before, 'nothing changed')
  const same = await sim.admin('PATCH', '/incidents/300', { id: '0300', severity: 'ALERT' })
  t.equal(same.status, 200, 'the same id, in any form, is no change of id')
  t.equal(same.json.severity, 'ALERT')
  for (const id of ['999', 'abc', '1'.repeat(21)]) {
    const res = await sim.admin('PATCH', `/incidents/${id}`, { severity: 'ALERT' })
    t.equal(res.status, 404, id)
    t.match(res.json, { message: /no incident/ }, id)
  }
})

t.test('lenient simulators accept odd fields in a PATCH but never an id change', async (t) => {
  const sim = await startCloudlock(t, { incidents: seedRecords(), lenientRecords: true })
  t.equal((await sim.admin('PATCH', '/incidents/300', { severity: 7 })).json.severity, 7)
  t.equal((await sim.admin('PATCH', '/incidents/300', { id: '1' })).status, 400)
})

t.test('DELETE removes the incident from get and list; its id is never handed out again', async (t) => {
  const sim = await startCloudlock(t, { incidents: seedRecords() })
  const res = await sim.admin('DELETE', '/incidents/300')
  t.equal(res.status, 204)
  t.equal((await sim.get('/incidents/300')).status, 404)
  const list = await sim.get('/incidents?count_total=true')
  t.same(ids(list), ['100', '200'])
  t.equal(list.json.total, 2)
  t.equal((await sim.admin('DELETE', '/incidents/300')).status, 404, 'a second delete finds nothing')
  t.equal((await sim.admin('DELETE', '/incidents/x')).status, 404)
  t.equal((await sim.admin('PATCH', '/incidents/300', {})).status, 404, 'nor does a patch')

  const added = await sim.admin('POST', '/incidents', [{ severity: 'INFO' }])
  t.same(added.json.ids, ['301'], 'the next id is above the deleted one')
  t.equal((await sim.admin('POST', '/reset')).status, 204)
  t.same(ids(await sim.get('/incidents')), ['100', '200', '300'], 'reset restores the seeded state')
})
