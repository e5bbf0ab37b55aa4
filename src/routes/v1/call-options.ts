import type { FastifyRequest } from 'fastify'
import type { CallOptions } from '../../adapters/types.ts'
import type { Principal } from '../../services/principal.ts'

// Per-request upstream options: the overall deadline and the request id forwarded upstream.
export function callOptions (request: FastifyRequest): CallOptions {
  return {
    signal: AbortSignal.timeout(request.server.config.limits.request_timeout_ms),
    requestId: String(request.id)
  }
}

export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Error('route without a scope used the principal')
  return request.principal
}
