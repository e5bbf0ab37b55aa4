// Fault injection through the Cloudlock simulator's /__sim/faults: for every fault and every kind
// of call (list, detail, write), the exact problem code of spec §6, the exact number of upstream
// attempts (from the simulator's request log), no answer later than the deadline, no partial
// listing presented as complete, and a gateway that keeps serving afterwards.
import t, { type Test } from 'tap'
import { startHarness, type Harness } from './harness.ts'

const REQUEST_TIMEOUT = 8_000
// Generous: the machine runs several test files at once; a hang would take far longer.
const LATE = REQUEST_TIMEOUT + 3_000

interface Case {
  name: string
  fault: Record<string, unknown>
  code: string // detail and write
  status: number
  reads: number // attempts of a read (list, detail): 1 + retries when transient
  writes: number // attempts of a write: never repeated once sent
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

const RESILIENCE = '{ retries: 2, backoff: { base_ms: 20, max_ms: 100 }, max_wait_ms: 1500, retry_budget_burst: 1000, breaker: { failure_threshold: 0 } }'

async function setup (t: Test): Promise<{ h: Harness, id: string }> {
  const h = await startHarness({
    requestTimeoutMs: REQUEST_TIMEOUT,
    timeouts: { connect_ms: 1_000, headers_ms: 500, body_ms: 500 },
    cloudlockResilience: RESILIENCE,
    zwaResilience: '{ rate_budget: { enabled: false } }'
  })
  t.teardown(() => h.close())
  const first = await h.get('/v1/incidents?provider=cloudlock&limit=1')
  if (first.status !== 200) throw new Error(`setup listing failed: ${first.status} ${JSON.stringify(first.body)}`)
  return { h, id: first.body.data[0].native_id }
}

t.test('every fault on list, detail and write', async (t) => {
  const { h, id } = await setup(t)
  const attempts = async (method: string, exact?: string) =>
    (await h.cloudlock.requests('/api/v2/incidents', method)).filter((r) => exact === undefined || r.path === exact).length

  for (const c of CASES) {
    await t.test(c.name, async (t) => {
      await h.cloudlock.clearFaults()
      await h.cloudlock.fault({ route: '* /api/v2/incidents', ...c.fault })

      // list: both providers selected, Cloudlock fails -> its failure named, nothing presented as
      // complete. Its only failure decides the status: transient (rate limit, timeout) says "retry"
      // (503/504 with Retry-After, the vendor's or 5 s), anything else is 502 without it.
      await h.cloudlock.clearLog()
      const list = await h.get('/v1/incidents?limit=5')
      t.equal(list.status, c.status, `list: ${c.status}`)
      t.equal(list.body.code, c.code)
      t.equal(list.headers['retry-after'], c.status === 502 ? undefined : c.retryAfter ?? '5', 'list: Retry-After when transient')
      t.same(list.body.failed_providers.map((f: any) => [f.provider, f.code, f.status]), [['cloudlock', c.code, c.status]], 'list: the failed provider and its §6 code')
      t.notOk('data' in list.body, 'list: no incidents presented as a complete page')
      t.equal(await attempts('GET', '/api/v2/incidents'), c.reads, `list: ${c.reads} upstream attempt(s)`)
      t.ok(list.ms < LATE, `list answered in ${list.ms} ms, before the deadline`)

      // detail
      await h.cloudlock.clearLog()
      const detail = await h.get(`/v1/incidents/cloudlock:${id}`)
      t.equal(detail.status, c.status, 'detail: status')
      t.equal(detail.body.code, c.code, 'detail: code')
      t.equal(detail.body.provider, 'cloudlock')
      if (c.retryAfter) t.equal(detail.headers['retry-after'], c.retryAfter, 'detail: Retry-After')
      t.equal(await attempts('GET'), c.reads, `detail: ${c.reads} upstream attempt(s)`)
      t.ok(detail.ms < LATE, `detail answered in ${detail.ms} ms`)

      // write: never repeated once sent; faulted alone, so the read-back sees the vendor's state
      await h.cloudlock.clearFaults()
      await h.cloudlock.fault({ route: 'PUT /api/v2/incidents', ...c.fault })
      await h.cloudlock.clearLog()
      const ref = `X-${CASES.indexOf(c)}`
      const write = await h.send('PATCH', `/v1/incidents/cloudlock:${id}`, { external_ref: ref })
      t.equal(write.status, c.write[0], 'write: status')
      if (c.write[0] === 200) t.equal(write.body.external_ref, ref, 'write: the incident read back')
      else t.equal(write.body.code, c.write[1], 'write: code')
      if (c.retryAfter) t.equal(write.headers['retry-after'], c.retryAfter, 'write: Retry-After')
      t.equal(await attempts('PUT'), c.writes, 'write: exactly one upstream attempt')
      t.ok(write.ms < LATE, `write answered in ${write.ms} ms`)
      await h.cloudlock.clearFaults()
    })
  }

  await t.test('the gateway keeps serving, and the provider recovers', async (t) => {
    t.equal((await h.get('/healthz')).status, 200)
    const ok = await h.get(`/v1/incidents/cloudlock:${id}`)
    t.equal(ok.status, 200)
    const providers = await h.get('/v1/providers')
    t.match(providers.body.data.find((p: any) => p.id === 'cloudlock').health, { status: 'ok', circuit: 'closed' })
  })
})

t.test('partial listings mark the failed provider and keep its position', async (t) => {
  const { h } = await setup(t)
  await h.cloudlock.fault({ route: 'GET /api/v2/incidents', mode: 'reset' })
  const partial = await h.get('/v1/incidents?limit=5&allow_partial=true')
  t.equal(partial.status, 200)
  t.equal(partial.body.providers.cloudlock.status, 'error')
  t.equal(partial.body.providers.cloudlock.error.code, 'upstream_error')
  t.equal(partial.body.providers.zwa.status, 'ok')
  t.ok(partial.body.data.every((i: any) => i.provider === 'zwa'), 'only the healthy provider\'s incidents')
  t.not(partial.body.next_cursor, null, 'the walk is not over: Cloudlock still owes its incidents')
  await h.cloudlock.clearFaults()
  // Walking on after recovery brings every Cloudlock incident exactly once: nothing was skipped.
  const seen: string[] = []
  let cursor: string | null = partial.body.next_cursor
  while (cursor) {
    const page = await h.get(`/v1/incidents?limit=25&cursor=${encodeURIComponent(cursor)}`)
    t.equal(page.status, 200)
    seen.push(...page.body.data.filter((i: any) => i.provider === 'cloudlock').map((i: any) => i.id))
    cursor = page.body.next_cursor
  }
  t.equal(seen.length, 30, 'all 30 Cloudlock incidents after recovery')
  t.equal(new Set(seen).size, seen.length, 'no duplicates')
})

t.test('a vendor Retry-After beyond max_wait_ms: one attempt, the hint goes to the client, and the class pauses', async (t) => {
  const { h, id } = await setup(t)
  await h.cloudlock.fault({ route: 'GET /api/v2/incidents/', status: 429, retry_after: 30, count: 1 })
  await h.cloudlock.clearLog()
  const first = await h.get(`/v1/incidents/cloudlock:${id}`)
  t.equal(first.status, 503)
  t.equal(first.body.code, 'upstream_rate_limited')
  t.equal(first.headers['retry-after'], '30')
  t.equal((await h.cloudlock.requests('/api/v2/incidents')).length, 1, 'no retry: the wait does not fit max_wait_ms')
  // The vendor said 30 s: nothing of this provider goes out meanwhile, the clients learn how long.
  const second = await h.get(`/v1/incidents/cloudlock:${id}`)
  t.equal(second.status, 503)
  t.equal(second.body.code, 'upstream_rate_limited')
  t.ok(Number(second.headers['retry-after']) >= 25 && Number(second.headers['retry-after']) <= 30, `Retry-After ${second.headers['retry-after']}`)
  t.equal((await h.cloudlock.requests('/api/v2/incidents')).length, 1, 'the paused call never reached the vendor')
  t.equal((await h.get('/v1/providers')).body.data.find((p: any) => p.id === 'cloudlock').health.last_error.code, 'upstream_rate_limited')
})

t.test('a write answered too late: 502 write_outcome_unknown until the read-back decides, never a second PUT', async (t) => {
  const { h, id } = await setup(t)
  // The simulator holds the PUT 2.5 s, then applies it; the gateway gave up after 0.5 s.
  await h.cloudlock.fault({ route: 'PUT /api/v2/incidents', latency_ms: 2_500, count: 1 })
  const key = 'unknown-outcome-1'
  const patch = () => h.send('PATCH', `/v1/incidents/cloudlock:${id}`, { external_ref: 'UNK-1' }, { 'idempotency-key': key })
  const first = await patch()
  t.equal(first.status, 502)
  t.equal(first.body.code, 'write_outcome_unknown', 'not there yet, but the vendor may still apply it')
  const early = await patch()
  t.equal(early.body.code, 'write_outcome_unknown', 'a repeat while the vendor still holds it: still unknown')
  // Wait until the vendor has applied the write (its log shows the PUT answered).
  while ((await h.cloudlock.requests('/api/v2/incidents', 'PUT'))[0].status === null) await new Promise((resolve) => setTimeout(resolve, 100))
  const decided = await patch()
  t.equal(decided.status, 200, 'the read-back found the change: applied')
  t.equal(decided.body.external_ref, 'UNK-1')
  const replay = await patch()
  t.equal(replay.status, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the decided outcome is stored under the key')
  t.equal((await h.cloudlock.requests('/api/v2/incidents', 'PUT')).length, 1, 'one PUT in all: never sent twice')
})
