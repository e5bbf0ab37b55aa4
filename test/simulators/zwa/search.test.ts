import t from 'tap'
import { B, C, D, E, records, SAMPLE_ID } from './fixture-records.ts'
import { call, searchAll, startSim } from './helpers.ts'
import type { Sim } from './helpers.ts'

const ids = async (sim: Sim, body: unknown): Promise<string[]> => {
  const res = await call(sim, 'POST', '/dlp/v1/incidents/search', { body })
  if (res.status !== 200) throw new Error(`${res.status} ${res.text}`)
  return res.json.incidents.map((i: { internalId: string }) => i.internalId)
}
const field = (name: string, ...value: unknown[]): unknown => ({ fields: [{ name, value }] })

t.test('no body: everything, newest first, ties by internalId descending', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const res = await call(sim, 'POST', '/dlp/v1/incidents/search')
  t.equal(res.status, 200)
  t.same(Object.keys(res.json), ['cursor', 'incidents'])
  t.same(Object.keys(res.json.cursor), ['totalPages', 'currentPageNumber', 'currentPageSize', 'pageId', 'totalElements'])
  t.match(res.json.cursor, { totalPages: 1, currentPageNumber: 0, currentPageSize: 5, totalElements: 5 })
  t.same(res.json.incidents.map((i: { internalId: string }) => i.internalId), [E, D, C, B, SAMPLE_ID])
  t.same(await ids(sim, {}), [E, D, C, B, SAMPLE_ID], 'empty body')
  t.same(await ids(sim, { fields: [] }), [E, D, C, B, SAMPLE_ID], 'empty fields')
})

t.test('each filter field', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  t.same(await ids(sim, field('severity', 'HIGH')), [B, SAMPLE_ID])
  t.same(await ids(sim, field('priority', 'CRITICAL')), [B])
  t.same(await ids(sim, field('status', 'RESOLVED')), [E, SAMPLE_ID])
  t.same(await ids(sim, field('transactionId', '17500000000000000001')), [C, B])
  t.same(await ids(sim, field('sourceType', 'ZIA')), [E, B])
  t.same(await ids(sim, field('sourceDlpType', 'SAAS_SECURITY')), [C])
  t.same(await ids(sim, field('engine', 'PII')), [E, D])
  t.same(await ids(sim, field('incidentGroupIds', 1201)), [E, B])
  t.same(await ids(sim, field('incidentGroupIds', '9007199254740993')), [C], 'digit strings')
  t.same(await ids(sim, field('labels', { Reviewed: ['Yes'] })), [B])
  t.same(await ids(sim, field('labels', { Reviewed: [] })), [E, B], 'a label name with no values: any value')
  t.same(await ids(sim, field('labels', { Reviewed: ['Yes'] }, { Team: ['Finance'] })), [E, B], 'OR across label objects')
  t.same(await ids(sim, field('labels', { Reviewed: ['No'], Team: ['Legal'] })), [E, C], 'OR across names of one object')
})

t.test('incidentGroupIds beyond 2^53 match exactly', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const exact = await call(sim, 'POST', '/dlp/v1/incidents/search', { rawBody: '{"fields":[{"name":"incidentGroupIds","value":[16786743992009003]}]}' })
  t.same(exact.json.incidents.map((i: { internalId: string }) => i.internalId), [B])
  t.match(exact.text, /"incidentGroupIds":\[16786743992009003,1201\]/, 'emitted as the exact literal')
  const neighbour = await call(sim, 'POST', '/dlp/v1/incidents/search', { rawBody: '{"fields":[{"name":"incidentGroupIds","value":[16786743992009004]}]}' })
  t.same(neighbour.json.incidents.map((i: { internalId: string }) => i.internalId), [E])
})

t.test('values are case-insensitive, OR within a field, AND across fields', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  t.same(await ids(sim, field('severity', 'high')), [B, SAMPLE_ID], 'seed doc example: lower case')
  t.same(await ids(sim, field('Severity', 'High')), [B, SAMPLE_ID], 'filter names too')
  t.same(await ids(sim, field('status', 'NEW', 'resolved')), [E, B, SAMPLE_ID])
  t.same(await ids(sim, field('status', 'open')), [], 'unknown value matches nothing')
  t.same(await ids(sim, { fields: [{ name: 'severity', value: ['HIGH', 'INFO'] }, { name: 'status', value: ['RESOLVED'] }] }), [E, SAMPLE_ID])
  t.same(await ids(sim, { fields: [{ name: 'severity', value: ['HIGH'] }, { name: 'severity', value: ['LOW'] }] }), [], 'two entries of one name are ANDed')
  t.same(await ids(sim, { fields: [{ name: 'severity', value: [] }] }), [E, D, C, B, SAMPLE_ID], 'empty value list constrains nothing')
  t.same(await ids(sim, field('labels', { reviewed: ['yes'] })), [B])

  const strict = await startSim(t, { incidents: records(), caseSensitiveFilters: true })
  t.same(await ids(strict, field('severity', 'high')), [])
  t.same(await ids(strict, field('severity', 'HIGH')), [B, SAMPLE_ID])
})

t.test('timeRange filters createdAt: start inclusive, end exclusive', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const range = (startTime?: string, endTime?: string): unknown => ({ timeRange: { startTime, endTime } })
  t.same(await ids(sim, range('2025-06-02T10:00:00Z', '2025-06-02T10:00:00.500Z')), [B], 'B at start in, C at end out')
  t.same(await ids(sim, range('2025-06-02T10:00:00.001Z', '2025-06-03T00:00:00.000Z')), [C])
  t.same(await ids(sim, range('2025-06-03T00:00:00Z')), [E, D], 'open end')
  t.same(await ids(sim, range(undefined, '2025-01-01T00:00:00Z')), [SAMPLE_ID], 'open start')
  t.same(await ids(sim, range('2025-06-02T12:00:00+02:00', '2025-06-02T12:00:00.6+02:00')), [C, B], 'offsets and fractions')
  t.same(await ids(sim, { ...field('severity', 'HIGH') as object, ...range('2025-01-01T00:00:00Z') as object }), [B], 'AND with fields')
  t.same(await ids(sim, range('2025-06-02T10:00:00Z', '2025-06-02T10:00:00Z')), [], 'empty window')
})

t.test('bad search requests are 400 {internalMessage}', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const bad = [
    field('owner', 'x'),
    { fields: {} },
    { fields: [{ value: ['x'] }] },
    { fields: [{ name: 'severity', value: 'HIGH' }] },
    field('severity', { a: 1 }),
    field('labels', 'Reviewed'),
    field('labels', { Reviewed: [1] }),
    field('incidentGroupIds', 'abc'),
    { timeRange: { startTime: 'yesterday' } },
    { timeRange: { startTime: '2025-06-02' } },
    { timeRange: { startTime: '2025-06-03T00:00:00Z', endTime: '2025-06-02T00:00:00Z' } },
    { timeRange: 'x' },
    ['severity']
  ]
  for (const body of bad) {
    const res = await call(sim, 'POST', '/dlp/v1/incidents/search', { body })
    t.equal(res.status, 400, `rejects ${JSON.stringify(body)}`)
    t.same(Object.keys(res.json ?? {}), ['internalMessage'])
  }
  const unknown = await call(sim, 'POST', '/dlp/v1/incidents/search', { body: field('owner', 'x') })
  t.match(unknown.json.internalMessage, /Unknown filter field "owner"/)
  for (const query of ['pageSize=101', 'pageSize=0', 'page=-1', 'page=1.5', 'pageSize=abc']) {
    const res = await call(sim, 'POST', `/dlp/v1/incidents/search?${query}`)
    t.equal(res.status, 400, query)
    t.type(res.json.internalMessage, 'string')
  }
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=100')).status, 200, 'pageSize 100 is fine')
})

t.test('page-number paging', async (t) => {
  const sim = await startSim(t, { count: 120 })
  const all = await searchAll(sim)
  t.equal(all.length, 120)
  t.equal(new Set(all.map((i) => i.internalId)).size, 120, 'no duplicates across pages')
  const times = all.map((i) => Date.parse(i.createdAt))
  t.ok(times.every((ms, k) => k === 0 || ms <= times[k - 1]), 'createdAt descending')

  const p0 = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=50')
  t.match(p0.json.cursor, { totalPages: 3, currentPageNumber: 0, currentPageSize: 50, totalElements: 120 })
  const p2 = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=50&page=2')
  t.match(p2.json.cursor, { totalPages: 3, currentPageNumber: 2, currentPageSize: 20 })
  t.same(p2.json.incidents.map((i: { internalId: string }) => i.internalId), all.slice(100).map((i) => i.internalId))
  const beyond = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=50&page=9')
  t.match(beyond.json.cursor, { currentPageNumber: 9, currentPageSize: 0, totalElements: 120 })
  t.same(beyond.json.incidents, [])
  const dflt = await call(sim, 'POST', '/dlp/v1/incidents/search')
  t.equal(dflt.json.incidents.length, 50, 'default pageSize 50')
  const none = await call(sim, 'POST', '/dlp/v1/incidents/search', { body: field('status', 'nope') })
  t.match(none.json.cursor, { totalPages: 0, currentPageSize: 0, totalElements: 0 })
})

t.test('pageId pages through a frozen snapshot while incidents arrive', async (t) => {
  const sim = await startSim(t, { incidents: records() })
  const first = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=2', { body: field('severity', 'HIGH', 'MEDIUM', 'INFO') })
  t.same(first.json.incidents.map((i: { internalId: string }) => i.internalId), [E, D])
  const pageId = first.json.cursor.pageId
  t.match(pageId, /^[0-9a-f-]{36}$/)

  // A newer HIGH incident arrives and another one changes.
  const added = await call(sim, 'POST', '/__sim/incidents', { body: [{ severity: 'HIGH', status: 'NEW', createdAt: '2025-06-30T00:00:00Z' }] })
  t.equal(added.status, 201)
  await call(sim, 'POST', `/dlp/v1/incidents/${B}/notes`, { body: { notes: 'changed meanwhile' } })

  const second = await call(sim, 'POST', `/dlp/v1/incidents/search?pageSize=2&page=1&pageId=${pageId}`, { body: field('severity', 'HIGH', 'MEDIUM', 'INFO') })
  t.same(second.json.incidents.map((i: { internalId: string }) => i.internalId), [B, SAMPLE_ID], 'same order as at the first page')
  t.match(second.json.cursor, { totalPages: 2, currentPageNumber: 1, currentPageSize: 2, pageId, totalElements: 4 })
  t.equal(second.json.incidents[0].notes.at(-1).body, 'changed meanwhile', 'items show their current state')

  const fresh = await ids(sim, field('severity', 'HIGH'))
  t.equal(fresh.length, 3, 'a new search sees the new incident')
  t.not(fresh[0], E)

  const ignored = await call(sim, 'POST', `/dlp/v1/incidents/search?pageSize=2&pageId=${pageId}`, { body: field('severity', 'LOW') })
  t.same(ignored.json.incidents.map((i: { internalId: string }) => i.internalId), [E, D], 'by default the body of a pageId request is ignored')

  await call(sim, 'DELETE', `/dlp/v1/incidents/${D}`)
  const afterDelete = await call(sim, 'POST', `/dlp/v1/incidents/search?pageSize=2&pageId=${pageId}`)
  t.same(afterDelete.json.incidents.map((i: { internalId: string }) => i.internalId), [E], 'a deleted incident drops out of its page')
  t.match(afterDelete.json.cursor, { currentPageSize: 1, totalElements: 4 })
})

t.test('pageIds expire after pageIdTtlSeconds; unknown ones are 400', async (t) => {
  const sim = await startSim(t, { incidents: records(), pageIdTtlSeconds: 30 })
  const first = await call(sim, 'POST', '/zwa/dlp/v1/incidents/search?pageSize=1')
  const pageId = first.json.cursor.pageId
  sim.clock.advance(29_999)
  t.equal((await call(sim, 'POST', `/zwa/dlp/v1/incidents/search?pageSize=1&page=1&pageId=${pageId}`)).status, 200)
  sim.clock.advance(1)
  const expired = await call(sim, 'POST', `/zwa/dlp/v1/incidents/search?pageSize=1&page=2&pageId=${pageId}`)
  t.equal(expired.status, 400)
  t.match(expired.json.internalMessage, /expired/)
  const unknown = await call(sim, 'POST', '/dlp/v1/incidents/search?pageId=nope')
  t.same([unknown.status, unknown.json], [400, { internalMessage: 'Invalid pageId: nope' }])

  const second = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=1')
  await call(sim, 'POST', '/__sim/reset')
  t.equal((await call(sim, 'POST', `/dlp/v1/incidents/search?pageId=${second.json.cursor.pageId}`)).status, 400, 'reset drops snapshots')
})

t.test('pageIdBody "reject" refuses a pageId with other filters', async (t) => {
  const sim = await startSim(t, { incidents: records(), pageIdBody: 'reject' })
  const body = { timeRange: { startTime: '2020-01-01T00:00:00Z' }, fields: [{ name: 'severity', value: ['HIGH'] }] }
  const first = await call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=1', { body })
  const pageId = first.json.cursor.pageId
  const reordered = { fields: body.fields, timeRange: body.timeRange }
  t.equal((await call(sim, 'POST', `/dlp/v1/incidents/search?pageSize=1&page=1&pageId=${pageId}`, { body: reordered })).status, 200, 'key order does not matter')
  const other = await call(sim, 'POST', `/dlp/v1/incidents/search?pageSize=1&page=1&pageId=${pageId}`, { body: field('severity', 'LOW') })
  t.equal(other.status, 400)
  t.match(other.json.internalMessage, /differs/)
})

t.test('both prefixes search the same data', async (t) => {
  const sim = await startSim(t, { count: 30 })
  const native = await searchAll(sim, field('status', 'NEW'))
  const oneApi = await searchAll(sim, field('status', 'NEW'), '/zwa/dlp/v1')
  t.ok(native.length > 0)
  t.same(oneApi, native)
})
