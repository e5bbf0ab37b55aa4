import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const Health = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false })
const Readiness = Type.Object({
  status: Type.Enum(['ready', 'not_ready']),
  checks: Type.Object({
    config: Type.Literal('ok'),
    shutdown: Type.Enum(['no', 'in_progress'])
  }, { additionalProperties: false })
}, { additionalProperties: false })

// Liveness and readiness; unauthenticated so orchestrators can probe them.
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
      description: '503 from the moment shutdown begins, so load balancers drain the instance before it stops.',
      security: [],
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (_request, reply) => {
    const shuttingDown = app.lifecycle.shuttingDown
    reply.code(shuttingDown ? 503 : 200)
    return {
      status: shuttingDown ? 'not_ready' as const : 'ready' as const,
      checks: { config: 'ok' as const, shutdown: shuttingDown ? 'in_progress' as const : 'no' as const }
    }
  })
}

export default health
