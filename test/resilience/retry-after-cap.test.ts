// Issue 14 item 9: one vendor Retry-After can pause a call class (and send clients away) for at
// most resilience.max_retry_after_s (default 300 s), never for the day the vendor may say.
import t from 'tap'
import { startHarness } from './harness.ts'

t.test('the token endpoint\'s day-long Retry-After is capped too', async (t) => {
  const h = await startHarness({ zwaResilience: '{ rate_budget: { enabled: false } }' })
  t.teardown(() => h.close())
  await h.zwa.fault({ route: 'POST /v1/auth/api-key/token', status: 429, retry_after: 86_400 })
  const first = await h.get('/v1/incidents/zwa:1-152-ABC-1')
  t.equal(first.body.code, 'upstream_rate_limited')
  t.ok(Number(first.headers['retry-after']) <= 300, `the client is told the capped wait (Retry-After ${first.headers['retry-after']})`)
  const blocked = await h.get('/v1/incidents/zwa:1-152-ABC-1')
  t.equal(blocked.body.code, 'upstream_rate_limited')
  t.ok(Number(blocked.headers['retry-after']) <= 300, `no token request is held back longer (Retry-After ${blocked.headers['retry-after']})`)
})

t.test('a day-long Retry-After is capped at the default 300 s, and a configured cap wins', async (t) => {
  const h = await startHarness({
    zwaResilience: '{ rate_budget: { enabled: false } }',
    cloudlockResilience: '{ max_retry_after_s: 7, max_wait_ms: 0 }'
  })
  t.teardown(() => h.close())
  const cl = (await h.get('/v1/incidents?provider=cloudlock&limit=1')).body.data[0].native_id
  const zwa = (await h.get('/v1/incidents?provider=zwa&limit=1')).body.data[0].native_id

  await h.zwa.fault({ route: `GET /dlp/v1/incidents/${zwa}`, status: 429, retry_after: 86_400, count: 1 })
  const zwaFirst = await h.get(`/v1/incidents/zwa:${zwa}`)
  t.equal(zwaFirst.status, 503)
  t.equal(zwaFirst.headers['retry-after'], '300', 'the client is told the capped wait')
  const zwaPaused = await h.get(`/v1/incidents/zwa:${zwa}`)
  t.equal(zwaPaused.body.code, 'upstream_rate_limited')
  t.ok(Number(zwaPaused.headers['retry-after']) <= 300, `the class pauses at most 300 s (Retry-After ${zwaPaused.headers['retry-after']})`)

  await h.cloudlock.fault({ route: `GET /api/v2/incidents/${cl}`, status: 429, retry_after: 86_400, count: 1 })
  await h.cloudlock.clearLog()
  const clFirst = await h.get(`/v1/incidents/cloudlock:${cl}`)
  t.equal(clFirst.headers['retry-after'], '7')
  const clPaused = await h.get(`/v1/incidents/cloudlock:${cl}`)
  t.equal(clPaused.status, 503)
  t.ok(Number(clPaused.headers['retry-after']) <= 7, `paused at most 7 s (Retry-After ${clPaused.headers['retry-after']})`)
  t.equal((await h.cloudlock.requests('/api/v2/incidents')).length, 1, 'the paused call stayed local')
})
