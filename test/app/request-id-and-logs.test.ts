import t from 'tap'
import { buildTestApp } from '../helpers/build.ts'

t.test('a sane X-Request-Id is kept, echoed and logged', async (t) => {
  const { app, logs } = await buildTestApp()
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'soar-run-17.a:b_c' } })
  t.equal(res.headers['x-request-id'], 'soar-run-17.a:b_c')
  const lines = logs.lines.filter((l) => l.request_id === 'soar-run-17.a:b_c')
  t.ok(lines.some((l) => l.msg === 'incoming request'), 'incoming request logged with the id')
  t.ok(lines.some((l) => l.msg === 'request completed'), 'completion logged with the id')
})

t.test('an unsafe or oversized X-Request-Id is replaced by a generated one', async (t) => {
  const { app, logs } = await buildTestApp()
  t.teardown(() => app.close())
  for (const bad of ['has space', 'x'.repeat(129), 'inject\u0000null', '<script>', '-leading-dash', '']) {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } })
    const id = res.headers['x-request-id'] as string
    t.not(id, bad)
    t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID v4 replaces it')
  }
  t.notOk(logs.text().includes('<script>'), 'the rejected value never reaches the log')
  const none = await app.inject({ method: 'GET', url: '/healthz' })
  t.match(none.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'generated when absent')
})

t.test('credentials and tokens never reach the log', async (t) => {
  const { app, logs } = await buildTestApp()
  t.teardown(() => app.close())
  await app.inject({
    method: 'GET',
    url: '/healthz?token=querysecret',
    headers: { authorization: 'Bearer sk-live-abcdef', cookie: 'session=cookiesecret', 'x-api-key': 'apikeysecret' }
  })
  // Objects that plugins and adapters log are redacted by key too.
  app.log.info({ headers: { authorization: 'Bearer sk-live-abcdef' }, token: 'tok-123', upstream: { access_token: 'at-1', key_secret: 'ks-1' }, config: { cursor: { secret: 'cursor-secret-value' } } }, 'upstream call')
  const text = logs.text()
  for (const secret of ['sk-live-abcdef', 'cookiesecret', 'apikeysecret', 'querysecret', 'tok-123', 'at-1', 'ks-1', 'cursor-secret-value']) {
    t.notOk(text.includes(secret), `${secret} is not logged`)
  }
  const upstream = logs.lines.find((l) => l.msg === 'upstream call') as Record<string, any>
  t.equal(upstream.headers.authorization, '[REDACTED]')
  t.equal(upstream.token, '[REDACTED]')
  t.equal(upstream.upstream.access_token, '[REDACTED]')
  const incoming = logs.lines.find((l) => l.msg === 'incoming request') as Record<string, any>
  t.equal(incoming.req.path, '/healthz', 'the logged path has no query string')
  t.equal(incoming.level, 30)
})
