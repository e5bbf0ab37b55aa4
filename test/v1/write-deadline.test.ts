// Issue 14 item 8: the request deadline ends with the response, not with the request body. The
// timer must outlive the body (or a POST's deadline is silently off) and be cleared once the
// answer is out (or every write leaves a live timer behind).
import { EventEmitter } from 'node:events'
import type { FastifyRequest } from 'fastify'
import t from 'tap'
import { requestDeadline } from '../../src/routes/v1/call-options.ts'
import { startHarness } from '../resilience/harness.ts'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function fakeRequest (timeoutMs: number) {
  const raw = new EventEmitter()
  const response = Object.assign(new EventEmitter(), { closed: false })
  const request = { server: { config: { limits: { request_timeout_ms: timeoutMs } } }, raw, rawResponse: response }
  return { request: request as unknown as FastifyRequest, raw, response }
}

t.test('the body being read does not end the deadline; the response closing does', async (t) => {
  const running = fakeRequest(30)
  const { signal } = requestDeadline(running.request)
  running.raw.emit('close') // what Node emits once a POST body has been consumed
  await pause(80)
  t.ok(signal.aborted, 'the deadline fired after the body was read')
  t.equal((signal.reason as DOMException).name, 'TimeoutError')

  const answered = fakeRequest(30)
  const after = requestDeadline(answered.request)
  answered.response.emit('close')
  await pause(80)
  t.notOk(after.signal.aborted, 'the timer was cleared when the response closed')

  const late = fakeRequest(30)
  late.response.closed = true // the response already went out (an upstream call after the answer)
  const none = requestDeadline(late.request)
  await pause(80)
  t.notOk(none.signal.aborted, 'no timer outlives a finished response')
})

t.test('the deadline is enforced on writes at both vendors', async (t) => {
  const h = await startHarness({
    requestTimeoutMs: 1_000,
    timeouts: { connect_ms: 1_000, headers_ms: 30_000, body_ms: 30_000 },
    zwaResilience: '{ rate_budget: { enabled: false } }'
  })
  t.teardown(() => h.close())
  const zwa = (await h.get('/v1/incidents?provider=zwa&limit=1')).body.data[0].native_id
  const cl = (await h.get('/v1/incidents?provider=cloudlock&limit=1')).body.data[0].native_id
  // The vendors hold the write far beyond the request deadline; only the deadline can end it.
  await h.zwa.fault({ route: `POST /dlp/v1/incidents/${zwa}/labels`, latency_ms: 8_000, count: 1 })
  await h.cloudlock.fault({ route: `PUT /api/v2/incidents/${cl}`, latency_ms: 8_000, count: 1 })
  const writes = await Promise.all([
    h.send('POST', `/v1/incidents/zwa:${zwa}/labels`, { labels: [{ key: 'k', value: 'v' }] }),
    h.send('PATCH', `/v1/incidents/cloudlock:${cl}`, { external_ref: 'late' })
  ])
  for (const write of writes) {
    t.equal(write.status, 502)
    t.equal(write.body.code, 'write_outcome_unknown', 'ended by the deadline, with no time left to read back')
  }
})
