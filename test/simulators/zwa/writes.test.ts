import t from 'tap'
import { B, C, D, E, records, SAMPLE_ID } from './fixture-records.ts'
import { call, START, startSim } from './helpers.ts'
import type { Sim } from './helpers.ts'

const get = async (sim: Sim, id: string): Promise<any> => (await call(sim, 'GET', `/dlp/v1/incidents/${id}`)).json
const history = async (sim: Sim, id: string): Promise<any[]> => (await call(sim, 'GET', `/dlp/v1/incidents/${id}/change-history`)).json.changeHistory
const audit = async (sim: Sim, body: unknown = {}): Promise<any> => (await call(sim, 'POST', '/dlp/v1/customer/audit', { body })).json

t.test('close resolves, stores the label, appends the note, records history and audit', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  sim.clock.advance(5000)
  const res = await call(sim, 'POST', `/zwa/dlp/v1/incidents/${B}/close`, {
    body: { resolutionLabel: { key: 'Review', value: 'Done' }, resolutionCode: 'TRUE_POSITIVE', notes: 'Benign test file' }
  })
  t.equal(res.status, 200)
  const now = new Date(START + 5000).toISOString()
  t.match(res.json, { internalId: B, status: 'RESOLVED', resolution: 'TRUE_POSITIVE', lastUpdatedAt: now })
  t.same(res.json.labels, [{ key: 'Reviewed', value: 'Yes' }, { key: 'Review', value: 'Done' }])
  t.same(res.json.notes, [{ body: 'Benign test file', createdAt: now, lastUpdatedAt: now, createdBy: 0, lastUpdatedBy: 0 }])
  t.same(await get(sim, B), res.json, 'persisted')

  const changes = (await history(sim, B)).filter((c) => c.changedAt === now)
  t.same(changes, [
    { changeType: 'CHANGE_STATUS', changedAt: now, changedByName: 'api-key:sim-zwa-key-id', changeData: { before: 'NEW', after: 'RESOLVED' }, comment: 'Benign test file' },
    { changeType: 'CHANGE_RESOLUTION', changedAt: now, changedByName: 'api-key:sim-zwa-key-id', changeData: { before: null, after: 'TRUE_POSITIVE' }, comment: null },
    { changeType: 'ADD_LABELS', changedAt: now, changedByName: 'api-key:sim-zwa-key-id', changeData: { before: '[{"key":"Reviewed","value":"Yes"}]', after: '[{"key":"Reviewed","value":"Yes"},{"key":"Review","value":"Done"}]' }, comment: null },
    { changeType: 'ADD_NOTE', changedAt: now, changedByName: 'api-key:sim-zwa-key-id', changeData: { before: null, after: 'Benign test file' }, comment: null }
  ])
  const ch = await call(sim, 'GET', `/dlp/v1/incidents/${B}/change-history`)
  t.equal(ch.json.endDate, now, 'endDate follows lastUpdatedAt')

  const logs = await audit(sim)
  t.same(logs.cursor.totalElements, 1)
  t.match(logs.logs[0], { action: { action: 'UPDATE' }, module: 'INCIDENTS', resource: B, changedAt: now, changedBy: 'api-key:sim-zwa-key-id', changeNote: 'Incident closed' })
  t.same(JSON.parse(logs.logs[0].newRowJson).status, 'RESOLVED')
  t.same(JSON.parse(logs.logs[0].oldRowJson).status, 'NEW')
})

t.test('close without a code uses FALSE_POSITIVE; empty strings count as absent', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const res = await call(sim, 'POST', `/dlp/v1/incidents/${C}/close`, { body: { resolutionLabel: { key: '', value: '' }, resolutionCode: '', notes: '' } })
  t.equal(res.status, 200)
  t.match(res.json, { status: 'RESOLVED', resolution: 'FALSE_POSITIVE', labels: [{ key: 'Team', value: 'Legal' }] })
  t.same(res.json.notes ?? [], [], 'no note added')
  const now = new Date(START).toISOString()
  t.same((await history(sim, C)).filter((c) => c.changedAt === now).map((c) => [c.changeType, c.changeData.before, c.changeData.after]),
    [['CHANGE_STATUS', 'INVESTIGATING', 'RESOLVED'], ['CHANGE_RESOLUTION', null, 'FALSE_POSITIVE']])
})

t.test('close on a resolved incident is allowed by default, rejected when configured', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const again = await call(sim, 'POST', `/dlp/v1/incidents/${E}/close`, { body: { resolutionCode: 'FALSE_POSITIVE' } })
  t.match(again.json, { status: 'RESOLVED', resolution: 'FALSE_POSITIVE' })
  t.notOk((await history(sim, E)).some((c) => c.changeType === 'CHANGE_STATUS' && c.changeData.before === 'RESOLVED'), 'no RESOLVED→RESOLVED entry')

  const strict = await startSim(t, { incidents: records(), closeResolved: 'reject', defaultResolutionCode: null })
  const refused = await call(strict, 'POST', `/dlp/v1/incidents/${E}/close`, { body: {} })
  t.equal(refused.status, 400)
  t.match(refused.json.internalMessage, /already resolved/)
  const keep = await call(strict, 'POST', `/dlp/v1/incidents/${D}/close`, { body: {} })
  t.equal(keep.json.resolution, null, 'defaultResolutionCode null keeps the current (null) resolution')
})

t.test('close validation', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const path = `/dlp/v1/incidents/${D}/close`
  for (const body of [undefined, [], { resolutionCode: 'MAYBE' }, { resolutionCode: 3 }, { notes: {} }, { resolutionLabel: 'x' }, { resolutionLabel: { key: ' ', value: 'v' } }]) {
    const res = await call(sim, 'POST', path, { body })
    t.equal(res.status, 400, `rejects ${JSON.stringify(body)}`)
    t.type(res.json.internalMessage, 'string')
  }
  t.equal((await get(sim, D)).status, 'ESCALATED', 'nothing changed')
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/1-1-NOPE/close', { body: {} })).status, 404)
  t.equal((await audit(sim)).cursor.totalElements, 0, 'failed writes leave no audit entry')
})

t.test('notes append a Note', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  sim.clock.advance(1000)
  const res = await call(sim, 'POST', `/dlp/v1/incidents/${SAMPLE_ID}/notes`, { body: { notes: 'Second look' } })
  t.equal(res.status, 200)
  t.equal(res.json.notes.length, 2)
  t.same(res.json.notes[1], { body: 'Second look', createdAt: '2025-07-01T00:00:01.000Z', lastUpdatedAt: '2025-07-01T00:00:01.000Z', createdBy: 0, lastUpdatedBy: 0 })
  t.equal(res.json.lastUpdatedAt, '2025-07-01T00:00:01.000Z')
  t.match((await history(sim, SAMPLE_ID)).at(-1), { changeType: 'ADD_NOTE', changeData: { after: 'Second look' } })
  t.match((await audit(sim)).logs[0], { changeNote: 'Note added', resource: SAMPLE_ID })
  for (const body of [{}, { notes: '' }, { notes: '  ' }, { notes: 5 }, undefined]) {
    t.equal((await call(sim, 'POST', `/dlp/v1/incidents/${SAMPLE_ID}/notes`, { body })).status, 400, `rejects ${JSON.stringify(body)}`)
  }
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/1-1-NOPE/notes', { body: { notes: 'x' } })).status, 404)
})

t.test('labels merge by key', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const path = `/dlp/v1/incidents/${E}/labels`
  const res = await call(sim, 'POST', path, { body: { labels: [{ key: 'Team', value: 'Legal' }, { key: 'Urgent', value: 'Yes' }] } })
  t.equal(res.status, 200)
  t.same(res.json.labels, [{ key: 'Reviewed', value: 'No' }, { key: 'Team', value: 'Legal' }, { key: 'Urgent', value: 'Yes' }])
  const fromNull = await call(sim, 'POST', `/dlp/v1/incidents/${SAMPLE_ID}/labels`, { body: { labels: [{ key: 'A', value: '1' }] } })
  t.same(fromNull.json.labels, [{ key: 'A', value: '1' }], 'null labels become a list')
  t.match((await history(sim, SAMPLE_ID)).at(-1), { changeType: 'ADD_LABELS', changeData: { before: 'null', after: '[{"key":"A","value":"1"}]' } })

  const before = await get(sim, D)
  const noop = await call(sim, 'POST', `/dlp/v1/incidents/${D}/labels`, { body: { labels: [] } })
  t.equal(noop.status, 200)
  t.equal(noop.json.lastUpdatedAt, before.lastUpdatedAt, 'an empty list changes nothing')

  for (const body of [{}, { labels: {} }, { labels: [{ key: 'a' }] }, { labels: [{ key: '', value: 'x' }] }, { labels: ['a'] }]) {
    t.equal((await call(sim, 'POST', path, { body })).status, 400, `rejects ${JSON.stringify(body)}`)
  }
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/1-1-NOPE/labels', { body: { labels: [] } })).status, 404)
  t.equal((await audit(sim)).cursor.totalElements, 2)
})

t.test('labelsMode replace', async (t) => {
  const sim = await startSim(t, { incidents: records(), labelsMode: 'replace' })
  const res = await call(sim, 'POST', `/dlp/v1/incidents/${E}/labels`, { body: { labels: [{ key: 'Urgent', value: 'Yes' }] } })
  t.same(res.json.labels, [{ key: 'Urgent', value: 'Yes' }])
})

t.test('delete: 200 without body, then 404 everywhere; audited', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const res = await call(sim, 'DELETE', `/dlp/v1/incidents/${C}`, { headers: { 'content-type': 'application/json' } })
  t.equal(res.status, 200)
  t.equal(res.text, '')
  for (const suffix of ['', '/change-history', '/tickets', '/evidence', '/triggers']) {
    t.equal((await call(sim, 'GET', `/zwa/dlp/v1/incidents/${C}${suffix}`)).status, 404, `GET ${suffix || 'details'}`)
  }
  t.same((await call(sim, 'GET', '/dlp/v1/incidents/transactions/17500000000000000001')).json.incidents.map((i: { internalId: string }) => i.internalId), [B])
  t.equal((await call(sim, 'DELETE', `/dlp/v1/incidents/${C}`)).status, 404, 'second delete')
  const logs = await audit(sim, { fields: [{ name: 'action', value: ['delete'] }] })
  t.equal(logs.logs.length, 1)
  t.match(logs.logs[0], { resource: C, changeNote: 'Incident deleted', newRowJson: '' })
  t.equal(JSON.parse(logs.logs[0].oldRowJson).internalId, C)
})

t.test('audit log: filters, time range, paging, newest first', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  for (const [i, id] of [SAMPLE_ID, B, C].entries()) {
    sim.clock.advance(1000)
    await call(sim, 'POST', `/dlp/v1/incidents/${id}/notes`, { body: { notes: `n${i}` } })
  }
  await call(sim, 'POST', `/dlp/v1/incidents/${D}/labels`, { body: { labels: [{ key: 'k', value: 'v' }] } })
  const all = await audit(sim)
  t.same(all.logs.map((l: { resource: string }) => l.resource), [D, C, B, SAMPLE_ID], 'newest first, same-ms ties by write order')
  t.same(Object.keys(all.logs[0]), ['action', 'module', 'resource', 'changedAt', 'changedBy', 'oldRowJson', 'newRowJson', 'changeNote'])
  t.equal((await audit(sim, { fields: [{ name: 'resource', value: [B] }] })).logs.length, 1)
  t.equal((await audit(sim, { fields: [{ name: 'admin', value: ['API-KEY:SIM-ZWA-KEY-ID'] }, { name: 'module', value: ['incidents'] }] })).logs.length, 4)
  t.equal((await audit(sim, { fields: [{ name: 'admin', value: ['someone'] }] })).logs.length, 0)
  const ranged = await audit(sim, { timeRange: { startTime: '2025-07-01T00:00:02Z', endTime: '2025-07-01T00:00:03Z' } })
  t.same(ranged.logs.map((l: { resource: string }) => l.resource), [B])
  t.equal((await call(sim, 'POST', '/dlp/v1/customer/audit', { body: { fields: [{ name: 'severity', value: ['HIGH'] }] } })).status, 400)

  const page1 = await call(sim, 'POST', '/zwa/dlp/v1/customer/audit?pageSize=3', { body: {} })
  t.match(page1.json.cursor, { totalPages: 2, currentPageNumber: 0, currentPageSize: 3, totalElements: 4 })
  await call(sim, 'POST', `/dlp/v1/incidents/${E}/notes`, { body: { notes: 'later' } })
  const page2 = await call(sim, 'POST', `/zwa/dlp/v1/customer/audit?pageSize=3&page=1&pageId=${page1.json.cursor.pageId}`, { body: {} })
  t.same(page2.json.logs.map((l: { resource: string }) => l.resource), [SAMPLE_ID], 'the snapshot ignores the later write')
  t.equal((await call(sim, 'POST', `/dlp/v1/incidents/search?pageId=${page1.json.cursor.pageId}`)).status, 400, 'an audit pageId is not an incident pageId')
})

t.test('writes through the OneAPI token record the client identity', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const tok = await call(sim, 'POST', '/oauth2/v1/token', {
    token: null,
    rawBody: 'grant_type=client_credentials&client_id=sim-zwa-client-id&client_secret=sim-zwa-client-secret',
    contentType: 'application/x-www-form-urlencoded'
  })
  await call(sim, 'POST', `/zwa/dlp/v1/incidents/${B}/notes`, { token: tok.json.access_token, body: { notes: 'via OneAPI' } })
  t.equal((await history(sim, B)).at(-1).changedByName, 'oneapi:sim-zwa-client-id')
})
