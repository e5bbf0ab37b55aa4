import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { MemoryStore } from '../../state/memory-store.ts'
import type { RedisStore } from '../../state/redis-store.ts'
import type { SharedStore } from '../../state/shared-store.ts'
import {
  reportingStore, storeErrorReporter, type StoreErrorReporter, type StoreUser
} from '../../state/store-errors.ts'
import { KEY_PREFIX, isEvictable } from './idempotency.ts'

// The in-memory store keeps at most this many idempotency records, of at most this many bytes in
// all (docs/reliability.md); completed ones are evicted oldest first, running or unknown ones never
// (test/state/stores.test.ts). Completed records keep the whole answer (~2 KB for an incident), so
// the byte bound is the one that holds: 8 MiB of records cost ~9 MB of heap, where 64 MiB let the
// soak's heap climb for as long as it ran (test/state/idempotency-bound.test.ts).
export const IDEMPOTENCY_BOUND = { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 }

declare module 'fastify' {
  interface FastifyInstance {
    sharedStore: SharedStore
    // The shared store as one user sees it: its failures are logged and counted under that user.
    sharedStoreFor: (user: StoreUser) => SharedStore
    // For failures outside a SharedStore call (the rate limiter's own Redis commands).
    reportStoreError: StoreErrorReporter
  }
}

export interface SharedStateOptions {
  store?: SharedStore // tests: a given store instead of the one the configuration names
}

// Idempotency records, rate-limit counters and cached upstream tokens: in this process, or in
// Redis (REDIS_URL) so that every replica sees the same state.
async function sharedState (app: FastifyInstance, opts: SharedStateOptions) {
  // The metrics plugin registers first (src/app.ts); its recorder counts store errors.
  const report = storeErrorReporter(app.log, app.hasDecorator('metrics') ? app.metrics : {})
  // The Redis client is imported only when REDIS_URL is set (test/server-boot-modules.test.ts).
  const store: SharedStore = opts.store ?? (app.config.redis_url
    // Change notifications serve waiting idempotent duplicates only, so the subscriber's
    // failures are theirs.
    ? new (await import('../../state/redis-store.ts')).RedisStore(app.config.redis_url, undefined, {
      onError: (op, err) => report('idempotency', op, err)
    })
    : new MemoryStore(Date.now, { prefix: KEY_PREFIX, ...IDEMPOTENCY_BOUND, evictable: isEvictable }))
  app.decorate('sharedStore', store)
  app.decorate('sharedStoreFor', (user: StoreUser) => reportingStore(store, user, report))
  app.decorate('reportStoreError', report)
  // Redis is connected once the app is ready (after registration, which blocks the loop), so a
  // replica that starts listening has its shared store already: the listening line waits
  // for it, up to a few seconds, then goes on degraded (failures are reported per command).
  if (isRedis(store)) {
    app.addHook('onReady', async () => {
      if (!await store.connect()) {
        app.log.warn('Redis (REDIS_URL) is not reachable yet: shared state fails closed (idempotent writes, ' +
          'conditional writes) or open (rate limits) until it is; the connection keeps being retried')
      }
    })
  }
  app.addHook('onClose', async () => store.close())
}

// A RedisStore (not a wrapper of one, as tests use), told without importing its class, and so the
// Redis client, into every gateway.
export const isRedis = (store: SharedStore): store is RedisStore =>
  store.kind === 'redis' && 'client' in store && typeof (store as RedisStore).connect === 'function'

export default fp(sharedState, { name: 'shared-state', fastify: '5.x' })
