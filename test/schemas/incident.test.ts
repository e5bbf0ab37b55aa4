import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { Incident } from '../../src/schemas/incident.ts'
import { IncidentList } from '../../src/schemas/incident-list.ts'
import { Problem } from '../../src/schemas/problem.ts'
import { CLASSIFICATIONS, enumSchemas, NATIVE_ID_PATTERNS, PRIORITIES, PROVIDER_ID_PATTERN, SEVERITIES, STATUSES } from '../../src/schemas/enums.ts'

const ajv = new Ajv({ allErrors: true, strict: false })
addFormats.default(ajv)
for (const schema of enumSchemas) ajv.addSchema(schema)
ajv.addSchema(Problem)
ajv.addSchema(Incident)
const validIncident = ajv.compile({ $ref: 'Incident' })
const validList = ajv.compile(IncidentList)

// A Cloudlock record (seed document 320831601) as the gateway must render it.
const sample = () => ({
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
    file_name: null,
    file_type: null,
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
  source: { severity: 'WARNING', status: 'IN PROGRESS', priority: null, resolution: null, sub_status: null },
  transaction_id: null
})

t.test('the Incident schema accepts a complete normalized record', async (t) => {
  t.ok(validIncident(sample()), JSON.stringify(validIncident.errors))
  t.ok(validIncident({ ...sample(), raw: { id: '320831601', anything: [1, 2] } }), 'raw is an object of vendor values')
})

t.test('every field of spec section 3 is required and nothing else is allowed', async (t) => {
  const required = Object.keys(sample())
  t.same([...Incident.required].sort(), [...required].sort())
  for (const field of required) {
    const record: Record<string, unknown> = sample()
    delete record[field]
    t.notOk(validIncident(record), `missing ${field} is invalid`)
  }
  t.notOk(validIncident({ ...sample(), extra_field: 1 }), 'unknown fields are invalid')
  t.notOk(validIncident({ ...sample(), asset: { ...sample().asset, extra: 1 } }), 'nested objects are closed too')
})

t.test('enums are exactly those of spec section 3', async (t) => {
  t.same([...SEVERITIES], ['informational', 'low', 'medium', 'high', 'critical', 'unknown'])
  t.same([...PRIORITIES], ['low', 'medium', 'high', 'critical', 'unknown'])
  t.same([...STATUSES], ['new', 'in_progress', 'resolved', 'dismissed', 'unknown'])
  t.same([...CLASSIFICATIONS], ['false_positive', 'true_positive', 'benign', 'unknown'])
  for (const severity of SEVERITIES) t.ok(validIncident({ ...sample(), severity }))
  for (const status of STATUSES) t.ok(validIncident({ ...sample(), status }))
  for (const priority of [...PRIORITIES, null]) t.ok(validIncident({ ...sample(), priority }))
  for (const classification of [...CLASSIFICATIONS, null]) t.ok(validIncident({ ...sample(), classification }))
  t.notOk(validIncident({ ...sample(), severity: 'WARNING' }), 'vendor values are not normalized values')
  t.notOk(validIncident({ ...sample(), status: 'closed' }))
  t.notOk(validIncident({ ...sample(), priority: 'informational' }), 'informational is a severity, not a priority')
  t.notOk(validIncident({ ...sample(), provider_type: 'netskope' }))
})

t.test('nullable parts accept null and only null', async (t) => {
  for (const field of ['policy', 'asset', 'actor', 'assignee', 'external_ref', 'priority', 'classification']) {
    t.ok(validIncident({ ...sample(), [field]: null }), `${field} may be null`)
  }
  for (const field of ['rules', 'matches', 'labels', 'notes']) {
    t.notOk(validIncident({ ...sample(), [field]: null }), `${field} is an array, never null`)
  }
  t.notOk(validIncident({ ...sample(), match_count: -1 }))
  t.notOk(validIncident({ ...sample(), match_count: 1.5 }))
})

t.test('the list envelope and problem document match spec sections 5 and 6', async (t) => {
  t.ok(validList({ data: [sample()], next_cursor: null, providers: { cloudlock: { status: 'ok' } } }), JSON.stringify(validList.errors))
  t.ok(validList({
    data: [],
    next_cursor: 'v1.abc',
    providers: {
      zwa: {
        status: 'error',
        error: { type: 'urn:dlp-gateway:problem:upstream_timeout', title: 't', status: 504, detail: 'd', instance: '/v1/incidents', code: 'upstream_timeout', request_id: 'r', provider: 'zwa' }
      },
      cloudlock: { status: 'skipped' }
    }
  }), JSON.stringify(validList.errors))
  t.notOk(validList({ data: [], providers: {} }), 'next_cursor is always present')
  t.notOk(validList({ data: [], next_cursor: null, providers: { zwa: { status: 'partial' } } }))
  const validProblem = ajv.compile({ $ref: 'Problem' })
  t.notOk(validProblem({ type: 'x', title: 't', status: 400, detail: 'd', instance: '/', code: 'made_up', request_id: 'r' }), 'codes are the stable set')
  t.ok(validProblem({ type: 'x', title: 't', status: 400, detail: 'd', instance: '/', code: 'validation_failed', request_id: 'r', errors: [{ path: '/query/limit', message: 'must be <= 100' }] }))
})

t.test('id patterns follow spec section 2', async (t) => {
  const provider = new RegExp(PROVIDER_ID_PATTERN)
  t.ok(provider.test('zwa'))
  t.ok(provider.test('cl-emea-2'))
  t.ok(provider.test('a' + 'b'.repeat(31)))
  t.notOk(provider.test('a' + 'b'.repeat(32)), 'at most 32 characters')
  t.notOk(provider.test('Zwa'))
  t.notOk(provider.test('1zwa'))
  t.notOk(provider.test('zwa_1'))
  const zwa = new RegExp(NATIVE_ID_PATTERNS.zwa)
  t.ok(zwa.test('1-152-DFZG-17410647793298599936'))
  t.ok(zwa.test('SVDP-17410643229970491392'))
  t.notOk(zwa.test('a'.repeat(65)))
  t.notOk(zwa.test('../etc/passwd'))
  t.notOk(zwa.test('1 2'))
  const cloudlock = new RegExp(NATIVE_ID_PATTERNS.cloudlock)
  t.ok(cloudlock.test('320831601'))
  t.ok(cloudlock.test('9'.repeat(20)))
  t.notOk(cloudlock.test('9'.repeat(21)))
  t.notOk(cloudlock.test('12a'))
  t.notOk(cloudlock.test(''))
})
