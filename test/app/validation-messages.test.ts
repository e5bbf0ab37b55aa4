import t from 'tap'
import { CLIENT_TIME_RULE } from '../../src/mapping/timestamps.ts'
import { KEYS, startStack } from '../helpers/stack.ts'

// Validation messages name what is allowed (values, format, bounds), never ajv's bare wording.
const AJV_WORDING = /must be equal to|must match format|must match pattern|must be >=|must be <=|must NOT have|must match a schema/

t.test('list filters are comma lists checked against their enums, with messages naming the allowed values', async (t) => {
  const stack = await startStack({ count: 12 })
  t.teardown(() => stack.close())
  const severities = (res: { body: any }) => [...new Set(res.body.data.map((i: any) => i.severity))].sort()
  const comma = await stack.get('/v1/incidents?limit=100&severity=high,critical')
  t.equal(comma.status, 200)
  t.ok(comma.body.data.length > 0)
  t.ok(severities(comma).every((s) => s === 'high' || s === 'critical'), 'the comma-separated wire format filters')
  const repeated = await stack.get('/v1/incidents?limit=100&severity=high&severity=critical')
  t.same(repeated.body.data.map((i: any) => i.id), comma.body.data.map((i: any) => i.id), 'a repeated parameter means the same')
  const spaced = await stack.get('/v1/incidents?limit=100&severity=high,%20critical,high&provider=zwa,cloudlock')
  t.same(spaced.body.data.map((i: any) => i.id), comma.body.data.map((i: any) => i.id), 'entries are trimmed and deduplicated')

  const cases: Array<[string, string, string]> = [
    ['severity=high,urgent', '/query/severity', "entry 'urgent' must be one of: informational, low, medium, high, critical, unknown"],
    ['status=open', '/query/status', "entry 'open' must be one of: new, in_progress, resolved, dismissed, unknown"],
    ['severity=high,', '/query/severity', "entry '' must be one of: informational, low, medium, high, critical, unknown"],
    ['include=everything', '/query/include', "entry 'everything' must be one of: raw"],
    ['provider=Bad_Id', '/query/provider', "entry 'Bad_Id' must be a provider id: a lowercase letter, then up to 31 lowercase letters, digits or -"],
    // The strict time rule (real dates, no leap second, years 1-9999 UTC) names what it accepts.
    ['created_after=yesterday', '/query/created_after', CLIENT_TIME_RULE],
    ['limit=0', '/query/limit', 'must be at least 1'],
    ['limit=101', '/query/limit', 'must be at most 100'],
    ['limit=ten', '/query/limit', 'must be an integer'],
    ['allow_partial=maybe', '/query/allow_partial', 'must be true or false'],
    ['colour=blue', '/query/colour', 'is not a known field']
  ]
  for (const [query, path, message] of cases) {
    const res = await stack.get(`/v1/incidents?${query}`)
    t.equal(res.status, 400, query)
    t.same(res.body.errors, [{ path, message }], query)
    t.ok(res.body.detail.includes(`${path} ${message}`), `${query}: the detail repeats it`)
  }
})

t.test('path and body messages: the id pattern in words, the per-provider check kept, bounds and types named', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const bad = await stack.get('/v1/incidents/not-an-id')
  t.equal(bad.status, 400)
  t.equal(bad.body.errors[0].path, '/path/id')
  t.match(bad.body.errors[0].message, /^must be <provider id>:<native id>, e.g. cloudlock:320831601/)
  // Passes the documented pattern (a ZWA-shaped native id) but not Cloudlock's own check.
  const cl = await stack.get('/v1/incidents/cloudlock:ABC-1')
  t.equal(cl.status, 400)
  t.same(cl.body.errors, [{ path: '/path/id', message: 'native id must be 1 to 20 digits' }])
  const tx = await stack.get('/v1/transactions/Zwa/1/incidents')
  t.same(tx.body.errors, [{ path: '/path/provider', message: 'must be a provider id: a lowercase letter, then up to 31 lowercase letters, digits or -' }])

  const id = (await stack.get('/v1/incidents?provider=cloudlock&limit=1')).body.data[0].id
  const cases: Array<[unknown, Array<{ path: string, message: string }>]> = [
    [{ status: 'open' }, [{ path: '/body/status', message: 'must be one of: new, in_progress, resolved, dismissed, unknown' }]],
    [{ external_ref: 'x'.repeat(257) }, [{ path: '/body/external_ref', message: 'must be at most 256 characters long' }]],
    [{ external_ref: 5 }, [{ path: '/body/external_ref', message: 'must be a string or null' }]],
    [{}, [{ path: '/body', message: 'must have at least 1 field' }]]
  ]
  for (const [body, errors] of cases) {
    const res = await stack.send('PATCH', `/v1/incidents/${id}`, body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.same(res.body.errors, errors, JSON.stringify(body))
  }
  const close = await stack.send('POST', `/v1/incidents/${id}/close`, { classification: 'maybe', label: { key: '', value: 'v' } })
  t.same(close.body.errors, [
    { path: '/body/classification', message: 'must be one of: false_positive, true_positive, benign, unknown' },
    { path: '/body/label/key', message: 'must not be empty' }
  ])
  const labels = await stack.send('POST', `/v1/incidents/${id}/labels`, { labels: [] }, KEYS.admin)
  t.same(labels.body.errors, [{ path: '/body/labels', message: 'must have at least 1 entry' }])
  for (const res of [bad, cl, tx, close, labels]) t.notMatch(res.body.detail, AJV_WORDING)
})
