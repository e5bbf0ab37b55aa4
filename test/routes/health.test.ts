import t from 'tap'
import { buildTestApp } from '../helpers/build.ts'

t.test('/healthz answers 200 without a key', async (t) => {
  const { app } = await buildTestApp()
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('/readyz is 200 while serving and 503 once shutdown begins', async (t) => {
  const { app } = await buildTestApp()
  t.teardown(() => app.close())
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', checks: { config: 'ok', shutdown: 'no' } })

  app.beginShutdown()
  const draining = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(draining.statusCode, 503)
  t.same(draining.json(), { status: 'not_ready', checks: { config: 'ok', shutdown: 'in_progress' } })
  const live = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(live.statusCode, 200, 'liveness stays green while draining')
})
