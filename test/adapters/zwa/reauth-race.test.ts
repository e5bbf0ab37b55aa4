// Issue 14 item 7: after a vendor 401 the ZWA adapter must never get the refused token back,
// however late the shared store's delete lands, on one replica and on two sharing one store
// (Redis when REDIS_URL is set, else one in-memory store standing in for it).
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createZwaAdapter } from '../../../src/vendors/zwa/adapter.ts'
import type { ProviderAdapter } from '../../../src/adapters/types.ts'
import { MemoryStore } from '../../../src/state/memory-store.ts'
import { RedisStore } from '../../../src/state/redis-store.ts'
import type { SharedStore } from '../../../src/state/shared-store.ts'
import { KEY_ID, KEY_SECRET, START, startZwa, tokenCalls } from './harness.ts'

const PIN = new Date(START).toISOString()
const redisUrl = process.env.REDIS_URL

// The shared store whose deletes land late: the window in which the old code read the refused
// token back and sent it again.
function slowDeletes (store: SharedStore): SharedStore {
  const later = () => new Promise((resolve) => setTimeout(resolve, 300))
  return {
    kind: store.kind,
    get: (key) => store.get(key),
    setIfAbsent: (key, value, ttl) => store.setIfAbsent(key, value, ttl),
    set: (key, value, ttl) => store.set(key, value, ttl),
    replaceIfEquals: (key, expected, value, ttl) => store.replaceIfEquals(key, expected, value, ttl),
    delete: async (key) => { await later(); return store.delete(key) },
    deleteIfEquals: async (key, expected) => { await later(); return store.deleteIfEquals(key, expected) },
    watch: (key) => store.watch(key),
    close: () => store.close()
  }
}

for (const backend of ['memory', 'redis'] as const) {
  t.test(`${backend} store: a refused token is never reused`, { skip: backend === 'redis' && !redisUrl ? 'REDIS_URL is not set' : false }, async (t) => {
    const h = await startZwa(t, { sim: { tokenTtlSeconds: 43_200 } })
    const raw: SharedStore = backend === 'redis' ? new RedisStore(redisUrl!, `test-${randomUUID()}:`) : new MemoryStore()
    if (raw instanceof RedisStore) await raw.connect()
    const store = slowDeletes(raw)
    t.teardown(() => raw.close())
    // The adapters' clock stands still: they believe their token fresh until the vendor refuses it.
    const make = (): ProviderAdapter => createZwaAdapter({
      id: 'zwa',
      type: 'zwa',
      base_url: h.url,
      path_prefix: '/dlp/v1',
      auth: { mode: 'api_key', key_id: KEY_ID, key_secret: KEY_SECRET },
      timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 },
      max_connections: 2
    }, { now: () => START, sharedStore: store })
    const [a, b] = [make(), make()]
    t.teardown(async () => { await a.shutdown(); await b.shutdown() })

    const page = await a.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })
    const id = page.items[0].incident.native_id
    await b.get(id)
    t.equal((await h.requests(tokenCalls)).length, 1, 'one token, shared by both')

    h.clock.advance(43_200_000) // the vendor now refuses that token
    await h.clearLog()
    const one = await a.get(id)
    t.equal(one.native_id, id, 'replica A: refused, re-authenticated, answered')
    t.same((await h.requests()).map((r) => [r.path.startsWith('/v1/auth') ? 'token' : 'incident', r.status]),
      [['incident', 401], ['token', 201], ['incident', 200]], 'the refused token was not read back from the store')

    await h.clearLog()
    const two = await b.get(id)
    t.equal(two.native_id, id, 'replica B: its own copy refused, then the token A stored')
    t.same((await h.requests()).map((r) => r.status), [401, 200], 'B takes the new shared token: no token request')

    // A's late compare-and-delete of the refused token did not remove the new one.
    await new Promise((resolve) => setTimeout(resolve, 400))
    await h.clearLog()
    const c = make()
    t.teardown(() => c.shutdown())
    await c.get(id)
    t.equal((await h.requests(tokenCalls)).length, 0, 'a third replica finds the new token in the store')
  })
}

t.test('one replica without a shared store: a token request begun before the refusal is not joined', async (t) => {
  const h = await startZwa(t, { sim: { tokenTtlSeconds: 43_200 } })
  const adapter = createZwaAdapter({
    id: 'zwa',
    type: 'zwa',
    base_url: h.url,
    path_prefix: '/dlp/v1',
    auth: { mode: 'api_key', key_id: KEY_ID, key_secret: KEY_SECRET },
    timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 },
    max_connections: 4
  }, { now: () => START })
  t.teardown(() => adapter.shutdown())
  const id = (await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })).items[0].incident.native_id
  h.clock.advance(43_200_000)
  const tokensBefore = (await h.requests()).filter(tokenCalls).length
  const results = await Promise.all(Array.from({ length: 5 }, () => adapter.get(id).then((i) => i.native_id, (e) => e.code)))
  t.same(results, Array(5).fill(id), 'every concurrent caller recovered')
  t.equal((await h.requests()).filter(tokenCalls).length - tokensBefore, 1, 'five callers refused with one token share one token request')
})
