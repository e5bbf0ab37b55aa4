import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from './gateway-error.ts'
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-document.ts'

// Router-level failures (a malformed URL, an over-long path segment) happen before any route or
// error handler; they answer with problem documents too.
export function frameworkErrorHandler (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
  const problem = toProblem(tooLong
    ? new GatewayError('uri_too_long', 'A path segment is longer than the gateway accepts (256 characters).')
    : new GatewayError('validation_failed', 'The request URL is malformed.'), request)
  reply.code(problem.status).header('x-request-id', String(request.id)).type(PROBLEM_CONTENT_TYPE).send(problem.body)
}
