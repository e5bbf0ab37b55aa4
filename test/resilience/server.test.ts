// Protection of the gateway itself: load shedding (503 service_unavailable with Retry-After while
// overloaded, health exempt), slow clients cut off by the headers timeout, and the overall deadline
// of a gateway request whatever the upstream does.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/build.ts'
import { startHarness } from './harness.ts'

function yamlFile (text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gw-server-')), 'gateway.yaml')
  writeFileSync(file, text)
  return file
}

const until = async (check: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

t.test('load shedding: a 503 problem document with Retry-After; health, readiness and metrics exempt', async (t) => {
  // A heap limit of one byte: the process is always "over", deterministically.
  const { app } = await buildTestApp({ GATEWAY_CONFIG: yamlFile('load_shedding: { max_event_loop_delay_ms: 0, max_heap_used_bytes: 1, sample_interval_ms: 50, retry_after_s: 7 }\nobservability: { audit_log: off }\n') })
  t.teardown(() => app.close())
  t.ok(await until(async () => (await app.inject({ method: 'GET', url: '/v1/providers' })).statusCode === 503, 3_000), 'shedding starts with the first sample')
  const shed = await app.inject({ method: 'GET', url: '/v1/incidents', headers: { 'x-request-id': 'shed-1' } })
  t.equal(shed.statusCode, 503)
  t.match(shed.headers['content-type'], /^application\/problem\+json/)
  t.equal(shed.headers['retry-after'], '7')
  t.match(shed.json(), { code: 'service_unavailable', status: 503, request_id: 'shed-1', retry_after: 7 })
  for (const url of ['/healthz', '/readyz', '/metrics']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} still answers`)
  }
})

t.test('load shedding on event loop lag, and recovery', async (t) => {
  const { app } = await buildTestApp({ GATEWAY_CONFIG: yamlFile('load_shedding: { max_event_loop_delay_ms: 100, sample_interval_ms: 50 }\nobservability: { audit_log: off }\n') })
  t.teardown(() => app.close())
  const status = async () => (await app.inject({ method: 'GET', url: '/v1/providers' })).statusCode
  t.ok(await until(async () => (await status()) === 401, 5_000), 'served normally (401: no key) while the loop is idle')
  let shed = false
  for (let i = 0; i < 5 && !shed; i++) {
    const end = Date.now() + 600
    while (Date.now() < end) { /* block the event loop */ }
    await new Promise((resolve) => setTimeout(resolve, 5))
    shed = (await status()) === 503
  }
  t.ok(shed, 'a blocked event loop sheds the next request')
  t.ok(await until(async () => (await status()) === 401, 10_000), 'and serves again once the lag is gone')
})

t.test('slow clients: a request whose headers never finish is cut off', async (t) => {
  const { app } = await buildTestApp({ GATEWAY_CONFIG: yamlFile('server: { headers_timeout_ms: 500 }\nobservability: { audit_log: off }\n') })
  t.teardown(() => app.close())
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
  const socket = connect(Number(url.port), '127.0.0.1')
  let received = ''
  socket.on('data', (chunk) => { received += String(chunk) })
  socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
  const started = Date.now()
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 8_000)
    socket.on('close', () => { clearTimeout(timer); resolve(true) })
    socket.on('error', () => {})
  })
  socket.destroy()
  t.ok(closed, `the server closed the connection after ${Date.now() - started} ms`)
  t.match(received, /^HTTP\/1\.1 408/, 'with 408 Request Timeout')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

t.test('the request deadline bounds every upstream call, retries and waits included', async (t) => {
  const h = await startHarness({
    requestTimeoutMs: 1_200,
    timeouts: { connect_ms: 1_000, headers_ms: 20_000, body_ms: 20_000 },
    cloudlockResilience: '{ retries: 2, max_wait_ms: 5000 }'
  })
  t.teardown(() => h.close())
  const id = (await h.get('/v1/incidents?provider=cloudlock&limit=1')).body.data[0].native_id

  await h.cloudlock.fault({ route: 'GET /api/v2/incidents/', latency_ms: 3_000, count: 1 })
  await h.cloudlock.clearLog()
  const slow = await h.get(`/v1/incidents/cloudlock:${id}`)
  t.equal(slow.status, 504)
  t.equal(slow.body.code, 'upstream_timeout')
  t.ok(slow.ms >= 1_000 && slow.ms < 1_200 + 1_500, `answered at the deadline: ${slow.ms} ms`)
  t.equal((await h.cloudlock.requests('/api/v2/incidents/')).length, 1, 'no retry once the deadline has passed')

  await h.cloudlock.fault({ route: 'GET /api/v2/incidents/', status: 503, retry_after: 2, count: 1 })
  await h.cloudlock.clearLog()
  const hinted = await h.get(`/v1/incidents/cloudlock:${id}`)
  t.equal(hinted.status, 502, 'a 2 s Retry-After does not fit a 1.2 s deadline: answered now')
  t.equal((await h.cloudlock.requests('/api/v2/incidents/')).length, 1)
  t.ok(hinted.ms < 1_200, `without waiting (${hinted.ms} ms)`)
})

t.test('a provider deadline_ms gives a slow provider its share; the listing returns the others', async (t) => {
  const h = await startHarness({ requestTimeoutMs: 5_000, timeouts: { connect_ms: 1_000, headers_ms: 20_000, body_ms: 20_000 }, cloudlockResilience: '{ deadline_ms: 800 }' })
  t.teardown(() => h.close())
  await h.cloudlock.fault({ route: 'GET /api/v2/incidents', latency_ms: 3_000, count: 3 })
  const partial = await h.get('/v1/incidents?limit=5&allow_partial=true')
  t.equal(partial.status, 200)
  t.equal(partial.body.providers.cloudlock.error.code, 'upstream_timeout')
  t.ok(partial.body.data.length > 0 && partial.body.data.every((i: any) => i.provider === 'zwa'))
  t.ok(partial.ms < 3_000, `the ZWA part came back after the Cloudlock share (${partial.ms} ms), not after the full deadline`)
})
