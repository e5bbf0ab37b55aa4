import t from 'tap'
import { startCloudlock, TOKEN } from '../helpers/cloudlock.ts'
import { call } from '../helpers/http.ts'
import { createManualClock } from '../../../src/sim-kit/clock.ts'

t.test('bearer token is required on every route', async (t) => {
  const sim = await startCloudlock(t)
  for (const path of ['/incidents', '/incidents/1']) {
    const missing = await sim.get(path, null)
    t.equal(missing.status, 401, `${path} without a token`)
    t.same(missing.json, { message: 'Missing authorization token' })
    const wrong = await sim.get(path, 'nope')
    t.equal(wrong.status, 401)
    t.same(wrong.json, { message: 'Invalid authorization token' })
  }
  t.equal((await sim.put('/incidents/1', { severity: 'INFO' }, 'nope')).status, 401)
  for (const header of [TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`, 'Bearer']) {
    const res = await call(sim.base, 'GET', '/api/v2/incidents', { headers: { authorization: header } })
    t.equal(res.status, 401, header)
  }
  const lower = await call(sim.base, 'GET', '/api/v2/incidents', { headers: { authorization: `bearer ${TOKEN}` } })
  t.equal(lower.status, 200, 'scheme is case-insensitive')
})

t.test('unknown routes and methods are 404 {message}', async (t) => {
  const sim = await startCloudlock(t)
  for (const [method, path] of [['GET', '/api/v2/policies-nope'], ['PATCH', '/api/v2/incidents/1'], ['DELETE', '/api/v2/incidents/1'], ['GET', '/incidents']]) {
    const res = await call(sim.base, method, path, { headers: { authorization: `Bearer ${TOKEN}` } })
    t.equal(res.status, 404, `${method} ${path}`)
    t.type(res.json.message, 'string')
  }
  t.equal((await call(sim.base, 'GET', '/api/v2/nope')).status, 404, 'unknown routes need no token')
  t.equal((await sim.get('/incidents/')).status, 404, 'trailing slash is not the list')
})

t.test('optional rate limit answers 429 {message} with Retry-After', async (t) => {
  const clock = createManualClock(Date.parse('2025-01-01T00:00:00Z'))
  const sim = await startCloudlock(t, { rateLimit: { perMinute: 2 }, clock: clock.clock })
  t.equal((await sim.get('/incidents?limit=1')).status, 200)
  clock.advance(15_000)
  t.equal((await sim.get('/incidents?limit=1')).status, 200)
  const limited = await sim.get('/incidents?limit=1')
  t.equal(limited.status, 429)
  t.type(limited.json.message, 'string')
  t.equal(limited.headers['retry-after'], '45', 'seconds left in the window')
  t.equal((await sim.get('/incidents', 'wrong')).status, 401, 'auth is checked first')
  clock.advance(45_000)
  t.equal((await sim.get('/incidents?limit=1')).status, 200, 'new window')
})

t.test('rate limit can omit Retry-After', async (t) => {
  const sim = await startCloudlock(t, { rateLimit: { perMinute: 1, retryAfter: false } })
  await sim.get('/incidents?limit=1')
  const limited = await sim.get('/incidents?limit=1')
  t.equal(limited.status, 429)
  t.equal(limited.headers['retry-after'], undefined)
})

t.test('IP allow-list answers 403 {message}', async (t) => {
  const denied = await startCloudlock(t, { allowedIps: ['10.1.2.3'] })
  const res = await denied.get('/incidents')
  t.equal(res.status, 403)
  t.match(res.json, { message: /IP/ })
  const allowed = await startCloudlock(t, { allowedIps: ['127.0.0.1'] })
  t.equal((await allowed.get('/incidents')).status, 200)
})

t.test('options are checked at build time', async (t) => {
  await t.rejects(startCloudlock(t, { token: '' }), /token/)
  await t.rejects(startCloudlock(t, { token: 'a b' }), /token/)
  await t.rejects(startCloudlock(t, { count: -1 }), /count/)
  await t.rejects(startCloudlock(t, { rateLimit: { perMinute: 0 } }), /perMinute/)
  await t.rejects(startCloudlock(t, { incidents: {} as unknown[] }), /array/)
  await t.rejects(startCloudlock(t, { incidents: [{ id: 'x1', severity: 'INFO' }] }), /record 0/)
})
