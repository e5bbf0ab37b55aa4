import { randomUUID } from 'node:crypto'
import t from 'tap'
import { KEYS, startStack } from '../helpers/stack.ts'

const simRequests = async (sim: any) => (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests as any[]

t.test('every scope against every endpoint', async (t) => {
  const stack = await startStack({ count: 10 })
  t.teardown(() => stack.close())
  const zwa = (await stack.get('/v1/incidents?provider=zwa&limit=1&include=raw')).body.data[0]
  const id = zwa.id
  const endpoints: Array<[string, string, unknown, string]> = [
    ['GET', '/v1/incidents', undefined, 'incidents:read'],
    ['GET', `/v1/incidents/${id}`, undefined, 'incidents:read'],
    ['GET', `/v1/incidents/${id}/history`, undefined, 'incidents:read'],
    ['GET', `/v1/incidents/${id}/tickets`, undefined, 'incidents:read'],
    ['GET', `/v1/incidents/${id}/groups`, undefined, 'incidents:read'],
    ['GET', `/v1/transactions/zwa/${zwa.raw.transactionId}/incidents`, undefined, 'incidents:read'],
    ['GET', '/v1/providers', undefined, 'incidents:read'],
    ['GET', '/v1/mappings', undefined, 'incidents:read'],
    ['GET', `/v1/incidents/${id}/evidence`, undefined, 'evidence:read'],
    ['GET', `/v1/incidents/${id}/triggers`, undefined, 'evidence:read'],
    ['PATCH', `/v1/incidents/${id}`, { status: 'resolved' }, 'incidents:write'],
    ['POST', `/v1/incidents/${id}/close`, {}, 'incidents:write'],
    ['POST', `/v1/incidents/${id}/notes`, { text: 'n' }, 'incidents:write'],
    ['POST', `/v1/incidents/${id}/labels`, { labels: [{ key: 'k', value: 'v' }] }, 'incidents:write']
  ]
  const keys: Array<[string, string[]]> = [
    [KEYS.reader, ['incidents:read']],
    [KEYS.noEvidence, ['incidents:read', 'incidents:write']],
    [KEYS.admin, ['incidents:read', 'incidents:write', 'evidence:read']]
  ]
  for (const [method, path, body, scope] of endpoints) {
    for (const [key, scopes] of keys) {
      const res = method === 'GET' ? await stack.get(path, key) : await stack.send(method as 'POST', path, body, key)
      if (scopes.includes(scope)) {
        t.equal(res.status, 200, `${method} ${path} with ${scopes.join('+')}`)
      } else {
        t.equal(res.status, 403, `${method} ${path} without ${scope}`)
        t.equal(res.body.code, 'forbidden')
        t.match(res.body.detail, scope)
      }
    }
    const anonymous = method === 'GET' ? await stack.get(path, '') : await stack.send(method as 'POST', path, body, '')
    t.equal(anonymous.status, 401, `${method} ${path} without a key`)
  }
})

t.test('idempotent writes: replay, conflict, concurrent duplicates, per-key scope', async (t) => {
  const stack = await startStack({ count: 5 })
  t.teardown(() => stack.close())
  const id = (await stack.get('/v1/incidents?provider=cloudlock&limit=1')).body.data[0].id
  const write = (key: string, body: unknown, apiKey = KEYS.admin) => stack.app.inject({
    method: 'PATCH', url: `/v1/incidents/${id}`, payload: body as object, headers: { authorization: `Bearer ${apiKey}`, 'idempotency-key': key }
  })
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  const key = randomUUID()
  const first = await write(key, { external_ref: 'A-1', status: 'in_progress' })
  t.equal(first.statusCode, 200)
  const again = await write(key, { status: 'in_progress', external_ref: 'A-1' })
  t.equal(again.statusCode, 200)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.body, first.body, 'the stored answer, byte for byte (key order does not matter)')
  const puts = (await simRequests(stack.cloudlock)).filter((r) => r.method === 'PUT')
  t.equal(puts.length, 1, 'the vendor saw one write')

  const other = await write(key, { external_ref: 'B-2' })
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'idempotency_key_reused')

  const sameKeyOtherClient = await write(key, { external_ref: 'C-3' }, KEYS.noEvidence)
  t.equal(sameKeyOtherClient.statusCode, 200, 'idempotency keys belong to one API key')

  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  await stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { route: 'PUT /api/v2/incidents', latency_ms: 300 } })
  const concurrentKey = randomUUID()
  const answers = await Promise.all(Array.from({ length: 6 }, () => write(concurrentKey, { external_ref: 'D-4' })))
  t.same(answers.map((a) => a.statusCode), [200, 200, 200, 200, 200, 200])
  t.equal(new Set(answers.map((a) => a.body)).size, 1, 'every duplicate got the same answer')
  t.equal((await simRequests(stack.cloudlock)).filter((r) => r.method === 'PUT').length, 1, 'only one reached the vendor')
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/faults' })

  const bad = await write('has space', { external_ref: 'x' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, '/headers/idempotency-key')

  // An upstream failure is not stored: the client may repeat the same key.
  const failingKey = randomUUID()
  await stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { route: 'PUT /api/v2/incidents', status: 500, count: 1 } })
  const failed = await write(failingKey, { external_ref: 'E-5' })
  t.equal(failed.statusCode, 502)
  const retried = await write(failingKey, { external_ref: 'E-5' })
  t.equal(retried.statusCode, 200)
  t.equal(retried.json().external_ref, 'E-5')
})

t.test('per-key rate limits with RateLimit headers and Retry-After', async (t) => {
  const stack = await startStack({ count: 3, yaml: 'limits: { rate_limit_per_minute: 4 }' })
  t.teardown(() => stack.close())
  const statuses: number[] = []
  let last: any
  for (let i = 0; i < 6; i++) {
    last = await stack.get('/v1/providers')
    statuses.push(last.status)
    if (i === 0) {
      t.equal(last.headers['ratelimit-limit'], '4')
      t.equal(last.headers['ratelimit-remaining'], '3')
    }
  }
  t.same(statuses, [200, 200, 200, 200, 429, 429])
  t.equal(last.body.code, 'rate_limited')
  t.match(last.headers['content-type'], /problem\+json/)
  t.ok(Number(last.headers['retry-after']) > 0 && Number(last.headers['retry-after']) <= 60)
  const otherKey = await stack.get('/v1/providers', KEYS.reader)
  t.equal(otherKey.status, 200, 'each key has its own budget')
  const health = await stack.get('/healthz', '')
  t.equal(health.status, 200, 'health is never rate limited')
})

t.test('hardening: security headers, JSON-only bodies, hostile ids', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const res = await stack.get('/v1/providers')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'")
  t.equal(res.headers['x-frame-options'], 'DENY')
  const id = (await stack.get('/v1/incidents?provider=zwa&limit=1')).body.data[0].id
  const text = await stack.app.inject({ method: 'POST', url: `/v1/incidents/${id}/notes`, payload: 'text', headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'text/plain' } })
  t.equal(text.statusCode, 415)
  await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
  for (const hostile of ['zwa:..%2F..%2Fadmin', 'zwa:a%0d%0aX-Injected:%201', 'zwa:%2e%2e', 'zwa:a%2Fb', 'zwa:' + 'a'.repeat(65)]) {
    const r = await stack.get(`/v1/incidents/${hostile}`)
    t.equal(r.status, 400, hostile)
  }
  const reqs = await simRequests(stack.zwa)
  t.same(reqs.filter((r) => !r.path.endsWith('/token')), [], 'no hostile id reached the vendor')
})

t.test('when Redis is unreachable, idempotent writes fail closed and rate limits fail open', async (t) => {
  const stack = await startStack({ count: 3, yaml: 'redis_url: redis://127.0.0.1:1' })
  t.teardown(() => stack.close())
  const read = await stack.get('/v1/providers')
  t.equal(read.status, 200, 'rate limiting fails open')
  const id = (await stack.get('/v1/incidents?provider=cloudlock&limit=1')).body.data[0].id
  const withKey = await stack.app.inject({ method: 'PATCH', url: `/v1/incidents/${id}`, payload: { external_ref: 'R-1' }, headers: { authorization: `Bearer ${KEYS.admin}`, 'idempotency-key': randomUUID() } })
  t.equal(withKey.statusCode, 503)
  t.equal(withKey.json().code, 'service_unavailable')
  t.ok(withKey.headers['retry-after'])
  const withoutKey = await stack.send('PATCH', `/v1/incidents/${id}`, { external_ref: 'R-1' })
  t.equal(withoutKey.status, 200, 'writes without a key do not need the store')
  const warned = stack.logs.lines.filter((l) => l.msg === 'shared store operation failed').map((l) => l.store)
  t.ok(warned.includes('rate_limit') && warned.includes('idempotency'), 'neither failure is silent')
})
