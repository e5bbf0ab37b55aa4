// The documented ZWA limits (reference §5, §10): fixed one-minute and one-hour windows per caller,
// each opened by the caller's first request. Rejected requests do not count.
import type { Clock } from '../../../sim-kit/clock.ts'

export type LimitClass = 'light' | 'medium' | 'token'
export interface Limit { perMinute: number, perHour: number }

export interface RateLimitConfig {
  light: Limit // GET, DELETE, close: 30/min, 1000/h
  medium: Limit // most POSTs: 20/min, 400/h
  token: Limit // POST /v1/auth/api-key/token: 20/min, 400/h
  // 'endpoint': one counter per endpoint (the reference lists limits per endpoint);
  // 'class': one counter shared by all endpoints of a class.
  scope: 'endpoint' | 'class'
}

export const DEFAULT_LIMITS: Omit<RateLimitConfig, 'scope'> = {
  light: { perMinute: 30, perHour: 1000 },
  medium: { perMinute: 20, perHour: 400 },
  token: { perMinute: 20, perHour: 400 }
}

interface Window { startedAt: number, count: number }
interface Bucket { minute: Window, hour: Window }

export interface Rejection { retryAfterSeconds: number, limit: number }

const MINUTE = 60_000
const HOUR = 3_600_000

export class RateLimiter {
  readonly #config: RateLimitConfig
  readonly #clock: Clock
  #buckets = new Map<string, Bucket>()

  constructor (config: RateLimitConfig, clock: Clock) {
    this.#config = config
    this.#clock = clock
  }

  // Counts one request, or says how long the caller must wait.
  take (identity: string, cls: LimitClass, endpoint: string): Rejection | undefined {
    const now = this.#clock()
    const key = `${identity}\n${this.#config.scope === 'class' ? cls : endpoint}`
    let bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      bucket = { minute: { startedAt: now, count: 0 }, hour: { startedAt: now, count: 0 } }
      this.#buckets.set(key, bucket)
    }
    const limit = this.#config[cls]
    const checks: Array<[Window, number, number]> = [
      [bucket.hour, HOUR, limit.perHour], [bucket.minute, MINUTE, limit.perMinute]
    ]
    let rejection: Rejection | undefined
    for (const [window, length, max] of checks) {
      if (now - window.startedAt >= length) {
        window.startedAt = now
        window.count = 0
      }
      if (window.count >= max) {
        const wait = Math.max(1, Math.ceil((window.startedAt + length - now) / 1000))
        // When both windows are full the caller must wait for the later one.
        if (rejection === undefined || wait > rejection.retryAfterSeconds) {
          rejection = { retryAfterSeconds: wait, limit: max }
        }
      }
    }
    if (rejection !== undefined) return rejection
    bucket.minute.count++
    bucket.hour.count++
    return undefined
  }

  clear (): void {
    this.#buckets.clear()
  }
}
