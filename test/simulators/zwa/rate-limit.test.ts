import t from 'tap'
import { DEFAULT_CREDENTIALS } from '../../../src/vendors/zwa/simulator/options.ts'
import { call, START, startSim } from './helpers.ts'
import type { Reply, Sim } from './helpers.ts'

async function hammer (_sim: Sim, n: number, send: () => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = []
  for (let i = 0; i < n; i++) out.push(await send())
  return out
}
const search = (sim: Sim) => () => call(sim, 'POST', '/dlp/v1/incidents/search?pageSize=1')
const details = (sim: Sim) => () => call(sim, 'GET', '/dlp/v1/incidents/nope')

t.test('off by default', async (t) => {
  const sim = await startSim(t, { count: 3 })
  const replies = await hammer(sim, 25, search(sim))
  t.ok(replies.every((r) => r.status === 200))
})

t.test('medium class: 20 per minute, then 429 with delta headers', async (t) => {
  const sim = await startSim(t, { count: 3, rateLimits: {} })
  const replies = await hammer(sim, 20, search(sim))
  t.ok(replies.every((r) => r.status === 200), '20 pass')
  sim.clock.advance(15_000)
  const limited = await search(sim)()
  t.equal(limited.status, 429)
  t.same(limited.json, { internalMessage: 'Rate limit exceeded; retry after 45 seconds' })
  t.equal(limited.headers['retry-after'], '45')
  t.equal(limited.headers['ratelimit-remaining'], '0')
  t.equal(limited.headers['ratelimit-reset'], '45')
  t.equal(limited.headers['ratelimit-limit'], '20')
  t.equal((await call(sim, 'POST', '/zwa/dlp/v1/incidents/search')).status, 429, 'both prefixes share the counter')
  t.equal((await details(sim)()).status, 404, 'another endpoint has its own counter')
  sim.clock.advance(45_000)
  t.equal((await search(sim)()).status, 200, 'the window reopens')
})

t.test('light class: 30 per minute; epoch reset style', async (t) => {
  const sim = await startSim(t, { count: 3, rateLimits: {}, rateLimitResetStyle: 'epoch' })
  const replies = await hammer(sim, 30, details(sim))
  t.ok(replies.every((r) => r.status === 404), '30 pass (404 still counts)')
  const limited = await details(sim)()
  t.equal(limited.status, 429)
  t.equal(limited.headers['retry-after'], '60')
  t.equal(limited.headers['ratelimit-reset'], String(START / 1000 + 60), 'Unix time of the reset')
})

t.test('hourly limit outlasts the minute window', async (t) => {
  const sim = await startSim(t, { count: 3, rateLimits: { medium: { perMinute: 5, perHour: 8 } } })
  t.ok((await hammer(sim, 5, search(sim))).every((r) => r.status === 200))
  t.equal((await search(sim)()).status, 429)
  sim.clock.advance(60_000)
  t.ok((await hammer(sim, 3, search(sim))).every((r) => r.status === 200))
  const limited = await search(sim)()
  t.equal(limited.status, 429)
  t.equal(limited.headers['retry-after'], String(3600 - 60), 'waits for the hour window')
})

t.test('limits are per caller identity and survive new tokens', async (t) => {
  const sim = await startSim(t, { count: 3, rateLimits: { medium: { perMinute: 2 } } })
  await hammer(sim, 2, search(sim))
  t.equal((await search(sim)()).status, 429)
  const tok = await call(sim, 'POST', '/v1/auth/api-key/token', { token: null, body: { key_id: DEFAULT_CREDENTIALS.keyId, key_secret: DEFAULT_CREDENTIALS.keySecret } })
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search', { token: tok.json.token })).status, 429, 'same key, new token')
  const oauth = await call(sim, 'POST', '/oauth2/v1/token', {
    token: null,
    rawBody: `grant_type=client_credentials&client_id=${DEFAULT_CREDENTIALS.clientId}&client_secret=${DEFAULT_CREDENTIALS.clientSecret}`,
    contentType: 'application/x-www-form-urlencoded'
  })
  t.equal((await call(sim, 'POST', '/zwa/dlp/v1/incidents/search', { token: oauth.json.access_token })).status, 200, 'other identity')
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search', { token: null })).status, 401, 'no token is 401, not 429')
})

t.test('scope "class" shares one counter per class', async (t) => {
  const sim = await startSim(t, { count: 3, rateLimits: { medium: { perMinute: 2 }, scope: 'class' } })
  t.equal((await search(sim)()).status, 200)
  t.equal((await call(sim, 'POST', '/dlp/v1/customer/audit')).status, 200)
  t.equal((await search(sim)()).status, 429, 'search and audit share the medium counter')
})

t.test('token endpoint: 20 per minute per key id', async (t) => {
  const sim = await startSim(t, { count: 3, rateLimits: {} })
  const body = { key_id: DEFAULT_CREDENTIALS.keyId, key_secret: DEFAULT_CREDENTIALS.keySecret }
  const replies = await hammer(sim, 19, () => call(sim, 'POST', '/v1/auth/api-key/token', { token: null, body }))
  t.ok(replies.every((r) => r.status === 201), 'startSim took one, 19 more pass')
  const limited = await call(sim, 'POST', '/v1/auth/api-key/token', { token: null, body })
  t.equal(limited.status, 429)
  t.equal(limited.headers['ratelimit-remaining'], '0')
  t.type(limited.json.internalMessage, 'string')
  const other = await call(sim, 'POST', '/v1/auth/api-key/token', { token: null, body: { key_id: 'other', key_secret: 'x' } })
  t.equal(other.status, 401, 'another key id has its own counter')

  await call(sim, 'POST', '/__sim/reset')
  t.equal((await call(sim, 'POST', '/v1/auth/api-key/token', { token: null, body })).status, 201, 'reset clears the counters')
})
