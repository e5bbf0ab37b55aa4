// SharedStore.watch (issue 15): every write or delete through any store sharing the state wakes
// the watchers of its key; failed compare-and-set, refused set-if-absent and deleting nothing do
// not. Redis: two store instances with one prefix stand for two replicas.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { MemoryStore } from '../../src/state/memory-store.ts'
import { RedisStore } from '../../src/state/redis-store.ts'
import { StoreUnavailableError, type SharedStore } from '../../src/state/shared-store.ts'

const redisUrl = process.env.REDIS_URL
const noRedis = (backend: string) => backend === 'redis' && !redisUrl ? 'REDIS_URL is not set' : false

async function ready (store: RedisStore): Promise<RedisStore> {
  await store.connect()
  return store
}

// Two handles on one shared state: a watcher's and a writer's.
async function pair (backend: 'memory' | 'redis'): Promise<[SharedStore, SharedStore]> {
  if (backend === 'memory') {
    const store = new MemoryStore()
    return [store, store]
  }
  const prefix = `test-${randomUUID()}:`
  return [await ready(new RedisStore(redisUrl!, prefix)), await ready(new RedisStore(redisUrl!, prefix))]
}

for (const backend of ['memory', 'redis'] as const) {
  t.test(`${backend}: writes and deletes wake the key's watchers`, { skip: noRedis(backend) }, async (t) => {
    const [watcher, writer] = await pair(backend)
    t.teardown(async () => { await watcher.close(); await writer.close() })
    const watch = await watcher.watch('k')
    const other = await watcher.watch('other')
    // Each step: a write, and whether it changed the key.
    const steps: Array<[string, () => Promise<unknown>, boolean]> = [
      ['setIfAbsent on an absent key', () => writer.setIfAbsent('k', 'a', 60_000), true],
      ['setIfAbsent on a present key', () => writer.setIfAbsent('k', 'b', 60_000), false],
      ['set', () => writer.set('k', 'b', 60_000), true],
      ['replaceIfEquals, wrong value', () => writer.replaceIfEquals('k', 'x', 'c', 60_000), false],
      ['replaceIfEquals', () => writer.replaceIfEquals('k', 'b', 'c', 60_000), true],
      ['deleteIfEquals, wrong value', () => writer.deleteIfEquals('k', 'x'), false],
      ['deleteIfEquals', () => writer.deleteIfEquals('k', 'c'), true],
      ['delete of an absent key', () => writer.delete('k'), false],
      ['set again', () => writer.set('k', 'd', 60_000), true],
      ['delete', () => writer.delete('k'), true]
    ]
    for (const [name, write, changes] of steps) {
      await write()
      // A change made before changed() is asked for is remembered, not lost. A write that
      // changes nothing is given 150 ms to (wrongly) show up.
      t.equal(await watch.changed(changes ? 5_000 : 150), changes ? 'changed' : 'timeout', name)
    }
    t.equal(await other.changed(0), 'timeout', 'another key was never woken')
    watch.close()
    other.close()
    const store = watcher as MemoryStore | RedisStore
    t.equal(store.watchedKeys, 0, 'closed watches are forgotten')
  })

  t.test(`${backend}: a waiter already waiting wakes on the write`, { skip: noRedis(backend) }, async (t) => {
    const [watcher, writer] = await pair(backend)
    t.teardown(async () => { await watcher.close(); await writer.close() })
    const watch = await watcher.watch('k')
    const woken = watch.changed(10_000)
    setTimeout(() => { writer.set('k', 'v', 60_000).catch(t.error) }, 50)
    t.equal(await woken, 'changed')
    watch.close()
  })
}

const reconnect = 'redis: a subscriber reconnect wakes every watcher (messages may be lost)'
t.test(reconnect, { skip: noRedis('redis') }, async (t) => {
  const store = await ready(new RedisStore(redisUrl!, `test-${randomUUID()}:`))
  t.teardown(() => store.close())
  const watch = await store.watch('k')
  const subscriber = (store as unknown as { subscriber: { disconnect (reconnect: boolean): void } }).subscriber
  subscriber.disconnect(true)
  t.equal(await watch.changed(10_000), 'changed')
  watch.close()
})

t.test('redis down: watch returns (and reports) instead of hanging; commands fail fast', async (t) => {
  const errors: string[] = []
  const onError = (op: string) => { errors.push(op) }
  const store = new RedisStore('redis://127.0.0.1:1', 'down:', { onError, subscribeTimeoutMs: 200 })
  t.teardown(() => store.close())
  const watch = await store.watch('k')
  t.ok(errors.length > 0, `reported: ${errors.join(', ')}`)
  t.equal(await watch.changed(10), 'timeout', 'a deaf watch only times out; the caller polls')
  watch.close()
  await t.rejects(store.get('k'), StoreUnavailableError)
  await t.rejects(store.set('k', 'v', 1000), StoreUnavailableError)
})
