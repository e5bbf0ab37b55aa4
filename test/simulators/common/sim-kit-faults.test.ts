import t, { type Test } from 'tap'
import { request } from 'undici'
import { buildKitApp, listen } from '../helpers/kit-app.ts'
import { call } from '../helpers/http.ts'

const AUTH = { authorization: 'Bearer good' }
const ITEMS = '{"items":[{"id":"1","name":"alpha"},{"id":"2","name":"beta"}],"total":0}'

async function start (t: Test, seed?: string): Promise<string> {
  const { app } = await buildKitApp(seed === undefined ? {} : { seed })
  const base = await listen(app)
  t.teardown(() => app.close())
  return base
}

async function addFault (base: string, fault: unknown): Promise<any> {
  const res = await call(base, 'POST', '/__sim/faults', { body: fault })
  if (res.status !== 201) throw new Error(`fault rejected: ${res.text}`)
  return res.json
}

t.test('status fault answers with the vendor error body and Retry-After', async (t) => {
  const base = await start(t)
  const created = await addFault(base, { route: 'GET /api/v2/items', status: 429, retry_after: 7 })
  t.match(created, { id: /^f\d+$/, route: 'GET /api/v2/items', status: 429, retry_after: 7, rate: 1, remaining: null })
  const res = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.equal(res.status, 429)
  t.equal(res.headers['retry-after'], '7')
  t.same(res.json, { message: 'simulated fault: HTTP 429', vendor_status: 429 })
  // Faults come before vendor auth, so a gateway without credentials still sees the fault.
  t.equal((await call(base, 'GET', '/api/v2/items')).status, 429)
  const log = (await call(base, 'GET', '/__sim/requests')).json.requests
  t.same(log.map((r: { status: number }) => r.status), [429, 429])
})

t.test('count limits a fault to the next N matching requests', async (t) => {
  const base = await start(t)
  await addFault(base, { status: 503, count: 2 })
  t.equal((await call(base, 'GET', '/__sim/faults')).json.faults[0].remaining, 2)
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 503)
  const listed = (await call(base, 'GET', '/__sim/faults')).json.faults
  t.match(listed, [{ remaining: 1, hits: 1, count: 2 }])
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 503)
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 200, 'exhausted')
  t.same((await call(base, 'GET', '/__sim/faults')).json, { faults: [] }, 'exhausted faults are removed')
})

t.test('rate decisions are deterministic for a seed', async (t) => {
  const pattern = async (seed: string): Promise<number[]> => {
    const base = await start(t, seed)
    await addFault(base, { status: 500, rate: 0.5 })
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status)
    return statuses
  }
  const a = await pattern('s1')
  const b = await pattern('s1')
  const c = await pattern('s2')
  t.same(a, b, 'same seed, same pattern')
  t.ok(a.includes(500) && a.includes(200), 'rate 0.5 both fires and passes')
  t.notSame(a, c, 'another seed, another pattern')
  const base = await start(t)
  await addFault(base, { status: 500, rate: 0 })
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 200, 'rate 0 never fires')
})

t.test('reset restarts the fault RNG with everything else', async (t) => {
  const base = await start(t, 'r')
  const run = async (): Promise<number[]> => {
    await addFault(base, { status: 500, rate: 0.5 })
    const out: number[] = []
    for (let i = 0; i < 12; i++) out.push((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status)
    return out
  }
  const first = await run()
  t.equal((await call(base, 'POST', '/__sim/reset')).status, 204)
  t.same((await call(base, 'GET', '/__sim/faults')).json.faults, [], 'reset clears faults')
  t.same(await run(), first)
})

t.test('latency delays the answer and combines with a status', async (t) => {
  const base = await start(t)
  await addFault(base, { latency_ms: 250, count: 1 })
  let started = Date.now()
  const slow = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.ok(Date.now() - started >= 240, 'delayed')
  t.equal(slow.text, ITEMS, 'latency alone leaves the answer intact')
  await addFault(base, { latency_ms: 150, status: 502, count: 1 })
  started = Date.now()
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 502)
  t.ok(Date.now() - started >= 140)
  started = Date.now()
  await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.ok(Date.now() - started < 140, 'no delay once spent')
})

t.test('reset destroys the socket and logs status 0', async (t) => {
  const base = await start(t)
  await addFault(base, { mode: 'reset', count: 1 })
  await t.rejects(request(base + '/api/v2/items', { headers: AUTH }), { code: 'UND_ERR_SOCKET' })
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 200, 'next request is served')
  const log = (await call(base, 'GET', '/__sim/requests')).json.requests
  t.same(log.map((r: { status: number }) => r.status), [0, 200])
})

t.test('malformed sends invalid JSON labelled as JSON', async (t) => {
  const base = await start(t)
  await addFault(base, { mode: 'malformed', count: 1 })
  const res = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.throws(() => JSON.parse(res.text), SyntaxError)
  await addFault(base, { mode: 'malformed', status: 500, count: 1 })
  const failed = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.equal(failed.status, 500)
  t.equal(failed.json, undefined)
})

t.test('truncated declares the full length, sends part, then drops the connection', async (t) => {
  const base = await start(t)
  await addFault(base, { mode: 'truncated' })
  const res = await request(base + '/api/v2/items', { headers: AUTH })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-length'], String(Buffer.byteLength(ITEMS)))
  let received = ''
  await t.rejects((async () => { for await (const chunk of res.body) received += String(chunk) })())
  t.ok(received.length > 0 && received.length < ITEMS.length, `partial body (${received.length} bytes)`)
  t.ok(ITEMS.startsWith(received), 'the part sent is the real response')
  const log = (await call(base, 'GET', '/__sim/requests')).json.requests
  t.equal(log[0].status, 200)
})

t.test('slow_body trickles the real body', async (t) => {
  const base = await start(t)
  await addFault(base, { route: 'GET /api/v2/items', mode: 'slow_body', chunk_interval_ms: 10, count: 1 })
  const started = Date.now()
  const res = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.equal(res.text, ITEMS, 'complete and correct in the end')
  t.ok(Date.now() - started >= (ITEMS.length / 4) * 10 * 0.8, 'took about one interval per 4 bytes')

  // Default pace, 4 bytes per 200 ms: the 72-byte body needs ~3.6 s, so an overall deadline trips.
  await addFault(base, { mode: 'slow_body', count: 1 })
  const deadline = await request(base + '/api/v2/items', { headers: AUTH, signal: AbortSignal.timeout(400) })
  t.equal(deadline.statusCode, 200, 'headers arrive at once')
  await t.rejects(deadline.body.text(), { name: /Abort|Timeout/ }, 'an overall deadline trips')

  // A gap between chunks longer than undici's bodyTimeout trips that timeout.
  await addFault(base, { mode: 'slow_body', chunk_interval_ms: 1200, count: 1 })
  const idle = await request(base + '/api/v2/items', { headers: AUTH, bodyTimeout: 300 })
  await t.rejects(idle.body.text(), { code: 'UND_ERR_BODY_TIMEOUT' }, 'a client body timeout trips')
})

t.test('html serves an error page', async (t) => {
  const base = await start(t)
  await addFault(base, { mode: 'html', count: 1 })
  const res = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.equal(res.status, 502)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.text, /<html>.*502 Bad Gateway/s)
  await addFault(base, { mode: 'html', status: 503, retry_after: 30, count: 1 })
  const unavailable = await call(base, 'GET', '/api/v2/items', { headers: AUTH })
  t.equal(unavailable.status, 503)
  t.equal(unavailable.headers['retry-after'], '30')
})

t.test('routes match by method and path prefix; the first added wins', async (t) => {
  const base = await start(t)
  await addFault(base, { route: 'put /api/v2/items/', status: 409 })
  await addFault(base, { route: '* /api/v2/items', status: 418 })
  await addFault(base, { route: 'GET /api/v2/items', status: 500 })
  t.equal((await call(base, 'PUT', '/api/v2/items/3', { headers: AUTH, body: {} })).status, 409, 'first added matching fault')
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 418, 'wildcard added before the GET one')
  t.equal((await call(base, 'GET', '/other/ping')).status, 200)
  const faults = (await call(base, 'GET', '/__sim/faults')).json.faults
  t.same(faults.map((f: { route: string, hits: number }) => [f.route, f.hits]), [['PUT /api/v2/items/', 1], ['* /api/v2/items', 1], ['GET /api/v2/items', 0]])
  t.equal((await call(base, 'DELETE', `/__sim/faults/${faults[1].id}`)).status, 204, 'one fault can be removed')
  t.equal((await call(base, 'DELETE', '/__sim/faults/nope')).status, 404)
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 500)
  t.equal((await call(base, 'DELETE', '/__sim/faults')).status, 204)
  t.equal((await call(base, 'GET', '/api/v2/items', { headers: AUTH })).status, 200)
})

t.test('fault definitions are validated strictly', async (t) => {
  const base = await start(t)
  const bad: [unknown, RegExp][] = [
    [{ status: 500, colour: 'red' }, /unknown fault field "colour"/],
    [[{ status: 500 }], /JSON object/],
    [{ status: 99 }, /status/],
    [{ status: 600 }, /status/],
    [{ status: 500.5 }, /status/],
    [{ status: '500' }, /status/],
    [{ status: 500, rate: 1.5 }, /rate/],
    [{ status: 500, rate: -0.1 }, /rate/],
    [{ status: 500, count: 0 }, /count/],
    [{ latency_ms: -1 }, /latency_ms/],
    [{ mode: 'explode' }, /mode/],
    [{ mode: 'reset', status: 500 }, /cannot be combined/],
    [{ mode: 'truncated', status: 500 }, /cannot be combined/],
    [{ retry_after: 5 }, /retry_after/],
    [{ status: 500, chunk_interval_ms: 10 }, /chunk_interval_ms/],
    [{ rate: 0.5 }, /at least one/],
    [{}, /at least one/],
    [{ route: 'FETCH /api', status: 500 }, /route/],
    [{ route: 'GET api/v2', status: 500 }, /route/],
    [{ route: 'GET /a /b', status: 500 }, /route/],
    [{ route: 5, status: 500 }, /route/]
  ]
  for (const [body, message] of bad) {
    const res = await call(base, 'POST', '/__sim/faults', { body })
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.json, { message }, JSON.stringify(body))
  }
  const notJson = await call(base, 'POST', '/__sim/faults', { body: '{oops', headers: { 'content-type': 'application/json' } })
  t.equal(notJson.status, 400)
  t.type(notJson.json.message, 'string')
  t.same((await call(base, 'GET', '/__sim/faults')).json, { faults: [] }, 'nothing was added')
  t.match(await addFault(base, { route: '/api/v2/items', latency_ms: 0 }), { route: '* /api/v2/items' }, 'bare path means any method')
})
