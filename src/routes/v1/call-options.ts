import type { ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { RequestContext, WriteRequestContext } from '../../services/incident-service.ts'
import type { Principal } from '../../services/principal.ts'

declare module 'fastify' {
  interface FastifyRequest {
    rawResponse: ServerResponse | null
  }
}

export interface RequestDeadline {
  signal: AbortSignal
  deadline: number // epoch ms
}

// onRequest hook of the /v1 routes: the response whose end ends the request's deadline timer.
export function rememberResponse (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  request.rawResponse = reply.raw
  done()
}

// The overall deadline of one gateway request, as a signal every upstream call honours. A plain
// timer cleared when the exchange with the client ends: AbortSignal.timeout costs ~40 µs of CPU per
// request (measured), a large share of a detail GET. The end is the response's `close` (sent, or
// the client went away), never the request's: that fires as soon as a POST body has been read
// (test/v1/write-deadline.test.ts).
export function requestDeadline (request: FastifyRequest): RequestDeadline {
  const ms = request.server.config.limits.request_timeout_ms
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException('The request deadline passed', 'TimeoutError')), ms)
  timer.unref()
  const res = request.rawResponse
  if (res) {
    if (res.closed) clearTimeout(timer)
    else res.once('close', () => clearTimeout(timer))
  }
  return { signal: controller.signal, deadline: Date.now() + ms }
}

// What the incidents service needs of one request besides its principal (src/services/incident-service.ts).
export function requestContext (request: FastifyRequest): RequestContext {
  return { ...requestDeadline(request), requestId: String(request.id), log: request.log }
}

// A write's context adds its Idempotency-Key, if any: the key's tracker and any earlier unknown
// outcome to decide (src/plugins/app/idempotency.ts).
export function writeRequestContext (request: FastifyRequest): WriteRequestContext {
  const idem = request.idempotency
  return { ...requestContext(request), key: idem ? { tracker: idem.tracker, prior: idem.prior?.outcome } : null }
}

// A write to one incident: also its If-Match, and the ETag of its answer as a response header
// (spec section 11).
export function incidentWriteContext (request: FastifyRequest, reply: FastifyReply): WriteRequestContext {
  const ifMatch = request.headers['if-match']
  return {
    ...writeRequestContext(request),
    ...(typeof ifMatch === 'string' ? { ifMatch } : {}),
    etag: (value) => { reply.header('etag', value) }
  }
}

export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Error('route without a scope used the principal')
  return request.principal
}
