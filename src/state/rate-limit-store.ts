import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Redis } from 'ioredis'
import { RedisScript } from './redis-script.ts'
import type { StoreErrorHook } from './shared-store.ts'

// A fixed window per key: the first request of a window starts its TTL. A counter left without
// one (never expected) gets one, so it cannot block a key forever (test/state/redis-scripts.test.ts).
const INCREMENT = new RedisScript(
  "local n = redis.call('INCR', KEYS[1]) local ttl = redis.call('PTTL', KEYS[1]) " +
  "if n == 1 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end return {n, ttl}")

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]
type ChildOptions = Parameters<FastifyRateLimitStore['child']>[0]

// @fastify/rate-limit's counters in Redis, with one difference from its built-in Redis store:
// a failed command is reported through `onError` before the plugin's skipOnError lets the
// request through, so failing open is logged and counted rather than silent. (The plugin has
// no error hook of its own.)
class RedisRateLimitStore implements FastifyRateLimitStore {
  private readonly client: Redis
  private readonly prefix: string
  private readonly onError: StoreErrorHook

  constructor (client: Redis, prefix: string, onError: StoreErrorHook) {
    this.client = client
    this.prefix = prefix
    this.onError = onError
  }

  incr (key: string, callback: IncrCallback, timeWindow: number): void {
    INCREMENT.run(this.client, [this.prefix + key], [timeWindow]).then((res) => {
      const [current, ttl] = res as [number, number]
      callback(null, { current, ttl })
    }, (err: Error) => {
      this.onError('incr', err)
      callback(err)
    })
  }

  // Route-level limits (none in this gateway today) count apart, per method and route pattern.
  child (routeOptions: ChildOptions): FastifyRateLimitStore {
    const route = (routeOptions as { routeInfo?: { method?: unknown, url?: unknown } }).routeInfo
    const prefix = `${this.prefix}${String(route?.method)}${String(route?.url)}-`
    return new RedisRateLimitStore(this.client, prefix, this.onError)
  }
}

// The constructor the plugin's `store` option takes (it ignores the plugin options it is given).
export function redisRateLimitStore (client: Redis, prefix: string,
  onError: StoreErrorHook): FastifyRateLimitStoreCtor {
  return class extends RedisRateLimitStore {
    constructor () {
      super(client, prefix, onError)
    }
  }
}
