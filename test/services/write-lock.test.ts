import { randomBytes } from 'node:crypto'
import t from 'tap'
import { MemoryStore } from '../../src/state/memory-store.ts'
import { RedisStore } from '../../src/state/redis-store.ts'
import type { SharedStore } from '../../src/state/shared-store.ts'
import { WriteLocks } from '../../src/services/write-lock.ts'

// The per-incident write lock (src/services/write-lock.ts), in memory and, with REDIS_URL, through
// two stores on one Redis as two replicas see it.
const redisUrl = process.env.REDIS_URL
const engines: Array<[string, () => [SharedStore, SharedStore]]> = [
  ['memory', () => { const s = new MemoryStore(); return [s, s] }]
]
if (redisUrl) {
  engines.push(['redis', () => {
    const prefix = `wl-test-${randomBytes(4).toString('hex')}:`
    return [new RedisStore(redisUrl, prefix), new RedisStore(redisUrl, prefix)]
  }])
}

for (const [name, make] of engines) {
  t.test(`${name}: one holder at a time, a waiter enters on release, a lapsed TTL frees it`, async (t) => {
    const [a, b] = make()
    for (const s of [a, b]) {
      // No offline queue: wait until connected, as a replica's store is long before a write.
      if (s instanceof RedisStore) await s.connect()
    }
    t.teardown(async () => { await a.close(); if (b !== a) await b.close() })
    const one = new WriteLocks(a, { ttlMs: 5_000 })
    const two = new WriteLocks(b, { ttlMs: 5_000 })
    const held = await one.acquire('zwa:1', Date.now() + 1_000)
    const order: string[] = []
    const waiting = two.acquire('zwa:1', Date.now() + 3_000).then((l) => { order.push('second'); return l })
    const other = await two.acquire('zwa:2', Date.now() + 100) // another incident is not blocked
    await other.release()
    await new Promise((resolve) => setTimeout(resolve, 100))
    order.push('first releases')
    await held.release()
    const second = await waiting
    t.same(order, ['first releases', 'second'], 'the waiter entered only after the release')
    await t.rejects(one.acquire('zwa:1', Date.now() + 200), { code: 'service_unavailable' }, 'a busy lock until the deadline is 503')
    await held.release() // a stale release (compare-and-delete) does not free the new holder's lock
    await t.rejects(one.acquire('zwa:1', Date.now() + 100), { code: 'service_unavailable' })
    await second.release()
    const short = await one.acquire('zwa:3', Date.now() + 100, 200)
    const after = await two.acquire('zwa:3', Date.now() + 2_000)
    t.pass('a holder that outlives its TTL loses the lock (the documented limit: no fence at the vendor)')
    await short.release()
    await after.release()
  })
}
