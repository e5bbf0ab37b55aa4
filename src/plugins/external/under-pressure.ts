import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'

// Routes that must answer even when the process is overloaded: orchestrators probe them, and a
// shed liveness probe would get a busy-but-healthy instance killed (test/resilience/server.test.ts).
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics'])

// Load shedding (@fastify/under-pressure): while the event loop lags (or heap, RSS or event loop
// utilization pass their configured limits), requests are refused at once with a 503
// service_unavailable problem document and Retry-After, before authentication or any upstream
// call, so an overloaded instance sheds work instead of timing everyone out.
async function loadShedding (app: FastifyInstance) {
  const cfg = app.config.load_shedding
  const retryAfter = cfg.retry_after_s
  // The first samples measure startup (registration blocks the loop for a while), not load:
  // shedding starts two sample intervals after the app is ready.
  let armedAt = Number.POSITIVE_INFINITY
  app.addHook('onReady', async () => { armedAt = Date.now() + 2 * cfg.sample_interval_ms })
  await app.register(underPressure, {
    maxEventLoopDelay: cfg.max_event_loop_delay_ms,
    maxEventLoopUtilization: cfg.max_event_loop_utilization,
    maxHeapUsedBytes: cfg.max_heap_used_bytes,
    maxRssBytes: cfg.max_rss_bytes,
    sampleInterval: cfg.sample_interval_ms,
    retryAfter,
    // undefined lets the request through; a rejected promise goes to the error handler, which
    // writes the problem document (with Retry-After from `retryAfter`).
    pressureHandler: (request: FastifyRequest, _reply, type, value) => {
      if (EXEMPT.has(request.routeOptions.url ?? '') || Date.now() < armedAt) return undefined
      request.log.warn({ pressure: type, value }, 'request shed: the gateway is overloaded')
      return Promise.reject(new GatewayError('service_unavailable',
        'The gateway is overloaded right now; retry after the time in Retry-After.', { retryAfter }))
    }
  })
}

export default fp(loadShedding, { name: 'load-shedding', fastify: '5.x', dependencies: ['error-handler'] })
