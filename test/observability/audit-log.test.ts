import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import t from 'tap'
import { auditChanges } from '../../src/plugins/app/audit-log.ts'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { parseMetrics, READER_KEY, startObsStack, value } from './helpers.ts'

const NOTE = 'NOTE-TEXT-4111-1111-1111-1111 pasted from the evidence'

t.test('every write is one audit event on its own destination; reads are not audited', async (t) => {
  const stack = await startObsStack()
  t.teardown(() => stack.close())
  const list = (await stack.call('GET', '/v1/incidents?limit=25')).body.data
  const cl = list.filter((i: any) => i.provider === 'cloudlock').map((i: any) => i.id)
  const zw = list.filter((i: any) => i.provider === 'zwa').map((i: any) => i.id)
  await stack.call('GET', `/v1/incidents/${cl[0]}`)
  t.same(stack.auditEvents(), [], 'reads leave no audit event')

  const patch = await stack.call('PATCH', `/v1/incidents/${cl[0]}`, {
    body: { status: 'in_progress', severity: 'high', external_ref: 'SOAR-42' },
    headers: { 'x-request-id': 'audit-patch-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }
  })
  t.equal(patch.status, 200)
  const close = await stack.call('POST', `/v1/incidents/${zw[0]}/close`, { body: { classification: 'false_positive', notes: NOTE, label: { key: 'case', value: 'INC-7' } } })
  t.equal(close.status, 200)
  t.equal((await stack.call('POST', `/v1/incidents/${zw[1]}/notes`, { body: { text: NOTE } })).status, 200)
  t.equal((await stack.call('POST', `/v1/incidents/${zw[1]}/labels`, { body: { labels: [{ key: 'owner', value: 'alice' }, { key: 'queue', value: 'dlp-l2' }] } })).status, 200)
  t.equal((await stack.call('POST', `/v1/incidents/${cl[1]}/notes`, { body: { text: NOTE } })).status, 422)
  t.equal((await stack.call('PATCH', `/v1/incidents/${cl[1]}`, { body: { status: 'resolved' }, key: READER_KEY })).status, 403)
  t.equal((await stack.call('PATCH', `/v1/incidents/${cl[1]}`, { body: { status: 'resolved' }, key: null })).status, 401)
  t.equal((await stack.call('PATCH', `/v1/incidents/${cl[1]}`, { body: {} })).status, 400)

  const events = stack.auditEvents()
  const raw = readFileSync(stack.auditFile, 'utf8')
  t.equal(events.length, 8, 'one event per write request')
  t.notOk(raw.includes('NOTE-TEXT'), 'note text never reaches the audit log')
  t.notOk(raw.includes('4111'), 'nor anything pasted into it')
  t.notOk(raw.includes(READER_KEY) || raw.includes('Bearer'), 'no key material')
  for (const e of events) {
    t.equal(e.log_type, 'audit')
    t.equal(e.event, 'incident.write')
    t.equal(e.level, 30)
    t.match(e.time, /^\d{4}-\d\d-\d\dT/)
    t.type(e.request_id, 'string')
  }

  const [upd, cls, note, labels, refused, forbidden, unauth, invalid] = events
  t.match(upd, {
    operation: 'update',
    outcome: 'ok',
    status: 200,
    key: 'obs-admin',
    incident_id: cl[0],
    provider: 'cloudlock',
    request_id: 'audit-patch-1',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736'
  })
  t.same(upd.changes, [
    { field: 'status', requested: 'in_progress', after: 'in_progress' },
    { field: 'severity', requested: 'high', after: 'high' },
    { field: 'external_ref', requested: 'SOAR-42', after: 'SOAR-42' }
  ], 'requested and resulting values; no `before` when nothing read it')

  t.match(cls, { operation: 'close', outcome: 'ok', incident_id: zw[0], provider: 'zwa', key: 'obs-admin' })
  t.same(cls.changes, [
    { field: 'status', after: 'resolved' },
    { field: 'classification', requested: 'false_positive', after: 'false_positive' },
    { field: 'labels', added: [{ key: 'case', value: 'INC-7' }], after: [{ key: 'case', value: 'INC-7' }] },
    { field: 'notes', added: 1 }
  ])
  t.same(note.changes, [{ field: 'notes', added: 1 }])
  t.equal(note.operation, 'add_note')
  t.equal(labels.operation, 'add_labels')
  t.same(labels.changes, [{
    field: 'labels',
    added: [{ key: 'owner', value: 'alice' }, { key: 'queue', value: 'dlp-l2' }],
    after: [{ key: 'owner', value: 'alice' }, { key: 'queue', value: 'dlp-l2' }]
  }])

  t.match(refused, { operation: 'add_note', outcome: 'capability_not_supported', status: 422, provider: 'cloudlock' })
  t.same(refused.changes, [{ field: 'notes', added: 1 }], 'what was asked, without an after')
  t.match(forbidden, { operation: 'update', outcome: 'forbidden', status: 403, key: 'obs-reader', incident_id: cl[1] }, 'a refused key is named')
  t.same(forbidden.changes, [], 'refused before the body was read')
  t.match(unauth, { outcome: 'unauthorized', status: 401, key: null })
  t.match(invalid, { outcome: 'validation_failed', status: 400, key: 'obs-admin', changes: [] })
  t.notOk('trace_id' in cls, 'no trace id when the caller sent none and no SDK runs')

  const metrics = parseMetrics(await stack.metrics())
  t.equal(value(metrics, 'dlp_gateway_audit_events_total', { operation: 'update', outcome: 'ok' }), 1)
  t.equal(value(metrics, 'dlp_gateway_audit_events_total', { operation: 'add_note', outcome: 'capability_not_supported' }), 1)
  t.equal(value(metrics, 'dlp_gateway_audit_events_total'), 8)
})

t.test('an idempotent replay is audited as a replay', async (t) => {
  const stack = await startObsStack()
  t.teardown(() => stack.close())
  const id = (await stack.call('GET', '/v1/incidents?provider=cloudlock&limit=1')).body.data[0].id
  const send = () => stack.call('PATCH', `/v1/incidents/${id}`, { body: { severity: 'high' }, headers: { 'idempotency-key': 'audit-idem-1' } })
  t.equal((await send()).status, 200)
  const again = await send()
  t.equal(again.status, 200)
  t.equal(again.headers['idempotent-replayed'], 'true')
  const events = stack.auditEvents()
  t.equal(events.length, 2)
  t.notOk('replayed' in events[0])
  t.equal(events[1].replayed, true)
  t.same(events[1].changes, [{ field: 'severity', requested: 'high', after: 'high' }])
})

t.test('AUDIT_LOG=off writes nothing; an injected stream receives the events', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const silent = createLogger({ level: 'silent' })
  const off = await buildApp(loadConfig({ AUDIT_LOG: 'off' }), { logger: silent })
  const captured = await buildApp(loadConfig({ AUDIT_LOG: 'off' }), { logger: silent, auditStream: stream })
  t.teardown(async () => {
    await off.close()
    await captured.close()
  })
  for (const app of [off, captured]) {
    const res = await app.inject({ method: 'POST', url: '/v1/incidents/zwa:1/notes', payload: { text: NOTE } })
    t.equal(res.statusCode, 401, 'demo-less app without keys: unauthorized')
  }
  t.equal(lines.length, 1, 'only the app with a stream wrote an event')
  t.match(JSON.parse(lines[0]), { operation: 'add_note', outcome: 'unauthorized', incident_id: 'zwa:1', provider: 'zwa' })
  t.notOk(lines[0].includes('NOTE-TEXT'))
})

t.test('what a change entry keeps of odd or oversized input', async (t) => {
  const long = 'x'.repeat(2000)
  const [ref] = auditChanges('update', { external_ref: long }, undefined)
  t.equal((ref.requested as string).length, 257, 'strings are clipped to 256 characters and an ellipsis')
  t.same(auditChanges('update', 'not an object', undefined), [])
  t.same(auditChanges('add_labels', { labels: [{ key: 'k', value: long }, 'junk'] }, undefined)[0].added, [{ key: 'k', value: `${'x'.repeat(256)}…` }])
  t.same(auditChanges('add_note', { text: NOTE }, undefined), [{ field: 'notes', added: 1 }])
  t.same(auditChanges('GET /x', { a: 1 }, undefined), [], 'unknown operations record no fields')
})
