// Vendor access checks run before every /api/v2 route: IP allow-list, bearer token, rate limit.
import type { FastifyRequest } from 'fastify'
import type { Clock } from '../../../sim-kit/clock.ts'
import { CloudlockHttpError } from './errors.ts'

export interface GuardOptions {
  token: string
  allowedIps?: string[]
  rateLimit?: { perMinute: number, retryAfter?: boolean } | false
  clock: Clock
}

// 429 with Retry-After: the header is an assumption (the vendor documents neither numbers nor headers).
export class RateLimitedError extends CloudlockHttpError {
  readonly retryAfter: number | undefined

  constructor (retryAfter: number | undefined) {
    super(429, 'Rate limit exceeded, retry later')
    this.retryAfter = retryAfter
  }
}

export function createGuard (opts: GuardOptions): (request: FastifyRequest) => void {
  const windowMs = 60_000
  let windowStart = -Infinity
  let used = 0

  return (request) => {
    if (opts.allowedIps !== undefined && !opts.allowedIps.includes(request.ip)) {
      throw new CloudlockHttpError(403, 'Access from this IP address is not allowed')
    }
    const header = request.headers.authorization
    if (header === undefined || header === '') throw new CloudlockHttpError(401, 'Missing authorization token')
    const match = /^bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null || match[1] !== opts.token) throw new CloudlockHttpError(401, 'Invalid authorization token')

    if (opts.rateLimit === undefined || opts.rateLimit === false) return
    // Fixed one-minute window on the simulator clock, shared by every caller (one tenant token).
    const now = opts.clock()
    if (now - windowStart >= windowMs) {
      windowStart = now
      used = 0
    }
    used++
    if (used > opts.rateLimit.perMinute) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000))
      throw new RateLimitedError(opts.rateLimit.retryAfter === false ? undefined : retryAfter)
    }
  }
}
