import t from 'tap'
import { buildKitApp, listen } from '../helpers/kit-app.ts'
import { call } from '../helpers/http.ts'
import { createManualClock } from '../../../src/sim-kit/clock.ts'

t.test('logs vendor requests with masked secrets, oldest first', async (t) => {
  const clock = createManualClock(Date.parse('2025-01-02T03:04:05.678Z'))
  const { app } = await buildKitApp({ clock: clock.clock })
  const base = await listen(app)
  t.teardown(() => app.close())

  await call(base, 'GET', '/api/v2/items?limit=5&token=q-secret', { headers: { authorization: 'Bearer good', cookie: 'sid=1', 'x-api-key': 'k', 'x-vendor-token': 'v', 'x-trace': 'keep' } })
  clock.advance(1000)
  await call(base, 'PUT', '/api/v2/items/7', {
    headers: { authorization: 'Bearer good' },
    body: { name: 'n', key_secret: 's1', nested: [{ Client_Secret: 's2', fine: true }], access_token: 's3' }
  })
  await call(base, 'POST', '/api/v2/token', {
    headers: { authorization: 'Basic abc', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_secret=s4'
  })
  await call(base, 'GET', '/__sim/faults') // admin requests are not logged

  const res = await call(base, 'GET', '/__sim/requests')
  t.equal(res.status, 200)
  const [first, second, third, ...rest] = res.json.requests
  t.equal(rest.length, 0, 'only the three vendor requests')
  t.match(first, { method: 'GET', path: '/api/v2/items', query: { limit: '5', token: '***' }, body: null, status: 200, at: '2025-01-02T03:04:05.678Z' })
  t.equal(first.headers.authorization, 'Bearer ***', 'keeps the scheme, hides the token')
  t.equal(first.headers.cookie, '***')
  t.equal(first.headers['x-api-key'], '***')
  t.equal(first.headers['x-vendor-token'], '***', 'extra secret header')
  t.equal(first.headers['x-trace'], 'keep')
  t.same(second.body, { name: 'n', key_secret: '***', nested: [{ Client_Secret: '***', fine: true }], access_token: '***' })
  t.equal(second.at, '2025-01-02T03:04:06.678Z')
  t.equal(third.status, 401, 'status actually sent')
  t.same(third.body, { grant_type: 'client_credentials', client_secret: '***' }, 'form body masked by field')
  t.notOk(res.text.includes('s1') || res.text.includes('q-secret') || res.text.includes('sid=1'), 'no secret anywhere in the log')

  t.equal((await call(base, 'DELETE', '/__sim/requests')).status, 204)
  t.same((await call(base, 'GET', '/__sim/requests')).json, { requests: [] })
})

t.test('log is capped to the newest N entries', async (t) => {
  const { app } = await buildKitApp({ requestLogSize: 3 })
  t.teardown(() => app.close())
  for (let i = 1; i <= 5; i++) await app.inject({ method: 'GET', url: `/api/v2/items?n=${i}`, headers: { authorization: 'Bearer good' } })
  const res = await app.inject({ method: 'GET', url: '/__sim/requests' })
  t.same(res.json().requests.map((r: { query: { n: string } }) => r.query.n), ['3', '4', '5'])
})

t.test('requests outside vendor prefixes are logged but never faulted', async (t) => {
  const { app } = await buildKitApp()
  t.teardown(() => app.close())
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { status: 500 } })
  const other = await app.inject({ method: 'GET', url: '/other/ping' })
  t.equal(other.statusCode, 200, 'fault without route only hits vendor prefixes')
  const unknown = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(unknown.statusCode, 404)
  const vendor = await app.inject({ method: 'GET', url: '/api/v2/items', headers: { authorization: 'Bearer good' } })
  t.equal(vendor.statusCode, 500)
  const log = (await app.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
  t.same(log.map((r: { path: string, status: number }) => [r.path, r.status]), [['/other/ping', 200], ['/nowhere', 404], ['/api/v2/items', 500]])
})
