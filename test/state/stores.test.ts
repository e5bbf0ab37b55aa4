// The shared store's compare-and-set / compare-and-delete (memory and Redis) and the bound of the
// in-memory idempotency records (issue 14 item 9): evict the oldest completed records first,
// never a running or unknown-outcome one; refuse when nothing may go.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { isEvictable } from '../../src/plugins/app/idempotency.ts'
import { MemoryStore } from '../../src/state/memory-store.ts'
import { RedisStore } from '../../src/state/redis-store.ts'
import { StoreFullError, type SharedStore } from '../../src/state/shared-store.ts'

const redisUrl = process.env.REDIS_URL

for (const backend of ['memory', 'redis'] as const) {
  const skip = backend === 'redis' && !redisUrl ? 'REDIS_URL is not set' : false
  t.test(`${backend}: compare-and-set and compare-and-delete`, { skip }, async (t) => {
    let store: SharedStore
    if (backend === 'redis') {
      const redis = new RedisStore(redisUrl!, `test-${randomUUID()}:`)
      await redis.connect()
      store = redis
    } else {
      store = new MemoryStore()
    }
    t.teardown(() => store.close())
    await store.set('k', 'a', 60_000)
    t.equal(await store.replaceIfEquals('k', 'b', 'c', 60_000), false, 'another value: unchanged')
    t.equal(await store.get('k'), 'a')
    t.equal(await store.replaceIfEquals('k', 'a', 'c', 60_000), true)
    t.equal(await store.get('k'), 'c')
    t.equal(await store.deleteIfEquals('k', 'a'), false, 'a newer value survives a stale delete')
    t.equal(await store.get('k'), 'c')
    t.equal(await store.deleteIfEquals('k', 'c'), true)
    t.equal(await store.get('k'), null)
    t.equal(await store.replaceIfEquals('k', 'c', 'd', 60_000), false, 'absent: nothing to replace')
  })
}

const rec = (state: string, pad = '') => JSON.stringify({ state, fp: 'x', pad })

t.test('the in-memory idempotency bound: count', async (t) => {
  const bound = { prefix: 'idem:', maxEntries: 3, maxBytes: 1_000_000, evictable: isEvictable }
  const store = new MemoryStore(Date.now, bound)
  t.teardown(() => store.close())
  await store.set('idem:done-1', rec('done'), 60_000)
  await store.set('idem:pending', rec('pending'), 60_000)
  await store.set('idem:done-2', rec('done'), 60_000)
  await store.set('token', 'not bounded', 60_000)
  t.same(store.usage().entries, 3, 'other keys do not count')
  await store.set('idem:unknown', rec('unknown'), 60_000)
  t.equal(await store.get('idem:done-1'), null, 'the oldest completed record went')
  t.not(await store.get('idem:pending'), null, 'the running one stayed')
  t.not(await store.get('idem:done-2'), null)
  await store.set('idem:pending-2', rec('pending'), 60_000)
  t.equal(await store.get('idem:done-2'), null, 'then the next completed one')
  t.same(store.usage().entries, 3)
  // Only running and unknown-outcome records are left: a new one is refused, none is evicted.
  await t.rejects(store.setIfAbsent('idem:new', rec('pending'), 60_000), StoreFullError)
  for (const key of ['idem:pending', 'idem:unknown', 'idem:pending-2']) t.not(await store.get(key), null, `${key} kept`)
  // Completing a record in place needs no room.
  await store.set('idem:pending', rec('done'), 60_000)
  t.ok(await store.setIfAbsent('idem:new', rec('pending'), 60_000), 'the completed record made room')
  t.equal(await store.get('idem:pending'), null)
  t.not(await store.get('token'), null, 'keys outside the bound are never evicted')
})

t.test('the in-memory idempotency bound: bytes', async (t) => {
  const store = new MemoryStore(Date.now, { prefix: 'idem:', maxEntries: 100, maxBytes: 500, evictable: isEvictable })
  t.teardown(() => store.close())
  await store.set('idem:a', rec('done', 'x'.repeat(150)), 60_000)
  await store.set('idem:b', rec('done', 'x'.repeat(150)), 60_000)
  t.ok(store.usage().bytes <= 500)
  await store.set('idem:c', rec('done', 'x'.repeat(150)), 60_000)
  t.equal(await store.get('idem:a'), null, 'the oldest went to keep the bytes under the bound')
  t.ok(store.usage().bytes <= 500, `${store.usage().bytes} bytes`)
  const huge = rec('pending', 'x'.repeat(600))
  await t.rejects(store.set('idem:huge', huge, 60_000), StoreFullError, 'a record larger than the bound')
  t.not(await store.get('idem:c'), null)
  await store.delete('idem:b')
  await store.delete('idem:c')
  t.same(store.usage(), { entries: 0, bytes: 0 }, 'the accounting returns to zero')
})
