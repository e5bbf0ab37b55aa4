// Upstream failures (simulator faults, real vendor refusals, dead ports) become the gateway's
// stable error codes of spec section 6; health remembers the last one; no error carries the token.
import { createServer } from 'node:net'
import t, { type Test } from 'tap'
import { MockAgent } from 'undici'
import { createCloudlockAdapter } from '../../../src/vendors/cloudlock/adapter.ts'
import type { ProviderAdapter } from '../../../src/adapters/types.ts'
import { TOKEN, adapterConfig, makeAdapter, record, startSim, type Sim } from './helpers.ts'

const PIN = '2026-01-01T00:00:00.000Z'
const T0 = Date.parse('2025-03-01T12:00:00.000Z') * 1000
const FIXTURES = [record('101', T0), record('102', T0 + 1000)]

// Every path an error can take out of the adapter: detail, message, cause chain.
function assertNoToken (t: Test, err: any) {
  const seen: string[] = []
  for (let e = err; e; e = e.cause) seen.push(String(e.detail), String(e.message), String(e.stack))
  t.notOk(seen.join('\n').includes(TOKEN), 'the token appears in no error')
}

const list = (adapter: ProviderAdapter) => adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 5 })

interface Case {
  name: string
  fault: Record<string, unknown>
  code: string
  status: number
  detail?: RegExp
  retryAfter?: number
}

const CASES: Case[] = [
  { name: '404', fault: { status: 404 }, code: 'not_found', status: 404, detail: /simulated fault: HTTP 404/ },
  { name: '400 keeps the vendor message', fault: { status: 400 }, code: 'unsupported_value', status: 422, detail: /rejected the request: simulated fault: HTTP 400/ },
  { name: '401', fault: { status: 401 }, code: 'upstream_auth_failed', status: 502, detail: /credentials \(HTTP 401\)/ },
  { name: '403', fault: { status: 403 }, code: 'upstream_auth_failed', status: 502, detail: /credentials \(HTTP 403\)/ },
  { name: '429 with Retry-After', fault: { status: 429, retry_after: 7 }, code: 'upstream_rate_limited', status: 503, retryAfter: 7 },
  { name: '429 without Retry-After', fault: { status: 429 }, code: 'upstream_rate_limited', status: 503, retryAfter: 1 },
  { name: '500', fault: { status: 500 }, code: 'upstream_error', status: 502, detail: /failed \(HTTP 500\)/ },
  { name: '503', fault: { status: 503, retry_after: 3 }, code: 'upstream_error', status: 502, detail: /failed \(HTTP 503\)/ },
  { name: 'an HTML error page', fault: { mode: 'html' }, code: 'upstream_error', status: 502, detail: /HTTP 502/ },
  { name: 'an HTML page with 200', fault: { mode: 'html', status: 200 }, code: 'upstream_error', status: 502, detail: /not valid JSON/ },
  { name: 'an HTML 400 page', fault: { mode: 'html', status: 400 }, code: 'unsupported_value', status: 422, detail: /: 400 Bad Request\.$/ },
  { name: 'malformed JSON', fault: { mode: 'malformed' }, code: 'upstream_error', status: 502, detail: /not valid JSON/ },
  { name: 'connection reset', fault: { mode: 'reset' }, code: 'upstream_error', status: 502, detail: /closed the connection unexpectedly/ },
  { name: 'truncated body', fault: { mode: 'truncated' }, code: 'upstream_error', status: 502 }
]

t.test('faults on every operation', async (t) => {
  const sim = await startSim(t)
  await sim.load(FIXTURES)
  const now = Date.parse('2026-02-02T02:02:02.000Z')
  const adapter = makeAdapter(t, sim.url, {}, () => now)
  const ops: Array<[string, string, () => Promise<unknown>]> = [
    ['list', 'GET /api/v2/incidents', () => list(adapter)],
    ['get', 'GET /api/v2/incidents/101', () => adapter.get('101')],
    ['update', 'PUT /api/v2/incidents/101', () => adapter.update('101', { status: 'resolved' })]
  ]
  for (const c of CASES) {
    for (const [op, route, run] of ops) {
      await t.test(`${c.name}: ${op}`, async (t) => {
        await sim.admin('DELETE', '/faults')
        await sim.clearRequests()
        await sim.fault({ ...c.fault, route, count: 1 })
        const err: any = await run().then(() => null, (e) => e)
        t.ok(err, 'rejected')
        t.equal(err?.code, c.code)
        t.equal(err?.statusCode, c.status)
        t.equal(err?.provider, 'cl')
        if (c.detail) t.match(err.detail, c.detail)
        if (c.retryAfter !== undefined) t.equal(err.retryAfter, c.retryAfter)
        assertNoToken(t, err)
        t.equal((await sim.requests()).length, 1, 'exactly one upstream call, no silent retry')
        const health = adapter.health()
        if (c.code === 'not_found' || c.code === 'unsupported_value') {
          t.not(health.last_error?.detail, err.detail, 'caller-side refusals are not provider failures')
        } else {
          t.same(health, { status: 'degraded', circuit: 'closed', last_error: { code: c.code, detail: err.detail, at: '2026-02-02T02:02:02.000Z' } }, 'health reflects the last error')
        }
        // The fault was one-shot: the next call succeeds and health recovers, keeping the last error.
        await run()
        t.equal(adapter.health().status, 'ok')
      })
    }
  }
  t.equal((await sim.vendor('GET', '/incidents/101')).json.incident_status, 'RESOLVED')
})

t.test('real vendor refusals', async (t) => {
  const sim = await startSim(t)
  await sim.load(FIXTURES)

  await t.test('a wrong token: 502 upstream_auth_failed, never 401', async (t) => {
    const adapter = makeAdapter(t, sim.url, { token: 'not-the-token' })
    const err: any = await adapter.get('101').catch((e) => e)
    t.same([err.code, err.statusCode], ['upstream_auth_failed', 502])
    t.notOk(err.detail.includes('not-the-token'))
    t.equal(adapter.health().last_error?.code, 'upstream_auth_failed')
  })

  await t.test('a caller IP off the allow-list: 403 upstream_auth_failed', async (t) => {
    const locked = await startSim(t, { allowedIps: ['10.9.8.7'] })
    const adapter = makeAdapter(t, locked.url)
    const err: any = await list(adapter).catch((e) => e)
    t.same([err.code, err.statusCode], ['upstream_auth_failed', 502])
    t.match(err.detail, /HTTP 403/)
  })

  await t.test('the vendor rate limit: 429 with the seconds left in its window', async (t) => {
    const limited = await startSim(t, { rateLimit: { perMinute: 2 } })
    await limited.load(FIXTURES)
    const adapter = makeAdapter(t, limited.url)
    await adapter.get('101')
    await adapter.get('102')
    const err: any = await adapter.get('101').catch((e) => e)
    t.same([err.code, err.statusCode], ['upstream_rate_limited', 503])
    t.ok(err.retryAfter >= 1 && err.retryAfter <= 60, `retryAfter ${err.retryAfter}`)
  })

  await t.test('an unknown id: 404 not_found with the vendor message; health untouched', async (t) => {
    const adapter = makeAdapter(t, sim.url)
    const err: any = await adapter.update('777', { status: 'new' }).catch((e) => e)
    t.same([err.code, err.statusCode], ['not_found', 404])
    t.match(err.detail, /Incident 777 not found/)
    t.same(adapter.health(), { status: 'unknown', circuit: 'closed', last_error: null })
  })
})

t.test('timeouts', async (t) => {
  const sim = await startSim(t)
  await sim.load(FIXTURES)

  await t.test('latency beyond the headers timeout: upstream_timeout', async (t) => {
    const adapter = makeAdapter(t, sim.url, { timeouts: { connect_ms: 1000, headers_ms: 300, body_ms: 5000 } })
    await sim.fault({ latency_ms: 2500, count: 1 })
    const started = Date.now()
    const err: any = await adapter.get('101').catch((e) => e)
    t.same([err.code, err.statusCode], ['upstream_timeout', 504])
    t.ok(Date.now() - started < 2400, 'gave up before the answer came')
    t.equal(adapter.health().last_error?.code, 'upstream_timeout')
    assertNoToken(t, err)
  })

  await t.test('latency within the headers timeout is fine', async (t) => {
    const adapter = makeAdapter(t, sim.url, { timeouts: { connect_ms: 1000, headers_ms: 2000, body_ms: 5000 } })
    await sim.fault({ latency_ms: 100, count: 1 })
    t.equal((await adapter.get('101')).native_id, '101')
  })

  await t.test('a body trickling slower than the body timeout: upstream_timeout', async (t) => {
    const adapter = makeAdapter(t, sim.url, { timeouts: { connect_ms: 1000, headers_ms: 2000, body_ms: 300 } })
    await sim.fault({ mode: 'slow_body', chunk_interval_ms: 1500, count: 1 })
    const err: any = await list(adapter).catch((e) => e)
    t.same([err.code, err.statusCode], ['upstream_timeout', 504])
    t.equal(adapter.health().status, 'degraded')
  })

  await t.test('a caller abort ends the call as a timeout', async (t) => {
    const adapter = makeAdapter(t, sim.url)
    await sim.fault({ latency_ms: 2000, count: 1 })
    const err: any = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 5, signal: AbortSignal.timeout(100) }).catch((e) => e)
    t.equal(err.code, 'upstream_timeout')
  })
})

t.test('connection refused on a closed port: upstream_error', async (t) => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const adapter = makeAdapter(t, `http://127.0.0.1:${port}/api/v2`)
  for (const run of [() => list(adapter), () => adapter.get('1'), () => adapter.update('1', { severity: 'high' })]) {
    const err: any = await run().catch((e) => e)
    t.same([err.code, err.statusCode, err.provider], ['upstream_error', 502, 'cl'])
    t.match(err.detail, /refused the connection/)
    assertNoToken(t, err)
  }
  t.equal(adapter.health().last_error?.code, 'upstream_error')
})

// Answers the simulator does not give, through undici's MockAgent.
t.test('odd vendor answers', async (t) => {
  const origin = 'http://cloudlock.test'
  const setup = (t: Test, now?: () => number) => {
    const agent = new MockAgent()
    agent.disableNetConnect()
    const adapter = createCloudlockAdapter(adapterConfig(`${origin}/api/v2`), { dispatcher: agent, now })
    t.teardown(async () => {
      await adapter.shutdown()
      await agent.close()
    })
    return { pool: agent.get(origin), agent, adapter }
  }
  const json = { headers: { 'content-type': 'application/json' } }

  await t.test('the {results:[obj]} single shape', async (t) => {
    const { pool, agent, adapter } = setup(t)
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(200, { results: [record('5', T0)] }, json)
    const incident = await adapter.get('5')
    t.equal(incident.native_id, '5')
    t.equal(incident.created_at, '2025-03-01T12:00:00.000Z')
    agent.assertNoPendingInterceptors()
  })

  await t.test('a vendor message echoing the token is scrubbed', async (t) => {
    const { pool, adapter } = setup(t)
    pool.intercept({ path: '/api/v2/incidents/5', method: 'PUT' }).reply(400, { message: `token ${TOKEN} may not set severity` }, json)
    const err: any = await adapter.update('5', { severity: 'high' }).catch((e) => e)
    t.equal(err.code, 'unsupported_value')
    t.match(err.detail, /token \*\*\* may not set severity/)
    assertNoToken(t, err)
  })

  await t.test('a list without an items array: upstream_error, health degraded', async (t) => {
    const { pool, adapter } = setup(t)
    for (const body of [[{ id: '1' }], { items: 'nope' }, { total: 3 }]) {
      pool.intercept({ path: /^\/api\/v2\/incidents\?/, method: 'GET' }).reply(200, body, json)
      const err: any = await list(adapter).catch((e) => e)
      t.same([err.code, err.statusCode], ['upstream_error', 502], JSON.stringify(body))
      t.equal(adapter.health().status, 'degraded', 'an unreadable envelope is a failed exchange')
    }
  })

  await t.test('unreadable records: upstream_error naming the record, the exchange a success (health ok)', async (t) => {
    const { pool, adapter } = setup(t)
    const bodies: Array<[object, RegExp]> = [
      [{ items: [record('1', T0), { ...record('2', T0), created_at: 'yesterday' }] }, /record 2 of the page, id "2", created "yesterday"/],
      [{ items: [null] }, /record 1 of the page, not an object/]
    ]
    for (const [body, detail] of bodies) {
      pool.intercept({ path: /^\/api\/v2\/incidents\?/, method: 'GET' }).reply(200, body, json)
      const err: any = await list(adapter).catch((e) => e)
      t.same([err.code, err.statusCode], ['upstream_error', 502], JSON.stringify(body))
      t.match(err.detail, detail)
      // The vendor answered well-formed JSON in the documented envelope: a data error of the page,
      // not a provider failure, so neither health nor the breaker counts it.
      t.equal(adapter.health().status, 'ok')
    }
  })

  await t.test('a 2xx single answer that is not an incident', async (t) => {
    const { pool, adapter } = setup(t)
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(200, { results: [] }, json)
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(200, '', json)
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(204, '')
    for (let i = 0; i < 3; i++) {
      const err: any = await adapter.get('5').catch((e) => e)
      t.equal(err.code, 'upstream_error')
    }
  })

  await t.test('rate-limit hints: an HTTP date against the adapter clock, RateLimit-Reset', async (t) => {
    const { pool, adapter } = setup(t, () => Date.parse('2026-03-01T12:00:00.000Z'))
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(429, { message: 'slow down' }, { headers: { 'retry-after': 'Sun, 01 Mar 2026 12:00:45 GMT' } })
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(429, { message: 'slow down' }, { headers: { 'ratelimit-reset': '12' } })
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(429, '')
    const retryAfters = []
    for (let i = 0; i < 3; i++) {
      const err: any = await adapter.get('5').catch((e) => e)
      t.same([err.code, err.statusCode], ['upstream_rate_limited', 503])
      retryAfters.push(err.retryAfter)
    }
    t.same(retryAfters, [45, 12, 1])
  })

  await t.test('a redirect is not followed', async (t) => {
    const { pool, adapter } = setup(t)
    pool.intercept({ path: '/api/v2/incidents/5', method: 'GET' }).reply(302, '', { headers: { location: 'http://evil.test/steal' } })
    const err: any = await adapter.get('5').catch((e) => e)
    t.same([err.code, err.statusCode], ['upstream_error', 502])
  })
})

t.test('health: unknown, ok, degraded, ok again with the last error kept', async (t) => {
  const sim: Sim = await startSim(t)
  await sim.load(FIXTURES)
  let now = Date.parse('2026-01-01T00:00:00.000Z')
  const adapter = makeAdapter(t, sim.url, {}, () => now)
  t.same(adapter.health(), { status: 'unknown', circuit: 'closed', last_error: null })
  await adapter.get('101')
  t.same(adapter.health(), { status: 'ok', circuit: 'closed', last_error: null })
  await sim.fault({ status: 500, count: 1 })
  now += 1000
  const err: any = await adapter.get('101').catch((e) => e)
  const lastError = { code: 'upstream_error', detail: err.detail, at: '2026-01-01T00:00:01.000Z' }
  t.same(adapter.health(), { status: 'degraded', circuit: 'closed', last_error: lastError })
  await sim.fault({ status: 200, mode: 'malformed', count: 1 })
  now += 1000
  await adapter.get('101').catch(() => {})
  t.same(adapter.health().last_error, { code: 'upstream_error', detail: "Provider 'cl' sent a response that is not valid JSON.", at: '2026-01-01T00:00:02.000Z' }, 'a 200 with a broken body is a failure')
  await adapter.get('404404').catch(() => {})
  t.equal(adapter.health().status, 'degraded', 'a 404 neither heals nor hurts')
  await adapter.get('101')
  t.same(adapter.health(), { status: 'ok', circuit: 'closed', last_error: { code: 'upstream_error', detail: "Provider 'cl' sent a response that is not valid JSON.", at: '2026-01-01T00:00:02.000Z' } })
  t.notOk(JSON.stringify(adapter.health()).includes(TOKEN))
})
