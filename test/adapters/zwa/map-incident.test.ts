import fc from 'fast-check'
import t from 'tap'
import { Value } from 'typebox/value'
import { mapZwaIncident } from '../../../src/vendors/zwa/map-incident.ts'
import { EnumMapper } from '../../../src/mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../../src/mapping/tables.ts'
import { namedEnums } from '../../../src/schemas/enums.ts'
import { Incident } from '../../../src/schemas/incident.ts'
import { BIG_GROUPS_TEXT, DOC_START_TEXT, parse, REF_11_TEXT } from './samples.ts'

const mapper = new EnumMapper(resolveTables('zwa'), DEFAULT_TABLES.zwa)
const map = (record: unknown, m = mapper) => mapZwaIncident(record, 'zwa', m)
const base = { internalId: '1-143-1', createdAt: '2025-01-01T00:00:00Z' }

t.test('the real getting-started record maps to the exact Incident', async (t) => {
  const raw = parse(DOC_START_TEXT)
  const { incident, createdMicros } = map(raw)
  t.same(incident, {
    id: 'zwa:1-143-16786974353299200003',
    provider: 'zwa',
    provider_type: 'zwa',
    native_id: '1-143-16786974353299200003',
    title: 'GLBA: info-details.docx',
    severity: 'high',
    priority: 'low',
    status: 'resolved',
    classification: 'false_positive',
    created_at: '2023-03-13T08:50:46.000Z',
    updated_at: '2023-04-24T14:55:26.000Z',
    policy: { id: null, name: 'GLBA' },
    rules: [
      { name: 'GLBA', detail: '(((Citizen Service Number) > 0))' },
      { name: 'Block-GLBA-SSN', detail: null },
      { name: 'Citizen Service Number', detail: 'Citizen Service Number[5]' }
    ],
    asset: {
      id: '154618300757',
      name: 'info-details.docx',
      type: 'File',
      url: null,
      mime_type: null,
      file_name: 'info-details.docx',
      file_type: 'docx',
      application: 'BOX',
      owner: null
    },
    actor: { name: 'exampleuser@zscaler.com', email: 'exampleuser@zscaler.com', department: 'Service Admin', ip: null },
    match_count: 0,
    matches: [],
    labels: [],
    notes: [{ text: 'test closure', created_at: '2023-04-07T06:04:04.000Z', author: '0' }],
    assignee: { email: 'exampledlpadmin@zscaler.com' },
    external_ref: null,
    source: { severity: 'HIGH', status: 'RESOLVED', priority: 'LOW', resolution: 'FALSE_POSITIVE', sub_status: null },
    transaction_id: '16786974353299200003',
    raw
  })
  t.equal(incident.raw, raw, 'raw is the record as received')
  t.equal(createdMicros, BigInt(Date.parse('2023-03-13T08:50:46Z')) * 1000n)
  t.ok(Value.Check(namedEnums, Incident, incident), 'valid against the Incident schema')
})

t.test('the reference §11 example maps to the exact Incident', async (t) => {
  const raw = parse(REF_11_TEXT)
  const { incident } = map(raw)
  t.same(incident, {
    id: 'zwa:1-152-KQWX-17500012345678901234',
    provider: 'zwa',
    provider_type: 'zwa',
    native_id: '1-152-KQWX-17500012345678901234',
    title: 'PCI: cards.xlsx',
    severity: 'high',
    priority: 'critical',
    status: 'new',
    classification: null,
    created_at: '2025-06-02T10:15:04.000Z',
    updated_at: '2025-06-02T11:40:19.000Z',
    policy: { id: null, name: 'PCI' },
    rules: [
      { name: 'PCI', detail: '((Credit Cards) > 0)' },
      { name: 'Block-PCI-Uploads', detail: null },
      { name: 'Credit Cards', detail: 'Credit Cards[3]' }
    ],
    asset: {
      id: null, // fileId "" names no file
      name: 'cards.xlsx',
      type: 'File',
      url: 'https://upload.example.net/api',
      mime_type: null,
      file_name: 'cards.xlsx',
      file_type: 'xlsx',
      application: 'upload.example.net',
      owner: null
    },
    actor: { name: 'jane.doe@example.com', email: 'jane.doe@example.com', department: 'Finance', ip: '10.20.30.40' },
    match_count: 3,
    matches: [],
    labels: [],
    notes: [],
    assignee: { email: 'dlp-admin@example.com' },
    external_ref: null,
    source: { severity: 'HIGH', status: 'NEW', priority: 'CRITICAL', resolution: null, sub_status: null },
    transaction_id: '17500012345678901234',
    raw
  })
  t.ok(Value.Check(namedEnums, Incident, incident))
})

t.test('ids beyond 2^53 stay exact: note authors and the raw record', async (t) => {
  const raw = parse(BIG_GROUPS_TEXT)
  const { incident } = map(raw)
  t.same(incident.notes, [{ text: 'escalated to legal', created_at: '2025-06-05T01:30:00.500Z', author: '9007199254740993' }])
  t.same(incident.labels, [{ key: 'Team', value: 'Legal' }])
  t.equal(incident.created_at, '2025-06-05T01:02:03.456Z')
  t.match(JSON.stringify(incident.raw), /"incidentGroupIds":\[16786743992009003,9007199254740993\]/)
  t.equal(incident.policy, null, 'no engine and no rule: no policy')
  t.equal(incident.title, 'ZWA incident 1-152-BIGG-17500000000000000009')
  t.equal(incident.asset, null)
  t.equal(incident.actor, null)
  t.equal(incident.assignee, null)
})

t.test('every enum value of spec 3.1, exactly', async (t) => {
  const severity: Array<[string, string]> = [['INFO', 'informational'], ['LOW', 'low'], ['MEDIUM', 'medium'], ['HIGH', 'high'], ['CRITICAL', 'unknown']]
  for (const [native, normalized] of severity) {
    const { incident } = map({ ...base, severity: native })
    t.equal(incident.severity, normalized, `severity ${native}`)
    t.equal(incident.source.severity, native)
  }
  const priority: Array<[string, string]> = [['LOW', 'low'], ['MEDIUM', 'medium'], ['HIGH', 'high'], ['CRITICAL', 'critical'], ['INFO', 'unknown']]
  for (const [native, normalized] of priority) {
    const { incident } = map({ ...base, severity: 'LOW', priority: native })
    t.equal(incident.priority, normalized, `priority ${native}`)
    t.equal(incident.severity, 'low', 'priority never touches severity')
    t.equal(incident.source.priority, native)
  }
  t.equal(map({ ...base }).incident.priority, null, 'no priority: null')
  t.equal(map({ ...base, priority: null }).incident.priority, null)

  const status: Array<[string, string, string | null]> = [
    ['NEW', 'new', null],
    ['INVESTIGATING', 'in_progress', 'INVESTIGATING'],
    ['VALIDATING_WITH_USER', 'in_progress', 'VALIDATING_WITH_USER'],
    ['JUSTIFICATION_RESPONSE_RECEIVED', 'in_progress', 'JUSTIFICATION_RESPONSE_RECEIVED'],
    ['ESCALATED', 'in_progress', 'ESCALATED'],
    ['RESOLVED', 'resolved', null],
    ['DISMISSED', 'unknown', null],
    ['ON_HOLD', 'unknown', null]
  ]
  for (const [native, normalized, sub] of status) {
    const { incident } = map({ ...base, status: native })
    t.equal(incident.status, normalized, `status ${native}`)
    t.equal(incident.source.status, native)
    t.equal(incident.source.sub_status, sub, `sub_status of ${native}`)
  }

  const resolution: Array<[unknown, string | null, string | null]> = [
    ['FALSE_POSITIVE', 'false_positive', 'FALSE_POSITIVE'],
    ['TRUE_POSITIVE', 'unknown', 'TRUE_POSITIVE'],
    ['BENIGN', 'unknown', 'BENIGN'],
    [null, null, null],
    [undefined, null, null]
  ]
  for (const [native, classification, source] of resolution) {
    const { incident } = map({ ...base, status: 'RESOLVED', resolution: native })
    t.equal(incident.classification, classification, `resolution ${String(native)}`)
    t.equal(incident.source.resolution, source)
  }
})

t.test('configured overrides are data: they change the mapping', async (t) => {
  const custom = new EnumMapper(resolveTables('zwa', { classification: { TRUE_POSITIVE: 'true_positive' }, severity: { CRITICAL: 'critical' } }), DEFAULT_TABLES.zwa)
  t.equal(map({ ...base, resolution: 'TRUE_POSITIVE' }, custom).incident.classification, 'true_positive')
  t.equal(map({ ...base, severity: 'CRITICAL' }, custom).incident.severity, 'critical')
  t.equal(map({ ...base, severity: 'CRITICAL' }).incident.severity, 'unknown', 'the defaults are untouched')
})

t.test('odd but real shapes', async (t) => {
  const { incident } = map({
    ...base,
    matchingPolicies: { rules: [{ name: 'Only-Rule' }, { noName: true }], engines: [{ rule: 'nameless engine' }], dictionaries: 'TBD' },
    applicationInfo: { name: 'Slack', category: 'Collaboration', hostnameOrApplication: '' },
    contentInfo: null,
    labels: [{ key: 'A', value: 'x' }, { key: '', value: 'dropped' }, { key: 'B', value: 7 }, 'junk'],
    notes: [{ createdAt: 'not a time', createdBy: 'svc-bot' }],
    matchCount: -3
  })
  t.same(incident.policy, { id: null, name: 'Only-Rule' }, 'no named engine: the first rule')
  t.same(incident.rules, [{ name: 'Only-Rule', detail: null }])
  t.same(incident.asset, { id: null, name: 'Slack', type: 'Collaboration', url: null, mime_type: null, file_name: null, file_type: null, application: 'Slack', owner: null })
  t.equal(incident.title, 'Only-Rule: Slack')
  t.same(incident.labels, [{ key: 'A', value: 'x' }, { key: 'B', value: '7' }])
  t.same(incident.notes, [{ text: '', created_at: null, author: 'svc-bot' }])
  t.equal(incident.match_count, 0)
  t.equal(incident.updated_at, incident.created_at, 'no lastUpdatedAt: created_at')
  t.ok(Value.Check(namedEnums, Incident, incident))
})

t.test('a record without a valid internalId or createdAt is an upstream error', async (t) => {
  for (const bad of [null, [], 'x', {}, { internalId: '1-143-1' }, { createdAt: base.createdAt }, { ...base, internalId: 'a/b' },
    { ...base, internalId: 'x'.repeat(65) }, { ...base, createdAt: '2025-02-30T00:00:00Z' }, { ...base, internalId: 12 }]) {
    t.throws(() => map(bad), { code: 'upstream_error', provider: 'zwa' }, JSON.stringify(bad))
  }
})

const known = (table: Record<string, string>) => (s: string) => !Object.hasOwn(table, s)

t.test('property: a native value the tables do not hold is unknown, never a neighbour, and kept in source', async () => {
  const tables = DEFAULT_TABLES.zwa
  // Near misses of real values (case, spaces, affixes) and arbitrary strings.
  const near = (natives: string[]) => fc.oneof(
    fc.string(),
    fc.tuple(fc.constantFrom(...natives), fc.constantFrom('lower', 'space', 'prefix', 'suffix', 'title'))
      .map(([v, how]) => how === 'lower' ? v.toLowerCase() : how === 'space' ? ` ${v}` : how === 'prefix' ? `X${v}` : how === 'suffix' ? `${v}_` : v[0] + v.slice(1).toLowerCase())
  )
  fc.assert(fc.property(
    near(Object.keys(tables.severity)).filter(known(tables.severity)),
    near(Object.keys(tables.priority)).filter(known(tables.priority)),
    near(Object.keys(tables.status)).filter(known(tables.status)),
    near(Object.keys(tables.classification)).filter(known(tables.classification)),
    (severity, priority, status, resolution) => {
      const { incident } = map({ ...base, severity, priority, status, resolution })
      return incident.severity === 'unknown' && incident.priority === 'unknown' && incident.status === 'unknown' &&
        incident.classification === 'unknown' && incident.source.severity === severity && incident.source.priority === priority &&
        incident.source.status === status && incident.source.resolution === resolution && incident.source.sub_status === null
    }
  ), { numRuns: 500 })
})

t.test('property: mapping is total on arbitrary JSON records and always yields a schema-valid Incident', async () => {
  const keys = ['severity', 'priority', 'status', 'resolution', 'matchingPolicies', 'matchCount', 'lastUpdatedAt', 'userInfo',
    'applicationInfo', 'contentInfo', 'assignedAdmin', 'notes', 'labels', 'incidentGroupIds', 'sourceActions']
  const anyField = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(null))
  const record = fc.record({
    internalId: fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/),
    createdAt: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    ...Object.fromEntries(keys.map((k) => [k, anyField]))
  }, { requiredKeys: ['internalId', 'createdAt'] })
  const extra = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
  fc.assert(fc.property(record, extra, (r, more) => {
    const raw = { ...more, ...r }
    const { incident, createdMicros } = map(raw)
    return Value.Check(namedEnums, Incident, incident) && incident.raw === raw && incident.native_id === r.internalId &&
      createdMicros === BigInt(Date.parse(r.createdAt)) * 1000n && incident.created_at === r.createdAt
  }), { numRuns: 400 })
})
