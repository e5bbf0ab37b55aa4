import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildZwaSimulator } from '../../../src/vendors/zwa/simulator/app.ts'
import { loadZwaFixtures } from '../../../src/vendors/zwa/simulator/fixtures.ts'
import { B, records, RECORDS_TEXT, SAMPLE_ID, SAMPLE_RECORD_TEXT } from './fixture-records.ts'
import { call, searchAll, START, startSim } from './helpers.ts'

t.test('fixtures replace the generated incidents', async (t) => {
  const sim = await startSim(t, { incidents: records(), count: 500 })
  const all = await searchAll(sim)
  t.equal(all.length, 5)
})

t.test('fixture files load losslessly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'zwa-fixtures-'))
  const file = join(dir, 'fixtures.json')
  await writeFile(file, RECORDS_TEXT)
  const sim = await startSim(t, { incidents: await loadZwaFixtures(file) })
  const res = await call(sim, 'GET', `/dlp/v1/incidents/${B}?fields=incidentGroupIds`)
  t.equal(res.text, '{"incidentGroupIds":[16786743992009003,1201]}')
  t.equal((await call(sim, 'GET', `/dlp/v1/incidents/${SAMPLE_ID}`)).text, SAMPLE_RECORD_TEXT)

  await writeFile(file, '{"not": "an array"}')
  await t.rejects(loadZwaFixtures(file), /must hold a JSON array/)
  await writeFile(file, '[{')
  await t.rejects(loadZwaFixtures(file), /not valid JSON/)
})

t.test('invalid fixtures fail at start-up with the record index', async (t) => {
  await t.rejects(buildZwaSimulator({ incidents: [{ internalId: 'ok-1' }, { internalId: 'bad id!' }] }), /incident \[1\]: "internalId"/)
  await t.rejects(buildZwaSimulator({ incidents: [{ internalId: 'a' }, { internalId: 'a' }] }), /already exists/)
  await t.rejects(buildZwaSimulator({ incidents: [{ createdAt: 'monday' }] }), /createdAt/)
})

t.test('POST /__sim/incidents adds records, fills ids and timestamps, keeps big ids', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  sim.clock.advance(2500)
  const res = await call(sim, 'POST', '/__sim/incidents', {
    rawBody: '[{"severity":"HIGH","incidentGroupIds":[12345678901234567891]},{"internalId":"SVDP-17410643229970491392","createdAt":"2025-01-01T00:00:00Z"}]'
  })
  t.equal(res.status, 201)
  t.equal(res.json.added, 2)
  const [fresh, given] = res.json.ids
  t.equal(given, 'SVDP-17410643229970491392')
  t.match(fresh, /^1-143-\d{20}$/)
  const got = await call(sim, 'GET', `/dlp/v1/incidents/${fresh}`)
  const now = new Date(START + 2500).toISOString()
  t.match(got.json, { internalId: fresh, transactionId: fresh.slice(6), createdAt: now, lastUpdatedAt: now, severity: 'HIGH' })
  t.match(got.text, /"incidentGroupIds":\[12345678901234567891\]/, 'an id beyond 2^53 posted to the admin API stays exact')
  const svdp = await call(sim, 'GET', '/dlp/v1/incidents/SVDP-17410643229970491392')
  t.match(svdp.json, { transactionId: '17410643229970491392', createdAt: '2025-01-01T00:00:00Z', lastUpdatedAt: now })

  const dup = await call(sim, 'POST', '/__sim/incidents', { body: [{ internalId: 'NEW-1' }, { internalId: B }] })
  t.equal(dup.status, 400)
  t.match(dup.json.message, /incident \[1\]: internalId .* already exists/)
  t.equal((await call(sim, 'GET', '/dlp/v1/incidents/NEW-1')).status, 404, 'all or nothing')
  for (const body of [[1], [{ labels: 'x' }], [{ incidentGroupIds: ['1'] }], [{ severity: 5 }], [{ notes: {} }], { not: 'array' }]) {
    t.equal((await call(sim, 'POST', '/__sim/incidents', { body })).status, 400, `rejects ${JSON.stringify(body)}`)
  }
})

t.test('POST /__sim/reset restores the seeded state', async (t) => {
  const sim = await startSim(t, { count: 40, seed: 3 })
  const before = await searchAll(sim)
  await call(sim, 'DELETE', `/dlp/v1/incidents/${before[0].internalId}`)
  await call(sim, 'POST', `/dlp/v1/incidents/${before[1].internalId}/notes`, { body: { notes: 'x' } })
  await call(sim, 'POST', '/__sim/incidents', { body: [{ severity: 'LOW' }] })
  t.not(JSON.stringify(await searchAll(sim)), JSON.stringify(before))
  t.equal((await call(sim, 'POST', '/__sim/reset')).status, 204)
  t.equal(JSON.stringify(await searchAll(sim)), JSON.stringify(before), 'identical data again')
  t.equal((await call(sim, 'POST', '/dlp/v1/customer/audit')).json.cursor.totalElements, 0, 'audit log cleared')
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search')).status, 200, 'tokens survive a reset')
})

t.test('the kit logs vendor requests with secrets masked and injects vendor-shaped faults', async (t) => {
  const sim = await startSim(t, { count: 3 })
  await call(sim, 'POST', '/dlp/v1/incidents/search')
  const log = await call(sim, 'GET', '/__sim/requests')
  const [tokenCall, searchCall] = log.json.requests
  t.match(tokenCall, { method: 'POST', path: '/v1/auth/api-key/token', status: 201, body: { key_id: 'sim-zwa-key-id', key_secret: '***' } })
  t.match(searchCall, { path: '/dlp/v1/incidents/search', status: 200, headers: { authorization: 'Bearer ***' } })

  t.equal((await call(sim, 'POST', '/__sim/faults', { body: { route: 'POST /dlp/v1/incidents/search', status: 503, count: 1 } })).status, 201)
  const fault = await call(sim, 'POST', '/dlp/v1/incidents/search')
  t.same([fault.status, fault.json], [503, { internalMessage: 'simulated fault: HTTP 503' }])
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search')).status, 200, 'count 1 used up')
})

t.test('different seeds give different data; same seed the same', async (t) => {
  const a = await searchAll(await startSim(t, { count: 20, seed: 1 }))
  const b = await searchAll(await startSim(t, { count: 20, seed: 1 }))
  const c = await searchAll(await startSim(t, { count: 20, seed: 2 }))
  t.equal(JSON.stringify(a), JSON.stringify(b))
  t.not(JSON.stringify(a), JSON.stringify(c))
})

t.test('option checks', async (t) => {
  await t.rejects(buildZwaSimulator({ count: -1 }), /count/)
  await t.rejects(buildZwaSimulator({ defaultPageSize: 200 }), /exceeds maxPageSize/)
  await t.rejects(buildZwaSimulator({ rateLimits: { light: { perMinute: 0 } } }), /rateLimits\.light\.perMinute/)
  await t.rejects(buildZwaSimulator({ tokenTtlSeconds: 1.5 }), /tokenTtlSeconds/)
})
