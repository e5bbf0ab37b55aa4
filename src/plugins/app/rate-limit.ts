import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'
import { redisRateLimitStore } from '../../state/rate-limit-store.ts'
import { isRedis } from './shared-state.ts'

// Per-API-key rate limit with RateLimit-* headers (IETF draft names) and 429 + Retry-After.
// Counters live in Redis when configured so replicas share one budget per key. If Redis is
// unreachable the limit fails open (skipOnError): availability over strictness, documented;
// each failure is logged and counted (store "rate_limit") by the store below.
async function perKeyRateLimit (app: FastifyInstance) {
  const fallback = app.config.limits.rate_limit_per_minute
  const perKey = new Map(app.config.api_keys.map((k) => [k.name, k.rate_limit_per_minute ?? fallback]))
  const report = (operation: string, err: unknown) => app.reportStoreError('rate_limit', operation, err)
  const store = app.sharedStore
  await app.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    timeWindow: 60_000,
    max: (request: FastifyRequest) => perKey.get(request.principal?.name ?? '') ?? fallback,
    keyGenerator: (request: FastifyRequest) => `key:${request.principal?.name ?? 'anonymous'}`,
    allowList: (request: FastifyRequest) => request.principal === null,
    enableDraftSpec: true,
    skipOnError: true,
    ...(isRedis(store) ? { store: redisRateLimitStore(store.client, 'dlpgw-rl:', report) } : {}),
    errorResponseBuilder: (_request, context) => new GatewayError('rate_limited',
      `This API key made more than ${context.max} requests in a minute; retry in ${Math.ceil(context.ttl / 1000)} s.`,
      { retryAfter: Math.ceil(context.ttl / 1000) })
  })
}

export default fp(perKeyRateLimit, {
  name: 'per-key-rate-limit', fastify: '5.x', dependencies: ['shared-state', 'auth']
})
