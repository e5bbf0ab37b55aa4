import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { GatewayMetrics, NOOP_METRICS, outcomeOfError, outcomeOfStatus, type MetricsRecorder } from '../../observability/metrics.ts'
import { observeUpstream } from '../../observability/undici-events.ts'
import { TOKEN_OPERATION, upstreamResolver, type UpstreamTarget } from '../../observability/upstream-targets.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: MetricsRecorder // helper functions for resilience, token and audit code
  }
}

interface UpstreamCall {
  target: UpstreamTarget
  startedAt: bigint
}

// Prometheus metrics (prom-client) served at GET /metrics: request durations by route pattern,
// vendor calls by provider/operation/outcome from undici's diagnostics channels, and the
// resilience metrics other code records through `app.metrics`. With observability.metrics off,
// `app.metrics` is a no-op and there is no /metrics route.
async function metricsPlugin (app: FastifyInstance) {
  if (!app.config.observability.metrics) {
    app.decorate('metrics', NOOP_METRICS)
    return
  }
  const metrics = new GatewayMetrics({ providers: app.config.providers })
  app.decorate('metrics', metrics as MetricsRecorder)

  // The route pattern (e.g. /v1/incidents/:id), never the raw URL; unknown routes share one label.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  const stop = observeUpstream<UpstreamCall>(upstreamResolver(app.config.providers), {
    start: (_request, target) => ({ target, startedAt: process.hrtime.bigint() }),
    end ({ target, startedAt }, status, error) {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9
      const outcome = error !== undefined ? outcomeOfError(error) : outcomeOfStatus(status ?? 0)
      metrics.upstreamCall(target.provider, target.operation, outcome, seconds)
      if (target.operation === TOKEN_OPERATION) metrics.tokenRefresh(target.provider, outcome)
    }
  }, (err) => app.log.error({ err }, 'metrics failed on an upstream request'))
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
      description: 'Prometheus text exposition format 0.0.4. Unauthenticated like health (spec section 4): restrict it at the ' +
        'network level if needed. Labels carry provider ids, route patterns and operation names, never incident ids. ' +
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

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x' })
