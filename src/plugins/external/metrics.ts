import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import {
  GatewayMetrics, NOOP_METRICS, outcomeOfError, outcomeOfStatus, type MetricsRecorder
} from '../../observability/metrics.ts'
import { vendorOf } from '../../vendors/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: MetricsRecorder // helper functions for resilience, token and audit code
  }
}

// Prometheus metrics (prom-client) served at GET /metrics: request durations by route pattern,
// vendor calls by provider/operation/outcome as the upstream pipeline labels them, and the
// resilience metrics other code records through `app.metrics`. With observability.metrics off,
// `app.metrics` is a no-op and there is no /metrics route.
async function metricsPlugin (app: FastifyInstance) {
  if (!app.config.observability.metrics) {
    app.decorate('metrics', NOOP_METRICS)
    return
  }
  const metrics = new GatewayMetrics({
    providers: app.config.providers.map((p) => {
      const vendor = vendorOf(p.type)
      return { id: p.id, operations: vendor.operations, rateClasses: vendor.rateClasses, tokens: vendor.tokens }
    })
  })
  app.decorate('metrics', metrics as MetricsRecorder)

  // The route pattern (e.g. /v1/incidents/:id), never the raw URL; unknown routes share one label
  // (test/observability/metrics.test.ts).
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  // Every vendor exchange, labelled by the pipeline that made it (src/upstream/telemetry.ts).
  const stop = app.upstreamTelemetry.observe({
    start (info) {
      const startedAt = process.hrtime.bigint()
      return (status, error) => {
        const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9
        const outcome = error !== undefined ? outcomeOfError(error) : outcomeOfStatus(status ?? 0)
        metrics.upstreamCall(info.provider, info.operation, outcome, seconds)
        if (info.operation === 'token') metrics.tokenRefresh(info.provider, outcome)
      }
    }
  })
  app.addHook('onClose', async () => stop())
}

// GET /metrics, registered with the other routes (after swagger, so it is documented).
export async function metricsRoute (app: FastifyInstance) {
  const metrics = app.metrics
  if (!(metrics instanceof GatewayMetrics)) return // metrics disabled: no route
  app.get('/metrics', {
    schema: {
      tags: ['operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'Prometheus text exposition format 0.0.4. Unauthenticated like health (spec section 4): restrict ' +
        'it at the network level if needed. Labels carry provider ids, route patterns and operation names, never ' +
        'incident ids. ' +
        'The metric names are listed in docs/observability.md.',
      security: [],
      response: {
        200: {
          description: 'Current metric values',
          content: { 'text/plain': { schema: Type.String() } }
        }
      }
    }
  }, async (_request, reply) => {
    const body = await metrics.render()
    return reply.type(metrics.contentType).send(body)
  })
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['upstream-telemetry'] })
