// Fault injection through the ZWA simulator: list (POST search, an idempotent read), detail (GET)
// and write (POST notes) under every fault of /__sim/faults, with the exact problem code, the exact
// number of upstream attempts, the deadline, and the token flow (shared token, one
// re-authentication on 401) still working through the guard.
import t, { type Test } from 'tap'
import { startHarness, type Harness } from './harness.ts'

const REQUEST_TIMEOUT = 8_000
const LATE = REQUEST_TIMEOUT + 3_000

interface Case {
  name: string
  fault: Record<string, unknown>
  code: string
  status: number
  reads: number
  writes: number
  retryAfter?: string
  // The write, faulted alone: a definite vendor answer passes through; a lost answer is read
  // back (spec section 6): applied -> 200, not applied -> the error, not known yet -> 502.
  write: [number, string]
}

const CASES: Case[] = [
  { name: '500', fault: { status: 500 }, code: 'upstream_error', status: 502, reads: 3, writes: 1, write: [502, 'upstream_error'] },
  { name: '503', fault: { status: 503 }, code: 'upstream_error', status: 502, reads: 3, writes: 1, write: [502, 'upstream_error'] },
  { name: '429 with Retry-After 1', fault: { status: 429, retry_after: 1 }, code: 'upstream_rate_limited', status: 503, reads: 3, writes: 1, retryAfter: '1', write: [503, 'upstream_rate_limited'] },
  { name: 'latency beyond the headers timeout', fault: { latency_ms: 2_500 }, code: 'upstream_timeout', status: 504, reads: 3, writes: 1, write: [502, 'write_outcome_unknown'] },
  { name: 'connection reset', fault: { mode: 'reset' }, code: 'upstream_error', status: 502, reads: 3, writes: 1, write: [502, 'upstream_error'] },
  { name: 'malformed JSON with 200', fault: { mode: 'malformed' }, code: 'upstream_error', status: 502, reads: 1, writes: 1, write: [502, 'upstream_error'] },
  { name: 'truncated body', fault: { mode: 'truncated' }, code: 'upstream_error', status: 502, reads: 3, writes: 1, write: [200, ''] },
  { name: 'slow body', fault: { mode: 'slow_body', chunk_interval_ms: 1_500 }, code: 'upstream_timeout', status: 504, reads: 3, writes: 1, write: [200, ''] },
  { name: 'HTML error page', fault: { mode: 'html' }, code: 'upstream_error', status: 502, reads: 3, writes: 1, write: [502, 'upstream_error'] }
]

// Budgets off here: this file counts attempts; the budget has its own test.
const RESILIENCE = '{ retries: 2, backoff: { base_ms: 20, max_ms: 100 }, max_wait_ms: 1500, retry_budget_burst: 1000, breaker: { failure_threshold: 0 }, rate_budget: { enabled: false } }'

async function setup (t: Test): Promise<{ h: Harness, id: string }> {
  const h = await startHarness({
    requestTimeoutMs: REQUEST_TIMEOUT,
    timeouts: { connect_ms: 1_000, headers_ms: 500, body_ms: 500 },
    zwaResilience: RESILIENCE
  })
  t.teardown(() => h.close())
  const first = await h.get('/v1/incidents?provider=zwa&limit=1')
  if (first.status !== 200) throw new Error(`setup listing failed: ${first.status} ${JSON.stringify(first.body)}`)
  return { h, id: first.body.data[0].native_id }
}

t.test('every fault on list, detail and write', async (t) => {
  const { h, id } = await setup(t)
  const count = async (method: string, match: (path: string) => boolean) =>
    (await h.zwa.requests('/dlp/v1/incidents', method)).filter((r) => match(r.path)).length

  for (const c of CASES) {
    await t.test(c.name, async (t) => {
      await h.zwa.clearFaults()
      await h.zwa.fault({ route: '* /dlp/v1/incidents', ...c.fault })

      // Its only failure decides the status: transient (rate limit, timeout) says "retry" (503/504
      // with Retry-After, the vendor's or 5 s), anything else is 502 without it.
      await h.zwa.clearLog()
      const list = await h.get('/v1/incidents?limit=5')
      t.equal(list.status, c.status, `list: ${c.status}`)
      t.equal(list.body.code, c.code)
      t.equal(list.headers['retry-after'], c.status === 502 ? undefined : c.retryAfter ?? '5', 'list: Retry-After when transient')
      t.same(list.body.failed_providers.map((f: any) => [f.provider, f.code, f.status]), [['zwa', c.code, c.status]], 'list: the failed provider and its §6 code')
      t.notOk('data' in list.body, 'list: nothing presented as a complete page')
      t.equal(await count('POST', (p) => p === '/dlp/v1/incidents/search'), c.reads, `list: ${c.reads} search attempt(s)`)
      t.ok(list.ms < LATE, `list answered in ${list.ms} ms`)

      await h.zwa.clearLog()
      const detail = await h.get(`/v1/incidents/zwa:${id}`)
      t.equal(detail.status, c.status, 'detail: status')
      t.equal(detail.body.code, c.code, 'detail: code')
      if (c.retryAfter) t.equal(detail.headers['retry-after'], c.retryAfter)
      t.equal(await count('GET', (p) => p.endsWith(id)), c.reads, `detail: ${c.reads} attempt(s)`)
      t.ok(detail.ms < LATE, `detail answered in ${detail.ms} ms`)

      // The write alone is faulted, so the baseline read and the read-back see the vendor's state.
      await h.zwa.clearFaults()
      await h.zwa.fault({ route: `POST /dlp/v1/incidents/${id}/notes`, ...c.fault })
      await h.zwa.clearLog()
      const write = await h.send('POST', `/v1/incidents/zwa:${id}/notes`, { text: `note during ${c.name}` })
      t.equal(write.status, c.write[0], 'write: status')
      if (c.write[0] === 200) t.ok(write.body.notes.some((n: any) => n.text === `note during ${c.name}`), 'write: the incident read back')
      else t.equal(write.body.code, c.write[1], 'write: code')
      t.equal(await count('POST', (p) => p.endsWith('/notes')), c.writes, 'write: exactly one attempt')
      t.ok(write.ms < LATE, `write answered in ${write.ms} ms`)
      t.equal((await h.zwa.requests('/v1/auth')).length, 0, 'the cached token served every attempt')
      await h.zwa.clearFaults()
    })
  }

  await t.test('the gateway keeps serving', async (t) => {
    t.equal((await h.get(`/v1/incidents/zwa:${id}`)).status, 200)
    t.match((await h.get('/v1/providers')).body.data.find((p: any) => p.id === 'zwa').health, { status: 'ok', circuit: 'closed' })
  })
})

t.test('re-authentication on 401 still works inside the guard', async (t) => {
  const { h, id } = await setup(t)
  await h.zwa.clearLog()
  await h.zwa.fault({ route: `GET /dlp/v1/incidents/${id}`, status: 401, count: 1 })
  const ok = await h.get(`/v1/incidents/zwa:${id}`)
  t.equal(ok.status, 200, 'one refused token: a new one, and the call is replayed')
  t.equal((await h.zwa.requests('/dlp/v1/incidents', 'GET')).length, 2)
  t.equal((await h.zwa.requests('/v1/auth', 'POST')).length, 1, 'one new token')

  await h.zwa.clearLog()
  await h.zwa.fault({ route: `GET /dlp/v1/incidents/${id}`, status: 401 })
  const refused = await h.get(`/v1/incidents/zwa:${id}`)
  t.equal(refused.status, 502)
  t.equal(refused.body.code, 'upstream_auth_failed')
  t.equal((await h.zwa.requests('/dlp/v1/incidents', 'GET')).length, 2, 'refusal, re-authentication, refusal: no retries on top')
  t.equal((await h.zwa.requests('/v1/auth', 'POST')).length, 1)

  // A write whose new token could not be fetched was never sent: repeating it is safe.
  await h.zwa.clearFaults()
  await h.zwa.clearLog()
  await h.zwa.fault({ route: `POST /dlp/v1/incidents/${id}/notes`, status: 401, count: 1 })
  await h.zwa.fault({ route: 'POST /v1/auth/api-key/token', status: 503, count: 1 })
  const note = await h.send('POST', `/v1/incidents/zwa:${id}/notes`, { text: 'written once' })
  t.equal(note.status, 200)
  const notes = await h.zwa.requests('/dlp/v1/incidents', 'POST')
  t.same(notes.map((r) => r.status), [401, 200], 'refused with the old token, then sent once with the new one')
  t.same((await h.zwa.requests('/v1/auth', 'POST')).map((r) => r.status), [503, 201])
  t.equal(note.body.notes.filter((n: any) => n.text === 'written once').length, 1, 'the note exists once')
})

t.test('a failing token endpoint is retried like a read', async (t) => {
  const h = await startHarness({ requestTimeoutMs: REQUEST_TIMEOUT, zwaResilience: RESILIENCE })
  t.teardown(() => h.close())
  await h.zwa.fault({ route: 'POST /v1/auth/api-key/token', status: 500, count: 2 })
  const list = await h.get('/v1/incidents?provider=zwa&limit=2')
  t.equal(list.status, 200, 'third token request succeeds')
  t.equal((await h.zwa.requests('/v1/auth', 'POST')).length, 3)
  t.equal((await h.zwa.requests('/dlp/v1/incidents', 'POST')).length, 1, 'one search once a token exists')
})

t.test('a token request that never answers ends with the caller\'s deadline', async (t) => {
  const h = await startHarness({ requestTimeoutMs: 1_500, zwaResilience: RESILIENCE })
  t.teardown(() => h.close())
  const id = (await h.get('/v1/incidents?provider=zwa&limit=1')).body.data[0].native_id
  await h.zwa.clearLog()
  await h.zwa.fault({ route: 'POST /v1/auth/api-key/token', latency_ms: 3_000 })
  await h.zwa.fault({ route: 'GET /dlp/v1/incidents', status: 401, count: 1 }) // forces a new token
  const slow = await h.get(`/v1/incidents/zwa:${id}`)
  t.equal(slow.status, 504, 'the token never came: upstream_timeout')
  t.equal(slow.body.code, 'upstream_timeout')
  t.ok(slow.ms >= 1_000 && slow.ms < 1_500 + 2_500, `answered at the deadline (${slow.ms} ms), not when the token request gave up`)
  t.equal((await h.zwa.requests('/v1/auth', 'POST')).length, 1, 'one token request, shared, not repeated after the deadline')
})
