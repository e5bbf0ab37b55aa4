import t from 'tap'
import { DEFAULT_CREDENTIALS } from '../../../src/vendors/zwa/simulator/options.ts'
import { call, fetchToken, startSim } from './helpers.ts'

const TOKEN = '/v1/auth/api-key/token'
const OAUTH = '/oauth2/v1/token'
const { keyId, keySecret, clientId, clientSecret } = DEFAULT_CREDENTIALS
const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()
const FORM = 'application/x-www-form-urlencoded'

t.test('API-key token: 201, wrong key 401, malformed 500', async (t) => {
  const sim = await startSim(t, { count: 5 })
  const ok = await call(sim, 'POST', TOKEN, { token: null, body: { key_id: keyId, key_secret: keySecret } })
  t.equal(ok.status, 201)
  t.equal(ok.json.token_type, 'Bearer')
  t.equal(ok.json.expires_in, 43200)
  t.match(ok.json.token, /^[A-Za-z0-9_-]{20,}$/)
  t.same(Object.keys(ok.json).sort(), ['expires_in', 'token', 'token_type'])

  const wrong = await call(sim, 'POST', TOKEN, { token: null, body: { key_id: keyId, key_secret: 'nope' } })
  t.equal(wrong.status, 401)
  t.same(wrong.json, { internalMessage: 'Invalid input' })
  const unknownKey = await call(sim, 'POST', TOKEN, { token: null, body: { key_id: 'other', key_secret: keySecret } })
  t.same([unknownKey.status, unknownKey.json], [401, { internalMessage: 'Invalid input' }])

  for (const bad of [{ rawBody: '{"key_id":' }, { body: { key_id: keyId } }, { body: [1] }, { rawBody: 'key_id=a', contentType: FORM }, {}]) {
    const res = await call(sim, 'POST', TOKEN, { token: null, ...bad })
    t.equal(res.status, 500, `malformed ${JSON.stringify(bad)}`)
    t.same(res.json, { internalMessage: 'Failed to generate access token' })
  }
})

t.test('tokens expire on the simulator clock', async (t) => {
  const sim = await startSim(t, { count: 5, tokenTtlSeconds: 60 })
  const path = '/dlp/v1/incidents/search'
  t.equal((await call(sim, 'POST', path)).status, 200)
  sim.clock.advance(59_999)
  t.equal((await call(sim, 'POST', path)).status, 200, 'still valid just before expiry')
  sim.clock.advance(1)
  const expired = await call(sim, 'POST', path)
  t.equal(expired.status, 401)
  t.same(expired.json, { internalMessage: 'Access token has expired' })
  const fresh = await fetchToken(sim)
  t.equal((await call(sim, 'POST', path, { token: fresh })).status, 200, 'a new token works')
})

t.test('incident routes reject missing and invalid tokens on both prefixes', async (t) => {
  const sim = await startSim(t, { count: 5 })
  for (const prefix of ['/dlp/v1', '/zwa/dlp/v1']) {
    const none = await call(sim, 'GET', `${prefix}/incidents/1-143-1`, { token: null })
    t.same([none.status, none.json], [401, { internalMessage: 'Authorization header is missing' }])
    const invalid = await call(sim, 'POST', `${prefix}/incidents/search`, { token: 'not-a-token' })
    t.same([invalid.status, invalid.json], [401, { internalMessage: 'Invalid access token' }])
    const basic = await call(sim, 'POST', `${prefix}/customer/audit`, { token: null, headers: { authorization: 'Basic abc' } })
    t.equal(basic.status, 401)
    t.match(basic.json.internalMessage, /Bearer/)
    t.equal((await call(sim, 'POST', `${prefix}/incidents/search`)).status, 200)
  }
})

t.test('OneAPI client-credentials token', async (t) => {
  const sim = await startSim(t, { count: 5 })
  const good = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience: 'https://api.zscaler.com' }
  const ok = await call(sim, 'POST', OAUTH, { token: null, rawBody: form(good), contentType: FORM })
  t.equal(ok.status, 200)
  t.equal(ok.json.token_type, 'Bearer')
  t.equal(ok.json.expires_in, 3600)
  const search = await call(sim, 'POST', '/zwa/dlp/v1/incidents/search', { token: ok.json.access_token })
  t.equal(search.status, 200, 'OneAPI token works on /zwa/dlp/v1')

  const basic = await call(sim, 'POST', OAUTH, {
    token: null,
    rawBody: form({ grant_type: 'client_credentials' }),
    contentType: FORM,
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` }
  })
  t.equal(basic.status, 200, 'client_secret_basic')

  const bad = await call(sim, 'POST', OAUTH, { token: null, rawBody: form({ ...good, client_secret: 'x' }), contentType: FORM })
  t.equal(bad.status, 401)
  t.equal(bad.json.error, 'invalid_client')
  const grant = await call(sim, 'POST', OAUTH, { token: null, rawBody: form({ ...good, grant_type: 'password' }), contentType: FORM })
  t.same([grant.status, grant.json.error], [400, 'unsupported_grant_type'])
  const audience = await call(sim, 'POST', OAUTH, { token: null, rawBody: form({ ...good, audience: 'https://evil' }), contentType: FORM })
  t.same([audience.status, audience.json.error], [400, 'invalid_target'])
  const json = await call(sim, 'POST', OAUTH, { token: null, body: good })
  t.same([json.status, json.json.error], [400, 'invalid_request'])
})

t.test('OneAPI tokens expire after expires_in', async (t) => {
  const sim = await startSim(t, { count: 5, oneApiTokenTtlSeconds: 10 })
  const ok = await call(sim, 'POST', OAUTH, {
    token: null,
    rawBody: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    contentType: FORM
  })
  sim.clock.advance(10_000)
  const res = await call(sim, 'POST', '/zwa/dlp/v1/incidents/search', { token: ok.json.access_token })
  t.equal(res.status, 401)
})

t.test('strict token prefixes keep each flow on its own host', async (t) => {
  const sim = await startSim(t, { count: 5, tokenPrefixes: 'strict' })
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search')).status, 200)
  const cross = await call(sim, 'POST', '/zwa/dlp/v1/incidents/search')
  t.equal(cross.status, 401, 'API-key token refused on the OneAPI prefix')
})

t.test('custom credentials replace the defaults', async (t) => {
  const sim = await startSim(t, { count: 1, keyId: 'k1', keySecret: 's1' })
  t.equal((await call(sim, 'POST', '/dlp/v1/incidents/search')).status, 200, 'k1/s1 token works')
  const old = await call(sim, 'POST', TOKEN, { token: null, body: { key_id: keyId, key_secret: keySecret } })
  t.equal(old.status, 401)
})
