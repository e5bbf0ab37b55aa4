import t from 'tap'
import { KEYS, startStack } from '../helpers/stack.ts'

const simRequests = async (sim: any) => (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests as any[]
const firstId = async (stack: any, provider: string) => (await stack.get(`/v1/incidents?provider=${provider}&limit=1`)).body.data[0].id as string

t.test('authentication and scopes', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const none = await stack.get('/v1/incidents', '')
  t.equal(none.status, 401)
  t.equal(none.body.code, 'unauthorized')
  t.equal(none.headers['www-authenticate'], 'Bearer realm="dlp-gateway"')
  const wrong = await stack.get('/v1/incidents', 'not-a-key')
  t.equal(wrong.status, 401)
  t.notMatch(JSON.stringify(wrong.body), /not-a-key/, 'the key is not echoed')
  const id = await firstId(stack, 'zwa')
  const write = await stack.send('POST', `/v1/incidents/${id}/notes`, { text: 'x' }, KEYS.reader)
  t.equal(write.status, 403, 'read-only key cannot write')
  t.equal(write.body.code, 'forbidden')
  const evidence = await stack.get(`/v1/incidents/${id}/evidence`, KEYS.noEvidence)
  t.equal(evidence.status, 403, 'evidence needs evidence:read')
  const triggers = await stack.get(`/v1/incidents/${id}/triggers`, KEYS.noEvidence)
  t.equal(triggers.status, 403)
  const other = await stack.get(`/v1/incidents/${id}`, KEYS.cloudlockOnly)
  t.equal(other.status, 403, 'a key never reads a provider outside its allow-list')
  const health = await stack.get('/healthz', '')
  t.equal(health.status, 200, 'health needs no key')
})

t.test('incident ids are validated before any vendor call', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  for (const [id, status] of [['cloudlock:12a', 400], ['cloudlock:' + '1'.repeat(21), 400], ['zwa:bad_id!', 400], ['noprovider', 400], ['Bad:1', 400], ['netskope:1', 404], ['cloudlock:%2E%2E%2Fx', 400]] as const) {
    const res = await stack.get(`/v1/incidents/${id}`)
    t.equal(res.status, status, id)
  }
  t.same(await simRequests(stack.cloudlock), [], 'nothing reached the vendor')
  const missing = await stack.get('/v1/incidents/cloudlock:999999999')
  t.equal(missing.status, 404)
  t.equal(missing.body.code, 'not_found')
})

t.test('detail with and without raw', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  for (const provider of ['zwa', 'cloudlock']) {
    const id = await firstId(stack, provider)
    const plain = await stack.get(`/v1/incidents/${id}`)
    t.equal(plain.status, 200)
    t.equal(plain.body.id, id)
    t.notOk('raw' in plain.body)
    const raw = await stack.get(`/v1/incidents/${id}?include=raw`)
    t.ok(raw.body.raw, `${provider} raw present`)
  }
})

t.test('Cloudlock writes are reflected in later reads and in the vendor state', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const id = await firstId(stack, 'cloudlock')
  const native = id.split(':')[1]
  const patched = await stack.send('PATCH', `/v1/incidents/${id}`, { status: 'in_progress', severity: 'critical', external_ref: 'SOC-881' })
  t.equal(patched.status, 200)
  t.match(patched.body, { status: 'in_progress', severity: 'critical', external_ref: 'SOC-881', source: { status: 'IN PROGRESS', severity: 'CRITICAL' } })
  const puts = (await simRequests(stack.cloudlock)).filter((r) => r.method === 'PUT')
  t.same(puts.at(-1).body, { incident_status: 'IN PROGRESS', severity: 'CRITICAL', customer_key: 'SOC-881' })
  const reread = await stack.get(`/v1/incidents/${id}`)
  t.match(reread.body, { status: 'in_progress', severity: 'critical', external_ref: 'SOC-881' })

  const closed = await stack.send('POST', `/v1/incidents/${id}/close`, { classification: 'false_positive' })
  t.equal(closed.body.status, 'dismissed')
  const resolved = await stack.send('POST', `/v1/incidents/${id}/close`, {})
  t.equal(resolved.body.status, 'resolved')
  const vendor = await stack.cloudlock.inject({ method: 'GET', url: `/api/v2/incidents/${native}`, headers: { authorization: 'Bearer cloudlock-test-token' } })
  t.equal(vendor.json().incident_status, 'RESOLVED')

  const low = await stack.send('PATCH', `/v1/incidents/${id}`, { severity: 'low' })
  t.equal(low.status, 422)
  t.match(low.body, { code: 'unsupported_value', provider: 'cloudlock' })
  const notes = await stack.send('POST', `/v1/incidents/${id}/close`, { notes: 'done' })
  t.equal(notes.status, 422)
  t.match(notes.body, { code: 'capability_not_supported', capability: 'notes' })
  for (const [method, path, body, capability] of [
    ['POST', 'notes', { text: 'hi' }, 'notes'],
    ['POST', 'labels', { labels: [{ key: 'a', value: 'b' }] }, 'labels'],
    ['GET', 'history', undefined, 'history'],
    ['GET', 'evidence', undefined, 'evidence'],
    ['GET', 'triggers', undefined, 'triggers'],
    ['GET', 'tickets', undefined, 'tickets'],
    ['GET', 'groups', undefined, 'groups']
  ] as const) {
    const res = method === 'GET' ? await stack.get(`/v1/incidents/${id}/${path}`) : await stack.send('POST', `/v1/incidents/${id}/${path}`, body)
    t.equal(res.status, 422, path)
    t.match(res.body, { code: 'capability_not_supported', provider: 'cloudlock', capability })
  }
  const tx = await stack.get('/v1/transactions/cloudlock/123/incidents')
  t.match(tx.body, { code: 'capability_not_supported', capability: 'transactions' })
})

t.test('ZWA triage actions and sub-resources', async (t) => {
  const stack = await startStack({ count: 30 })
  t.teardown(() => stack.close())
  const list = await stack.get('/v1/incidents?provider=zwa&status=new&limit=1&include=raw')
  const incident = list.body.data[0]
  const id = incident.id
  const noted = await stack.send('POST', `/v1/incidents/${id}/notes`, { text: 'Looked at it' })
  t.equal(noted.status, 200)
  t.ok(noted.body.notes.some((n: any) => n.text === 'Looked at it'))
  const labelled = await stack.send('POST', `/v1/incidents/${id}/labels`, { labels: [{ key: 'Reviewed', value: 'Yes' }] })
  t.ok(labelled.body.labels.some((l: any) => l.key === 'Reviewed' && l.value === 'Yes'))
  const closed = await stack.send('POST', `/v1/incidents/${id}/close`, { classification: 'false_positive', notes: 'benign test file', label: { key: 'Review', value: 'Done' } })
  t.equal(closed.status, 200)
  t.match(closed.body, { status: 'resolved', classification: 'false_positive', source: { status: 'RESOLVED', resolution: 'FALSE_POSITIVE' } })
  const history = await stack.get(`/v1/incidents/${id}/history`)
  t.equal(history.status, 200)
  t.ok(history.body.data.some((h: any) => h.before === 'NEW' && h.after === 'RESOLVED'), 'the close is in the history')
  for (const path of ['evidence', 'triggers', 'tickets', 'groups']) {
    const res = await stack.get(`/v1/incidents/${id}/${path}`)
    t.equal(res.status, 200, path)
  }
  const tx = await stack.get(`/v1/transactions/zwa/${incident.raw.transactionId}/incidents`)
  t.equal(tx.status, 200)
  t.ok(tx.body.data.some((i: any) => i.id === id))

  const other = (await stack.get('/v1/incidents?provider=zwa&status=new,in_progress&limit=1')).body.data[0].id
  const inProgress = await stack.send('PATCH', `/v1/incidents/${other}`, { status: 'in_progress' })
  t.equal(inProgress.status, 422)
  t.equal(inProgress.body.code, 'unsupported_value')
  const severity = await stack.send('PATCH', `/v1/incidents/${other}`, { severity: 'high' })
  t.match(severity.body, { code: 'capability_not_supported', capability: 'update_severity' })
  const ref = await stack.send('PATCH', `/v1/incidents/${other}`, { external_ref: 'X-1' })
  t.match(ref.body, { code: 'capability_not_supported', capability: 'update_external_ref' })
  const resolve = await stack.send('PATCH', `/v1/incidents/${other}`, { status: 'resolved' })
  t.equal(resolve.status, 200)
  t.equal(resolve.body.status, 'resolved')
  const empty = await stack.send('PATCH', `/v1/incidents/${other}`, {})
  t.equal(empty.status, 400, 'an empty patch is a validation error')
  const extra = await stack.send('POST', `/v1/incidents/${other}/notes`, { text: 'x', color: 'red' })
  t.equal(extra.status, 400)
  t.ok(extra.body.errors.some((e: any) => e.path === '/body/color'))
})

t.test('providers and mappings', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const providers = await stack.get('/v1/providers')
  t.equal(providers.status, 200)
  const byId = Object.fromEntries(providers.body.data.map((p: any) => [p.id, p]))
  t.equal(byId.zwa.type, 'zwa')
  t.equal(byId.cloudlock.base_url, `${stack.cloudlockUrl}/api/v2`)
  t.notMatch(JSON.stringify(providers.body), /cloudlock-test-token|zwa-test-secret/)
  t.ok(byId.zwa.capabilities.includes('notes'))
  t.notOk(byId.cloudlock.capabilities.includes('notes'))
  t.notOk(byId.zwa.capabilities.includes('filter_updated'), 'ZWA cannot filter updated_at natively')
  t.match(byId.cloudlock.health, { circuit: 'closed' })
  const restricted = await stack.get('/v1/providers', KEYS.cloudlockOnly)
  t.same(restricted.body.data.map((p: any) => p.id), ['cloudlock'])

  const mappings = await stack.get('/v1/mappings')
  const cl = mappings.body.data.find((m: any) => m.provider === 'cloudlock')
  t.same(cl.severity, [
    { native: 'INFO', normalized: 'informational' },
    { native: 'WARNING', normalized: 'medium' },
    { native: 'ALERT', normalized: 'high' },
    { native: 'CRITICAL', normalized: 'critical' }
  ])
  const zwa = mappings.body.data.find((m: any) => m.provider === 'zwa')
  t.same(zwa.status.find((s: any) => s.native === 'ESCALATED'), { native: 'ESCALATED', normalized: 'in_progress', sub_status: true })
  t.same(zwa.classification, [{ native: 'FALSE_POSITIVE', normalized: 'false_positive' }])
})

t.test('ZWA integers beyond 2^53 stay exact through the gateway', async (t) => {
  const stack = await startStack({ count: 40 })
  t.teardown(() => stack.close())
  const { request } = await import('undici')
  const res = await request(`${stack.url}/v1/incidents?provider=zwa&limit=100&include=raw`, { headers: { authorization: `Bearer ${KEYS.admin}` } })
  const text = await res.body.text()
  t.match(text, /"incidentGroupIds":\[[^\]]*16786743992009003[,\]]/, 'raw keeps the exact digits of a group id above 2^53')
  // Parse keeping every integer's source text, as a careful client would.
  const exact = JSON.parse(text, (_k, v, ctx?: { source?: string }) => (typeof v === 'number' && ctx?.source ? ctx.source : v))
  const incident = exact.data.find((i: any) => i.raw.incidentGroupIds?.includes('16786743992009003'))
  const groups = await stack.get(`/v1/incidents/${incident.id}/groups`)
  t.ok(groups.body.data.some((g: any) => g.id === '16786743992009003'), 'group ids are exact strings')
})
