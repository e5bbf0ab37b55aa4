import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import t from 'tap'
import { mapCloudlockIncident, singleRecord } from '../../../src/vendors/cloudlock/map-incident.ts'
import { parseJsonLossless } from '../../../src/upstream/http/lossless-json.ts'
import { EnumMapper } from '../../../src/mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../../src/mapping/tables.ts'
import { microsToCloudlock } from '../../../src/mapping/timestamps.ts'
import { enumSchemas } from '../../../src/schemas/enums.ts'
import { Incident, type IncidentT } from '../../../src/schemas/incident.ts'

// The vendor seed document's records, verbatim (list sample, single GET sample, PUT response).
const seed = JSON.parse(readFileSync(new URL('./fixtures/seed-records.json', import.meta.url), 'utf8'))
const mapper = new EnumMapper(DEFAULT_TABLES.cloudlock)
const map = (record: unknown, m = mapper) => mapCloudlockIncident(record, 'cloudlock', m)

const ajv = new Ajv({ allErrors: true, strict: false })
addFormats.default(ajv)
for (const schema of enumSchemas) ajv.addSchema(schema)
const validIncident = ajv.compile(Incident)

const SOURCE_NULLS = { priority: null, resolution: null, sub_status: null }
const ASSET_NULLS = { file_name: null, file_type: null }

t.test('seed record 320831601 (list sample)', async (t) => {
  const raw = seed.list[0]
  const { incident, createdMicros } = map(raw)
  const expected: IncidentT = {
    id: 'cloudlock:320831601',
    provider: 'cloudlock',
    provider_type: 'cloudlock',
    native_id: '320831601',
    title: 'PCI: Gautum Trentson',
    severity: 'medium',
    priority: null,
    status: 'in_progress',
    classification: null,
    created_at: '2014-08-08T05:09:53.218Z',
    updated_at: '2014-08-08T05:09:52.930Z',
    policy: { id: 'eyaznBzYKv', name: 'PCI' },
    rules: [],
    asset: {
      id: 'GM46KpY7xO',
      name: 'Gautum Trentson',
      type: 'document',
      url: 'https://na15.salesforce.com/00Qi00000088wrBEAQ',
      mime_type: null,
      ...ASSET_NULLS,
      application: 'salesforce',
      owner: { name: 'Jane Demo', email: 'jane@cloudlock.com' }
    },
    actor: null,
    match_count: 1,
    matches: [{ text: 'XXXXXXXXXXXX6966', context_before: 'ard number on an old invoice (', context_after: ') -- can we use this on the up', field: 'Description', detector: null }],
    labels: [],
    notes: [],
    assignee: null,
    external_ref: null,
    source: { severity: 'WARNING', status: 'IN PROGRESS', ...SOURCE_NULLS },
    transaction_id: null,
    raw
  }
  t.same(incident, expected)
  t.strictSame(incident, expected)
  t.equal(incident.raw, raw, 'raw is the record as received')
  t.equal(createdMicros, 1407474593218594n, 'the merge key keeps the microseconds')
  t.ok(validIncident(incident), JSON.stringify(validIncident.errors))
})

t.test('seed record 320831602 (list sample): backslash-n text stays verbatim', async (t) => {
  const { incident } = map(seed.list[1])
  t.strictSame(incident, {
    id: 'cloudlock:320831602',
    provider: 'cloudlock',
    provider_type: 'cloudlock',
    native_id: '320831602',
    title: 'SSN: Feed Item by John Demo',
    severity: 'medium',
    priority: null,
    status: 'in_progress',
    classification: null,
    created_at: '2014-08-08T05:09:58.861Z',
    updated_at: '2014-08-08T05:09:58.572Z',
    policy: { id: 'Bdb475zMDK', name: 'SSN' },
    rules: [],
    asset: {
      id: 'vXxjnWAexL',
      name: 'Feed Item by John Demo',
      type: 'document',
      url: 'https://na15.salesforce.com/0D5i000000jY0GvCAK',
      mime_type: null,
      ...ASSET_NULLS,
      application: 'salesforce',
      owner: { name: 'John Demo', email: 'demoUser@cloudlockdemo.com' }
    },
    actor: null,
    match_count: 1,
    matches: [{ text: 'XXX XX 7502', context_before: 'UPS Tracking Number: 1Z W18 ', context_after: ' 638 1\\n', field: 'Body', detector: null }],
    labels: [],
    notes: [],
    assignee: null,
    external_ref: null,
    source: { severity: 'WARNING', status: 'IN PROGRESS', ...SOURCE_NULLS },
    transaction_id: null,
    raw: seed.list[1]
  })
})

t.test('seed single GET sample: mime_type null, policy_criteria id int 23 -> detector "23"', async (t) => {
  const { incident } = map(seed.get)
  t.equal(seed.get.entity.mime_type, null)
  t.equal(seed.get.matches[0].policy_criteria.id, 23)
  t.strictSame(incident, {
    id: 'cloudlock:320831601',
    provider: 'cloudlock',
    provider_type: 'cloudlock',
    native_id: '320831601',
    title: 'SSN: Feed Item by John Demo',
    severity: 'medium',
    priority: null,
    status: 'in_progress',
    classification: null,
    created_at: '2014-08-08T05:09:58.861Z',
    updated_at: '2014-08-08T05:09:58.572Z',
    policy: { id: 'Bdb475zMDK', name: 'SSN' },
    rules: [],
    asset: {
      id: 'vXxjnWAexL',
      name: 'Feed Item by John Demo',
      type: 'document',
      url: 'https://na15.salesforce.com/0D5i000000jY0GvCAK',
      mime_type: null,
      ...ASSET_NULLS,
      application: 'salesforce',
      owner: { name: 'John Demo', email: 'demoUser@cloudlockdemo.com' }
    },
    actor: null,
    match_count: 1,
    matches: [{ text: 'XXX XX 7502', context_before: 'UPS Tracking Number: 1Z W18 ', context_after: ' 638 1\n', field: 'Body', detector: '23' }],
    labels: [],
    notes: [],
    assignee: null,
    external_ref: null,
    source: { severity: 'WARNING', status: 'IN PROGRESS', ...SOURCE_NULLS },
    transaction_id: null,
    raw: seed.get
  })
  t.strictSame(map(singleRecord({ results: [seed.get] })).incident, map(seed.get).incident, 'the {results:[obj]} variant reads the same')
  t.equal(singleRecord(seed.get), seed.get, 'a bare object is itself')
})

t.test('seed PUT response: policy with a null id, customer_key, resolved, empty context kept', async (t) => {
  const { incident } = map(seed.put)
  t.strictSame(incident, {
    id: 'cloudlock:320831601',
    provider: 'cloudlock',
    provider_type: 'cloudlock',
    native_id: '320831601',
    title: 'Confidential/Password Regular Expression24: Feed Item by Jane Demo',
    severity: 'medium',
    priority: null,
    status: 'resolved',
    classification: null,
    created_at: '2014-08-08T05:10:00.326Z',
    updated_at: '2018-06-16T17:29:39.697Z',
    policy: { id: null, name: 'Confidential/Password Regular Expression24' },
    rules: [],
    asset: {
      id: '1MxyLjlA4B',
      name: 'Feed Item by Jane Demo',
      type: 'document',
      url: 'https://na15.salesforce.com/0D5i000000XWpE0CAL',
      mime_type: null,
      ...ASSET_NULLS,
      application: 'salesforce',
      owner: { name: 'Jane Demo', email: 'jane@cloudlock.com' }
    },
    actor: null,
    match_count: 1,
    matches: [{ text: 'Confidential', context_before: '', context_after: '.', field: 'Body', detector: null }],
    labels: [],
    notes: [],
    assignee: null,
    external_ref: 'ExternalID',
    source: { severity: 'WARNING', status: 'RESOLVED', ...SOURCE_NULLS },
    transaction_id: null,
    raw: seed.put
  })
})

t.test('every Cloudlock severity and status (spec 3.1), table-driven', async (t) => {
  const severities: Array<[string, string]> = [['INFO', 'informational'], ['WARNING', 'medium'], ['ALERT', 'high'], ['CRITICAL', 'critical']]
  const statuses: Array<[string, string]> = [['NEW', 'new'], ['IN PROGRESS', 'in_progress'], ['RESOLVED', 'resolved'], ['DISMISSED', 'dismissed']]
  for (const [sev, nsev] of severities) {
    for (const [status, nstatus] of statuses) {
      const { incident } = map({ ...seed.list[0], severity: sev, incident_status: status })
      t.same([incident.severity, incident.status, incident.source.severity, incident.source.status, incident.classification, incident.priority],
        [nsev, nstatus, sev, status, null, null], `${sev} / ${status}`)
    }
  }
})

t.test('unknown enum values are unknown, with the native value kept in source', async (t) => {
  const cases: Array<[unknown, unknown, string | null, string | null]> = [
    ['EMERGENCY', 'ESCALATED', 'EMERGENCY', 'ESCALATED'],
    ['critical', 'In Progress', 'critical', 'In Progress'],
    ['LOW', 'IN_PROGRESS', 'LOW', 'IN_PROGRESS'],
    ['__proto__', 'constructor', '__proto__', 'constructor'],
    [5, null, null, null],
    [undefined, undefined, null, null]
  ]
  for (const [severity, status, srcSev, srcStatus] of cases) {
    const { incident } = map({ ...seed.list[0], severity, incident_status: status })
    t.equal(incident.severity, 'unknown')
    t.equal(incident.status, 'unknown')
    t.equal(incident.source.severity, srcSev)
    t.equal(incident.source.status, srcStatus)
    t.ok(validIncident(incident))
  }
})

t.test('configured overrides apply to reads', async (t) => {
  const tuned = new EnumMapper(resolveTables('cloudlock', { severity: { EMERGENCY: 'critical', INFO: 'low' }, status: { ESCALATED: 'in_progress' } }))
  const a = map({ ...seed.list[0], severity: 'EMERGENCY', incident_status: 'ESCALATED' }, tuned).incident
  t.same([a.severity, a.status, a.source.severity, a.source.status], ['critical', 'in_progress', 'EMERGENCY', 'ESCALATED'])
  t.equal(map({ ...seed.list[0], severity: 'INFO' }, tuned).incident.severity, 'low')
  t.equal(map({ ...seed.list[0], severity: 'INFO' }).incident.severity, 'informational', 'other instances keep the defaults')
})

t.test('ids: numeric and string ids give one string form; beyond 2^53 stays exact', async (t) => {
  t.equal(map({ ...seed.list[0], id: 320831601 }).incident.native_id, '320831601')
  t.equal(map({ ...seed.list[0], id: 320831601 }).incident.id, 'cloudlock:320831601')
  const big = parseJsonLossless('{"id": 98765432109876543210, "created_at": "2024-03-05T10:15:30.123456+00:00", "severity": "INFO", "matches": [{"policy_criteria": {"id": 12345678901234567890}}]}')
  const mapped = map(big).incident
  t.equal(mapped.native_id, '98765432109876543210')
  t.equal(mapped.matches[0].detector, '12345678901234567890', 'a big integer detector id survives')
  t.equal(map({ ...seed.list[0], matches: [{ policy_criteria: { id: '12' } }] }).incident.matches[0].detector, '12')
  t.equal(map({ ...seed.list[0], matches: [{ policy_criteria: { id: '' } }] }).incident.matches[0].detector, null)
  t.equal(map({ ...seed.list[0], matches: [{ policy_criteria: null }] }).incident.matches[0].detector, null)
})

t.test('records the gateway cannot identify are upstream errors, never half-mapped incidents', async (t) => {
  const bad: unknown[] = [
    null, [], 'x', 7,
    { ...seed.list[0], id: undefined },
    { ...seed.list[0], id: '' },
    { ...seed.list[0], id: '12a' },
    { ...seed.list[0], id: '123456789012345678901' },
    { ...seed.list[0], id: -4 },
    { ...seed.list[0], id: 1.5 },
    { ...seed.list[0], id: '../1' },
    { ...seed.list[0], created_at: undefined },
    { ...seed.list[0], created_at: '2014-02-30T00:00:00+00:00' },
    { ...seed.list[0], created_at: 1407474593 },
    { results: [] }
  ]
  for (const record of bad) {
    t.throws(() => map(singleRecord(record)), { code: 'upstream_error', provider: 'cloudlock' }, JSON.stringify(record)?.slice(0, 60))
  }
})

t.test('absent and odd parts become nulls and empties, never crashes', async (t) => {
  const { incident } = map({ id: '42', created_at: '2024-03-05T10:15:30.123456+00:00', severity: 'INFO' })
  t.strictSame(incident, {
    id: 'cloudlock:42',
    provider: 'cloudlock',
    provider_type: 'cloudlock',
    native_id: '42',
    title: 'Cloudlock incident 42',
    severity: 'informational',
    priority: null,
    status: 'unknown',
    classification: null,
    created_at: '2024-03-05T10:15:30.123Z',
    updated_at: '2024-03-05T10:15:30.123Z',
    policy: null,
    rules: [],
    asset: null,
    actor: null,
    match_count: 0,
    matches: [],
    labels: [],
    notes: [],
    assignee: null,
    external_ref: null,
    source: { severity: 'INFO', status: null, ...SOURCE_NULLS },
    transaction_id: null,
    raw: { id: '42', created_at: '2024-03-05T10:15:30.123456+00:00', severity: 'INFO' }
  })
  const odd = map({
    ...seed.list[0],
    customer_key: '',
    entity: { name: '  ', mime_type: 'application/pdf', vendor: 'google', owner_email: '' },
    policy: { id: '', name: '' },
    match_count: -1,
    matches: [{ text: 5, ctx_before: null, field_name: '' }, 'junk', null]
  }).incident
  t.equal(odd.external_ref, null, '"" customer_key is no reference')
  t.same(odd.policy, { id: null, name: null })
  t.same(odd.asset, { id: null, name: '  ', type: null, url: null, mime_type: 'application/pdf', ...ASSET_NULLS, application: null, owner: { name: null, email: null } })
  t.equal(odd.title, 'Cloudlock incident 320831601')
  t.equal(odd.match_count, 1, 'an invalid count falls back to the matches listed')
  t.same(odd.matches, [{ text: null, context_before: null, context_after: null, field: null, detector: null }])
  t.ok(validIncident(odd), JSON.stringify(validIncident.errors))
  t.equal(map({ ...seed.list[0], match_count: 250 }).incident.match_count, 250, 'the vendor count may exceed the matches listed')
  t.equal(map({ ...seed.list[0], updated_at: 'garbage' }).incident.updated_at, '2014-08-08T05:09:53.218Z', 'an unreadable updated_at falls back to created_at')
})

// Records with a valid id and created_at and anything at all elsewhere.
const validId = fc.oneof(fc.stringMatching(/^\d{1,20}$/), fc.maxSafeNat())
const validCreated = fc.oneof(
  fc.bigInt({ min: 0n, max: 253402300799999999n }).map(microsToCloudlock),
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' '))
)
const anyField = fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true })
const shaped = fc.record({
  severity: fc.oneof(fc.constantFrom('INFO', 'WARNING', 'ALERT', 'CRITICAL'), fc.string(), anyField),
  incident_status: fc.oneof(fc.constantFrom('NEW', 'IN PROGRESS', 'RESOLVED', 'DISMISSED'), fc.string(), anyField),
  updated_at: fc.oneof(validCreated, anyField),
  customer_key: fc.oneof(fc.string(), anyField),
  match_count: anyField,
  entity: fc.oneof(fc.dictionary(fc.constantFrom('id', 'name', 'mime_type', 'owner_email', 'owner_name', 'origin_type', 'direct_url', 'vendor', '__proto__', 'constructor'), anyField), anyField),
  policy: fc.oneof(fc.record({ id: anyField, name: anyField }), anyField),
  matches: fc.oneof(fc.array(fc.oneof(fc.dictionary(fc.constantFrom('text', 'ctx_before', 'ctx_after', 'field_name', 'policy_criteria'), anyField), anyField)), anyField)
}, { requiredKeys: [] })

t.test('property: mapping never throws and always yields a schema-valid Incident', async () => {
  fc.assert(fc.property(validId, validCreated, shaped, fc.dictionary(fc.string(), anyField, { maxKeys: 3 }), (id, createdAt, fields, extra) => {
    const record = { ...extra, ...fields, id, created_at: createdAt }
    const { incident } = map(record)
    if (!validIncident(incident)) throw new Error(JSON.stringify(validIncident.errors))
    return incident.native_id === String(id) && incident.raw === record
  }), { numRuns: 1500 })
})

t.test('property: an unmapped value is never coerced to a neighbour', async () => {
  const sevTable = DEFAULT_TABLES.cloudlock.severity
  const statusTable = DEFAULT_TABLES.cloudlock.status
  fc.assert(fc.property(fc.string(), fc.string(), (severity, status) => {
    const { incident } = map({ ...seed.list[0], severity, incident_status: status })
    const sevOk = Object.hasOwn(sevTable, severity) ? incident.severity === sevTable[severity] : incident.severity === 'unknown'
    const statusOk = Object.hasOwn(statusTable, status) ? incident.status === statusTable[status] : incident.status === 'unknown'
    return sevOk && statusOk && incident.source.severity === severity && incident.source.status === status
  }), { numRuns: 1000 })
})
