// PATCH and DELETE /__sim/incidents/:id: vendor-console changes, seen at once through the vendor routes.
import t from 'tap'
import { call as http } from '../helpers/http.ts'
import { B, C, D, E, records, SAMPLE_ID } from './fixture-records.ts'
import { call, START, startSim } from './helpers.ts'
import type { Sim } from './helpers.ts'

const admin = (sim: Sim, method: string, path: string, body?: unknown) => http(sim.url, method, `/__sim${path}`, { body })
const get = async (sim: Sim, id: string) => call(sim, 'GET', `/dlp/v1/incidents/${id}`)
const search = async (sim: Sim, body: unknown = {}): Promise<string[]> =>
  (await call(sim, 'POST', '/dlp/v1/incidents/search', { body })).json.incidents.map((i: { internalId: string }) => i.internalId)
const severity = (value: string) => ({ fields: [{ name: 'severity', value: [value] }] })

t.test('PATCH merges native fields, moves lastUpdatedAt, and every vendor route sees it at once', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const before = (await get(sim, B)).json
  sim.clock.advance(7000)
  const now = new Date(START + 7000).toISOString()
  const contentInfo = { fileName: 'renamed.xlsx' }
  const res = await admin(sim, 'PATCH', `/incidents/${B}`, { severity: 'LOW', status: 'INVESTIGATING', contentInfo, assignedAdmin: { email: 'x@example.com' } })
  t.equal(res.status, 200)
  t.same(res.json, { ...before, severity: 'LOW', status: 'INVESTIGATING', contentInfo, assignedAdmin: { email: 'x@example.com' }, lastUpdatedAt: now }, 'nested objects are replaced whole')
  t.same(Object.keys(res.json), [...Object.keys(before), 'assignedAdmin'], 'key order kept, new keys last')
  t.same((await get(sim, B)).json, res.json, 'GET shows the stored record')
  t.ok((await search(sim, severity('LOW'))).includes(B), 'search finds it by its new severity')
  t.notOk((await search(sim, severity('HIGH'))).includes(B), 'and no longer by the old one')

  const history = (await call(sim, 'GET', `/dlp/v1/incidents/${B}/change-history`)).json
  t.same(history.changeHistory.filter((c: any) => c.changedAt === now), [
    { changeType: 'CHANGE_STATUS', changedAt: now, changedByName: 'dlp-admin@example.com', changeData: { before: 'NEW', after: 'INVESTIGATING' }, comment: null }
  ], 'a console status change is in the change history')
  t.equal(history.endDate, now)
  const audit = (await call(sim, 'POST', '/dlp/v1/customer/audit', { body: {} })).json.logs
  t.match(audit[0], { action: { action: 'UPDATE' }, resource: B, changedAt: now, changedBy: 'dlp-admin@example.com', changeNote: 'Incident updated' })
  t.same(JSON.parse(audit[0].oldRowJson), { severity: 'HIGH', status: 'NEW', contentInfo: before.contentInfo, assignedAdmin: null })
  t.same(JSON.parse(audit[0].newRowJson), { severity: 'LOW', status: 'INVESTIGATING', contentInfo, assignedAdmin: { email: 'x@example.com' } })
})

t.test('PATCH keeps an explicit lastUpdatedAt, new keys and big integers; {} only moves the time', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  sim.clock.advance(1000)
  const res = await http(sim.url, 'PATCH', `/__sim/incidents/${D}`, {
    body: '{"lastUpdatedAt":"2025-06-05T00:00:00Z","incidentGroupIds":[16786743992009003],"customField":"x"}'
  })
  t.equal(res.status, 200)
  t.equal(res.json.lastUpdatedAt, '2025-06-05T00:00:00Z', 'explicit update time kept verbatim')
  t.equal(res.json.customField, 'x')
  t.match((await get(sim, D)).text, '"incidentGroupIds":[16786743992009003]', 'a group id beyond 2^53 stays exact')

  sim.clock.advance(1000)
  const touched = await admin(sim, 'PATCH', `/incidents/${E}`, {})
  t.equal(touched.status, 200)
  t.equal(touched.json.lastUpdatedAt, new Date(START + 2000).toISOString())
  t.equal(touched.json.status, 'RESOLVED', 'nothing else changed')
})

t.test('PATCH records status, resolution and label changes in the history, not severity', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  sim.clock.advance(2000)
  const now = new Date(START + 2000).toISOString()
  const labels = [{ key: 'Team', value: 'Legal' }, { key: 'Urgent', value: 'Yes' }]
  await admin(sim, 'PATCH', `/incidents/${C}`, { status: 'RESOLVED', resolution: 'BENIGN', labels, severity: 'HIGH' })
  const history = (await call(sim, 'GET', `/dlp/v1/incidents/${C}/change-history`)).json.changeHistory
  t.same(history.filter((c: any) => c.changedAt === now).map((c: any) => [c.changeType, c.changeData]), [
    ['CHANGE_STATUS', { before: 'INVESTIGATING', after: 'RESOLVED' }],
    ['CHANGE_RESOLUTION', { before: null, after: 'BENIGN' }],
    ['ADD_LABELS', { before: '[{"key":"Team","value":"Legal"}]', after: JSON.stringify(labels) }]
  ])
})

t.test('a search walk in progress shows patched incidents as they are now and skips deleted ones', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const first = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=2', { body: {} })
  t.same(first.json.incidents.map((i: any) => i.internalId), [E, D])
  await admin(sim, 'PATCH', `/incidents/${B}`, { severity: 'INFO' })
  await admin(sim, 'DELETE', `/incidents/${C}`)
  const second = await call(sim, 'POST', `/dlp/v1/incidents/search?pageSize=2&page=1&pageId=${first.json.cursor.pageId}`, { body: {} })
  t.same(second.json.incidents.map((i: any) => [i.internalId, i.severity]), [[B, 'INFO']])
})

t.test('PATCH refuses bad input with 400 and changes nothing; unknown ids are 404', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const before = (await get(sim, C)).text
  const bad: Array<[unknown, RegExp]> = [
    [[{ severity: 'LOW' }], /JSON object/],
    ['"LOW"', /JSON object/],
    [{ internalId: B }, /internalId.*cannot change/],
    [{ severity: 3 }, /"severity" must be a string or null/],
    [{ lastUpdatedAt: 'yesterday' }, /lastUpdatedAt/],
    [{ lastUpdatedAt: null }, /lastUpdatedAt/],
    [{ createdAt: null }, /createdAt/],
    [{ labels: [{ key: 'a' }] }, /labels/],
    [{ transactionId: 'no spaces allowed' }, /transactionId/],
    [{ incidentGroupIds: ['12'] }, /incidentGroupIds/]
  ]
  for (const [body, message] of bad) {
    const res = await http(sim.url, 'PATCH', `/__sim/incidents/${C}`, { body: typeof body === 'string' ? body : JSON.stringify(body) })
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.json, { message }, JSON.stringify(body))
  }
  const malformed = await http(sim.url, 'PATCH', `/__sim/incidents/${C}`, { body: '{"severity":' })
  t.equal(malformed.status, 400, 'malformed JSON')
  t.equal((await get(sim, C)).text, before, 'nothing changed')
  t.same((await call(sim, 'POST', '/dlp/v1/customer/audit', { body: {} })).json.logs, [], 'nothing audited')

  const missing = await admin(sim, 'PATCH', '/incidents/1-152-ZZZZ-1', { severity: 'LOW' })
  t.equal(missing.status, 404)
  t.match(missing.json, { message: /no incident with id 1-152-ZZZZ-1/ })
})

t.test('DELETE removes the incident from get, search and its transaction; reset brings it back', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const res = await admin(sim, 'DELETE', `/incidents/${B}`)
  t.equal(res.status, 204)
  t.equal(res.text, '')
  t.equal((await get(sim, B)).status, 404)
  t.same(await search(sim), [E, D, C, SAMPLE_ID])
  const tx = await call(sim, 'GET', '/dlp/v1/incidents/transactions/17500000000000000001')
  t.same(tx.json.incidents.map((i: any) => i.internalId), [C], 'the transaction lists only the other incident')
  t.match((await call(sim, 'POST', '/dlp/v1/customer/audit', { body: {} })).json.logs[0], { action: { action: 'DELETE' }, resource: B })
  t.equal((await admin(sim, 'DELETE', `/incidents/${B}`)).status, 404, 'a second delete finds nothing')
  t.equal((await admin(sim, 'PATCH', `/incidents/${B}`, { severity: 'LOW' })).status, 404, 'nor does a patch')

  t.equal((await admin(sim, 'POST', '/reset')).status, 204)
  t.equal((await get(sim, B)).status, 200, 'reset restores the seeded state')
})

t.test('vendor label writes move lastUpdatedAt too (close and notes: writes.test.ts)', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  sim.clock.advance(3000)
  const res = await call(sim, 'POST', `/dlp/v1/incidents/${D}/labels`, { body: { labels: [{ key: 'Team', value: 'Legal' }] } })
  t.equal(res.status, 200)
  t.equal(res.json.lastUpdatedAt, new Date(START + 3000).toISOString())
})
