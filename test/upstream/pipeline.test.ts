// The upstream pipeline's own promises, on a scripted transport: re-authentication is a request the
// budget counts, a second refusal is final and scrubbed, telemetry gets the descriptor's labels and
// may add headers, an observer's bug never fails a call, path parameters are encoded, and a token
// request never waits for the concurrency slot its caller holds.
import t from 'tap'
import { staticBearer, type Authenticator } from '../../src/upstream/authenticator.ts'
import { createRateBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../src/upstream/http/upstream-client.ts'
import { expandPath, type Operation } from '../../src/upstream/operation.ts'
import { createPipeline } from '../../src/upstream/create-pipeline.ts'
import { UpstreamPipeline } from '../../src/upstream/pipeline.ts'
import { guardSettings, UNGUARDED, type GuardSettings } from '../../src/upstream/resilience/settings.ts'
import { UpstreamTelemetry, type ExchangeInfo } from '../../src/upstream/telemetry.ts'
import { testResilience } from '../helpers/resilience.ts'

type Sent = UpstreamRequest & { headers: Record<string, string> }

function fakeTransport (answer: (req: Sent) => Promise<UpstreamResponse> | UpstreamResponse) {
  const sent: Sent[] = []
  const transport = {
    origin: 'http://vendor.test',
    basePath: '/api',
    request: async (req: Sent) => { sent.push(req); return answer(req) },
    close: async () => {}
  } as unknown as UpstreamClient
  return { transport, sent }
}

const res = (status: number, json: unknown = {}, text = ''): UpstreamResponse => ({ status, headers: {}, text, json })
const op = (over: Partial<Operation<unknown>> = {}): Operation<unknown> =>
  ({ name: 'thing', method: 'GET', path: '/things/{id}', rateClass: 'light', idempotent: true, parse: (b) => b, ...over })

function pipeline (transport: UpstreamClient, authenticator: Authenticator, settings: GuardSettings = UNGUARDED, telemetry?: UpstreamTelemetry) {
  return new UpstreamPipeline({
    providerId: 'p1',
    providerType: 'test',
    settings,
    transport,
    authenticator,
    errorMessageKey: 'message',
    budget: createRateBudget({ providerId: 'p1', windowsByClass: settings.rateBudget, fallbackShare: 0.25 }),
    telemetry,
    random: () => 0
  })
}

// Hands out t1, t2, ... and remembers which credentials were refused.
function rotatingTokens () {
  let n = 0
  const refusedTokens: string[] = []
  const auth: Authenticator = {
    authorize: async () => { n++; return { headers: { authorization: `Bearer t${n}` }, secret: `t${n}` } },
    refused: (c) => { refusedTokens.push(c.secret); return true },
    secrets: () => ['the-client-secret']
  }
  return { auth, refusedTokens }
}

t.test('a refused credential is replaced and the request sent once more, a write too', async (t) => {
  const { transport, sent } = fakeTransport((req) => req.headers.authorization === 'Bearer t1' ? res(401) : res(200, { ok: true }))
  const { auth, refusedTokens } = rotatingTokens()
  const p = pipeline(transport, auth)
  t.same(await p.call(op({ method: 'POST', idempotent: false }), { params: { id: '7' } }, {}), { ok: true })
  t.same(sent.map((r) => r.headers.authorization), ['Bearer t1', 'Bearer t2'])
  t.same(refusedTokens, ['t1'], 'the authenticator heard of the refusal')
})

t.test('the replay after a refusal is a request the rate budget counts', async (t) => {
  const { transport, sent } = fakeTransport((req) => req.headers.authorization === 'Bearer t1' ? res(401) : res(200))
  const { auth } = rotatingTokens()
  const settings = { ...UNGUARDED, rateBudget: { light: [{ limit: 1, ms: 60_000 }] } }
  const p = pipeline(transport, auth, settings)
  await t.rejects(p.call(op(), { params: { id: '7' } }, {}), { code: 'upstream_rate_limited' })
  t.equal(sent.length, 1, 'the budget of 1 was spent by the refused request: the replay waited for a slot')
})

t.test('a second refusal is final: upstream_auth_failed, no third request, credentials scrubbed', async (t) => {
  const { transport, sent } = fakeTransport((req) => res(403, { message: `token ${req.headers.authorization.slice(7)} and the-client-secret refused` }))
  const { auth } = rotatingTokens()
  const p = pipeline(transport, auth)
  const err = await p.call(op(), { params: { id: '7' } }, {}).catch((e: unknown) => e) as { code: string, detail: string }
  t.equal(err.code, 'upstream_auth_failed')
  t.equal(sent.length, 2)
  t.notMatch(err.detail, /t2|the-client-secret/, 'no credential in the detail')
})

t.test('a static token is refused once: no replay', async (t) => {
  const { transport, sent } = fakeTransport(() => res(401, { message: 'bad static-token-value' }))
  const p = pipeline(transport, staticBearer('static-token-value'))
  await t.rejects(p.call(op(), { params: { id: '7' } }, {}), { code: 'upstream_auth_failed' })
  t.equal(sent.length, 1)
})

t.test('telemetry: labels from the descriptor, headers added, an observer bug reported and ignored', async (t) => {
  const { transport, sent } = fakeTransport(() => res(200, { items: [] }))
  const telemetry = new UpstreamTelemetry()
  const seen: Array<ExchangeInfo & { status?: number }> = []
  telemetry.observe({
    start (info, setHeader) {
      setHeader('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
      return (status) => seen.push({ ...info, status })
    }
  })
  const stop = telemetry.observe({ start () { throw new Error('observer bug') } })
  const bugs: unknown[] = []
  const p = new UpstreamPipeline({
    providerId: 'tenant-b',
    providerType: 'cloudlock',
    settings: UNGUARDED,
    transport,
    pathPrefix: '/v9/',
    authenticator: staticBearer('x'),
    errorMessageKey: 'message',
    budget: createRateBudget({ providerId: 'tenant-b', windowsByClass: {}, fallbackShare: 0.25 }),
    telemetry,
    logger: { error: (o: unknown) => bugs.push(o) } as never
  })
  await p.call(op({ name: 'list', path: '/incidents' }), { query: { limit: '5' } }, {})
  t.same(seen, [{ provider: 'tenant-b', providerType: 'cloudlock', operation: 'list', purpose: 'interactive', method: 'GET', origin: 'http://vendor.test', path: '/api/v9/incidents', status: 200 }])
  t.equal(sent[0].headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'the observer\'s header was sent')
  t.equal(sent[0].path, '/v9/incidents')
  t.equal(bugs.length, 1, 'the failing observer was reported')
  stop()
  await p.call(op({ name: 'list', path: '/incidents' }), {}, {})
  t.equal(bugs.length, 1, 'and can be removed')
})

t.test('path parameters are encoded: an id can never add a path segment', async (t) => {
  t.equal(expandPath('/incidents/{id}/notes', { id: '../../admin?x=1' }), '/incidents/..%2F..%2Fadmin%3Fx%3D1/notes')
  t.throws(() => expandPath('/incidents/{id}', {}), /missing/)
})

t.test('a token request never waits for the concurrency slot its caller holds', async (t) => {
  const { transport, sent } = fakeTransport((req) => req.path === '/token' ? res(200, { token: 'tok' }) : res(200, { ok: 1 }))
  const settings: GuardSettings = { ...guardSettings(undefined, 1), maxConcurrent: 1, maxQueue: 10, maxWaitMs: 200 }
  const holder: { p?: UpstreamPipeline } = {}
  const tokenOp = op({ name: 'token', method: 'POST', path: '/token', rateClass: 'token' })
  const auth: Authenticator = {
    async authorize () {
      const r = await holder.p!.sendUnauthenticated(tokenOp, transport, { method: 'POST', path: '/token' })
      return { headers: { authorization: `Bearer ${(r.json as { token: string }).token}` }, secret: 'tok' }
    },
    refused: () => false,
    secrets: () => []
  }
  holder.p = pipeline(transport, auth, settings)
  t.same(await holder.p.call(op(), { params: { id: '1' } }, {}), { ok: 1 }, 'no deadlock with max_concurrent 1')
  t.same(sent.map((r) => [r.path, r.headers.authorization ?? null]), [['/token', null], ['/things/1', 'Bearer tok']],
    'the token request carries no credential')
})

t.test('telemetry: an observer failing when the exchange ends never fails the call nor the provider', async (t) => {
  const { transport } = fakeTransport(() => res(200, { ok: 1 }))
  const telemetry = new UpstreamTelemetry()
  let ends = 0
  telemetry.observe({ start: () => () => { ends++; throw new Error('observer end bug') } })
  const settings = { ...UNGUARDED, breaker: { failureThreshold: 1, openMs: 60_000, halfOpenProbes: 1 } }
  const p = pipeline(transport, staticBearer('x'), settings, telemetry)
  for (let i = 0; i < 3; i++) t.same(await p.call(op(), { params: { id: '1' } }, {}), { ok: 1 })
  t.equal(ends, 3, 'each end ran once')
  t.match(p.health(), { status: 'ok', circuit: 'closed', last_error: null })
})

t.test('each attempt may replace a refused credential once (401, 503, retry, 401, ok)', async (t) => {
  const answers = [401, 503, 401, 200]
  const { transport, sent } = fakeTransport(() => res(answers.shift() ?? 200, { ok: 1 }))
  const { auth } = rotatingTokens()
  const settings = guardSettings(testResilience({ default: { per_minute: 0, per_hour: 0 } },
    { retries: 2, retry_budget_ratio: 1, retry_budget_burst: 10, max_wait_ms: 1_000 }), 4)
  const p = pipeline(transport, auth, settings)
  t.same(await p.call(op(), { params: { id: '1' } }, {}), { ok: 1 })
  // The fake hands out a new token per authorization; without the per-attempt allowance the third
  // request's 401 would end the call as upstream_auth_failed.
  t.same(sent.map((r) => r.headers.authorization), ['Bearer t1', 'Bearer t2', 'Bearer t3', 'Bearer t4'])
})

t.test('a request that never went out gives its rate-budget slot back', async (t) => {
  const { transport, sent } = fakeTransport(() => res(200, { ok: 1 }))
  let calls = 0
  const auth: Authenticator = {
    async authorize () {
      if (++calls === 1) throw new Error('token endpoint down')
      return { headers: { authorization: 'Bearer ok' }, secret: 'ok' }
    },
    refused: () => false,
    secrets: () => []
  }
  const settings = { ...UNGUARDED, rateBudget: { light: [{ limit: 1, ms: 60_000 }] } }
  const p = pipeline(transport, auth, settings)
  await t.rejects(p.call(op(), { params: { id: '1' } }, {}))
  t.same(await p.call(op(), { params: { id: '1' } }, {}), { ok: 1 }, 'the one slot was free again')
  t.equal(sent.length, 1)
})

t.test('a provider without limits keeps its budget local, whatever Redis is configured', async (t) => {
  const untouchable = new Proxy({}, { get () { throw new Error('Redis used') } }) as never
  const { pipeline: p } = createPipeline({
    providerId: 'nolimits',
    providerType: 'cloudlock',
    baseUrl: 'http://vendor.test',
    timeouts: { connect_ms: 100, headers_ms: 100, body_ms: 100 },
    maxConnections: 1,
    errorMessageKey: 'message',
    tenant: 'http://vendor.test\nx',
    authenticator: () => staticBearer('x')
  }, { redis: untouchable })
  t.equal(p.budgetMode(), 'local')
  await p.close()
})
