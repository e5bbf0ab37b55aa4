// get, update, close and the refused capabilities, against the real simulator.
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { mapCloudlockIncident } from '../../../src/vendors/cloudlock/map-incident.ts'
import { EnumMapper } from '../../../src/mapping/mapper.ts'
import { DEFAULT_TABLES } from '../../../src/mapping/tables.ts'
import { TOKEN, makeAdapter, startSim, type Sim } from './helpers.ts'

const seed = JSON.parse(readFileSync(new URL('./fixtures/seed-records.json', import.meta.url), 'utf8'))

async function setup (t: Test, overrides = {}) {
  const sim = await startSim(t)
  // 320831602 is loaded with an integer id, as the vendor's docs table describes it.
  await sim.load([seed.list[0], { ...seed.list[1], id: 320831602 }])
  const adapter = makeAdapter(t, sim.url, overrides)
  return { sim, adapter }
}

const lastRequest = async (sim: Sim) => (await sim.requests()).at(-1)!

t.test('get reads one incident, whatever the JSON type of its id', async (t) => {
  const { sim, adapter } = await setup(t)
  const one = await adapter.get('320831601', { requestId: 'req-123' })
  t.strictSame(one, mapCloudlockIncident(seed.list[0], 'cl', new EnumMapper(DEFAULT_TABLES.cloudlock)).incident)
  const entry = await lastRequest(sim)
  t.same([entry.method, entry.path, entry.query, entry.body, entry.status], ['GET', '/api/v2/incidents/320831601', {}, null, 200])
  t.equal(entry.headers.authorization, 'Bearer ***')
  t.equal(entry.headers['x-request-id'], 'req-123', 'the request id travels upstream')
  t.equal(entry.headers.accept, 'application/json')

  const two = await adapter.get('320831602')
  t.equal(two.native_id, '320831602')
  t.equal(two.id, 'cl:320831602')
  t.equal(two.raw?.id, 320831602, 'raw keeps the vendor\'s integer')

  const padded = await adapter.get('000320831602')
  t.equal(padded.native_id, '320831602', 'the vendor reads the path id as an integer; the incident keeps its own id')
  t.equal((await lastRequest(sim)).path, '/api/v2/incidents/000320831602', 'the id goes upstream exactly as given')

  await t.rejects(adapter.get('99999999999999999999'), { code: 'not_found', statusCode: 404, provider: 'cl' }, '20 digits is a valid id that names nothing')
  t.match((await adapter.get('1').catch((e) => e)).detail, /Incident 1 not found/, 'the vendor message is kept')
})

t.test('update sends exactly the changed fields with PUT and returns the updated incident', async (t) => {
  const { sim, adapter } = await setup(t)
  const cases: Array<[Record<string, unknown>, Record<string, string>, (i: any) => unknown[], unknown[]]> = [
    [{ status: 'new' }, { incident_status: 'NEW' }, (i) => [i.status, i.source.status], ['new', 'NEW']],
    [{ status: 'in_progress' }, { incident_status: 'IN PROGRESS' }, (i) => [i.status], ['in_progress']],
    [{ status: 'resolved' }, { incident_status: 'RESOLVED' }, (i) => [i.status], ['resolved']],
    [{ status: 'dismissed' }, { incident_status: 'DISMISSED' }, (i) => [i.status], ['dismissed']],
    [{ severity: 'informational' }, { severity: 'INFO' }, (i) => [i.severity, i.source.severity], ['informational', 'INFO']],
    [{ severity: 'medium' }, { severity: 'WARNING' }, (i) => [i.severity], ['medium']],
    [{ severity: 'high' }, { severity: 'ALERT' }, (i) => [i.severity], ['high']],
    [{ severity: 'critical' }, { severity: 'CRITICAL' }, (i) => [i.severity], ['critical']],
    [{ external_ref: 'SOC-881' }, { customer_key: 'SOC-881' }, (i) => [i.external_ref], ['SOC-881']],
    [{ external_ref: null }, { customer_key: '' }, (i) => [i.external_ref], [null]],
    [{ status: 'resolved', severity: 'high', external_ref: 'T-1' }, { incident_status: 'RESOLVED', severity: 'ALERT', customer_key: 'T-1' },
      (i) => [i.status, i.severity, i.external_ref], ['resolved', 'high', 'T-1']]
  ]
  for (const [patch, body, read, expected] of cases) {
    const before = Date.now()
    const updated = await adapter.update('320831602', patch)
    const entry = await lastRequest(sim)
    t.same([entry.method, entry.path, entry.body, entry.headers['content-type']], ['PUT', '/api/v2/incidents/320831602', body, 'application/json'], JSON.stringify(patch))
    t.same(read(updated), expected)
    t.ok(Date.parse(updated.updated_at) >= before - 1, 'the vendor moved updated_at')
    const stored = await sim.vendor('GET', '/incidents/320831602')
    for (const [key, value] of Object.entries(body)) t.equal(stored.json[key], value, `simulator state: ${key}`)
  }
})

t.test('an empty patch changes nothing upstream and answers with the current state', async (t) => {
  const { sim, adapter } = await setup(t)
  const current = await adapter.update('320831601', {})
  t.equal(current.native_id, '320831601')
  const log = await sim.requests()
  t.same(log.map((e) => e.method), ['GET'])
})

t.test('values without a Cloudlock counterpart are refused before any call', async (t) => {
  const { sim, adapter } = await setup(t)
  for (const patch of [{ severity: 'low' }, { severity: 'unknown' }, { status: 'unknown' }, { status: 'new', severity: 'low' }] as const) {
    const err = await adapter.update('320831601', patch).catch((e) => e)
    t.equal(err.code, 'unsupported_value', JSON.stringify(patch))
    t.equal(err.statusCode, 422)
    t.equal(err.provider, 'cl')
    t.match(err.detail, /'cl'/)
  }
  t.same(await sim.requests(), [])
  t.equal((await sim.vendor('GET', '/incidents/320831601')).json.severity, 'WARNING', 'nothing changed')
})

t.test('a configured alias does not make the documented value unwritable', async (t) => {
  const { sim, adapter } = await setup(t, { mapping: { severity: { EMERGENCY: 'critical' } } })
  const updated = await adapter.update('320831601', { severity: 'critical' })
  t.same((await lastRequest(sim)).body, { severity: 'CRITICAL' })
  t.equal(updated.severity, 'critical')
})

t.test('close: false_positive dismisses, none resolves; classification stays null', async (t) => {
  const { sim, adapter } = await setup(t)
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{}, 'RESOLVED', 'resolved'],
    [{ classification: 'false_positive' }, 'DISMISSED', 'dismissed']
  ]
  for (const [request, native, status] of cases) {
    await sim.vendor('PUT', '/incidents/320831601', { incident_status: 'NEW' })
    const closed = await adapter.close('320831601', request)
    const entry = await lastRequest(sim)
    t.same([entry.method, entry.path, entry.body], ['PUT', '/api/v2/incidents/320831601', { incident_status: native }], JSON.stringify(request))
    t.equal(closed.status, status)
    t.equal(closed.classification, null, 'Cloudlock stores no resolution')
    t.equal((await sim.vendor('GET', '/incidents/320831601')).json.incident_status, native)
  }
})

t.test('close with a classification Cloudlock cannot store is 422 unsupported_value, nothing written', async (t) => {
  const { sim, adapter } = await setup(t)
  for (const classification of ['true_positive', 'benign', 'unknown']) {
    const err = await adapter.close('320831601', { classification } as Record<string, unknown>).catch((e) => e)
    t.same([err.code, err.statusCode, err.provider], ['unsupported_value', 422, 'cl'], classification)
    t.match(err.detail, new RegExp(`'${classification}'.*only 'false_positive'`))
  }
  t.same(await sim.requests(), [], 'no upstream call')
  t.equal((await sim.vendor('GET', '/incidents/320831601')).json.incident_status, 'IN PROGRESS', 'the status did not change')
})

t.test('close with notes or a label is refused, not half done', async (t) => {
  const { sim, adapter } = await setup(t)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ notes: 'checked with the owner' }, 'notes'],
    [{ notes: '' }, 'notes'],
    [{ label: { key: 'team', value: 'red' } }, 'labels'],
    [{ classification: 'false_positive', notes: 'x', label: { key: 'a', value: 'b' } }, 'notes']
  ]
  for (const [request, capability] of cases) {
    const err = await adapter.close('320831601', request).catch((e) => e)
    t.same([err.code, err.statusCode, err.provider, err.capability], ['capability_not_supported', 422, 'cl', capability], JSON.stringify(request))
  }
  t.same(await sim.requests(), [], 'no upstream call')
  t.equal((await sim.vendor('GET', '/incidents/320831601')).json.incident_status, 'IN PROGRESS', 'the status did not change')
})

t.test('every capability Cloudlock lacks is refused with its name', async (t) => {
  const { sim, adapter } = await setup(t)
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['notes', () => adapter.addNote('320831601', 'x')],
    ['labels', () => adapter.addLabels('320831601', [{ key: 'k', value: 'v' }])],
    ['history', () => adapter.history('320831601')],
    ['evidence', () => adapter.evidence('320831601')],
    ['triggers', () => adapter.triggers('320831601')],
    ['tickets', () => adapter.tickets('320831601')],
    ['groups', () => adapter.groups('320831601')],
    ['transactions', () => adapter.transactionIncidents('abc')]
  ]
  for (const [capability, call] of calls) {
    const err: any = await call().catch((e) => e)
    t.same([err.code, err.statusCode, err.provider, err.capability], ['capability_not_supported', 422, 'cl', capability], capability)
    t.notOk(adapter.capabilities.has(capability as never))
  }
  t.same(await sim.requests(), [])
})

t.test('identity, capabilities and tables', async (t) => {
  const { sim, adapter } = await setup(t)
  t.equal(adapter.id, 'cl')
  t.equal(adapter.type, 'cloudlock')
  t.equal(adapter.baseUrl, sim.url)
  t.same([...adapter.capabilities].sort(), [
    'close', 'filter_created', 'filter_external_ref', 'filter_policy_id', 'filter_severity', 'filter_status', 'filter_updated', 'get', 'list',
    'update_external_ref', 'update_severity', 'update_status'
  ])
  t.same(adapter.tables.severity, DEFAULT_TABLES.cloudlock.severity)
  t.same(adapter.tables.status, DEFAULT_TABLES.cloudlock.status)
  t.same(adapter.health(), { status: 'unknown', circuit: 'closed', last_error: null })
})

t.test('invalid native ids never reach the vendor', async (t) => {
  const { sim, adapter } = await setup(t)
  const bad = ['12a', '1'.repeat(21), '../x', '..', '', ' 1', '1 ', '1/2', '1?x=1', '1#2', '%31', '-1', '1.0', '１２', '١٢', '12\n', 'cloudlock:1']
  for (const id of bad) {
    t.notOk(adapter.isValidNativeId(id), JSON.stringify(id))
    for (const call of [() => adapter.get(id), () => adapter.update(id, { status: 'resolved' }), () => adapter.update(id, { severity: 'low' }), () => adapter.close(id, {})]) {
      const err = await call().catch((e) => e)
      t.same([err.code, err.statusCode], ['validation_failed', 400], JSON.stringify(id))
    }
  }
  t.ok(adapter.isValidNativeId('1'))
  t.ok(adapter.isValidNativeId('1'.repeat(20)))
  t.ok(adapter.isValidNativeId('00012'))
  t.same(await sim.requests(), [], 'no upstream call at all')
  t.same(adapter.health().last_error, null, 'caller mistakes are not provider failures')
  const long = await adapter.get('x'.repeat(5000)).catch((e) => e)
  t.ok(long.detail.length < 200, 'a huge id is not echoed whole')
})

t.test('the token is sent as a bearer header and never logged by the simulator', async (t) => {
  const { sim, adapter } = await setup(t)
  await adapter.get('320831601')
  await adapter.update('320831601', { external_ref: 'x' })
  const log = await sim.requests()
  t.equal(log.length, 2)
  for (const entry of log) t.equal(entry.headers.authorization, 'Bearer ***')
  t.notOk(JSON.stringify(log).includes(TOKEN))
})
