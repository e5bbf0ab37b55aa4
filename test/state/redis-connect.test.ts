import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../helpers/build.ts'
import { RedisStore } from '../../src/state/redis-store.ts'

// A replica's Redis connection is opened once the app is ready, not while plugins register: the
// schema compilation of ready() blocks the loop for seconds on a busy machine, longer than the
// client's connectTimeout, and a connection opened before it timed out and was still
// reconnecting when the replica began listening, so its first idempotent writes were 503s
// (test/v1/replicas.test.ts failed that way in CI).
const redisUrl = process.env.REDIS_URL
const skip = redisUrl ? false : 'REDIS_URL is not set (CI sets redis://127.0.0.1:6379)'

const block = (ms: number) => {
  const until = Date.now() + ms
  while (Date.now() < until) { /* a loop blocked as by schema compilation */ }
}

t.test('an app whose start blocks the loop past connectTimeout is connected when ready', { skip }, async (t) => {
  const { app, logs } = await buildTestApp({ REDIS_URL: redisUrl! }, (app: FastifyInstance) => {
    app.register(async () => block(2_500)) // connectTimeout is 2 s
  })
  t.teardown(() => app.close())
  const store = app.sharedStore as RedisStore
  t.equal(store.client.status, 'ready', 'connected before the app answers')
  t.equal(await store.setIfAbsent(`connect-${randomUUID()}`, 'x', 1_000), true, 'the first command works')
  t.notOk(logs.lines.some((l) => l.level === 40), 'nothing failed on the way')
})

t.test('the store does not connect before it is asked to', { skip }, async (t) => {
  const store = new RedisStore(redisUrl!, `lazy-${randomUUID()}:`)
  t.teardown(() => store.close())
  block(2_500)
  t.equal(store.client.status, 'wait', 'no connection was opened to time out')
  t.equal(await store.connect(), true)
  t.equal(await store.connect(), true, 'again: already connected')
  t.equal(await store.get('missing'), null)
})

t.test('an unreachable Redis: connect gives up after its wait, the app starts and says so', async (t) => {
  const store = new RedisStore('redis://127.0.0.1:1', 'down:')
  t.teardown(() => store.close())
  t.equal(await store.connect(200), false)
  t.not(store.client.status, 'ready')

  const { app, logs } = await buildTestApp({ REDIS_URL: 'redis://127.0.0.1:1' })
  t.teardown(() => app.close())
  t.ok(logs.lines.some((l) => l.level === 40 && /Redis \(REDIS_URL\) is not reachable yet/.test(String(l.msg))))
})
