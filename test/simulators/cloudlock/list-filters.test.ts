import t, { type Test } from 'tap'
import { ids, record, startCloudlock, type CloudlockHarness } from '../helpers/cloudlock.ts'

// Timestamps sit on the edges the filters must get right, down to the microsecond.
const FIXTURES = [
  record('100', '2021-01-01T00:00:00.000000+00:00', '2021-01-05T00:00:00.000000+00:00'),
  record('101', '2021-01-18T16:55:00.000000+00:00', '2021-01-18T16:55:00.000001+00:00'),
  record('102', '2021-01-18T16:55:07.123456+00:00', '2021-01-20T00:00:00.000000+00:00', {
    severity: 'CRITICAL',
    incident_status: 'IN PROGRESS',
    customer_key: 'SOC-1',
    policy: { id: 'Bdb475zMDK', name: 'SSN' },
    entity: { ...(record('x', '2021-01-01').entity as object), vendor: { name: 'salesforce' } }
  }),
  record('103', '2021-01-18T16:55:07.123457+00:00', undefined, {
    severity: 'INFO',
    incident_status: 'DISMISSED',
    policy: { id: 'Hb6Tr1QzPm', name: 'Login from Unusual Location' },
    entity: { ...(record('y', '2021-01-01').entity as object), vendor: { name: 'box' } }
  }),
  record('104', '2021-02-01T00:00:00.000000+00:00', undefined, {
    severity: 'ALERT',
    incident_status: 'RESOLVED',
    customer_key: 'a,b',
    policy: { id: '', name: 'PCI', state: null, created_at: null, updated_at: null }
  }),
  record('105', '2021-03-01T00:00:00.000000+00:00', undefined, { incident_type: 'CUSTOM' })
]

async function expectIds (t: Test, sim: CloudlockHarness, query: string, expected: string[]): Promise<void> {
  const res = await sim.get(`/incidents?${query}`)
  t.equal(res.status, 200, query)
  t.same(ids(res), expected, query)
}

t.test('enum and string filters', async (t) => {
  const sim = await startCloudlock(t, { incidents: FIXTURES })
  await expectIds(t, sim, 'severity=CRITICAL', ['102'])
  await expectIds(t, sim, 'severity=INFO', ['103'])
  await expectIds(t, sim, 'severity=ALERT', ['104'])
  await expectIds(t, sim, 'severity=WARNING', ['100', '101', '105'])
  await expectIds(t, sim, 'incident_status=IN%20PROGRESS', ['102'])
  await expectIds(t, sim, 'incident_status=IN+PROGRESS', ['102'])
  await expectIds(t, sim, 'incident_status=NEW', ['100', '101', '105'])
  await expectIds(t, sim, 'incident_status=RESOLVED', ['104'])
  await expectIds(t, sim, 'incident_status=DISMISSED', ['103'])
  await expectIds(t, sim, 'policy_id=Bdb475zMDK', ['102'])
  await expectIds(t, sim, 'policy_id=', ['104'])
  await expectIds(t, sim, 'policy_id=nope', [])
  await expectIds(t, sim, 'incident_type=UEBA', ['103'])
  await expectIds(t, sim, 'incident_type=CUSTOM', ['105'])
  await expectIds(t, sim, 'incident_type=COMPLIANCE', ['100', '101', '102', '104'])
  await expectIds(t, sim, 'incident_type=compliance', [])
  await expectIds(t, sim, 'vendor=salesforce', ['102'])
  await expectIds(t, sim, 'vendor=box', ['103'])
  await expectIds(t, sim, 'vendor=google', ['100', '101', '104', '105'])
  await expectIds(t, sim, 'customer_key=SOC-1', ['102'])
  await expectIds(t, sim, 'customer_key=', ['100', '101', '103', '105'])
  await expectIds(t, sim, 'severity=WARNING&incident_status=NEW&vendor=google&created_after=2021-01-10', ['101', '105'])
  await expectIds(t, sim, 'entity_id=E100&ext_costumer_id=1', ['100', '101', '102', '103', '104', '105'])
})

t.test('a comma is literal by default and a list when configured', async (t) => {
  const literal = await startCloudlock(t, { incidents: FIXTURES })
  await expectIds(t, literal, 'vendor=salesforce,box', [])
  await expectIds(t, literal, 'customer_key=a,b', ['104'])
  t.equal((await literal.get('/incidents?severity=INFO,ALERT')).status, 400, 'enum list is not a valid enum')
  const comma = await startCloudlock(t, { incidents: FIXTURES, multiValueFilters: 'comma' })
  await expectIds(t, comma, 'vendor=salesforce,box', ['102', '103'])
  await expectIds(t, comma, 'severity=INFO,ALERT', ['103', '104'])
  t.equal((await comma.get('/incidents?severity=INFO,BAD')).status, 400)
})

t.test('created_* in every documented format, _after inclusive, _before exclusive', async (t) => {
  const sim = await startCloudlock(t, { incidents: FIXTURES })
  await expectIds(t, sim, 'created_after=2021-01-18T16:55', ['101', '102', '103', '104', '105'])
  await expectIds(t, sim, 'created_before=2021-01-18T16:55', ['100'])
  await expectIds(t, sim, 'created_before=2021-01-18', ['100'])
  await expectIds(t, sim, 'created_after=2021-01-01', ['100', '101', '102', '103', '104', '105'])
  await expectIds(t, sim, 'created_after=2021-01-01T00:00:00.000001Z', ['101', '102', '103', '104', '105'])
  await expectIds(t, sim, `created_after=${encodeURIComponent('2021-01-18 16:55:07.123457')}`, ['103', '104', '105'])
  await expectIds(t, sim, `created_after=${encodeURIComponent('2021-01-18T16:55:07.123456+00:00')}`, ['102', '103', '104', '105'])
  await expectIds(t, sim, `created_before=${encodeURIComponent('2021-01-18T16:55:07.123457+00:00')}`, ['100', '101', '102'])
  await expectIds(t, sim, 'created_after=2021-01-18T16:55:07.123Z', ['102', '103', '104', '105'])
  await expectIds(t, sim, 'created_after=2021-01-18T16:55:07.1234&created_before=2021-01-18T16:55:07.12346', ['102', '103'])
  await expectIds(t, sim, `created_after=${encodeURIComponent('2021-01-18T17:55:07.123457+01:00')}`, ['103', '104', '105'])
  // An unencoded "+" arrives as a space; it still means +00:00.
  await expectIds(t, sim, 'created_after=2021-01-18T16:55:07.123457+00:00', ['103', '104', '105'])
  await expectIds(t, sim, 'created_after=2021-02-01&created_before=2021-02-01', [])
})

t.test('updated_* filters at microsecond precision', async (t) => {
  const sim = await startCloudlock(t, { incidents: FIXTURES })
  await expectIds(t, sim, `updated_after=${encodeURIComponent('2021-01-18 16:55:00.000001')}`, ['101', '102', '103', '104', '105'])
  await expectIds(t, sim, `updated_after=${encodeURIComponent('2021-01-18 16:55:00.000002')}`, ['102', '103', '104', '105'])
  await expectIds(t, sim, 'updated_before=2021-01-18T16:55:00.000001Z', ['100'])
  await expectIds(t, sim, 'updated_before=2021-01-18T16:55:00.000002Z', ['100', '101'])
  await expectIds(t, sim, 'updated_after=2021-01-19&updated_before=2021-01-21', ['102'])
})

t.test('bad filter values are 400 {message}', async (t) => {
  const sim = await startCloudlock(t, { incidents: FIXTURES })
  for (const query of ['severity=info', 'severity=', 'severity=HIGH', 'incident_status=IN_PROGRESS', 'incident_status=CLOSED',
    'created_after=yesterday', 'created_before=2021-02-30', 'updated_after=', 'updated_before=2021-01-01T10:00:00.1234567',
    'severity=INFO&severity=ALERT', 'vendor=box&vendor=google']) {
    const res = await sim.get(`/incidents?${query}`)
    t.equal(res.status, 400, query)
    t.type(res.json?.message, 'string', query)
  }
  const strict = await startCloudlock(t, { incidents: FIXTURES, unknownParams: 'error' })
  const res = await strict.get('/incidents?entity_id=E100')
  t.equal(res.status, 400)
  t.match(res.json, { message: /entity_id/ })
})
