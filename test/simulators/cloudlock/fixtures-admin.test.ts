import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ids, record, startCloudlock } from '../helpers/cloudlock.ts'
import { createManualClock } from '../../../src/sim-kit/clock.ts'
import { loadFixtures } from '../../../src/sim-kit/fixtures.ts'

t.test('fixtures replace the generated data and are served verbatim', async (t) => {
  const odd = { severity: 'EMERGENCY', incident_status: 'NEW', id: 42, created_at: '2023-01-01T00:00:00Z', updated_at: '2023-01-01T00:00:00Z', customer_key: '', match_count: 0, matches: [], entity: null, policy: { id: null, name: 'x' }, extra: ['a'] }
  const fixtures = [record('7', '2023-02-01T00:00:00.000001+00:00'), odd]
  const sim = await startCloudlock(t, { incidents: fixtures })
  const res = await sim.get('/incidents?count_total=true')
  t.equal(res.json.total, 2)
  t.same(res.json.items, [odd, fixtures[0]], 'exactly the records, unmapped values and numeric id included')
  t.same((await sim.get('/incidents/42')).json, odd)
  t.same((await sim.get('/incidents?severity=INFO')).json.items, [])
})

t.test('missing fields are filled in; key order follows the vendor', async (t) => {
  const clock = createManualClock(Date.parse('2024-04-04T04:04:04.004Z'))
  const sim = await startCloudlock(t, { clock: clock.clock, incidents: [record('500', '2024-01-01T00:00:00.000000+00:00'), { severity: 'ALERT', policy: { id: 'eyaznBzYKv', name: 'PCI' }, matches: [{ text: 'X' }] }] })
  const made = (await sim.get('/incidents/501')).json
  t.same(made, {
    id: '501',
    customer_key: '',
    incident_status: 'NEW',
    severity: 'ALERT',
    created_at: '2024-04-04T04:04:04.004000+00:00',
    updated_at: '2024-04-04T04:04:04.004000+00:00',
    match_count: 1,
    policy: { id: 'eyaznBzYKv', name: 'PCI' },
    matches: [{ text: 'X' }]
  })
  t.same(Object.keys(made), ['id', 'customer_key', 'incident_status', 'severity', 'created_at', 'updated_at', 'match_count', 'policy', 'matches'])
})

t.test('POST /__sim/incidents adds validated records', async (t) => {
  const clock = createManualClock(Date.parse('2025-07-01T00:00:00Z'))
  const sim = await startCloudlock(t, { count: 5, clock: clock.clock })
  const maxId = Math.max(...ids(await sim.get('/incidents')).map(Number))
  const added = await sim.admin('POST', '/incidents', [{ severity: 'CRITICAL' }, { ...record('9', '2025-06-30T00:00:00Z'), severity: 'INFO' }, { severity: 'WARNING' }])
  t.equal(added.status, 201)
  t.same(added.json, { added: 3, ids: [String(maxId + 1), '9', String(maxId + 2)] })
  const listed = await sim.get('/incidents?order=-created_at&limit=3')
  t.same(ids(listed), [String(maxId + 2), String(maxId + 1), '9'], 'new incidents are listed, newest first (equal times: id descending)')
  t.equal(listed.json.items[0].created_at, '2025-07-01T00:00:00.000000+00:00')
  t.equal((await sim.get('/incidents?created_after=2025-06-30&count_total=true')).json.total, 3)

  const badBatches: [unknown, RegExp][] = [
    [{ severity: 'INFO' }, /array/],
    [[{ severity: 'INFO' }, 5], /record 1/],
    [[{ incident_status: 'NEW' }], /severity/],
    [[{ severity: 'INFO', id: 'abc' }], /id/],
    [[{ severity: 'INFO', id: '9' }], /duplicate id 9/],
    [[{ severity: 'INFO', id: '77' }, { severity: 'INFO', id: 77 }], /duplicate id 77/],
    [[{ severity: 'INFO', created_at: 'soon' }], /created_at/],
    [[{ severity: 'INFO', match_count: -1 }], /match_count/],
    [[{ severity: 'INFO', matches: {} }], /matches/],
    [[{ severity: 'INFO', entity: 'x' }], /entity/],
    [[{ severity: 'INFO', customer_key: 5 }], /customer_key/]
  ]
  for (const [body, message] of badBatches) {
    const res = await sim.admin('POST', '/incidents', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.json, { message }, JSON.stringify(body))
  }
  t.equal((await sim.get('/incidents?count_total=true')).json.total, 8, 'rejected batches add nothing')

  t.equal((await sim.admin('POST', '/reset')).status, 204)
  t.equal((await sim.get('/incidents?count_total=true')).json.total, 5, 'reset drops added incidents')
  t.equal((await sim.get('/incidents/9')).status, 404)
})

t.test('vendor requests are logged with the token masked', async (t) => {
  const sim = await startCloudlock(t, { count: 3 })
  await sim.get('/incidents?limit=2&count_total=false')
  const log = (await sim.admin('GET', '/requests')).json.requests
  t.match(log, [{ method: 'GET', path: '/api/v2/incidents', query: { limit: '2', count_total: 'false' }, status: 200, headers: { authorization: 'Bearer ***' } }])
  t.notOk(JSON.stringify(log).includes('test-token-123'))
  await sim.admin('POST', '/faults', { route: 'GET /api/v2/incidents', status: 500, count: 1 })
  const failed = await sim.get('/incidents')
  t.equal(failed.status, 500)
  t.same(failed.json, { message: 'simulated fault: HTTP 500' }, 'Cloudlock-shaped fault body')
})

t.test('loadFixtures reads a JSON array file', async (t) => {
  const dir = t.testdir({
    'good.json': JSON.stringify([record('1', '2024-01-01')]),
    'object.json': '{"items": []}',
    'broken.json': '[{'
  })
  t.same(await loadFixtures(join(dir, 'good.json')), [record('1', '2024-01-01')])
  await t.rejects(loadFixtures(join(dir, 'object.json')), /JSON array/)
  await t.rejects(loadFixtures(join(dir, 'broken.json')), /not valid JSON/)
  await t.rejects(loadFixtures(join(dir, 'missing.json')), { code: 'ENOENT' })
  await writeFile(join(dir, 'empty.json'), '[]')
  t.same(await loadFixtures(join(dir, 'empty.json')), [])
})
