import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ref } from '../../schemas/enums.ts'
import { BUDGET_MODES } from '../../schemas/provider.ts'

const Health = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false })
const UpstreamState = Type.Object({
  circuit: ref<'closed' | 'open' | 'half_open'>('CircuitState'),
  status: ref<'ok' | 'degraded' | 'unavailable' | 'unknown'>('HealthStatus'),
  rate_budget: Type.Enum(BUDGET_MODES, {
    description: 'shared (Redis), local, or fallback (Redis unreachable: a local share)'
  })
}, { additionalProperties: false })
const Readiness = Type.Object({
  status: Type.Enum(['ready', 'not_ready']),
  checks: Type.Object({
    config: Type.Literal('ok'),
    shutdown: Type.Enum(['no', 'in_progress'])
  }, { additionalProperties: false }),
  providers: Type.Optional(Type.Record(Type.String(), UpstreamState, {
    description: 'Circuit breaker state, health and rate-budget mode of each configured provider. Informational: ' +
      'an open circuit or a budget in fallback does not make the instance unready.'
  }))
}, { additionalProperties: false })

// Liveness and readiness; unauthenticated so orchestrators can probe them, and exempt from load
// shedding. Readiness depends on this instance only (configuration, shutdown): when a provider is
// down every replica sees it, and taking them all out of the load balancer would turn one failing
// provider into a total outage, while the gateway still serves the other providers and answers
// the failing one's calls at once with 503 provider_unavailable. The circuit states are reported
// beside the checks for operators and dashboards (test/resilience/breaker.test.ts: an open circuit
// leaves /readyz at 200).
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', {
    schema: {
      tags: ['operations'],
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      description: 'Always 200 while the process serves requests.',
      security: [],
      response: { 200: Health }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: 'Readiness: the gateway takes traffic',
      description: '503 from the moment shutdown begins, so load balancers drain the instance before it stops. ' +
        'Provider circuit states are listed under `providers` but do not change readiness: an upstream outage is ' +
        'not fixed by taking gateway replicas out of rotation.',
      security: [],
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (_request, reply) => {
    const shuttingDown = app.lifecycle.shuttingDown
    reply.code(shuttingDown ? 503 : 200)
    const adapters = app.providers.all()
    return {
      status: shuttingDown ? 'not_ready' as const : 'ready' as const,
      checks: { config: 'ok' as const, shutdown: shuttingDown ? 'in_progress' as const : 'no' as const },
      ...(adapters.length > 0
        ? {
            providers: Object.fromEntries(adapters.map((a) => {
              const h = a.health()
              return [a.id, { circuit: h.circuit, status: h.status, rate_budget: a.rateBudget() }]
            }))
          }
        : {})
    }
  })
}

export default health
