import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../errors/problem-document.ts'
import type { RouteMethods } from '../../errors/route-methods.ts'

// The single place errors become RFC 9457 documents. 5xx details are logged, never returned
// (test/app/errors.test.ts).
async function errorHandler (app: FastifyInstance, opts: { routes: RouteMethods }) {
  const { routes } = opts
  app.addHook('onRoute', (route) => { routes.add(route.url ?? route.path, route.method) })

  // No route for this method and path: 405 with Allow when the path is served with other methods.
  const unrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0].slice(0, 200)
    const allow = routes.allowedFor(request.url)
    const err = allow.length > 0
      ? new GatewayError('method_not_allowed',
        `${request.method.slice(0, 32)} is not served on ${path}; allowed: ${allow.join(', ')}.`)
      : new GatewayError('not_found', `No route ${request.method.slice(0, 32)} ${path}. The API is described at /docs.`)
    const problem = toProblem(err, request)
    if (allow.length > 0) reply.header('allow', allow.join(', '))
    reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.body)
  }

  app.setErrorHandler((err, request, reply) => {
    // An unrouted request can fail before the not-found handler runs: Fastify still parses its body
    // (a QUERY without Content-Type, a PUT with text/plain or broken JSON). Whatever the body, no
    // route serves it, so it gets the same 404/405 as any other unserved method.
    if (request.is404) {
      unrouted(request, reply)
      return
    }
    const problem = toProblem(err, request)
    if (problem.internal) {
      request.log.error({ err }, 'unhandled error')
    } else if (problem.status >= 500) {
      request.log.warn({ code: problem.body.code, provider: problem.body.provider, detail: problem.body.detail },
        'request failed')
    } else {
      request.log.info({ code: problem.body.code }, 'request rejected')
    }
    reply.code(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(problem.body)
  })

  app.setNotFoundHandler(unrouted)
}

export default fp(errorHandler, { name: 'error-handler', fastify: '5.x' })
