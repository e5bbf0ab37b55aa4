// The purpose of a vendor call in the pipeline: every request sent is counted by purpose
// (vendorCalls(), dlp_gateway_upstream_calls_total, the exchange info), a sync call waits for
// its share of the rate budget up to its own deadline while an interactive one keeps max_wait_ms,
// only interactive waits are in the wait histogram, and an interactive read never joins a sync one.
import t from 'tap'
import { GatewayMetrics } from '../../src/observability/metrics.ts'
import { staticBearer } from '../../src/upstream/authenticator.ts'
import { createPurposeBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../src/upstream/http/upstream-client.ts'
import { NO_UPSTREAM_METRICS, type UpstreamMetrics } from '../../src/upstream/metrics.ts'
import type { Operation } from '../../src/upstream/operation.ts'
import { UpstreamPipeline } from '../../src/upstream/pipeline.ts'
import { UNGUARDED, type GuardSettings } from '../../src/upstream/resilience/settings.ts'
import { UpstreamTelemetry, type ExchangeInfo } from '../../src/upstream/telemetry.ts'

const res = (status: number): UpstreamResponse => ({ status, headers: {}, text: '{}', json: {} })

function fakeTransport (answer: (n: number) => UpstreamResponse = () => res(200)) {
  const sent: UpstreamRequest[] = []
  const transport = {
    origin: 'http://vendor.test',
    basePath: '',
    request: async (req: UpstreamRequest) => { sent.push(req); return answer(sent.length) },
    close: async () => {}
  } as unknown as UpstreamClient
  return { transport, sent }
}

const read: Operation<unknown> =
  { name: 'thing', method: 'GET', path: '/things', rateClass: 'light', idempotent: true, parse: (b) => b }

function build (settings: GuardSettings, opts: {
  transport?: UpstreamClient, metrics?: UpstreamMetrics, telemetry?: UpstreamTelemetry, share?: number
} = {}) {
  const transport = opts.transport ?? fakeTransport().transport
  return new UpstreamPipeline({
    providerId: 'p1',
    providerType: 'test',
    settings,
    transport,
    authenticator: staticBearer('x'),
    errorMessageKey: 'message',
    budget: createPurposeBudget({
      providerId: 'p1', windowsByClass: settings.rateBudget, syncShare: opts.share ?? 0.5, fallbackShare: 0.25
    }),
    metrics: opts.metrics,
    telemetry: opts.telemetry,
    random: () => 0
  })
}

const counterLine = (text: string, purpose: string) =>
  text.split('\n').find((l) => l.startsWith(`dlp_gateway_upstream_calls_total{provider="p1",purpose="${purpose}"}`))

t.test('every request sent is counted by purpose, retries and token requests included', async (t) => {
  const metrics = new GatewayMetrics({
    providers: [{ id: 'p1', operations: ['thing'], rateClasses: ['light'], tokens: false }], defaultMetrics: false
  })
  const before = await metrics.render()
  t.equal(counterLine(before, 'sync'), 'dlp_gateway_upstream_calls_total{provider="p1",purpose="sync"} 0',
    'both series exist at zero')
  t.equal(counterLine(before, 'interactive'),
    'dlp_gateway_upstream_calls_total{provider="p1",purpose="interactive"} 0')
  const telemetry = new UpstreamTelemetry()
  const seen: ExchangeInfo[] = []
  telemetry.observe({ start (info) { seen.push(info); return undefined } })
  const { transport } = fakeTransport((n) => res(n === 3 ? 500 : 200)) // the third request fails once
  const settings = {
    ...UNGUARDED, retries: 1, retryBudget: { ratio: 1, burst: 5 }, rateBudget: { light: [{ limit: 5, ms: 60_000 }] }
  }
  const p = build(settings, { transport, metrics, telemetry, share: 0.8 }) // sync: 4 of 5
  await p.call(read, {}, { purpose: 'sync' })
  await p.call(read, {}, {})
  await p.call(read, {}, { purpose: 'sync' }) // 500, then a retry: two requests
  await p.sendUnauthenticated({ ...read, name: 'token' }, transport,
    { method: 'POST', path: '/token' })
  await t.rejects(p.call(read, {}, { purpose: 'interactive' }), { code: 'upstream_rate_limited' },
    'refused by the budget (5 sent): not a request')
  t.same(p.vendorCalls(), { sync_last_hour: 3, interactive_last_hour: 2 })
  const after = await metrics.render()
  t.equal(counterLine(after, 'sync'), 'dlp_gateway_upstream_calls_total{provider="p1",purpose="sync"} 3')
  t.equal(counterLine(after, 'interactive'), 'dlp_gateway_upstream_calls_total{provider="p1",purpose="interactive"} 2')
  t.same(seen.map((i) => `${i.operation}:${i.purpose}`),
    ['thing:sync', 'thing:interactive', 'thing:sync', 'thing:sync', 'token:interactive'])
  await p.close()
})

t.test('a sync call waits for its share up to its own deadline; an interactive call does not', async (t) => {
  // Waits as the histogram hears them, in ms; the sync call's wait is >= 250 ms, an interactive one on
  // a busy machine may be a few ms (the timing of the slots is not what this test is about).
  const waits: number[] = []
  const metrics = { ...NO_UPSTREAM_METRICS, rateBudgetWait: (_p: string, _cls: string, ms: number) => { waits.push(ms) } }
  // deadline_ms 50 would cut every wait short: a sync call is not a gateway request and runs on its own.
  const settings = { ...UNGUARDED, deadlineMs: 50, rateBudget: { light: [{ limit: 2, ms: 300 }] } }
  const p = build(settings, { metrics })
  await p.call(read, {}, { purpose: 'sync' }) // sync's share: 1 of 2
  await p.call(read, {}, {})
  await t.rejects(p.call(read, {}, {}), { code: 'upstream_rate_limited' }, 'interactive: max_wait_ms 0, at once')
  const started = Date.now()
  await p.call(read, {}, { purpose: 'sync', deadline: Date.now() + 3_000 })
  t.ok(Date.now() - started >= 250, `the sync call waited for its slot (${Date.now() - started} ms)`)
  await t.rejects(p.call(read, {}, { purpose: 'sync', deadline: Date.now() + 100 }), { code: 'upstream_rate_limited' },
    'a wait that does not fit the deadline is not started')
  t.ok(waits.every((ms) => ms < 200), `the sync call's wait is not in the histogram (${waits.join(', ')})`)
  const before = waits.length
  const interactive = build({ ...settings, deadlineMs: undefined, maxWaitMs: 1_000 }, { metrics })
  await interactive.call(read, {}, {})
  await interactive.call(read, {}, {})
  await interactive.call(read, {}, {}) // waits up to max_wait_ms
  t.ok(waits.slice(before).some((ms) => ms >= 100), 'the interactive wait is')
  await p.close()
  await interactive.close()
})

t.test('an interactive read never joins a sync read waiting for its share', async (t) => {
  const { transport, sent } = fakeTransport()
  const settings = { ...UNGUARDED, coalesce: true, rateBudget: { light: [{ limit: 4, ms: 1_000 }] } }
  const p = build(settings, { transport, share: 0.25 }) // sync: 1 a second
  await p.call(read, {}, { purpose: 'sync' })
  const order: string[] = []
  const waiting = p.call(read, {}, { purpose: 'sync', deadline: Date.now() + 5_000 }).then(() => order.push('sync'))
  await new Promise((resolve) => setTimeout(resolve, 20))
  await p.call(read, {}, {}).then(() => order.push('interactive'))
  await waiting
  t.same(order, ['interactive', 'sync'], 'the interactive read went ahead')
  t.equal(sent.length, 3, 'each sent its own request')
  await p.close()
})
