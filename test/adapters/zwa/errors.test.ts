import t from 'tap'
import { MockAgent } from 'undici'
import { createZwaAdapter } from '../../../src/vendors/zwa/adapter.ts'
import { incidentCalls, KEY_ID, KEY_SECRET, START, startZwa } from './harness.ts'
import { parse, REF_11_TEXT } from './samples.ts'

const ID = '1-152-KQWX-17500012345678901234'
const PIN = new Date(START).toISOString()
const GET_ROUTE = `GET /dlp/v1/incidents/${ID}`

t.test('each upstream failure becomes the spec §6 answer', async (t) => {
  const h = await startZwa(t, { sim: { incidents: [parse(REF_11_TEXT)] } })
  await h.adapter.get(ID)
  t.match(h.adapter.health(), { status: 'ok', circuit: 'closed', last_error: null })
  const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
    [{ status: 500 }, { code: 'upstream_error', statusCode: 502, detail: /HTTP 500/ }],
    [{ status: 503, retry_after: 5 }, { code: 'upstream_error', statusCode: 502, detail: /HTTP 503/ }],
    [{ status: 429, retry_after: 7 }, { code: 'upstream_rate_limited', statusCode: 503, retryAfter: 7 }],
    [{ status: 400 }, { code: 'unsupported_value', statusCode: 422, detail: /rejected the request: simulated fault: HTTP 400/ }],
    [{ status: 404 }, { code: 'not_found', statusCode: 404 }],
    [{ mode: 'html' }, { code: 'upstream_error', statusCode: 502, detail: /^[^<>]*$/ }],
    [{ mode: 'malformed' }, { code: 'upstream_error', statusCode: 502, detail: /not valid JSON/ }],
    [{ mode: 'reset' }, { code: 'upstream_error', statusCode: 502, detail: /closed the connection/ }],
    [{ mode: 'truncated' }, { code: 'upstream_error', statusCode: 502 }]
  ]
  for (const [fault, expected] of cases) {
    await h.fault({ route: GET_ROUTE, count: 1, ...fault })
    const err = await h.adapter.get(ID).catch((e) => e)
    t.match(err, { name: 'GatewayError', provider: 'zwa', ...expected }, JSON.stringify(fault))
  }
  t.match(h.adapter.health(), { status: 'degraded', last_error: { code: 'upstream_error', at: PIN } })
  t.match(await h.adapter.get(ID), { native_id: ID }, 'the provider answers again')
  t.equal(h.adapter.health().status, 'ok')
})

t.test('a vendor 400 with its internalMessage is a 422 carrying that message', async (t) => {
  const h = await startZwa(t, {
    sim: { incidents: [parse(REF_11_TEXT)], resolutionCodes: ['FALSE_POSITIVE'] },
    config: { mapping: { classification: { TRUE_POSITIVE: 'true_positive' } } }
  })
  const err = await h.adapter.close(ID, { classification: 'true_positive' }).catch((e) => e)
  t.match(err, { code: 'unsupported_value', statusCode: 422, provider: 'zwa', detail: /TRUE_POSITIVE/ })
  t.equal(h.adapter.health().last_error, null, 'a refused value says nothing about the provider\'s health')
})

t.test('failures during a walk: 5xx fails the page, a first-search 400 is not retried', async (t) => {
  const h = await startZwa(t)
  await h.fault({ route: 'POST /dlp/v1/incidents/search', status: 500, count: 1 })
  await t.rejects(h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 5 }), { code: 'upstream_error' })
  await h.fault({ route: 'POST /dlp/v1/incidents/search', status: 400, count: 1 })
  await t.rejects(h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 5 }), { code: 'unsupported_value' })
  t.equal((await h.requests(incidentCalls)).length, 2, 'one call each')
  await h.fault({ route: 'POST /dlp/v1/incidents/search', mode: 'malformed', count: 1 })
  await t.rejects(h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 5 }), { code: 'upstream_error' })
})

t.test('the simulator\'s own rate limit: 429 with Retry-After', async (t) => {
  const h = await startZwa(t, { sim: { incidents: [parse(REF_11_TEXT)], rateLimits: { light: { perMinute: 2, perHour: 100 } }, rateLimitResetStyle: 'epoch' } })
  await h.adapter.get(ID)
  await h.adapter.get(ID)
  h.clock.advance(15_000)
  await t.rejects(h.adapter.get(ID), { code: 'upstream_rate_limited', statusCode: 503, retryAfter: 45 })
})

t.test('timeouts: slow headers and a stalled body are upstream_timeout', async (t) => {
  const h = await startZwa(t, { sim: { incidents: [parse(REF_11_TEXT)] }, config: { timeouts: { connect_ms: 500, headers_ms: 400, body_ms: 400 } } })
  await h.adapter.get(ID) // token fetched before the faults
  await h.fault({ route: GET_ROUTE, latency_ms: 2500, count: 1 })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_timeout', statusCode: 504, provider: 'zwa' })
  await h.fault({ route: GET_ROUTE, mode: 'slow_body', chunk_interval_ms: 1500, count: 1 })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_timeout', statusCode: 504 })
  t.equal(h.adapter.health().last_error?.code, 'upstream_timeout')
})

// Headers the simulator never sends alone (RateLimit-Reset without Retry-After, an HTTP-date
// Retry-After) and a vendor message echoing credentials, through undici's MockAgent.
t.test('429 without Retry-After: RateLimit-Reset as a delta or an epoch; Retry-After as a date; credentials scrubbed', async (t) => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  const origin = 'http://zwa.test'
  const pool = agent.get(origin)
  pool.intercept({ path: '/v1/auth/api-key/token', method: 'POST' }).reply(201, { token: 'tok-abc.def', token_type: 'Bearer', expires_in: 43200 })
  const reply = (status: number, body: object, headers: Record<string, string> = {}) =>
    pool.intercept({ path: `/dlp/v1/incidents/${ID}`, method: 'GET' }).reply(status, body, { headers: { 'content-type': 'application/json', ...headers } })
  reply(429, { internalMessage: 'slow down' }, { 'ratelimit-reset': '12' })
  reply(429, { internalMessage: 'slow down' }, { 'ratelimit-reset': String(START / 1000 + 42) })
  reply(429, {}, { 'retry-after': new Date(START + 30_000).toUTCString() })
  reply(429, {})
  reply(400, { internalMessage: `bad token tok-abc.def for key ${KEY_SECRET}` })
  const adapter = createZwaAdapter({
    id: 'zwa-mock',
    type: 'zwa',
    base_url: origin,
    path_prefix: '/dlp/v1',
    auth: { mode: 'api_key', key_id: KEY_ID, key_secret: KEY_SECRET },
    timeouts: { connect_ms: 500, headers_ms: 500, body_ms: 500 },
    max_connections: 1
  }, { dispatcher: agent, now: () => START })
  await t.rejects(adapter.get(ID), { code: 'upstream_rate_limited', retryAfter: 12 }, 'delta seconds')
  await t.rejects(adapter.get(ID), { code: 'upstream_rate_limited', retryAfter: 42 }, 'Unix epoch seconds')
  await t.rejects(adapter.get(ID), { code: 'upstream_rate_limited', retryAfter: 30 }, 'an HTTP date')
  await t.rejects(adapter.get(ID), { code: 'upstream_rate_limited', retryAfter: 1 }, 'no header: a short default')
  const err = await adapter.get(ID).catch((e) => e)
  t.equal(err.code, 'unsupported_value')
  t.equal(err.detail, 'Provider \'zwa-mock\' rejected the request: bad token *** for key ***.')
  agent.assertNoPendingInterceptors()
})
