import t from 'tap'
import { tracingActive } from '../../src/observability/tracing-sdk.ts'
import { formatTraceparent, newSpanId, parseTraceparent, parseTracestate } from '../../src/observability/trace-context.ts'
import { startObsStack } from './helpers.ts'

// No OpenTelemetry SDK runs in this file (see tracing-sdk.test.ts for that): the gateway still
// propagates the caller's W3C trace context to the vendors.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const parts = (header: string | undefined) => header?.split('-') ?? []

t.test('the caller\'s trace id reaches every vendor call, each with a new span id', async (t) => {
  t.equal(tracingActive(), false, 'no SDK, no exporter')
  const stack = await startObsStack()
  t.teardown(() => stack.close())

  const list = await stack.call('GET', '/v1/incidents?limit=25', { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01`, tracestate: 'vendor1=abc,vendor2=x y' } })
  t.equal(list.status, 200)
  const clId = list.body.data.find((i: any) => i.provider === 'cloudlock').id
  t.equal((await stack.call('GET', `/v1/incidents/${clId}`, { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-00` } })).status, 200)

  const zwa = await stack.simRequests('zwa')
  const cloudlock = await stack.simRequests('cloudlock')
  t.same(zwa.map((r) => `${r.method} ${r.path}`), ['POST /v1/auth/api-key/token', 'POST /dlp/v1/incidents/search'], 'token and search')
  // Cloudlock's 12 incidents fit one page: the page and the overlap-only continuation, then the get.
  t.same(cloudlock.map((r) => `${r.method} ${r.path}`), ['GET /api/v2/incidents', 'GET /api/v2/incidents', `GET /api/v2/incidents/${clId.split(':')[1]}`], 'list (2 calls) and get')
  const spanIds = new Set<string>()
  for (const r of [...zwa, ...cloudlock]) {
    const [version, traceId, spanId, flags] = parts(r.headers.traceparent)
    t.equal(version, '00')
    t.equal(traceId, TRACE, `${r.method} ${r.path} carries the caller's trace id`)
    t.match(spanId, /^[0-9a-f]{16}$/)
    t.not(spanId, CALLER_SPAN, 'a span of its own, not the caller\'s')
    spanIds.add(spanId)
    t.equal(flags, r.path.startsWith('/api/v2/incidents/') ? '00' : '01', 'the sampled flag is the caller\'s')
  }
  t.equal(spanIds.size, 5, 'every upstream call has its own span id')
  t.equal(zwa[1].headers.tracestate, 'vendor1=abc,vendor2=x y', 'tracestate is passed on')
  t.equal(cloudlock[1].headers.tracestate, 'vendor1=abc,vendor2=x y', 'on the continuation too')
  t.equal(cloudlock[2].headers.tracestate, undefined, 'no tracestate when the caller sent none')
})

t.test('without a valid traceparent nothing is invented (no SDK runs)', async (t) => {
  const stack = await startObsStack()
  t.teardown(() => stack.close())
  await stack.call('GET', '/v1/incidents?limit=2&provider=cloudlock')
  await stack.call('GET', '/v1/incidents?limit=2&provider=cloudlock', { headers: { traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN}-01` } })
  await stack.call('GET', '/v1/incidents?limit=2&provider=cloudlock', { headers: { traceparent: `00-${TRACE.toUpperCase()}-${CALLER_SPAN}-01` } })
  const seen = await stack.simRequests('cloudlock')
  t.equal(seen.length, 6, 'three listings of a page each: the page and its overlap-only continuation')
  for (const r of seen) t.equal(r.headers.traceparent, undefined)
})

t.test('concurrent requests through one queued connection keep their own trace', async (t) => {
  // One connection per provider: calls wait in undici's pool queue and are created later, from
  // another request's completion; the trace must still be the one of the request that made them.
  const stack = await startObsStack({ maxConnections: 1 })
  t.teardown(() => stack.close())
  const ids = (await stack.call('GET', '/v1/incidents?provider=cloudlock&limit=8')).body.data.map((i: any) => i.id)
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  await stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { route: 'GET /api/v2/incidents/', latency_ms: 20 } })
  const traceOf = (i: number) => (i + 1).toString(16).padStart(32, 'a')
  const results = await Promise.all(ids.map((id: string, i: number) => stack.call('GET', `/v1/incidents/${id}`, {
    headers: { 'x-request-id': `req-${i}`, traceparent: `00-${traceOf(i)}-${CALLER_SPAN}-01` }
  })))
  t.same(results.map((r) => r.status), ids.map(() => 200))
  const seen = await stack.simRequests('cloudlock')
  t.equal(seen.length, ids.length)
  for (const r of seen) {
    const i = Number(String(r.headers['x-request-id']).slice(4))
    t.equal(parts(r.headers.traceparent)[1], traceOf(i), `request ${i}'s vendor call carries request ${i}'s trace`)
  }
})

t.test('traceparent and tracestate parsing follows W3C Trace Context', async (t) => {
  const valid = `00-${TRACE}-${CALLER_SPAN}-01`
  t.same(parseTraceparent(valid), { traceId: TRACE, spanId: CALLER_SPAN, flags: 1 })
  t.same(parseTraceparent(`01-${TRACE}-${CALLER_SPAN}-09-what-the-future-holds`), { traceId: TRACE, spanId: CALLER_SPAN, flags: 9 }, 'a later version with more fields')
  for (const bad of [
    undefined, '', ['a', 'b'], `${valid}-extra`, `ff-${TRACE}-${CALLER_SPAN}-01`, `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`, `00-${TRACE.toUpperCase()}-${CALLER_SPAN}-01`, `00-${TRACE}-${CALLER_SPAN}-1`, `00-${TRACE.slice(1)}-${CALLER_SPAN}-01`
  ]) t.equal(parseTraceparent(bad), null, `rejects ${JSON.stringify(bad)}`)
  t.equal(formatTraceparent(TRACE, CALLER_SPAN, 1), valid)
  t.equal(formatTraceparent(TRACE, CALLER_SPAN, 0), `00-${TRACE}-${CALLER_SPAN}-00`)
  t.equal(parseTracestate('a=b,c=d'), 'a=b,c=d')
  t.equal(parseTracestate('x'.repeat(513)), undefined, 'too long')
  t.equal(parseTracestate('a=\u00e9'), undefined, 'not ASCII')
  const ids = new Set(Array.from({ length: 1000 }, newSpanId))
  t.equal(ids.size, 1000)
  for (const id of ids) if (!/^[0-9a-f]{16}$/.test(id) || id === '0'.repeat(16)) t.fail(`bad span id ${id}`)
})
