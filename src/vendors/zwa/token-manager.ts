import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts'
import { markLocal } from '../../upstream/resilience/local-errors.ts'
import type { SharedStore } from '../../state/shared-store.ts'

export interface IssuedToken {
  token: string
  expiresInSeconds: number
}

export interface TokenManagerOptions {
  providerId: string
  fetchToken: () => Promise<IssuedToken> // one token request; throws a GatewayError on failure
  now: () => number
  maxPerMinute?: number // the native token endpoint allows 20 requests a minute (reference §5)
  shared?: SharedStore // with Redis: replicas reuse one token instead of each fetching its own
  sharedKey?: string
  // The shared store failed (the token endpoint is used instead): logged and metered, never silent
  // (test/vendors/zwa-token.test.ts).
  onStoreError?: (operation: string, err: unknown) => void
}

const MINUTE = 60_000
const REMEMBERED_REFUSALS = 16

// Caches the bearer token and refreshes it shortly before it expires. Concurrent callers share one
// in-flight request (single flight), and the manager never calls the token endpoint faster than
// its documented limit nor before a 429's Retry-After has passed (test/adapters/zwa/auth.test.ts).
//
// A token the vendor refused is never handed out again (issue 14 item 7): it is remembered as
// refused, a cached copy of it (in memory or in the shared store, however late the store's delete
// lands) is skipped, and a token request that began before the refusal is not joined after it
// (test/adapters/zwa/reauth-race.test.ts).
export class TokenManager {
  private current: { value: string, refreshAt: number } | null = null
  private inflight: { generation: number, promise: Promise<string> } | null = null
  private generation = 0 // bumped when a token is first refused
  private readonly refused: string[] = [] // the last few refused tokens
  private blockedUntil = 0
  private recent: number[] = [] // start times of token requests in the last minute
  private readonly opts: TokenManagerOptions

  constructor (opts: TokenManagerOptions) {
    this.opts = opts
  }

  async get (): Promise<string> {
    if (this.current && this.opts.now() < this.current.refreshAt) return this.current.value
    // The shared request is never tied to one caller's abort signal: others wait on it too
    // (test/vendors/zwa-token.test.ts). One started before the latest refusal may bring back
    // the refused token, so it is not joined.
    if (this.inflight?.generation !== this.generation) {
      const promise: Promise<string> = this.obtain().finally(() => {
        if (this.inflight?.promise === promise) this.inflight = null
      })
      this.inflight = { generation: this.generation, promise }
    }
    return this.inflight.promise
  }

  // Drops `token` after the upstream refused it. The shared copy is removed by compare-and-delete
  // of exactly that token, so a newer token another replica stored meanwhile is kept.
  invalidate (token: string): Promise<void> {
    // Only a new refusal starts a new generation: N callers refused with the same token then share
    // one token request (single flight), instead of each starting its own.
    if (!this.refused.includes(token)) {
      this.refused.push(token)
      if (this.refused.length > REMEMBERED_REFUSALS) this.refused.shift()
      this.generation++
    }
    if (this.current?.value === token) this.current = null
    const { shared, sharedKey } = this.opts
    if (!shared || !sharedKey) return Promise.resolve()
    return shared.get(sharedKey).then(async (text) => {
      if (text && (JSON.parse(text) as { value: string }).value === token) await shared.deleteIfEquals(sharedKey, text)
    }).catch((err: unknown) => this.opts.onStoreError?.('invalidate', err))
  }

  // Another replica's token from the shared store when it is still fresh, else a new one (which
  // is then shared). The store is an optimisation: when it fails, the token endpoint is used.
  private async obtain (): Promise<string> {
    const { shared, sharedKey } = this.opts
    if (shared && sharedKey) {
      try {
        const text = await shared.get(sharedKey)
        const cached = text ? JSON.parse(text) as { value: string, refreshAt: number } : null
        const usable = cached && typeof cached.value === 'string' && !this.refused.includes(cached.value)
        if (cached && usable && this.opts.now() < cached.refreshAt) {
          this.current = cached
          return cached.value
        }
      } catch (err) {
        this.opts.onStoreError?.('get', err)
      }
    }
    const token = await this.fetch()
    if (shared && sharedKey && this.current) {
      const ttl = this.current.refreshAt - this.opts.now()
      if (ttl > 0) {
        await shared.set(sharedKey, JSON.stringify(this.current), ttl)
          .catch((err: unknown) => this.opts.onStoreError?.('set', err))
      }
    }
    return token
  }

  private async fetch (): Promise<string> {
    const now = this.opts.now()
    this.recent = this.recent.filter((at) => now - at < MINUTE)
    const waitMs = Math.max(this.blockedUntil - now,
      this.recent.length >= (this.opts.maxPerMinute ?? 20) ? this.recent[0] + MINUTE - now : 0)
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000)
      // Refused here, without a request: says nothing about the provider's health (local).
      throw markLocal(new GatewayError('upstream_rate_limited',
        `Provider '${this.opts.providerId}' token endpoint is rate limited; retry in ${retryAfter} s.`,
        { provider: this.opts.providerId, retryAfter }))
    }
    this.recent.push(now)
    let issued: IssuedToken
    try {
      issued = await this.opts.fetchToken()
    } catch (err) {
      // A 429 from the token endpoint: no new token request before its Retry-After has passed.
      if (isGatewayError(err) && err.code === 'upstream_rate_limited') {
        this.blockedUntil = Math.max(this.blockedUntil, this.opts.now() + (err.retryAfter ?? 60) * 1000)
      }
      throw err
    }
    const lifeMs = issued.expiresInSeconds * 1000
    // Refresh 60 s before expiry, or at 90 % of the life of a short-lived token.
    this.current = { value: issued.token, refreshAt: now + lifeMs - Math.min(MINUTE, lifeMs / 10) }
    return issued.token
  }
}
