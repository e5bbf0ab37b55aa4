import { AsyncLocalStorage } from 'node:async_hooks'
import { context, createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { tracingActive } from '../../observability/tracing-sdk.ts'
import { formatTraceparent, newSpanId, parseTraceparent, parseTracestate } from '../../observability/trace-context.ts'

declare module 'fastify' {
  interface FastifyRequest {
    traceSpan: Span | null // the request's server span (non-recording when no SDK runs); null: untraced
  }
}

interface ActiveTrace {
  span: Span
  tracestate: string | undefined // the caller's, passed on verbatim when no SDK runs
}

// A server span per request and a client span per vendor call, with W3C `traceparent` taken from
// the caller and written on every vendor request. Hand-made rather than @fastify/otel and
// @opentelemetry/instrumentation-undici: two spans per request instead of one per hook, and
// propagation that works with no SDK installed (the caller's trace id with a new span id).
// The SDK itself is started by server.ts from the OTEL_* variables (src/observability/tracing-sdk.ts).
async function tracing (app: FastifyInstance) {
  const recording = tracingActive()
  const tracer = trace.getTracer('dlp-incident-gateway')
  const als = new AsyncLocalStorage<ActiveTrace>()
  const active = new WeakMap<FastifyRequest, ActiveTrace>()

  app.decorateRequest('traceSpan', null)

  app.addHook('onRequest', (request, _reply, done) => {
    const parent = parseTraceparent(request.headers.traceparent)
    // Nothing to record and nothing to propagate: no cost beyond the header lookup.
    if (!recording && !parent) return done()
    const tracestate = parent ? parseTracestate(request.headers.tracestate) : undefined
    let span: Span
    if (recording) {
      const route = request.routeOptions.url
      const parentContext = parent
        ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: parent.traceId,
          spanId: parent.spanId,
          traceFlags: parent.flags,
          isRemote: true,
          traceState: tracestate ? createTraceState(tracestate) : undefined
        })
        : ROOT_CONTEXT
      span = tracer.startSpan(route ? `${request.method} ${route}` : request.method, {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          'url.scheme': request.protocol,
          ...(route ? { 'http.route': route } : {}),
          'dlp_gateway.request_id': String(request.id)
        }
      }, parentContext)
    } else {
      span = trace.wrapSpanContext({
        traceId: parent!.traceId, spanId: newSpanId(), traceFlags: parent!.flags, isRemote: false
      })
    }
    request.traceSpan = span
    const current: ActiveTrace = { span, tracestate }
    active.set(request, current)
    // The rest of the request (hooks, body parsing, handler) runs inside the trace; a test with a
    // body that arrives late guards that the context survives body parsing.
    if (recording) context.with(trace.setSpan(ROOT_CONTEXT, span), () => als.run(current, done))
    else als.run(current, done)
  })

  const finish = (request: FastifyRequest, status: number | undefined) => {
    const current = active.get(request)
    if (!current) return // untraced, or already ended (abort then response)
    active.delete(request)
    if (!recording) return
    const span = current.span
    if (status !== undefined) span.setAttribute('http.response.status_code', status)
    if (status === undefined || status >= 500) {
      span.setAttribute('error.type', status === undefined ? 'aborted' : String(status))
      span.setStatus({ code: SpanStatusCode.ERROR })
    }
    span.end()
  }
  app.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode)
    done()
  })
  app.addHook('onRequestAbort', (request, done) => {
    finish(request, undefined)
    done()
  })

  // A client span per vendor exchange, named and labelled by the pipeline that makes it.
  const stop = app.upstreamTelemetry.observe({
    start (info, setHeader) {
      const current = als.getStore()
      if (!recording && !current) return undefined
      if (!recording) {
        const parent = current!.span.spanContext()
        setHeader('traceparent', formatTraceparent(parent.traceId, newSpanId(), parent.traceFlags))
        if (current!.tracestate) setHeader('tracestate', current!.tracestate)
        return undefined
      }
      const origin = new URL(info.origin)
      const span = tracer.startSpan(`${info.method} ${info.provider} ${info.operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': info.method,
          'server.address': origin.hostname,
          'server.port': Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80),
          'url.path': info.path,
          'dlp_gateway.provider': info.provider,
          'dlp_gateway.operation': info.operation
        }
      }, current ? trace.setSpan(ROOT_CONTEXT, current.span) : ROOT_CONTEXT)
      const ctx = span.spanContext()
      setHeader('traceparent', formatTraceparent(ctx.traceId, ctx.spanId, ctx.traceFlags))
      const state = ctx.traceState?.serialize()
      if (state) setHeader('tracestate', state)
      return (status, error) => {
        if (status !== undefined) span.setAttribute('http.response.status_code', status)
        if (error !== undefined) {
          span.setAttribute('error.type', (error as { code?: string }).code ?? (error as Error).name ?? 'error')
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
        } else if (status !== undefined && status >= 400) {
          span.setAttribute('error.type', String(status))
          span.setStatus({ code: SpanStatusCode.ERROR })
        }
        span.end()
      }
    }
  })
  app.addHook('onClose', async () => stop())
}

export default fp(tracing, { name: 'tracing', fastify: '5.x', dependencies: ['upstream-telemetry'] })
