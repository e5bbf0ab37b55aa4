import { Redis } from 'ioredis'
import { type SharedStore, StoreUnavailableError } from './shared-store.ts'

// Atomic compare-and-set / compare-and-delete: one round trip, no other client in between.
const REPLACE_IF_EQUALS = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0"
const DELETE_IF_EQUALS = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0"

// Redis-backed state shared by every replica. Commands fail fast while Redis is unreachable
// (no offline queue), so callers can decide to fail closed instead of hanging.
export class RedisStore implements SharedStore {
  readonly kind = 'redis' as const
  readonly client: Redis
  private readonly prefix: string

  constructor (url: string, prefix = 'dlpgw:') {
    this.prefix = prefix
    this.client = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000)
    })
    // Connection errors surface on commands; the event only needs a listener so it is not fatal.
    this.client.on('error', () => {})
  }

  private async run<T> (fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw new StoreUnavailableError(err)
    }
  }

  get (key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.prefix + key))
  }

  async setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean> {
    const res = await this.run(() => this.client.set(this.prefix + key, value, 'PX', ttlMs, 'NX'))
    return res === 'OK'
  }

  async set (key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.client.set(this.prefix + key, value, 'PX', ttlMs))
  }

  async replaceIfEquals (key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    const res = await this.run(() => this.client.eval(REPLACE_IF_EQUALS, 1, this.prefix + key, expected, value, String(ttlMs)))
    return res === 1
  }

  async deleteIfEquals (key: string, expected: string): Promise<boolean> {
    return await this.run(() => this.client.eval(DELETE_IF_EQUALS, 1, this.prefix + key, expected)) === 1
  }

  async delete (key: string): Promise<void> {
    await this.run(() => this.client.del(this.prefix + key))
  }

  async close (): Promise<void> {
    this.client.disconnect()
  }
}
