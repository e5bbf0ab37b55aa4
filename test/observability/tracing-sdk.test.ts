import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node'
import { Readable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { selectedExporters, startTracing, tracingActive } from '../../src/observability/tracing-sdk.ts'
import { ADMIN_KEY, startObsStack } from './helpers.ts'

// With the SDK registered (as server.ts does when OTEL_* asks for an exporter), spans are recorded:
// one server span per request, one client span per vendor call, parented to the caller's span.
// Registration is process-wide, so this runs in its own test file (tap: one process per file).
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'

t.test('the environment selects exporters; nothing is exported by default', async (t) => {
  t.same(selectedExporters({}).exporters, [], 'off by default')
  t.same(selectedExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporters, ['otlp'])
  t.same(selectedExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).exporters, ['otlp'])
  t.same(selectedExporters({ OTEL_TRACES_EXPORTER: 'otlp,console' }).exporters, ['otlp', 'console'])
  t.same(selectedExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).exporters, [])
  t.same(selectedExporters({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).exporters, [])
  const zipkin = selectedExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })
  t.same(zipkin.exporters, [])
  t.match(zipkin.warnings[0], /zipkin.*not supported/)
  t.match(selectedExporters({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).warnings[0], /http\/json/)
  const off = await startTracing({})
  t.same(off.exporters, [])
  t.equal(tracingActive(), false, 'no exporter: no SDK is registered')
})

t.test('server and client spans, linked to the caller and to what the vendor receives', async (t) => {
  const exporter = new InMemorySpanExporter()
  const tracing = await startTracing({}, { spanProcessors: [new SimpleSpanProcessor(exporter)] })
  t.equal(tracingActive(), true)
  const stack = await startObsStack()
  t.teardown(async () => {
    await stack.close()
    await tracing.shutdown()
  })

  const clId = (await stack.call('GET', '/v1/incidents?provider=cloudlock&limit=1')).body.data[0].id
  exporter.reset()
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })

  t.test('a traced request', async (t) => {
    const res = await stack.call('GET', `/v1/incidents/${clId}`, { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01`, 'x-request-id': 'traced-1' } })
    t.equal(res.status, 200)
    const spans = exporter.getFinishedSpans()
    const server = spans.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan
    const client = spans.find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan
    t.equal(spans.length, 2, 'one server span, one client span')
    t.equal(server.name, 'GET /v1/incidents/:id', 'named by route pattern')
    t.equal(server.spanContext().traceId, TRACE)
    t.equal(server.parentSpanContext?.spanId, CALLER_SPAN, 'child of the caller\'s span')
    t.equal(server.attributes['http.route'], '/v1/incidents/:id')
    t.equal(server.attributes['http.response.status_code'], 200)
    t.equal(server.attributes['dlp_gateway.request_id'], 'traced-1')
    t.equal(client.name, 'GET cloudlock get')
    t.equal(client.spanContext().traceId, TRACE)
    t.equal(client.parentSpanContext?.spanId, server.spanContext().spanId, 'the vendor call is a child of the request')
    t.equal(client.attributes['dlp_gateway.provider'], 'cloudlock')
    t.equal(client.attributes['dlp_gateway.operation'], 'get')
    t.equal(client.attributes['http.response.status_code'], 200)
    t.equal(client.status.code, SpanStatusCode.UNSET)
    const [seen] = await stack.simRequests('cloudlock')
    t.equal(seen.headers.traceparent, `00-${TRACE}-${client.spanContext().spanId}-01`, 'the vendor sees the client span')
  })

  t.test('an untraced request starts a trace of its own and still propagates it', async (t) => {
    exporter.reset()
    await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
    await stack.call('GET', `/v1/incidents/${clId}`)
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER) as ReadableSpan
    t.equal(server.parentSpanContext, undefined, 'a root span')
    const [seen] = await stack.simRequests('cloudlock')
    t.equal(seen.headers.traceparent?.split('-')[1], server.spanContext().traceId)
  })

  t.test('failures mark both spans', async (t) => {
    exporter.reset()
    await stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { route: 'GET /api/v2/incidents/', status: 500 } })
    t.teardown(() => stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/faults' }))
    const res = await stack.call('GET', `/v1/incidents/${clId}`)
    t.equal(res.status, 502)
    const spans = exporter.getFinishedSpans()
    const server = spans.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT)
    t.ok(clients.length >= 1)
    for (const c of clients) {
      t.equal(c.status.code, SpanStatusCode.ERROR)
      t.equal(c.attributes['error.type'], '500')
    }
    t.equal(server.status.code, SpanStatusCode.ERROR)
    t.equal(server.attributes['http.response.status_code'], 502)
  })

  t.test('a write: spans for the token and the vendor write share the request\'s trace', async (t) => {
    const zwaId = (await stack.call('GET', '/v1/incidents?provider=zwa&limit=1')).body.data[0].id
    exporter.reset()
    const res = await stack.call('POST', `/v1/incidents/${zwaId}/notes`, { body: { text: 'checked' }, headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01` } })
    t.equal(res.status, 200)
    const spans = exporter.getFinishedSpans()
    const server = spans.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan
    const names = spans.filter((s) => s.kind === SpanKind.CLIENT).map((s) => s.name)
    // The note's baseline read (write-outcome.ts counts the notes first), then the write.
    t.same(names, ['GET zwa details', 'POST zwa notes'], 'the body was parsed before the handler: context survives it')
    for (const s of spans) t.equal(s.spanContext().traceId, TRACE)
    t.equal(server.name, 'POST /v1/incidents/:id/notes')
  })

  t.test('a body that arrives late still runs the handler inside the request\'s trace', async (t) => {
    const zwaId = (await stack.call('GET', '/v1/incidents?provider=zwa&limit=1')).body.data[0].id
    exporter.reset()
    const body = JSON.stringify({ text: 'slow note' })
    const res = await request(`${stack.url}/v1/incidents/${zwaId}/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', traceparent: `00-${TRACE}-${CALLER_SPAN}-01` },
      body: Readable.from((async function * () {
        yield body.slice(0, 5)
        await new Promise((resolve) => setTimeout(resolve, 50))
        yield body.slice(5)
      })())
    })
    t.equal(res.statusCode, 200)
    await res.body.dump()
    const client = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan
    t.equal(client?.spanContext().traceId, TRACE)
  })
})
