import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import t from 'tap'
import { GatewayError, capabilityNotSupported } from '../../src/errors/gateway-error.ts'
import { problemResponses } from '../../src/schemas/responses.ts'
import { buildTestApp } from '../helpers/build.ts'

// A probe route using the same schema conventions as the real routes, to exercise the shared
// validation and error handling.
async function probeApp () {
  return buildTestApp({}, (root) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/probe/:id', {
      schema: {
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,20}$' }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false }),
        body: Type.Object({
          text: Type.String({ minLength: 1 }),
          count: Type.Optional(Type.Integer()),
          label: Type.Optional(Type.Object({ key: Type.String(), value: Type.String() }, { additionalProperties: false }))
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ ok: Type.Boolean() }), ...problemResponses(400, 422, 500) }
      }
    }, async (request) => {
      if (request.body.text === 'crash') throw new Error('db password=hunter2 at /srv/secret/path.ts:12')
      if (request.body.text === 'capability') throw capabilityNotSupported('cloudlock', 'notes')
      if (request.body.text === 'busy') throw new GatewayError('upstream_rate_limited', 'Provider zwa is rate limiting', { provider: 'zwa', retryAfter: 12.2 })
      return { ok: true }
    })
  })
}

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const, url, payload: payload as string, headers: { 'content-type': 'application/json', ...headers }
})

t.test('unknown routes are 404 problem documents', async (t) => {
  const { app } = await probeApp()
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/v1/nothing?x=1', headers: { 'x-request-id': 'req-42' } })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.same(res.json(), {
    type: 'urn:dlp-gateway:problem:not_found',
    title: 'Not found',
    status: 404,
    detail: 'No route GET /v1/nothing. The API is described at /docs.',
    instance: '/v1/nothing',
    code: 'not_found',
    request_id: 'req-42'
  })
})

t.test('validation errors list every bad field', async (t) => {
  const { app } = await probeApp()
  t.teardown(() => app.close())
  const res = await app.inject(post('/probe/abc?limit=0', { count: '5', label: { key: 1 } }))
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.code, 'validation_failed')
  t.equal(body.type, 'urn:dlp-gateway:problem:validation_failed')
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  // Fastify validates params first; the first failing part is reported with all its fields.
  t.same(body.errors.map((e: { path: string }) => e.path), ['/path/id'])

  const q = await app.inject(post('/probe/1?limit=0&extra=1', { text: 'x' }))
  t.equal(q.statusCode, 400)
  t.same(q.json().errors.map((e: { path: string }) => e.path).sort(), ['/query/extra', '/query/limit'])
  t.match(q.json().errors.find((e: { path: string }) => e.path === '/query/extra').message, /not a known field/)

  const b = await app.inject(post('/probe/1', { count: '5', label: { key: 1, other: true }, surprise: 1 }))
  t.equal(b.statusCode, 400)
  const paths = b.json().errors.map((e: { path: string }) => e.path).sort()
  t.same(paths, ['/body/count', '/body/label/key', '/body/label/other', '/body/label/value', '/body/surprise', '/body/text'])
  t.match(b.json().detail, /\/body\/text is required/)
})

t.test('JSON bodies are not coerced while query strings are', async (t) => {
  const { app } = await probeApp()
  t.teardown(() => app.close())
  const coerced = await app.inject(post('/probe/1?limit=10', { text: 'ok' }))
  t.equal(coerced.statusCode, 200, 'limit=10 arrives as a string and is accepted as an integer')
  const strict = await app.inject(post('/probe/1', { text: 'ok', count: '5' }))
  t.equal(strict.statusCode, 400, 'a string is not an integer in a JSON body')
})

t.test('malformed bodies get clear errors that never echo the body', async (t) => {
  const { app } = await probeApp()
  t.teardown(() => app.close())
  const bad = await app.inject({ method: 'POST', url: '/probe/1', payload: '{"text": "secret-value", oops', headers: { 'content-type': 'application/json' } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'validation_failed')
  t.equal(bad.json().detail, 'The request body is not valid JSON.')
  t.notMatch(bad.body, /secret-value/)

  const media = await app.inject({ method: 'POST', url: '/probe/1', payload: 'text=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(media.statusCode, 415)
  t.equal(media.json().code, 'unsupported_media_type')

  const empty = await app.inject({ method: 'POST', url: '/probe/1', payload: '', headers: { 'content-type': 'application/json' } })
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().code, 'validation_failed')

  const proto = await app.inject(post('/probe/1', '{"text":"x","__proto__":{"admin":true}}'))
  t.equal(proto.statusCode, 400, 'prototype poisoning is refused')
})

t.test('5xx answers hide internals; details go to the log', async (t) => {
  const { app, logs } = await probeApp()
  t.teardown(() => app.close())
  const res = await app.inject(post('/probe/1', { text: 'crash' }))
  t.equal(res.statusCode, 500)
  const body = res.json()
  t.equal(body.code, 'internal_error')
  t.match(body.detail, /Quote the request_id/)
  t.notMatch(res.body, /hunter2|\/srv\/secret|at .*\.ts/)
  const logged = logs.lines.find((l) => l.msg === 'unhandled error')
  t.ok(logged, 'the error is logged')
  t.equal(logged?.request_id, body.request_id, 'with the request id the client saw')
})

t.test('gateway errors carry their extension members', async (t) => {
  const { app } = await probeApp()
  t.teardown(() => app.close())
  const cap = await app.inject(post('/probe/1', { text: 'capability' }))
  t.equal(cap.statusCode, 422)
  t.match(cap.json(), { code: 'capability_not_supported', provider: 'cloudlock', capability: 'notes' })

  const busy = await app.inject(post('/probe/1', { text: 'busy' }))
  t.equal(busy.statusCode, 503)
  t.equal(busy.headers['retry-after'], '13', 'Retry-After is whole seconds, rounded up')
  t.match(busy.json(), { code: 'upstream_rate_limited', provider: 'zwa', retry_after: 13 })
})
