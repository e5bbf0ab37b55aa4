import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { MemoryStore } from '../../state/memory-store.ts'
import { RedisStore } from '../../state/redis-store.ts'
import type { SharedStore } from '../../state/shared-store.ts'
import { KEY_PREFIX, isEvictable } from './idempotency.ts'

// The in-memory store keeps at most this many idempotency records, of at most this many bytes in
// all (docs/reliability.md); completed ones are evicted oldest first, running or unknown ones never.
export const IDEMPOTENCY_BOUND = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 }

declare module 'fastify' {
  interface FastifyInstance {
    sharedStore: SharedStore
  }
}

// Idempotency records, rate-limit counters and cached upstream tokens: in this process, or in
// Redis (REDIS_URL) so that every replica sees the same state.
async function sharedState (app: FastifyInstance) {
  const store: SharedStore = app.config.redis_url
    ? new RedisStore(app.config.redis_url)
    : new MemoryStore(Date.now, { prefix: KEY_PREFIX, ...IDEMPOTENCY_BOUND, evictable: isEvictable })
  app.decorate('sharedStore', store)
  app.addHook('onClose', async () => store.close())
}

export default fp(sharedState, { name: 'shared-state', fastify: '5.x' })
