// Route schemas compile on their route's first use (src/plugins/app/lazy-compile.ts): a gateway at
// rest holds no compiled validator or serializer for routes it has not served. This test is also
// the guarantee that used to come from compiling at boot: every route's schemas compile.
import t from 'tap'
import { sha256Hex } from '../../src/util/hash.ts'
import { buildTestApp } from '../helpers/build.ts'

const KEY = 'lazy-key-0123456789abcdef'
const ENV = {
  CLOUDLOCK_BASE_URL: 'http://127.0.0.1:9/api/v2',
  CLOUDLOCK_TOKEN: 'lazy-token',
  CURSOR_SECRET: 'l'.repeat(40),
  API_KEY_SHA256: sha256Hex(KEY)
}
const authorization = `Bearer ${KEY}`

t.test('nothing is compiled at boot; a request compiles its route only; every schema compiles', async (t) => {
  const { app } = await buildTestApp(ENV)
  t.teardown(() => app.close())

  // A 401 from /v1/providers runs its hooks and serializes its problem answer through the route's
  // 401 serializer: that route's schemas compile, the other routes' stay pending.
  const res = await app.inject({ url: '/v1/providers' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'unauthorized', 'answered through the route\'s compiled serializer')

  const rest = app.routeSchemas.compileAll()
  t.ok(rest > 50, `the other routes' validators and serializers were pending, and all compile (${rest})`)
  t.equal(app.routeSchemas.compileAll(), 0, 'each compiles once')
})

t.test('validation on a route\'s first request is the compiled validator\'s, errors included', async (t) => {
  const { app } = await buildTestApp(ENV)
  t.teardown(() => app.close())
  const query = await app.inject({ url: '/v1/incidents?limit=0&severity=high,urgent', headers: { authorization } })
  t.equal(query.statusCode, 400)
  t.same(query.json().errors.map((e: { path: string }) => e.path).sort(), ['/query/limit', '/query/severity'],
    'every error of the first validation is reported (allErrors), comma lists split first')
  const body = await app.inject({
    method: 'POST',
    url: '/v1/incidents/cloudlock:1/close',
    payload: { classification: 'false_positive', extra: 1 },
    headers: { authorization, 'idempotency-key': 'lazy-1' }
  })
  t.equal(body.statusCode, 400)
  t.match(body.json().errors, [{ path: '/body/extra' }], 'an unknown body field is refused on the first request')
})
