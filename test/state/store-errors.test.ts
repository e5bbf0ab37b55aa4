// Shared-store failures are logged and counted, never swallowed (issue 15): per store user and
// operation, with the log throttled and free of key material; the rate limit still fails open.
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import t from 'tap'
import type { Config } from '../../src/config/schema.ts'
import idempotency from '../../src/plugins/app/idempotency.ts'
import rateLimit from '../../src/plugins/app/rate-limit.ts'
import sharedState from '../../src/plugins/app/shared-state.ts'
import { MemoryStore } from '../../src/state/memory-store.ts'
import { StoreFullError, StoreUnavailableError } from '../../src/state/shared-store.ts'
import { reportingStore, storeErrorReporter, type StoreErrorMetrics } from '../../src/state/store-errors.ts'
import { captureLogs } from '../helpers/build.ts'
import { fakeAuth } from '../helpers/fake-auth.ts'

// A stand-in for app.metrics with the counter the lead adds to src/observability/metrics.ts.
function countingMetrics () {
  const counts: Record<string, number> = {}
  const metrics: StoreErrorMetrics = {
    sharedStoreError (store, operation) {
      counts[`${store}/${operation}`] = (counts[`${store}/${operation}`] ?? 0) + 1
    }
  }
  return { metrics, counts }
}

t.test('the reporter counts every failure and logs at most one line per 10 s', async (t) => {
  const warnings: Array<Record<string, unknown>> = []
  const { metrics, counts } = countingMetrics()
  let now = 0
  const log = { warn: (obj: object) => { warnings.push(obj as Record<string, unknown>) } }
  const report = storeErrorReporter(log, metrics, () => now)
  const err = new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:1'))
  for (let i = 0; i < 5; i++) report('token', 'get', err)
  report('token', 'set', err)
  t.same(counts, { 'token/get': 5, 'token/set': 1 })
  t.equal(warnings.length, 2, 'one line per operation so far')
  t.match(warnings[0], { store: 'token', operation: 'get', suppressed: 0, err: { name: 'StoreUnavailableError' } })
  t.match(String((warnings[0].err as { message: string }).message), /ECONNREFUSED/, 'the cause is in the message')
  now = 10_000
  report('token', 'get', err)
  t.equal(warnings.length, 3)
  t.match(warnings[2], { operation: 'get', suppressed: 4 }, 'says how many were not logged')
  // Without the counter (metrics off, or before the lead's change) reporting still logs.
  const bare = storeErrorReporter(log, {})
  bare('rate_limit', 'incr', new Error('x'))
  t.equal(warnings.length, 4)
})

t.test('a store view reports its failures under its user and rethrows them', async (t) => {
  const store = new MemoryStore(Date.now, { prefix: 'idem:', maxEntries: 1, maxBytes: 1_000, evictable: () => false })
  t.teardown(() => store.close())
  const reported: string[] = []
  const view = reportingStore(store, 'idempotency', (user, operation, err) => {
    reported.push(`${user} ${operation} ${(err as Error).name}`)
  })
  t.equal(view.kind, 'memory')
  t.ok(await view.setIfAbsent('idem:a', 'x', 60_000))
  await t.rejects(view.setIfAbsent('idem:b', 'x', 60_000), StoreFullError)
  t.same(reported, ['idempotency setIfAbsent StoreFullError'], 'only the failure')
  await view.close()
  t.equal(await store.get('idem:a'), 'x', 'closing a view leaves the store open')
})

t.test('Redis down: idempotency fails closed, the rate limit fails open, both logged and counted', async (t) => {
  const { logger, capture } = captureLogs('info')
  const { metrics, counts } = countingMetrics()
  const app = Fastify({ loggerInstance: logger })
  app.decorate('config', {
    redis_url: 'redis://127.0.0.1:1',
    api_keys: [],
    limits: { request_timeout_ms: 30_000, rate_limit_per_minute: 100 }
  } as unknown as Config)
  app.decorate('metrics', metrics as never)
  await app.register(sharedState)
  await app.register(fakeAuth)
  await app.register(rateLimit)
  await app.register(idempotency)
  app.post('/w', async () => ({ ok: true }))
  t.teardown(() => app.close())
  await app.ready()

  const key = `secret-looking-key-${randomUUID()}`
  const plain = await app.inject({ method: 'POST', url: '/w', payload: {} })
  t.equal(plain.statusCode, 200, 'the rate limit fails open')
  const keyed = await app.inject({ method: 'POST', url: '/w', payload: {}, headers: { 'idempotency-key': key } })
  t.equal(keyed.statusCode, 503, 'an idempotent write fails closed')
  t.ok(counts['rate_limit/incr'] >= 2, 'each rate-limit failure is counted')
  t.equal(counts['idempotency/setIfAbsent'], 1)
  const warned = capture.lines.filter((l) => l.msg === 'shared store operation failed')
  t.same(warned.map((l) => `${l.store} ${l.operation}`).sort(), ['idempotency setIfAbsent', 'rate_limit incr'])
  t.ok(warned.every((l) => l.level === 40), 'at warn level')
  t.notMatch(capture.text(), key, 'no idempotency key in the logs')
})
