// What the route plugins share, passed to them as plugin options (no module singletons).
import type { Snapshots } from './paging.ts'
import type { ResolvedOptions } from './options.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { ZwaStore } from './store.ts'
import type { TokenStore } from './tokens.ts'

export interface ZwaContext {
  options: ResolvedOptions
  store: ZwaStore
  snapshots: Snapshots
  tokens: TokenStore
  limiter?: RateLimiter
}

// Both hosts serve the same handlers: native ZWA and the OneAPI gateway (reference §1).
export const NATIVE_PREFIX = '/dlp/v1'
export const ONEAPI_PREFIX = '/zwa/dlp/v1'
export const TOKEN_PATH = '/v1/auth/api-key/token'
export const ONEAPI_TOKEN_PATH = '/oauth2/v1/token'
