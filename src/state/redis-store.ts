import { Redis } from 'ioredis'
import { type SharedStore, StoreUnavailableError } from './shared-store.ts'

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

  async delete (key: string): Promise<void> {
    await this.run(() => this.client.del(this.prefix + key))
  }

  async close (): Promise<void> {
    this.client.disconnect()
  }
}
