// Bearer-token check and rate limiting in front of the incident routes. Runs as a preHandler, after
// the sim kit's fault injection, so faults fire even for callers without a token.
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { ZwaContext } from './context.ts'
import { errorBody, unauthorized } from './errors.ts'
import type { LimitClass } from './rate-limit.ts'
import type { TokenKind } from './tokens.ts'

const identities = new WeakMap<FastifyRequest, string>()

// The caller's identity ("api-key:<key_id>" or "oneapi:<client_id>"), set by the guard.
export function identityOf (request: FastifyRequest): string {
  return identities.get(request) ?? 'unknown'
}

export function bearerGuard (
  ctx: ZwaContext, cls: LimitClass, endpoint: string, kind: TokenKind
): preHandlerAsyncHookHandler {
  return async function guard (request, reply) {
    const header = request.headers.authorization
    if (header === undefined || header === '') throw unauthorized('Authorization header is missing')
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) throw unauthorized('Authorization header must be "Bearer <token>"')
    const verdict = ctx.tokens.verify(match[1])
    if (!verdict.ok) {
      throw unauthorized(verdict.reason === 'expired' ? 'Access token has expired' : 'Invalid access token')
    }
    if (ctx.options.tokenPrefixes === 'strict' && verdict.grant.kind !== kind) {
      throw unauthorized('Access token is not valid for this API host')
    }
    identities.set(request, verdict.grant.identity)
    return limit(ctx, reply, verdict.grant.identity, cls, endpoint)
  }
}

// Answers 429 (and returns the reply) when `identity` is over its limit; undefined lets the request on.
export function limit (
  ctx: ZwaContext, reply: FastifyReply, identity: string, cls: LimitClass, endpoint: string
): FastifyReply | undefined {
  const rejection = ctx.limiter?.take(identity, cls, endpoint)
  if (rejection === undefined) return undefined
  const wait = rejection.retryAfterSeconds
  // The SDKs disagree: Python reads RateLimit-Reset as seconds to wait, Go as a Unix time.
  const reset = ctx.options.rateLimitResetStyle === 'epoch' ? Math.ceil(ctx.options.clock() / 1000) + wait : wait
  return reply.code(429).headers({
    'retry-after': String(wait),
    'ratelimit-limit': String(rejection.limit),
    'ratelimit-remaining': '0',
    'ratelimit-reset': String(reset)
  }).send(errorBody(429, `Rate limit exceeded; retry after ${wait} seconds`))
}
