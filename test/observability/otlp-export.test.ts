import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'

// The production path: server.ts starts the SDK from the standard OTEL_* variables and flushes
// spans to an OTLP/HTTP collector at shutdown.
const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const KEY = 'otlp-demo-key-0123456789abcdef'

t.test('OTEL_EXPORTER_OTLP_ENDPOINT sends the request\'s spans to a collector', async (t) => {
  const posts: Array<{ url: string, type: string, body: any }> = []
  const collector = createServer((req, res) => {
    let text = ''
    req.on('data', (d) => { text += d })
    req.on('end', () => {
      posts.push({ url: req.url ?? '', type: String(req.headers['content-type']), body: JSON.parse(text) })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  collector.listen(0, '127.0.0.1')
  await once(collector, 'listening')
  t.teardown(() => collector.close())
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`

  const child = spawn(process.execPath, [server], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      DEMO: 'true',
      DEMO_INCIDENTS: '5',
      DEMO_API_KEY: KEY,
      AUDIT_LOG: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: 'gateway-under-test'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  const until = Date.now() + 60_000 // demo mode boots the embedded store: slow on a busy machine
  while (!/listening on (http:\/\/\S+) /.test(out)) {
    if (Date.now() > until) throw new Error(`gateway did not start: ${out}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  t.match(out, /"msg":"tracing enabled"/)
  const url = /listening on (http:\/\/\S+) /.exec(out)![1]
  const res = await request(`${url}/v1/incidents?limit=2`, { headers: { authorization: `Bearer ${KEY}`, traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } })
  t.equal(res.statusCode, 200)
  await res.body.dump()

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
  t.ok(posts.length > 0, 'spans were flushed at shutdown')
  t.equal(posts[0].url, '/v1/traces')
  t.match(posts[0].type, /application\/json/)
  const resource = posts[0].body.resourceSpans[0].resource.attributes
  t.ok(resource.some((a: any) => a.key === 'service.name' && a.value.stringValue === 'gateway-under-test'), 'OTEL_SERVICE_NAME')
  const spans = posts.flatMap((p) => p.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)))
  const traced = spans.filter((s: any) => s.traceId === TRACE)
  const names = traced.map((s: any) => s.name).sort()
  // Cloudlock's 5 incidents fit one page: the page and the continuation holding only its overlap,
  // which ends the walk (2 list calls). ZWA's totalElements ends its walk in the one search. The ZWA
  // token is the request's only when demo mode's sync has not fetched (and cached) it first.
  t.same(names.filter((n: string) => n !== 'POST zwa token'),
    ['GET /v1/incidents', 'GET cloudlock list', 'GET cloudlock list', 'POST zwa search'],
    'one server span and a client span per vendor call')
  const root = traced.find((s: any) => s.name === 'GET /v1/incidents')
  t.equal(root.parentSpanId, '00f067aa0ba902b7')
  for (const s of traced) if (s !== root) t.equal(s.parentSpanId, root.spanId, `${s.name} is a child of the request`)
})
