// Spec section 5 (issue 14 item 3): a listing whose failures are all transient says "retry" in a
// status SOAR tools understand (503, or 504 for timeouts only, with Retry-After); anything else is
// 502. A vendor rate limit in the middle of a page keeps what was already read.
import t from 'tap'
import { request } from 'undici'
import { startStack } from '../helpers/stack.ts'

async function fault (url: string, body: Record<string, unknown>) {
  const res = await request(`${url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  await res.body.text()
  t.equal(res.statusCode, 201)
}

t.test('a vendor rate limit alone is 503 upstream_rate_limited with Retry-After', async (t) => {
  const stack = await startStack()
  t.teardown(stack.close)
  await fault(stack.cloudlockUrl, { route: 'GET /api/v2/incidents', status: 429, retry_after: 7 })
  const res = await stack.get('/v1/incidents?limit=5')
  t.equal(res.status, 503)
  t.equal(res.body.code, 'upstream_rate_limited')
  t.equal(res.headers['retry-after'], '7')
  t.same(res.body.failed_providers.map((f: any) => f.provider), ['cloudlock'])
  t.match(res.body.detail, /temporary: retry the same request after Retry-After/)
})

t.test('an open circuit and a rate limit together are still 503', async (t) => {
  const stack = await startStack()
  t.teardown(stack.close)
  await fault(stack.cloudlockUrl, { route: 'GET /api/v2/incidents', status: 429, retry_after: 3 })
  await fault(stack.zwaUrl, { route: 'POST /dlp/v1/incidents/search', status: 429, retry_after: 4 })
  const res = await stack.get('/v1/incidents?limit=5')
  t.equal(res.status, 503)
  t.equal(res.headers['retry-after'], '4', 'the longest wait any provider asked for')
  t.equal(res.body.failed_providers.length, 2)
})

t.test('timeouts only are 504 upstream_timeout with Retry-After', async (t) => {
  const stack = await startStack({ timeoutsMs: 200 })
  t.teardown(stack.close)
  await fault(stack.cloudlockUrl, { route: 'GET /api/v2/incidents', latency_ms: 1500 })
  const res = await stack.get('/v1/incidents?limit=5&provider=cloudlock')
  t.equal(res.status, 504)
  t.equal(res.body.code, 'upstream_timeout')
  t.ok(Number(res.headers['retry-after']) > 0)
})

t.test('a hard failure anywhere is 502 upstream_error', async (t) => {
  const stack = await startStack()
  t.teardown(stack.close)
  await fault(stack.cloudlockUrl, { route: 'GET /api/v2/incidents', status: 429, retry_after: 3 })
  await fault(stack.zwaUrl, { route: 'POST /dlp/v1/incidents/search', status: 400 })
  const res = await stack.get('/v1/incidents?limit=5')
  t.equal(res.status, 502)
  t.equal(res.body.code, 'upstream_error')
})

t.test('a rate limit in the middle of a page keeps what was read, and the walk stays exact', async (t) => {
  // 250 ZWA incidents, a status the gateway filters itself (unknown matches none): the page scans
  // several searches; the vendor allows 2 searches a minute, so the third is refused.
  const stack = await startStack({ count: 250, zwaOptions: { rateLimits: { medium: { perMinute: 2, perHour: 1000 } } } })
  t.teardown(stack.close)
  const first = await stack.get('/v1/incidents?provider=zwa&limit=100&severity=high,unknown')
  t.equal(first.status, 200, 'not a 503: the two searches that succeeded are used')
  t.ok(first.body.data.length > 0, `${first.body.data.length} incidents from the searches that succeeded`)
  t.type(first.body.next_cursor, 'string')
  const second = await stack.get(`/v1/incidents?provider=zwa&limit=100&severity=high,unknown&cursor=${encodeURIComponent(first.body.next_cursor)}`)
  t.equal(second.status, 503, 'the next page says when to come back')
  t.ok(Number(second.headers['retry-after']) > 0)
})
