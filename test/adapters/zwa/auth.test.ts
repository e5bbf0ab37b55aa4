import { Writable } from 'node:stream'
import pino from 'pino'
import t from 'tap'
import { createZwaAdapter } from '../../../src/vendors/zwa/adapter.ts'
import { CLIENT_SECRET, incidentCalls, KEY_ID, KEY_SECRET, START, startZwa, tokenCalls, walkAll } from './harness.ts'

const PIN = new Date(START).toISOString()
const ID = '1-143-16786974353299200003'

t.test('API-key token: POST /v1/auth/api-key/token at the base URL, JSON body, then Bearer on incident calls', async (t) => {
  const h = await startZwa(t)
  const page = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })
  // One search of 100: every complete instant of it is handed on (the oldest one waits).
  t.equal(page.items.length, 99)
  const [token, search] = await h.requests()
  t.same({ method: token.method, path: token.path, status: token.status }, { method: 'POST', path: '/v1/auth/api-key/token', status: 201 })
  t.same(token.body, { key_id: KEY_ID, key_secret: '***' }, 'the secret travels in the body (masked in the log)')
  t.equal(token.headers['content-type'], 'application/json')
  t.equal(token.headers.authorization, undefined)
  t.equal(search.headers.authorization, 'Bearer ***')
  t.equal(search.path, '/dlp/v1/incidents/search')
  t.equal(page.upstreamCalls, 1, 'the token request is not an incident-API call')
})

t.test('OneAPI client credentials: form POST to token_url, /zwa/dlp/v1 prefix', async (t) => {
  const h = await startZwa(t, { oneApi: true, sim: { tokenPrefixes: 'strict' } })
  const incident = await h.adapter.get(ID.replace('16786974353299200003', '17512345670000000000')).catch((err) => err)
  t.equal(incident.code, 'not_found', 'the OneAPI token is accepted on /zwa/dlp/v1 (strict simulator)')
  const [token, get] = await h.requests()
  t.same({ method: token.method, path: token.path, status: token.status }, { method: 'POST', path: '/oauth2/v1/token', status: 200 })
  t.equal(token.headers['content-type'], 'application/x-www-form-urlencoded')
  t.same(token.body, { grant_type: 'client_credentials', client_id: 'gw-client', client_secret: '***', audience: 'https://api.zscaler.com' })
  t.match(get.path, /^\/zwa\/dlp\/v1\/incidents\//)
})

t.test('token expiry in the middle of a walk triggers exactly one new token request', async (t) => {
  const h = await startZwa(t, { sim: { tokenTtlSeconds: 600 } })
  let steps = 0
  const walk = await walkAll(h.adapter, 25, {}, PIN, async (step) => {
    steps = step
    if (step === 1) h.clock.advance(550_000) // inside the last 60 s of the 600 s token: refreshed before use
  })
  t.equal(walk.ids.length, 250)
  // 250 incidents in searches of 100, each listPage handing on 99 or more: one search each.
  t.same(walk.calls, [1, 1, 1])
  t.equal(steps, 2)
  const log = await h.requests()
  t.equal(log.filter(tokenCalls).length, 2, 'one token at the start, one refresh')
  t.ok(log.every((r) => r.status !== 401), 'no call was sent with an expired token')
  t.equal(log.indexOf(log.filter(tokenCalls)[1]), 2, 'the refresh comes right before the 2nd search')
})

t.test('50 concurrent calls share one token request', async (t) => {
  const h = await startZwa(t)
  const pages = await Promise.all(Array.from({ length: 50 }, () => h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 2 })))
  t.ok(pages.every((p) => p.items.length === 99), 'each: the 99 complete instants of its one search')
  const log = await h.requests()
  t.equal(log.filter(tokenCalls).length, 1)
  t.equal(log.filter(incidentCalls).length, 50)
})

t.test('a 401 from an incident endpoint: one re-authentication, one replay, success', async (t) => {
  const h = await startZwa(t)
  await h.adapter.get(ID).catch(() => null)
  await h.clearLog()
  await h.fault({ route: 'POST /dlp/v1/incidents/search', status: 401, count: 1 })
  const page = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 5 })
  t.equal(page.items.length, 99, 'the complete instants of the replayed search')
  t.equal(page.upstreamCalls, 2, 'the replay is counted')
  t.same((await h.requests()).map((r) => [r.path, r.status]), [
    ['/dlp/v1/incidents/search', 401],
    ['/v1/auth/api-key/token', 201],
    ['/dlp/v1/incidents/search', 200]
  ])
})

t.test('the simulator expiring the token early (its clock ahead) is healed the same way', async (t) => {
  const h = await startZwa(t, { sim: { tokenTtlSeconds: 43_200 } })
  const adapter = createZwaAdapter({
    id: 'zwa',
    type: 'zwa',
    base_url: h.url,
    path_prefix: '/dlp/v1',
    auth: { mode: 'api_key', key_id: KEY_ID, key_secret: KEY_SECRET },
    timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 },
    max_connections: 2
  }, { now: () => START }) // the adapter's clock stands still: it believes its token is fresh
  t.teardown(() => adapter.shutdown())
  await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })
  h.clock.advance(43_200_000)
  await h.clearLog()
  const page = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })
  t.equal(page.items.length, 99, 'the complete instants of the replayed search')
  t.same((await h.requests()).map((r) => r.status), [401, 201, 200])
})

t.test('a persistent 401: upstream_auth_failed after exactly 2 incident calls', async (t) => {
  const h = await startZwa(t)
  await h.fault({ route: 'GET /dlp/v1/incidents', status: 401 })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_auth_failed', statusCode: 502, provider: 'zwa' })
  const log = await h.requests()
  t.equal(log.filter(incidentCalls).length, 2)
  t.equal(log.filter(tokenCalls).length, 2, 'the first token and the one re-authentication')
  t.equal(h.adapter.health().last_error?.code, 'upstream_auth_failed')
})

t.test('a 401 from the token endpoint is upstream_auth_failed, with no secret in the error', async (t) => {
  const h = await startZwa(t, { sim: { keySecret: 'another-secret' } })
  const err = await h.adapter.get(ID).catch((e) => e)
  t.match(err, { code: 'upstream_auth_failed', statusCode: 502, provider: 'zwa' })
  t.notMatch(JSON.stringify({ detail: err.detail, message: err.message }), KEY_SECRET)
  t.equal((await h.requests(incidentCalls)).length, 0, 'no incident call without a token')
})

t.test('a refused OneAPI client is upstream_auth_failed', async (t) => {
  const h = await startZwa(t, { oneApi: true, sim: { clientSecret: 'rotated' } })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_auth_failed' })
  const h2 = await startZwa(t, { oneApi: true, config: { auth: { mode: 'oneapi', token_url: 'http://127.0.0.1:1/oauth2/v1/token', client_id: 'x', client_secret: CLIENT_SECRET, audience: 'https://api.zscaler.com' } } })
  await t.rejects(h2.adapter.get(ID), { code: 'upstream_error' }, 'an unreachable token URL')
})

t.test('a 429 from the token endpoint: upstream_rate_limited with Retry-After, and no token call before it has passed', async (t) => {
  const h = await startZwa(t)
  await h.fault({ route: 'POST /v1/auth/api-key/token', status: 429, retry_after: 30, count: 1 })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_rate_limited', statusCode: 503, retryAfter: 30 })
  h.clock.advance(20_000)
  await t.rejects(h.adapter.get(ID), { code: 'upstream_rate_limited', retryAfter: 10 }, 'refused locally, the wait shrinking')
  t.equal((await h.requests(tokenCalls)).length, 1, 'the token endpoint was not called again')
  h.clock.advance(10_000)
  await t.rejects(h.adapter.get(ID), { code: 'not_found' }, 'after the wait: a token, then the real answer')
  t.equal((await h.requests(tokenCalls)).length, 2)
})

t.test('the token endpoint is never called more than 20 times a minute', async (t) => {
  const h = await startZwa(t, { sim: { rateLimits: { token: { perMinute: 20, perHour: 400 } } } })
  await h.fault({ route: 'GET /dlp/v1/incidents', status: 401 })
  // Every get re-authenticates once (its cached token is refused): 19 gets, 20 token requests.
  for (let i = 0; i < 19; i++) await h.adapter.get(ID).catch(() => null)
  const log = await h.requests(tokenCalls)
  t.equal(log.length, 20, 'a persistent 401 re-authenticates until the local limit')
  t.ok(log.every((r) => r.status === 201), 'the vendor never had to answer 429')
  await t.rejects(h.adapter.get(ID), { code: 'upstream_rate_limited', retryAfter: 60 })
  h.clock.advance(60_000)
  await t.rejects(h.adapter.get(ID), { code: 'upstream_auth_failed' })
})

t.test('a token response without a token, or a 500, is upstream_error', async (t) => {
  const h = await startZwa(t)
  await h.fault({ route: 'POST /v1/auth/api-key/token', mode: 'malformed', status: 201, count: 1 })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_error' })
  await h.fault({ route: 'POST /v1/auth/api-key/token', status: 500, count: 1 })
  await t.rejects(h.adapter.get(ID), { code: 'upstream_error', detail: /HTTP 500/ })
})

t.test('logs never hold the token or the secret', async (t) => {
  let text = ''
  const logger = pino({ level: 'trace' }, new Writable({ write (chunk, _enc, cb) { text += String(chunk); cb() } }))
  const h = await startZwa(t, { logger })
  await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })
  t.match(text, /"msg":"upstream token issued"/)
  t.match(text, /"expiresIn":43200/)
  t.notMatch(text, KEY_SECRET)
  t.notMatch(text, /[A-Za-z0-9_-]{43}/, 'no simulator token (32 random bytes, base64url)')
})
