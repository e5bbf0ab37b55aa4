import { sha256 } from '../../util/hash.ts'
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { ScopeValue } from '../../schemas/enums.ts'
import type { Principal } from '../../services/principal.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    scope?: ScopeValue // the scope a route needs; routes without one are public
  }
}

// Compares the presented key's hash with every configured hash in constant time, with no early
// exit, so response timing says nothing about which hashes exist.
function findKey (keys: Array<{ hash: Buffer, principal: Principal }>, presented: string): Principal | undefined {
  const digest = sha256(presented)
  let found: Principal | undefined
  for (const key of keys) {
    if (timingSafeEqual(key.hash, digest) && found === undefined) found = key.principal
  }
  return found
}

// Bearer API keys, configured only as SHA-256 hashes. A route declares the scope it needs in
// its config; the key's provider allow-list is enforced where providers are resolved.
async function auth (app: FastifyInstance) {
  const keys = app.config.api_keys.map((k) => ({
    hash: Buffer.from(k.sha256, 'hex'),
    principal: { name: k.name, scopes: new Set(k.scopes), providers: k.providers ? new Set(k.providers) : null }
  }))

  app.decorateRequest('principal', null)
  // A callback hook, not an async one: every request passes here, and a promise per request is
  // measurable on the detail read (issue 20).
  app.addHook('onRequest', (request: FastifyRequest, reply, done) => {
    const scope = request.routeOptions.config?.scope
    if (!scope) return done()
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header.trim()) : null
    const principal = match ? findKey(keys, match[1]) : undefined
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="dlp-gateway"')
      return done(new GatewayError('unauthorized', header === undefined
        ? 'Send an API key as Authorization: Bearer <key>.'
        : 'The API key is not valid.'))
    }
    if (!principal.scopes.has(scope)) {
      return done(new GatewayError('forbidden', `This API key lacks the scope '${scope}'.`))
    }
    request.principal = principal
    request.log.debug({ key: principal.name }, 'authenticated')
    done()
  })
}

export default fp(auth, { name: 'auth', fastify: '5.x', dependencies: ['error-handler'] })
