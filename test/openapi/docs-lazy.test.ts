import t from 'tap'
import { buildTestApp } from '../helpers/build.ts'

// Swagger UI is served by an app built on the first request under /docs (src/plugins/external/swagger.ts):
// its pages, its static files with cache validation, and its own content security policy.
t.test('/docs serves Swagger UI, its assets and their validators', async (t) => {
  const { app } = await buildTestApp()
  t.teardown(() => app.close())
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /script-src 'self'/, 'Swagger UI\'s own policy')
  const css = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' })
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /^text\/css/)
  t.ok(css.rawPayload.length > 10_000, 'the whole file')
  t.equal(Number(css.headers['content-length']), css.rawPayload.length)
  const again = await app.inject({
    method: 'GET', url: '/docs/static/swagger-ui.css', headers: { 'if-none-match': String(css.headers.etag) }
  })
  t.equal(again.statusCode, 304, 'a cached copy is validated')
  const json = await app.inject({ method: 'GET', url: '/docs/json' })
  t.same(json.json(), (await app.inject({ method: 'GET', url: '/openapi.json' })).json(), 'the same document')
  const missing = await app.inject({ method: 'GET', url: '/docs/static/none.js' })
  t.equal(missing.statusCode, 404)
  t.match(missing.headers['content-type'], /^application\/problem\+json/, 'answered like any unknown path')
})
