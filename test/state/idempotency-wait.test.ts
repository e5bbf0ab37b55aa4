// Concurrent duplicates of an idempotent request (issue 15) wait on the store's change
// notification, not a 50 ms poll: a duplicate on instance B is woken by instance A's answer and
// reads the record a handful of times, however long A's write takes. A lost notification costs
// one fallback poll, and the waiter listens before it reads, so no wake-up falls in between.
// Two small gateways each run the real shared-state and idempotency plugins over one state:
// two RedisStores with one prefix (real Redis), or one MemoryStore.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import type { Config } from '../../src/config/schema.ts'
import idempotency from '../../src/plugins/app/idempotency.ts'
import sharedState from '../../src/plugins/app/shared-state.ts'
import { MemoryStore } from '../../src/state/memory-store.ts'
import { RedisStore } from '../../src/state/redis-store.ts'
import type { KeyWatch, SharedStore, WatchResult } from '../../src/state/shared-store.ts'
import type { TapTest } from '../helpers/build.ts'
import { fakeAuth } from '../helpers/fake-auth.ts'

const redisUrl = process.env.REDIS_URL
const noRedis = (backend: string) => backend === 'redis' && !redisUrl ? 'REDIS_URL is not set' : false

// What a waiter did: its reads of the record and how each of its waits ended.
interface Observed {
  store: SharedStore
  gets: number
  waits: WatchResult[]
  waiting: Promise<void> // the first wait began
}

interface ObserveOptions {
  deaf?: boolean // the notification is lost: watches only time out
  afterGet?: (text: string | null) => Promise<void> // runs between a read and its answer
}

function observe (store: SharedStore, opts: ObserveOptions = {}): Observed {
  let began = () => {}
  const seen: Observed = { store, gets: 0, waits: [], waiting: new Promise((resolve) => { began = resolve }) }
  const wrapWatch = (watch: KeyWatch): KeyWatch => ({
    changed: async (ms) => {
      began()
      const result = opts.deaf
        ? await new Promise<WatchResult>((resolve) => setTimeout(() => resolve('timeout'), ms))
        : await watch.changed(ms)
      seen.waits.push(result)
      return result
    },
    close: () => watch.close()
  })
  seen.store = {
    kind: store.kind,
    get: async (key) => {
      seen.gets++
      const text = await store.get(key)
      await opts.afterGet?.(text)
      return text
    },
    setIfAbsent: (key, value, ttl) => store.setIfAbsent(key, value, ttl),
    set: (key, value, ttl) => store.set(key, value, ttl),
    replaceIfEquals: (key, expected, value, ttl) => store.replaceIfEquals(key, expected, value, ttl),
    delete: (key) => store.delete(key),
    deleteIfEquals: (key, expected) => store.deleteIfEquals(key, expected),
    watch: async (key) => wrapWatch(await store.watch(key)),
    close: () => store.close()
  }
  return seen
}

// A gateway reduced to what idempotency needs; POST /w runs once per `release()`.
async function gateway (store: SharedStore, fallbackPollMs: number) {
  let release = () => {}
  let entered = () => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const started = new Promise<void>((resolve) => { entered = resolve })
  let runs = 0
  const app: FastifyInstance = Fastify()
  app.decorate('config', { limits: { request_timeout_ms: 30_000 } } as unknown as Config)
  await app.register(sharedState, { store })
  await app.register(fakeAuth)
  await app.register(idempotency, { fallbackPollMs })
  app.post('/w', async () => {
    entered()
    await gate
    return { run: ++runs }
  })
  await app.ready()
  return { app, release, started, runs: () => runs }
}

const post = (app: FastifyInstance, key: string) =>
  app.inject({ method: 'POST', url: '/w', payload: { a: 1 }, headers: { 'idempotency-key': key } })

async function shared (t: TapTest, backend: 'memory' | 'redis'): Promise<[SharedStore, SharedStore]> {
  if (backend === 'memory') {
    const store = new MemoryStore()
    return [store, store]
  }
  const prefix = `test-${randomUUID()}:`
  const stores = [new RedisStore(redisUrl!, prefix), new RedisStore(redisUrl!, prefix)]
  for (const s of stores) {
    await s.connect()
  }
  t.teardown(async () => { for (const s of stores) await s.close() })
  return [stores[0], stores[1]]
}

for (const backend of ['memory', 'redis'] as const) {
  t.test(`${backend}: a duplicate on B is woken by A's answer, not a poll`, { skip: noRedis(backend) }, async (t) => {
    const [storeA, storeB] = await shared(t, backend)
    // A fallback poll far longer than A's write: only the notification can answer B in time.
    const a = await gateway(storeA, 30_000)
    const seen = observe(storeB)
    const b = await gateway(seen.store, 30_000)
    t.teardown(async () => { await a.app.close(); await b.app.close() })
    const key = randomUUID()
    const first = post(a.app, key)
    await a.started
    const duplicate = post(b.app, key)
    await seen.waiting
    // A's write takes a second: a 50 ms poll would read the record about twenty times.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    a.release()
    const [resA, resB] = await Promise.all([first, duplicate])
    t.equal(resA.statusCode, 200)
    t.equal(resB.statusCode, 200)
    t.equal(resB.headers['idempotent-replayed'], 'true')
    t.equal(resB.body, resA.body, 'the first answer, replayed')
    t.equal(a.runs() + b.runs(), 1, 'the route ran once')
    t.same(seen.waits, ['changed'], 'one wait, ended by the notification')
    t.equal(seen.gets, 2, 'two reads: pending, then done')
    const watched = [storeA, storeB].map((s) => (s as MemoryStore | RedisStore).watchedKeys)
    t.same(watched, [0, 0], 'the waiter stopped listening')
  })

  t.test(`${backend}: a lost notification costs one fallback poll`, { skip: noRedis(backend) }, async (t) => {
    const [storeA, storeB] = await shared(t, backend)
    const a = await gateway(storeA, 30_000)
    const seen = observe(storeB, { deaf: true })
    const b = await gateway(seen.store, 200)
    t.teardown(async () => { await a.app.close(); await b.app.close() })
    const key = randomUUID()
    const first = post(a.app, key)
    await a.started
    const duplicate = post(b.app, key)
    await seen.waiting
    a.release()
    const [resA, resB] = await Promise.all([first, duplicate])
    t.equal(resB.statusCode, 200)
    t.equal(resB.body, resA.body)
    const polled = seen.waits.length >= 1 && seen.waits.every((w) => w === 'timeout')
    t.ok(polled, `answered by the fallback poll: ${seen.waits}`)
  })

  t.test(`${backend}: no lost wake-up between the read and the wait`, { skip: noRedis(backend) }, async (t) => {
    const [storeA, storeB] = await shared(t, backend)
    const a = await gateway(storeA, 30_000)
    let firstAnswer: Promise<unknown> = Promise.resolve()
    let once = true
    // B's first read sees `pending`; before B gets that answer, A finishes and records `done`.
    // A waiter that subscribed only after its read would miss that write and sleep 30 s.
    const seen = observe(storeB, {
      afterGet: async (text) => {
        if (!once || !text?.includes('"pending"')) return
        once = false
        a.release()
        await firstAnswer
      }
    })
    const b = await gateway(seen.store, 30_000)
    t.teardown(async () => { await a.app.close(); await b.app.close() })
    const key = randomUUID()
    const first = post(a.app, key)
    firstAnswer = first
    await a.started
    const resB = await post(b.app, key)
    const resA = await first
    t.equal(resB.statusCode, 200)
    t.equal(resB.body, resA.body)
    t.same(seen.waits, ['changed'], 'the write before the wait was remembered')
  })
}
