import type { ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { CallOptions } from '../../adapters/types.ts'
import type { IncidentT } from '../../schemas/incident.ts'
import { incidentView } from '../../services/incident-view.ts'
import type { Principal } from '../../services/principal.ts'
import { newTracker, type WriteContext } from '../../services/write-outcome.ts'

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
// the client went away), never the request's: that fires as soon as a POST body has been read.
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

// Per-request upstream options: the overall deadline and the request id forwarded upstream.
export function callOptions (request: FastifyRequest): CallOptions {
  return { ...requestDeadline(request), requestId: String(request.id) }
}

// What a write route hands the write-outcome service: the upstream options and, with an
// Idempotency-Key, the key's tracker and any earlier unknown outcome to decide.
export function writeContext (request: FastifyRequest): WriteContext {
  const idem = request.idempotency
  return {
    opts: callOptions(request),
    tracker: idem?.tracker ?? newTracker(),
    prior: idem?.prior?.outcome,
    keyed: idem !== null,
    settleMs: request.server.config.limits.request_timeout_ms
  }
}

export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Error('route without a scope used the principal')
  return request.principal
}

// An incident as this caller may see it: `raw` only when asked for, matched content only with
// scope evidence:read (src/services/incident-view.ts).
export const viewFor = (request: FastifyRequest, opts = { raw: false }) =>
  (incident: IncidentT): IncidentT => incidentView(incident, principalOf(request), opts)
