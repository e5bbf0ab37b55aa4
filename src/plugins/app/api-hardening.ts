import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// Response headers suited to a JSON API (no HTML is served except Swagger UI under /docs, which
// sets its own CSP), and JSON-only bodies: Fastify's default text/plain parser is removed so a
// non-JSON body is 415 rather than a string reaching validation (test/v1/access.test.ts).
async function apiHardening (app: FastifyInstance) {
  app.removeContentTypeParser('text/plain')
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    reply.header('cross-origin-resource-policy', 'same-origin')
    if (!request.url.startsWith('/docs')) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    }
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store')
    return payload
  })
}

export default fp(apiHardening, { name: 'api-hardening', fastify: '5.x' })
