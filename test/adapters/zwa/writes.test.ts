import t from 'tap'
import { incidentCalls, startZwa, tokenCalls } from './harness.ts'
import { DOC_START_TEXT, parse, REF_11_TEXT } from './samples.ts'

const OPEN = '1-152-KQWX-17500012345678901234' // reference §11: NEW
const CLOSED = '1-143-16786974353299200003' // getting-started sample: RESOLVED
const incidents = () => [parse(REF_11_TEXT), parse(DOC_START_TEXT)]

t.test('capabilities: what ZWA can do, and no update of severity, external_ref or updated_* filters', async (t) => {
  const h = await startZwa(t, { sim: { count: 1 } })
  t.same([...h.adapter.capabilities].sort(), ['close', 'evidence', 'filter_created', 'filter_label', 'filter_priority', 'filter_severity', 'filter_status', 'get', 'groups',
    'history', 'labels', 'list', 'notes', 'tickets', 'transactions', 'triggers', 'update_status'])
  t.equal(h.adapter.type, 'zwa')
  t.equal(h.adapter.id, 'zwa')
  t.equal(h.adapter.baseUrl, h.url)
  t.ok(h.adapter.isValidNativeId(OPEN))
  t.notOk(h.adapter.isValidNativeId('1-143/../x'))
})

t.test('close with classification, notes and label: the vendor body, the returned Incident, the simulator state', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  const closed = await h.adapter.close(OPEN, { classification: 'false_positive', notes: 'Benign test file', label: { key: 'Review', value: 'Done' } }, { requestId: 'req-123' })
  const [call] = await h.requests(incidentCalls)
  t.equal(call.method, 'POST')
  t.equal(call.path, `/dlp/v1/incidents/${OPEN}/close`)
  t.same(call.body, { resolutionLabel: { key: 'Review', value: 'Done' }, resolutionCode: 'FALSE_POSITIVE', notes: 'Benign test file' })
  t.equal(call.headers['x-request-id'], 'req-123', 'the request id travels upstream')
  t.match(closed, { status: 'resolved', classification: 'false_positive', source: { status: 'RESOLVED', resolution: 'FALSE_POSITIVE' } })
  t.same(closed.labels, [{ key: 'Review', value: 'Done' }])
  t.match(closed.notes.at(-1), { text: 'Benign test file', author: '0', created_at: '2025-07-01T00:00:00.000Z' })
  const again = await h.adapter.get(OPEN)
  t.same(again, closed, 'the simulator holds the new state')
})

t.test('close without classification sends no resolutionCode; label and notes are optional', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents(), defaultResolutionCode: null } })
  const closed = await h.adapter.close(OPEN, {})
  const [call] = await h.requests(incidentCalls)
  t.same(call.body, {})
  t.match(closed, { status: 'resolved', classification: null })
})

t.test('a classification ZWA cannot store is refused before any call, naming the provider', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  for (const classification of ['true_positive', 'benign', 'unknown'] as const) {
    const err = await h.adapter.close(OPEN, { classification }).catch((e) => e)
    t.match(err, { code: 'unsupported_value', statusCode: 422, provider: 'zwa' })
    t.match(err.detail, new RegExp(`'zwa'.*'${classification}'.*only 'false_positive'`))
  }
  t.same(await h.requests(), [], 'not even a token request')
})

t.test('a configured classification override is written through', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() }, config: { mapping: { classification: { TRUE_POSITIVE: 'true_positive' } } } })
  const closed = await h.adapter.close(OPEN, { classification: 'true_positive' })
  t.same((await h.requests(incidentCalls))[0].body, { resolutionCode: 'TRUE_POSITIVE' })
  t.equal(closed.classification, 'true_positive')
})

t.test('notes and labels', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents() } })
  const noted = await h.adapter.addNote(CLOSED, 'Re-checked with the user')
  t.same(noted.notes.map((n) => n.text), ['test closure', 'Re-checked with the user'])
  const labelled = await h.adapter.addLabels(CLOSED, [{ key: 'Team', value: 'Finance' }, { key: 'Reviewed', value: 'Yes' }])
  t.same(labelled.labels, [{ key: 'Team', value: 'Finance' }, { key: 'Reviewed', value: 'Yes' }], 'null labels became a list')
  const merged = await h.adapter.addLabels(CLOSED, [{ key: 'Team', value: 'Legal' }])
  t.same(merged.labels, [{ key: 'Team', value: 'Legal' }, { key: 'Reviewed', value: 'Yes' }], 'merged by key upstream')
  const calls = await h.requests(incidentCalls)
  t.same(calls.map((c) => [c.method, c.path, c.body]), [
    ['POST', `/dlp/v1/incidents/${CLOSED}/notes`, { notes: 'Re-checked with the user' }],
    ['POST', `/dlp/v1/incidents/${CLOSED}/labels`, { labels: [{ key: 'Team', value: 'Finance' }, { key: 'Reviewed', value: 'Yes' }] }],
    ['POST', `/dlp/v1/incidents/${CLOSED}/labels`, { labels: [{ key: 'Team', value: 'Legal' }] }]
  ])
  t.same(await h.adapter.get(CLOSED), merged)
})

t.test('update: status resolved is a close; everything else is refused, never faked', async (t) => {
  const h = await startZwa(t, { sim: { incidents: incidents(), defaultResolutionCode: null } })
  for (const status of ['new', 'in_progress', 'dismissed', 'unknown'] as const) {
    const err = await h.adapter.update(OPEN, { status }).catch((e) => e)
    t.match(err, { code: 'unsupported_value', statusCode: 422, provider: 'zwa' }, status)
    t.match(err.detail, /'zwa'.*only 'resolved' is possible/)
  }
  await t.rejects(h.adapter.update(OPEN, { severity: 'high' }), { code: 'capability_not_supported', capability: 'update_severity', provider: 'zwa' })
  await t.rejects(h.adapter.update(OPEN, { external_ref: 'SOAR-1' }), { code: 'capability_not_supported', capability: 'update_external_ref' })
  await t.rejects(h.adapter.update(OPEN, { status: 'resolved', severity: 'low' }), { code: 'capability_not_supported' }, 'no half-applied patch')
  t.same(await h.requests(), [], 'no call for any refusal')

  const resolved = await h.adapter.update(OPEN, { status: 'resolved' })
  t.match(resolved, { status: 'resolved', classification: null })
  const calls = await h.requests(incidentCalls)
  t.same(calls.map((c) => [c.path, c.body]), [[`/dlp/v1/incidents/${OPEN}/close`, {}]])
  t.equal((await h.requests(tokenCalls)).length, 1)
})

t.test('malformed ids never reach a vendor URL', async (t) => {
  const h = await startZwa(t, { sim: { count: 1 } })
  for (const bad of ['', 'a/b', '../x', 'a b', 'x'.repeat(65), 'id?x=1', '%2F']) {
    await t.rejects(h.adapter.get(bad), { code: 'validation_failed', statusCode: 400 }, JSON.stringify(bad))
    await t.rejects(h.adapter.close(bad, { classification: 'benign' }), { code: 'validation_failed' })
    await t.rejects(h.adapter.update(bad, { severity: 'low' }), { code: 'validation_failed' })
    await t.rejects(h.adapter.transactionIncidents(bad), { code: 'validation_failed' })
  }
  t.same(await h.requests(), [])
})
