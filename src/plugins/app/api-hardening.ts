import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// Response headers suited to a JSON API (no HTML is served except Swagger UI under /docs, which
// sets its own CSP), and JSON-only bodies: Fastify's default text/plain parser is removed so a
// non-JSON body is 415 rather than a string reaching validation (test/v1/access.test.ts).
const COMMON = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin'
}
const API_CSP = "default-src 'none'; frame-ancestors 'none'"

async function apiHardening (app: FastifyInstance) {
  app.removeContentTypeParser('text/plain')
  // A callback hook, not an async one: it runs on every response, and a promise per hook per
  // request showed in the per-request profile (BENCHMARKS.md).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(COMMON)
    if (!request.url.startsWith('/docs')) reply.header('content-security-policy', API_CSP)
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store')
    done(null, payload)
  })
}

export default fp(apiHardening, { name: 'api-hardening', fastify: '5.x' })
