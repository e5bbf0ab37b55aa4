// The resilience mechanisms one by one, on injected clocks and scripted attempts: no network, no
// wall-clock assertions except generous lower bounds where a real wait is the point.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { beforeSending, translateNetworkError, translateStatus } from '../../src/upstream/http/upstream-errors.ts'
import type { UpstreamResponse } from '../../src/upstream/http/upstream-client.ts'
import { loadConfig } from '../../src/config/load.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { CircuitBreaker } from '../../src/upstream/resilience/circuit-breaker.ts'
import { Coalescer, requestKey } from '../../src/upstream/resilience/coalescer.ts'
import { ConcurrencyLimiter } from '../../src/upstream/resilience/concurrency-limiter.ts'
import { deadlineOf } from '../../src/upstream/resilience/deadline.ts'
import { markLocal } from '../../src/upstream/resilience/local-errors.ts'
import { RetryBudget } from '../../src/upstream/resilience/retry-budget.ts'
import { backoffMs, judge } from '../../src/upstream/resilience/retry-policy.ts'
import { guardSettings, UNGUARDED, type GuardSettings } from '../../src/upstream/resilience/settings.ts'
import { staticBearer } from '../../src/upstream/authenticator.ts'
import { createRateBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { UpstreamClient } from '../../src/upstream/http/upstream-client.ts'
import type { Operation } from '../../src/upstream/operation.ts'
import { UpstreamPipeline } from '../../src/upstream/pipeline.ts'

const clock = (start = 1_000_000) => {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

t.test('retry policy: what is repeated, and after what', async (t) => {
  const status = (s: number, hint?: number) => translateStatus('p', s, null, hint)
  const net = (code: string, name = 'Error') => translateNetworkError('p', Object.assign(new Error('x'), { code, name }))
  const cases: Array<[string, unknown, boolean, unknown]> = [
    ['500 read', status(500), true, { kind: 'failure', retry: 'backoff' }],
    ['502 read', status(502), true, { kind: 'failure', retry: 'backoff' }],
    ['504 read', status(504), true, { kind: 'failure', retry: 'backoff' }],
    ['503 read with a hint', status(503, 3), true, { kind: 'failure', retry: 'hint', hintMs: 3000 }],
    ['429 read with a hint', status(429, 2), true, { kind: 'failure', retry: 'hint', hintMs: 2000 }],
    ['429 read without a hint', status(429), true, { kind: 'failure', retry: 'backoff' }],
    ['501 read', status(501), true, { kind: 'failure', retry: 'no' }],
    ['401 read', status(401), true, { kind: 'failure', retry: 'no' }],
    ['404', status(404), true, { kind: 'caller' }],
    ['400', status(400), false, { kind: 'caller' }],
    ['500 write', status(500), false, { kind: 'failure', retry: 'no' }],
    ['429 write', status(429, 1), false, { kind: 'failure', retry: 'no' }],
    ['reset read', net('ECONNRESET'), true, { kind: 'failure', retry: 'backoff' }],
    ['reset write (sent: outcome unknown)', net('ECONNRESET'), false, { kind: 'failure', retry: 'no' }],
    ['headers timeout write', net('UND_ERR_HEADERS_TIMEOUT'), false, { kind: 'failure', retry: 'no' }],
    ['connection refused write (never sent)', net('ECONNREFUSED'), false, { kind: 'failure', retry: 'backoff' }],
    ['connect timeout write (never sent)', net('UND_ERR_CONNECT_TIMEOUT'), false, { kind: 'failure', retry: 'backoff' }],
    ['a write whose token request failed (never sent)', beforeSending(status(503)), false, { kind: 'failure', retry: 'backoff' }],
    ['a write whose token request was refused', beforeSending(status(401)), false, { kind: 'failure', retry: 'no' }],
    ['the deadline', net('', 'TimeoutError'), true, { kind: 'failure', retry: 'no' }],
    ['a 2xx with a broken body', new GatewayError('upstream_error', 'not JSON'), true, { kind: 'failure', retry: 'no' }],
    ['a local refusal', markLocal(new GatewayError('provider_unavailable', 'open')), true, { kind: 'local' }],
    ['not a GatewayError', new Error('bug'), true, { kind: 'failure', retry: 'no' }]
  ]
  for (const [name, err, idempotent, verdict] of cases) t.same(judge(err, idempotent), verdict, name)
})

t.test('backoff: full jitter under an exponential ceiling', async (t) => {
  t.same([0, 1, 2, 3, 10].map((n) => backoffMs(n, 100, 2_000, () => 0.999999)), [99, 199, 399, 799, 1999])
  t.same([0, 5].map((n) => backoffMs(n, 100, 2_000, () => 0)), [0, 0], 'a draw of 0 waits 0')
  for (let i = 0; i < 200; i++) {
    const d = backoffMs(i % 8, 50, 1_000, Math.random)
    t.ok(d >= 0 && d <= Math.min(1_000, 50 * 2 ** (i % 8)), 'within [0, ceiling]')
  }
})

t.test('retry budget: a token bucket earned by calls', async (t) => {
  const b = new RetryBudget(0.2, 3)
  t.ok(b.trySpend() && b.trySpend() && b.trySpend(), 'a full bucket at start')
  t.notOk(b.trySpend(), 'then empty')
  for (let i = 0; i < 4; i++) b.earn()
  t.notOk(b.trySpend(), '4 calls earn 0.8 of a retry')
  b.earn()
  t.ok(b.trySpend(), '5 calls earn one')
  for (let i = 0; i < 1000; i++) b.earn()
  t.equal(b.available, 3, 'never more than the burst')
})

t.test('circuit breaker: closed, open, half-open', async (t) => {
  const c = clock()
  const changes: string[] = []
  const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, halfOpenProbes: 2, now: c.now, onChange: (s) => changes.push(s) })
  const admit = () => { const a = b.admit(); if (!('permit' in a)) throw new Error('refused'); return a.permit }
  b.failure(admit())
  b.failure(admit())
  b.success(admit())
  b.failure(admit())
  b.failure(admit())
  t.equal(b.current(), 'closed', 'a success resets the count: failures must be consecutive')
  b.failure(admit())
  t.equal(b.current(), 'open')
  t.same(b.admit(), { retryAfterMs: 1000 })
  c.advance(999)
  t.equal(b.current(), 'open')
  c.advance(1)
  t.equal(b.current(), 'half_open')
  const p1 = admit()
  const p2 = admit()
  t.same([p1.probe, p2.probe], [true, true])
  t.same(b.admit(), { retryAfterMs: 1000 }, 'only two probes at a time')
  b.success(p1)
  t.equal(b.current(), 'half_open', 'one of two probes is not enough')
  b.failure(p2)
  t.equal(b.current(), 'open', 'a failed probe opens it again')
  c.advance(1000)
  const p3 = admit()
  b.release(p3) // refused locally: the slot comes back
  b.success(admit())
  b.success(admit())
  t.equal(b.current(), 'closed')
  t.same(changes, ['open', 'half_open', 'open', 'half_open', 'closed'])
  const off = new CircuitBreaker({ failureThreshold: 0, openMs: 10, halfOpenProbes: 1, now: c.now })
  for (let i = 0; i < 100; i++) off.failure({ probe: false })
  t.equal(off.current(), 'closed', 'threshold 0: no breaker')
})

t.test('concurrency limiter: bounded, FIFO, deadline-aware', async (t) => {
  const l = new ConcurrencyLimiter(2, 1)
  t.ok(await l.acquire(0))
  t.ok(await l.acquire(0))
  t.notOk(await l.acquire(0), 'full and no time to wait')
  const waiting = l.acquire(5_000)
  t.notOk(await l.acquire(5_000), 'the queue holds one')
  l.release()
  t.ok(await waiting, 'a released slot goes to the waiter')
  t.equal(l.inFlight, 2)
  const aborted = new AbortController()
  const w2 = l.acquire(5_000, aborted.signal)
  aborted.abort()
  t.notOk(await w2, 'the deadline ends the wait')
  t.notOk(await l.acquire(20), 'a short wait runs out')
  l.release()
  l.release()
  t.equal(l.inFlight, 0)
})

t.test('coalescer and request keys', async (t) => {
  const c = new Coalescer()
  let runs = 0
  let finish: (v: string) => void = () => {}
  const first = c.start('k', () => { runs++; return new Promise<string>((resolve) => { finish = resolve }) })
  t.equal(c.get('k'), first)
  finish('v')
  t.equal(await first, 'v')
  t.equal(runs, 1)
  t.equal(c.get('k'), undefined, 'nothing is kept once settled')
  t.equal(requestKey('GET', '/a', { b: '2', a: '1', c: undefined }, undefined), requestKey('GET', '/a', { a: '1', b: '2' }, undefined), 'query order does not matter')
  t.not(requestKey('GET', '/a', { a: ['1', '2'] }, undefined), requestKey('GET', '/a', { a: '1,2' }, undefined))
  t.not(requestKey('POST', '/s', {}, { x: 1 }), requestKey('POST', '/s', {}, { x: 2 }))
})

t.test('deadlines: the first sighting of a signal fixes its estimate; a provider cap can shorten it', async (t) => {
  const signal = AbortSignal.timeout(60_000)
  t.equal(deadlineOf({ signal }, 1_000, 5_000).at, 6_000)
  t.equal(deadlineOf({ signal }, 3_000, 5_000).at, 6_000, 'later calls of the same request share it')
  t.equal(deadlineOf({ signal, deadline: 4_000 }, 3_000, 5_000).at, 4_000, 'an explicit deadline wins')
  const capped = deadlineOf({ signal }, 5_000, 5_000, 200)
  t.equal(capped.at, 5_200)
  t.not(capped.signal, signal)
})

const settings = (over: Partial<GuardSettings> = {}): GuardSettings => ({
  ...guardSettings({
    retries: 2,
    retry_budget_ratio: 0.2,
    retry_budget_burst: 10,
    backoff: { base_ms: 1, max_ms: 2 },
    max_wait_ms: 1_000,
    max_retry_after_s: 300,
    breaker: { failure_threshold: 0, open_ms: 1_000, half_open_probes: 1 },
    max_queue: 10,
    coalesce: true,
    rate_budget: { enabled: false, fallback_share: 0.25, default: { per_minute: 0, per_hour: 0 } }
  }, 4),
  ...over
})

const response = (status: number, headers: Record<string, string> = {}): UpstreamResponse => ({ status, headers, text: '', json: {} })

// A pipeline over a scripted transport: `script` sets the statuses the next requests get.
function scriptedPipeline (s: GuardSettings, now?: () => number) {
  let send: () => Promise<UpstreamResponse> = async () => response(200)
  const transport = { origin: 'http://vendor.test', basePath: '', request: () => send(), close: async () => {} } as unknown as UpstreamClient
  const p = new UpstreamPipeline({
    providerId: 'p',
    providerType: 'test',
    settings: s,
    transport,
    authenticator: staticBearer('t'),
    errorMessageKey: 'message',
    budget: createRateBudget({ providerId: 'p', windowsByClass: s.rateBudget, fallbackShare: 0.25, now: now ?? Date.now }),
    now,
    random: () => 0
  })
  const script = (statuses: number[], headers: Record<string, string> = {}) => {
    let sent = 0
    send = async () => response(statuses[Math.min(sent++, statuses.length - 1)], headers)
    return { sent: () => sent }
  }
  return { p, script, setSend: (fn: () => Promise<UpstreamResponse>) => { send = fn } }
}
const op = (rateClass = 'default', idempotent = true): Operation<string> =>
  ({ name: 'get', method: 'GET', path: '/x', rateClass, idempotent, parse: () => 'ok' })

t.test('pipeline: retries transient failures of reads only, within the retry budget', async (t) => {
  const { p, script } = scriptedPipeline(settings())
  const flaky = script([500, 502, 200])
  t.equal(await p.call(op(), {}, {}), 'ok')
  t.equal(flaky.sent(), 3)
  const down = script([500])
  await t.rejects(p.call(op(), {}, {}), { code: 'upstream_error' })
  t.equal(down.sent(), 3, '1 + 2 retries')
  const write = script([500, 200])
  await t.rejects(p.call(op('default', false), {}, {}), { code: 'upstream_error' })
  t.equal(write.sent(), 1, 'a write is sent once')
  t.match(p.health(), { status: 'degraded', circuit: 'closed', last_error: { code: 'upstream_error' } })

  // A long outage: retries stay near 20 % of calls (plus the burst), never 200 %.
  const outage = scriptedPipeline(settings())
  let attempts = 0
  for (let i = 0; i < 100; i++) {
    const s = outage.script([503])
    await outage.p.call(op(), {}, {}).catch(() => {})
    attempts += s.sent()
  }
  const retries = attempts - 100
  t.ok(retries <= 10 + 20 + 1, `${retries} retries for 100 failing calls (budget: burst 10 + 20 %)`)
  t.ok(retries >= 25, 'but the budget is used')
})

t.test('pipeline: Retry-After is honoured when it fits max_wait_ms and the deadline', async (t) => {
  const g = scriptedPipeline(settings({ maxWaitMs: 1_000 }))
  const long = g.script([429, 200], { 'retry-after': '5' })
  await t.rejects(g.p.call(op(), {}, {}), { code: 'upstream_rate_limited', retryAfter: 5 })
  t.equal(long.sent(), 1, '5 s does not fit max_wait_ms: the client gets the hint')

  const g2 = scriptedPipeline(settings({ maxWaitMs: 2_000, pauseOnHint: false }))
  const short = g2.script([503, 200], { 'retry-after': '1' })
  const started = Date.now()
  t.equal(await g2.p.call(op(), {}, { signal: AbortSignal.timeout(5_000) }), 'ok')
  t.equal(short.sent(), 2)
  t.ok(Date.now() - started >= 900, 'waited the vendor\'s second')

  const g3 = scriptedPipeline(settings({ maxWaitMs: 2_000 }))
  const tight = g3.script([503, 200], { 'retry-after': '1' })
  await t.rejects(g3.p.call(op(), {}, { signal: AbortSignal.timeout(60_000), deadline: Date.now() + 500 }), { code: 'upstream_error' })
  t.equal(tight.sent(), 1, 'a wait past the deadline is not started')
})

t.test('pipeline: a half-open probe is not retried; an open circuit refuses locally', async (t) => {
  const c = clock()
  const { p, script } = scriptedPipeline(settings({ breaker: { failureThreshold: 2, openMs: 1_000, halfOpenProbes: 1 } }), c.now)
  script([500])
  for (let i = 0; i < 2; i++) await p.call(op(), {}, {}).catch(() => {})
  t.equal(p.circuit(), 'open')
  const refused = script([200])
  await t.rejects(p.call(op(), {}, {}), { code: 'provider_unavailable', retryAfter: 1 })
  t.equal(refused.sent(), 0)
  c.advance(1_000)
  const probe = script([500, 200])
  await t.rejects(p.call(op(), {}, {}), { code: 'upstream_error' })
  t.equal(probe.sent(), 1, 'the probe\'s failure decides, without retries')
  t.equal(p.circuit(), 'open')
  await p.close()
})

t.test('pipeline: the rate budget waits when the wait is short, refuses when it is not', async (t) => {
  const g = scriptedPipeline(settings({ rateBudget: { light: [{ limit: 2, ms: 400 }] }, maxWaitMs: 2_000, coalesce: false }))
  g.script([200])
  for (let i = 0; i < 2; i++) t.equal(await g.p.call(op('light'), {}, {}), 'ok')
  const started = Date.now()
  t.equal(await g.p.call(op('light'), {}, {}), 'ok', 'the third waited for a slot')
  t.ok(Date.now() - started >= 300, 'about one window')

  const strict = scriptedPipeline(settings({ rateBudget: { light: [{ limit: 1, ms: 60_000 }] }, maxWaitMs: 2_000, coalesce: false }))
  strict.script([200])
  await strict.p.call(op('light'), {}, {})
  const held = strict.script([200])
  await t.rejects(strict.p.call(op('light'), {}, {}), { code: 'upstream_rate_limited', retryAfter: 60 })
  t.equal(held.sent(), 0, 'never sent')
  t.equal(strict.p.health().last_error, null, 'a local refusal is not a provider failure')
})

t.test('pipeline: the concurrency cap', async (t) => {
  const g = scriptedPipeline(settings({ maxConcurrent: 1, maxWaitMs: 100, coalesce: false }))
  let release: () => void = () => {}
  g.setSend(() => new Promise<UpstreamResponse>((resolve) => { release = () => resolve(response(200)) }))
  const slow = g.p.call(op(), {}, {})
  await new Promise((resolve) => setImmediate(resolve))
  g.script([200])
  await t.rejects(g.p.call(op(), {}, {}), { code: 'provider_unavailable', retryAfter: 1 }, 'no slot within max_wait_ms')
  const queued = g.p.call(op(), {}, {})
  release()
  t.equal(await slow, 'ok')
  t.equal(await queued, 'ok', 'a slot freed within the wait')
  t.same(g.p.stats().inFlight, 0)
})

t.test('unguarded adapters (no resilience section) behave as before', async (t) => {
  t.same(guardSettings(undefined, 16), UNGUARDED)
  const { p, script } = scriptedPipeline(UNGUARDED)
  const s = script([500, 200])
  await t.rejects(p.call(op(), {}, {}), { code: 'upstream_error' })
  t.equal(s.sent(), 1)
})

t.test('configuration: documented defaults per provider type, bad values named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-res-config-'))
  const write = (providers: string) => {
    const file = join(dir, `c${Math.random()}.yaml`)
    writeFileSync(file, `cursor: { secret: ${'k'.repeat(40)} }\napi_keys: [{ name: a, sha256: ${'a'.repeat(64)}, scopes: [incidents:read] }]\nproviders:\n${providers}\n`)
    return file
  }
  const config = loadConfig({
    GATEWAY_CONFIG: write(`  - { id: zwa, type: zwa, base_url: 'https://z.example', auth: { mode: api_key, key_id: i, key_secret: s }, max_connections: 8 }
  - { id: cl, type: cloudlock, base_url: 'https://c.example/api/v2', token: t }`)
  })
  const [zwa, cl] = config.providers.map((p) => guardSettings(p.resilience, p.max_connections))
  t.same(zwa.rateBudget, {
    light: [{ limit: 30, ms: 60_000 }, { limit: 1000, ms: 3_600_000 }],
    medium: [{ limit: 20, ms: 60_000 }, { limit: 400, ms: 3_600_000 }],
    token: [{ limit: 20, ms: 60_000 }, { limit: 400, ms: 3_600_000 }]
  }, 'ZWA: the documented limits')
  t.same(cl.rateBudget, { default: [] }, 'Cloudlock: no documented numbers, no budget')
  t.match(zwa, { retries: 2, maxWaitMs: 2_000, maxConcurrent: 8, coalesce: true, breaker: { failureThreshold: 5, openMs: 30_000, halfOpenProbes: 1 } })
  t.equal(zwa.rateBudgetFallbackShare, 0.25, 'a replica\'s share of the budget while Redis is away')
  t.throws(() => loadConfig({ GATEWAY_CONFIG: write("  - { id: cl, type: cloudlock, base_url: 'https://c.example', token: t, resilience: { rate_budget: { fallback_share: 2 } } }") }),
    { message: /providers\[0\]\.resilience\.rate_budget\.fallback_share/ })
  t.throws(() => loadConfig({ GATEWAY_CONFIG: write("  - { id: cl, type: cloudlock, base_url: 'https://c.example', token: t, resilience: { rate_budget: { light: {} } } }") }),
    { message: /providers\[0\]\.resilience\.rate_budget\.light .*is not a known setting/ })
  t.throws(() => loadConfig({ GATEWAY_CONFIG: write("  - { id: cl, type: cloudlock, base_url: 'https://c.example', token: t, resilience: { retries: 50 } }") }),
    { message: /providers\[0\]\.resilience\.retries/ })
})
