import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../errors/problem-document.ts'

// The single place errors become RFC 9457 documents. 5xx details are logged, never returned.
async function errorHandler (app: FastifyInstance) {
  app.setErrorHandler((err, request, reply) => {
    const problem = toProblem(err, request)
    if (problem.internal) {
      request.log.error({ err }, 'unhandled error')
    } else if (problem.status >= 500) {
      request.log.warn({ code: problem.body.code, provider: problem.body.provider, detail: problem.body.detail }, 'request failed')
    } else {
      request.log.info({ code: problem.body.code }, 'request rejected')
    }
    reply.code(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(problem.body)
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200)
    const err = new GatewayError('not_found', `No route ${request.method} ${path}. The API is described at /docs.`)
    const problem = toProblem(err, request)
    reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem.body)
  })
}

export default fp(errorHandler, { name: 'error-handler', fastify: '5.x' })
