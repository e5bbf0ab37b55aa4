import t from 'tap'
import { httpCall, KEYS, startStack, type Stack } from '../helpers/stack.ts'

// Spec section 11 over HTTP against the simulators: ETags, 304, If-Match on every write route, 412
// with the current ETag and the fields that differ, and two concurrent writers (docs/writes.md).

type Res = Awaited<ReturnType<typeof httpCall>>
// Through `stack.url`, so a copy of the stack pointing at another gateway works too.
const call = (stack: Stack, method: string, path: string, opts: Parameters<typeof httpCall>[3] = {}): Promise<Res> =>
  httpCall(stack.url, method, path, opts)
const simWrites = async (sim: any) => (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
  .filter((r: any) => r.method === 'POST' || r.method === 'PUT').filter((r: any) => !r.path.endsWith('/token') && !r.path.endsWith('/search'))
const firstId = async (stack: Stack, provider: string) => (await stack.get(`/v1/incidents?provider=${provider}&limit=1&status=new`)).body.data[0].id as string

t.test('ETag: strong, the same for every view of one state, 304 on If-None-Match', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  const id = await firstId(stack, 'cloudlock')
  const a = await call(stack, 'GET', `/v1/incidents/${id}`)
  t.equal(a.status, 200)
  const etag = a.headers.etag as string
  t.match(etag, /^"[A-Za-z0-9_-]{32}"$/, 'a strong ETag')
  const raw = await call(stack, 'GET', `/v1/incidents/${id}?include=raw`)
  t.equal(raw.headers.etag, etag, 'include=raw does not change it')
  const noEvidence = await call(stack, 'GET', `/v1/incidents/${id}`, { key: KEYS.noEvidence })
  t.equal(noEvidence.headers.etag, etag, 'the evidence scope does not change it')

  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await call(stack, 'GET', `/v1/incidents/${id}`, { headers: { 'if-none-match': header } })
    t.equal(res.status, 304, `If-None-Match: ${header}`)
    t.equal(res.body, '', 'no body')
    t.equal(res.headers.etag, etag)
  }
  const stale = await call(stack, 'GET', `/v1/incidents/${id}`, { headers: { 'if-none-match': '"other", garbage' } })
  t.equal(stale.status, 200)

  // A vendor change of any field changes it.
  const native = id.split(':')[1]
  await stack.cloudlock.inject({ method: 'PATCH', url: `/__sim/incidents/${native}`, payload: { severity: 'CRITICAL' } })
  const after = await call(stack, 'GET', `/v1/incidents/${id}`, { headers: { 'if-none-match': etag } })
  t.equal(after.status, 200, 'changed at the vendor: a full answer')
  t.not(after.headers.etag, etag)
})

t.test('If-Match on every write route: 412 with the current ETag and the fields that differ', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  const zwa = await firstId(stack, 'zwa')
  const cl = await firstId(stack, 'cloudlock')
  const routes: Array<[string, string, string, unknown]> = [
    ['PATCH', cl, '', { external_ref: 'SOAR-1' }],
    ['POST', cl, '/close', {}],
    ['POST', zwa, '/notes', { text: 'checked' }],
    ['POST', zwa, '/labels', { labels: [{ key: 'soar', value: '1' }] }],
    ['POST', zwa, '/close', { classification: 'false_positive' }]
  ]
  for (const [method, id, suffix, body] of routes) {
    const before = await call(stack, 'GET', `/v1/incidents/${id}`)
    const etag = before.headers.etag as string
    // Someone changes the incident at the vendor console.
    const native = id.split(':')[1]
    const sim = id.startsWith('zwa') ? stack.zwa : stack.cloudlock
    const natives = id.startsWith('zwa') ? ['LOW', 'HIGH'] : ['INFO', 'CRITICAL']
    const patch = { severity: natives.find((n) => n !== before.body.source.severity) }
    t.equal((await sim.inject({ method: 'PATCH', url: `/__sim/incidents/${native}`, payload: patch })).statusCode, 200)
    await sim.inject({ method: 'DELETE', url: '/__sim/requests' })
    const refused = await call(stack, method, `/v1/incidents/${id}${suffix}`, { body, headers: { 'if-match': etag } })
    t.equal(refused.status, 412, `${method} ${suffix || '/'}: 412`)
    t.equal(refused.body.code, 'precondition_failed')
    t.match(refused.body.fields, ['severity'], 'names the changed field')
    t.ok(refused.body.fields.includes('updated_at'))
    const current = refused.headers.etag as string
    t.equal(refused.body.etag, current)
    t.not(current, etag)
    t.same(await simWrites(sim), [], 'nothing was written')
    const ok = await call(stack, method, `/v1/incidents/${id}${suffix}`, { body, headers: { 'if-match': current } })
    t.equal(ok.status, 200, `${method} ${suffix || '/'} with the current ETag`)
    t.match(ok.headers.etag, /^"/, 'the answer has its ETag')
    const reread = await call(stack, 'GET', `/v1/incidents/${id}`)
    t.equal(reread.headers.etag, ok.headers.etag, 'the write answer\'s ETag is the next GET\'s')
  }
  const unknown = await call(stack, 'POST', `/v1/incidents/${zwa}/notes`, { body: { text: 'x' }, headers: { 'if-match': '"unknown-to-this-gateway"' } })
  t.equal(unknown.status, 412)
  t.same(unknown.body.fields, [], 'a state this gateway never issued: no field names, honestly')
  const star = await call(stack, 'POST', `/v1/incidents/${zwa}/notes`, { body: { text: 'y' }, headers: { 'if-match': '*' } })
  t.equal(star.status, 200, 'If-Match: * matches any existing incident')
  const weak = await call(stack, 'POST', `/v1/incidents/${zwa}/notes`, { body: { text: 'z' }, headers: { 'if-match': `W/${star.headers.etag as string}` } })
  t.equal(weak.status, 412, 'If-Match uses the strong comparison: a weak tag never matches')
})

t.test('two concurrent writers with one ETag: one succeeds, the other gets 412 (no lost update)', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  for (let round = 0; round < 5; round++) {
    const id = (await stack.get('/v1/incidents?provider=cloudlock&limit=5')).body.data[round].id as string
    const etag = (await call(stack, 'GET', `/v1/incidents/${id}`)).headers.etag as string
    await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
    const [a, b] = await Promise.all([
      call(stack, 'PATCH', `/v1/incidents/${id}`, { body: { external_ref: `analyst-${round}` }, headers: { 'if-match': etag } }),
      call(stack, 'PATCH', `/v1/incidents/${id}`, { body: { external_ref: `playbook-${round}` }, headers: { 'if-match': etag } })
    ])
    t.same([a.status, b.status].sort(), [200, 412], `round ${round}: one writer wins, the other is told`)
    const winner = a.status === 200 ? a : b
    const loser = a.status === 200 ? b : a
    t.ok(loser.body.fields.includes('external_ref'), 'the loser learns what changed')
    t.equal(loser.headers.etag, winner.headers.etag, 'and the winner\'s state\'s ETag')
    t.equal((await simWrites(stack.cloudlock)).length, 1, 'one vendor write')
    const final = await call(stack, 'GET', `/v1/incidents/${id}`)
    t.equal(final.body.external_ref, winner.body.external_ref, 'the winner\'s write stands')
  }
})

t.test('a write without If-Match is not conditional, and still answers with its ETag', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const id = await firstId(stack, 'cloudlock')
  const res = await call(stack, 'PATCH', `/v1/incidents/${id}`, { body: { external_ref: 'x' } })
  t.equal(res.status, 200)
  t.match(res.headers.etag, /^"/)
  const bad = await call(stack, 'PATCH', `/v1/incidents/${id}`, { body: { external_ref: 'y' }, headers: { 'if-match': 'no-quotes' } })
  t.equal(bad.status, 412, 'a malformed If-Match matches nothing')
})
