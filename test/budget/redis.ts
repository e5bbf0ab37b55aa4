// Test helpers for the shared budget: a client like the gateway's (commands fail fast while
// disconnected), a random key prefix per test, and whether Redis is there at all.
import { randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

export function client (url = redisUrl, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    retryStrategy: () => 100,
    ...options
  })
  redis.on('error', () => {}) // surfaces on commands
  return redis
}

// A reason to skip, or false when Redis answers.
export async function redisMissing (): Promise<string | false> {
  const redis = client(redisUrl, { lazyConnect: true, retryStrategy: () => null })
  try {
    await redis.connect()
    await redis.ping()
    return false
  } catch (err) {
    const reason = (err as Error).message
    return `Redis is unreachable at ${redisUrl} (${reason}): the shared budget tests need one (CI has it)`
  } finally {
    redis.disconnect()
  }
}

// A client that is ready: commands sent before the connection would fail (no offline queue).
export async function connected (url = redisUrl): Promise<Redis> {
  const redis = client(url)
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
  return redis
}

export const randomPrefix = (): string => `dlpgw-test:${randomUUID().slice(0, 8)}:budget:`

// Deletes every key under a prefix (tests clean up after themselves).
export async function dropPrefix (redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
