// Token endpoints: the native API-key flow (reference §2.1) and the OneAPI client-credentials flow (§2.2).
import { timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { ZwaContext } from './context.ts'
import { ONEAPI_TOKEN_PATH, TOKEN_PATH } from './context.ts'
import { errorBody, ZwaError } from './errors.ts'
import { limit } from './guard.ts'
import { isPlainObject } from './json.ts'
import { ONEAPI_AUDIENCE } from './options.ts'

function same (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

// Native flow: everything but a wrong key is "malformed" and gets the documented 500.
export async function apiKeyTokenRoutes (app: FastifyInstance, { ctx }: { ctx: ZwaContext }): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ZwaError && error.statusCode === 401) {
      return reply.code(401).send(errorBody(401, error.message))
    }
    request.log.debug({ err: error }, 'token request rejected as malformed')
    return reply.code(500).send(errorBody(500, 'Failed to generate access token'))
  })

  app.post(TOKEN_PATH, {
    // The token limit is kept per key id, whether or not the key is right.
    preHandler: async (request, reply) => {
      const body = request.body
      const keyId = isPlainObject(body) && typeof body.key_id === 'string' ? body.key_id : request.ip
      return limit(ctx, reply, `api-key:${keyId}`, 'token', TOKEN_PATH)
    }
  }, async (request, reply) => {
    const body = request.body
    if (!isPlainObject(body) || typeof body.key_id !== 'string' || typeof body.key_secret !== 'string') {
      throw new ZwaError(500, 'Failed to generate access token')
    }
    if (!same(body.key_id, ctx.options.keyId) || !same(body.key_secret, ctx.options.keySecret)) {
      throw new ZwaError(401, 'Invalid input')
    }
    const ttl = ctx.options.tokenTtlSeconds
    const token = ctx.tokens.issue(`api-key:${body.key_id}`, 'api-key', ttl)
    return reply.code(201).send({ token, token_type: 'Bearer', expires_in: ttl })
  })
}

// OAuth 2.0 errors (RFC 6749 §5.2), as ZIdentity is a standard authorization server.
class OAuthError extends Error {
  readonly statusCode: number
  readonly code: string
  constructor (statusCode: number, code: string, description: string) {
    super(description)
    this.statusCode = statusCode
    this.code = code
  }
}

export async function oneApiTokenRoutes (app: FastifyInstance, { ctx }: { ctx: ZwaContext }): Promise<void> {
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof OAuthError) {
      if (error.statusCode === 401) reply.header('www-authenticate', 'Basic realm="oauth2"')
      return reply.code(error.statusCode).send({ error: error.code, error_description: error.message })
    }
    return reply.code(400)
      .send({ error: 'invalid_request', error_description: 'Body must be application/x-www-form-urlencoded' })
  })

  app.post(ONEAPI_TOKEN_PATH, async (request, reply) => {
    if (!isPlainObject(request.body) ||
      request.headers['content-type']?.includes('application/x-www-form-urlencoded') !== true) {
      throw new OAuthError(400, 'invalid_request', 'Body must be application/x-www-form-urlencoded')
    }
    const form = request.body as Record<string, string>
    if (form.grant_type !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported')
    }
    if (form.client_assertion !== undefined) {
      throw new OAuthError(400, 'invalid_request',
        'client_assertion (private key JWT) is not supported by the simulator')
    }
    let clientId = form.client_id
    let clientSecret = form.client_secret
    // client_secret_basic is the other standard way to present the same credentials.
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')
    if (basic !== null) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      clientId = decodeURIComponent(decoded.slice(0, colon))
      clientSecret = decodeURIComponent(decoded.slice(colon + 1))
    }
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' ||
      !same(clientId, ctx.options.clientId) || !same(clientSecret, ctx.options.clientSecret)) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed')
    }
    if (form.audience !== undefined && form.audience !== ONEAPI_AUDIENCE) {
      throw new OAuthError(400, 'invalid_target', `audience must be ${ONEAPI_AUDIENCE}`)
    }
    const ttl = ctx.options.oneApiTokenTtlSeconds
    const token = ctx.tokens.issue(`oneapi:${clientId}`, 'oneapi', ttl)
    return reply.code(200).header('cache-control', 'no-store')
      .send({ access_token: token, token_type: 'Bearer', expires_in: ttl })
  })
}
