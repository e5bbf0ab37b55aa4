import t from 'tap'
import { request } from 'undici'
import type { Database } from '../../src/store/database.ts'
import { DeliveryQueue } from '../../src/webhooks/delivery-queue.ts'
import { createSafeAgent } from '../../src/webhooks/safe-agent.ts'
import { WebhookStore } from '../../src/webhooks/webhook-store.ts'
import type { TapTest } from '../helpers/build.ts'
import { freshDatabase } from '../helpers/databases.ts'
import { duplicatesAfterSuccess, missing, orderViolations } from './checks.ts'
import { KEYS, sleep, startGateway, startReceiver, version, type Gateway, type Receiver } from './harness.ts'

// Delivery (spec section 10, docs/webhooks.md) against real receivers on loopback ports that verify
// every signature with the standardwebhooks library. One embedded store for the file; each subtest
// starts the gateway it needs and removes its webhooks at the end.

async function changesAfter (db: Database, after: number): Promise<Map<string, number[]>> {
  const rows = await db.query<{ seq: number, incident: string }>(
    'SELECT seq, provider || \':\' || native_id AS incident FROM changes WHERE seq > $1 ORDER BY seq', [after])
  const out = new Map<string, number[]>()
  for (const r of rows) out.set(r.incident, [...(out.get(r.incident) ?? []), Number(r.seq)])
  return out
}
const head = async (db: Database) => Number((await db.query<{ s: number }>('SELECT last_seq AS s FROM change_counter'))[0].s)

t.test('delivery', async (t) => {
  const { db } = await freshDatabase(t, 'embedded')
  let gw: Gateway
  let rx: Receiver
  const setup = async (t: TapTest, webhooksYaml = '', deps: Parameters<typeof startGateway>[0]['deps'] = {}) => {
    gw = await startGateway({ database: db, webhooksYaml, deps })
    rx = await startReceiver()
    t.teardown(async () => {
      await gw.close()
      await rx.close()
      await db.query('DELETE FROM webhooks')
    })
  }
  const create = async (body: Record<string, unknown>, key = KEYS.admin, receiver = rx) => {
    const res = await gw.call('POST', '/v1/webhooks', { events: ['incident.created', 'incident.updated', 'incident.deleted'], url: `${receiver.url}/hook`, ...body }, key)
    if (res.status !== 201) throw new Error(JSON.stringify(res.body))
    receiver.secrets.push(res.body.secret)
    return res.body
  }

  t.test('every change arrives, signed, in order per incident; duplicates only after failed attempts', async (t) => {
    await setup(t)
    const w = await create({})
    const start = await head(db)
    // The receiver fails the first attempt of every third message and times nothing out.
    const attempts = new Map<string, number>()
    rx.respond = (a) => {
      const n = (attempts.get(a.id) ?? 0) + 1
      attempts.set(a.id, n)
      return { status: n === 1 && a.body.data.seq % 3 === 0 ? 500 : 200 }
    }
    for (let v = 1; v <= 5; v++) {
      await gw.record('cl', [1, 2, 3, 4].map((i) => version('cl', String(i), v)))
      if (v === 3) await gw.app.mirror!.recordDeleted('cl', ['4'], new Date())
    }
    const expected = await changesAfter(db, start)
    const seqs = [...expected.values()].flat()
    await rx.waitFor((a) => missing(a, seqs).length === 0)
    t.same(missing(rx.arrivals, seqs), [])
    t.ok(rx.arrivals.every((a) => a.verified), 'every signature verifies with standardwebhooks')
    t.same(duplicatesAfterSuccess(rx.arrivals), [])
    t.same(orderViolations(rx.arrivals, expected), [])
    t.ok(rx.arrivals.some((a) => a.status === 500), 'some attempts failed and were retried')
    const sample = rx.arrivals.find((a) => a.body.type === 'incident.updated')!
    t.match(sample.body, {
      type: 'incident.updated',
      timestamp: String,
      data: { seq: Number, type: 'updated', incident_id: /^cl:/, provider: 'cl', changed: Array, incident: { id: /^cl:/ } }
    })
    t.equal(sample.id, `msg_${w.id}_${sample.body.data.seq}`, 'webhook-id is stable per change')
    t.ok(Math.abs(sample.timestamp - sample.at / 1000) < 30, 'webhook-timestamp is the sending time')
    t.ok(rx.arrivals.some((a) => a.body.type === 'incident.deleted' && a.body.data.incident === null))
    const got = await gw.call('GET', `/v1/webhooks/${w.id}`)
    t.match(got.body, { enabled: true, consecutive_failures: 0, pending_deliveries: 0 })
  })

  t.test('a failing incident does not hold up other incidents; its own later changes wait', async (t) => {
    await setup(t)
    await create({})
    let failX = 4
    rx.respond = (a) => a.body.data.incident_id === 'cl:10' && a.body.data.incident.title.endsWith('v1') && failX-- > 0
      ? { status: 500 }
      : { status: 200 }
    await gw.record('cl', [version('cl', '10', 1)])
    await gw.record('cl', [version('cl', '10', 2), version('cl', '11', 1)])
    await gw.record('cl', [version('cl', '11', 2)])
    await rx.waitFor((a) => a.filter((x) => x.status === 200).length >= 4)
    const order = rx.arrivals.map((a) => `${a.body.data.incident_id}:${a.body.data.incident.title.slice(-2)}:${a.status}`)
    const firstOk10 = order.indexOf('cl:10:v1:200')
    t.ok(order.indexOf('cl:11:v2:200') < firstOk10, `incident 11 went on while 10 failed: ${order.join(' ')}`)
    t.ok(order.indexOf('cl:10:v2:200') > firstOk10, '10 v2 only after 10 v1 was delivered')
  })

  t.test('evidence governance and provider allow-lists apply to what a webhook carries', async (t) => {
    await setup(t)
    const other = await startReceiver()
    const third = await startReceiver()
    t.teardown(() => other.close())
    t.teardown(() => third.close())
    await create({}, KEYS.admin)
    await create({}, KEYS.plain, other)
    await create({}, KEYS.limited, third)
    const matches = [{ field: 'body', detector: 'ssn', text: '123-45-6789', context_before: 'x', context_after: 'y' }]
    await gw.record('cl', [version('cl', '20', 1, { matches: matches as any, match_count: 1 })])
    await gw.record('cl2', [version('cl2', '21', 1)])
    await rx.waitFor((a) => a.length >= 2)
    await other.waitFor((a) => a.length >= 2)
    await third.waitFor((a) => a.length >= 1)
    await sleep(300)
    const full = rx.arrivals.find((a) => a.body.data.incident_id === 'cl:20')!
    t.equal(full.body.data.incident.matches[0].text, '123-45-6789', 'evidence:read sees content')
    const redacted = other.arrivals.find((a) => a.body.data.incident_id === 'cl:20')!
    t.equal(redacted.body.data.incident.matches[0].text, null, 'no evidence:read: no content')
    t.equal(redacted.body.data.incident.content_withheld, true)
    t.notOk(JSON.stringify(other.arrivals).includes('123-45-6789'))
    t.same(third.arrivals.map((a) => a.body.data.provider), ['cl'], 'the limited key never gets cl2')
  })

  t.test('filters: events, severity, status, provider', async (t) => {
    await setup(t)
    await create({ events: ['incident.updated'], filter: { severity: ['high', 'critical'], provider: ['cl'] } })
    await gw.record('cl', [version('cl', '30', 1, { severity: 'high' }), version('cl', '31', 1, { severity: 'low' })])
    await gw.record('cl2', [version('cl2', '30', 1, { severity: 'high' })])
    await gw.record('cl', [version('cl', '30', 2, { severity: 'critical' }), version('cl', '31', 2, { severity: 'low' })])
    await gw.record('cl2', [version('cl2', '30', 2, { severity: 'critical' })])
    await rx.waitFor((a) => a.length >= 1)
    await sleep(500)
    t.same(rx.arrivals.map((a) => [a.body.type, a.body.data.incident_id]), [['incident.updated', 'cl:30']])
  })

  t.test('410 disables the webhook with the reason, and drops its queue', async (t) => {
    await setup(t)
    const w = await create({})
    rx.respond = () => ({ status: 410 })
    await gw.record('cl', [version('cl', '40', 1), version('cl', '41', 1)])
    await rx.waitFor((a) => a.length >= 1)
    await sleep(300)
    const got = await gw.call('GET', `/v1/webhooks/${w.id}`)
    t.match(got.body, { enabled: false, disabled_reason: 'the receiver answered 410 Gone', pending_deliveries: 0 })
    t.ok(got.body.disabled_at)
    const n = rx.arrivals.length
    await gw.record('cl', [version('cl', '40', 2)])
    await sleep(400)
    t.equal(rx.arrivals.length, n, 'nothing more is sent')
    const log = await gw.call('GET', `/v1/webhooks/${w.id}/deliveries`)
    t.equal(log.body.data[0].outcome, 'gone')
    // Enabled again: delivery resumes with changes made after that moment.
    rx.respond = () => ({ status: 200 })
    await gw.call('PATCH', `/v1/webhooks/${w.id}`, { enabled: true })
    await gw.record('cl', [version('cl', '40', 3)])
    await rx.waitFor((a) => a.some((x) => x.status === 200))
    t.same(rx.arrivals.filter((a) => a.status === 200).map((a) => a.body.data.incident.title), ['incident 40 v3'])
  })

  t.test('N consecutive failures disable the webhook; a success resets the count', async (t) => {
    await setup(t, 'max_consecutive_failures: 3')
    const w = await create({})
    rx.respond = (_a, n) => ({ status: n === 1 ? 200 : 503 })
    await gw.record('cl', [version('cl', '50', 1)])
    await gw.record('cl', [version('cl', '50', 2)])
    await rx.waitFor((a) => a.length >= 5)
    await sleep(300)
    const got = await gw.call('GET', `/v1/webhooks/${w.id}`)
    t.equal(got.body.enabled, false)
    t.match(got.body.disabled_reason, /^3 consecutive failed deliveries \(last: the receiver answered 503\)/)
    // 1 failure, 1 success (reset), then 3 failures: 5 attempts.
    t.same(rx.arrivals.map((a) => a.status), [503, 200, 503, 503, 503])
    const metrics = await gw.app.inject({ method: 'GET', url: '/metrics' })
    t.match(metrics.body, /dlp_gateway_webhook_deliveries_total\{outcome="failed"\} [1-9]/)
    t.match(metrics.body, /dlp_gateway_webhook_disabled_total\{reason="failures"\} 1/)
    t.notOk(metrics.body.includes(w.id), 'no webhook id in any label')
    t.match(metrics.body, /dlp_gateway_webhook_queue_depth \d+/)
    t.match(metrics.body, /dlp_gateway_webhook_delivery_duration_seconds_bucket\{le="0.005",outcome="failed"\}/)
  })

  t.test('timeouts: an answer later than timeout_ms is a failed attempt, then a duplicate', async (t) => {
    await setup(t, 'timeout_ms: 300')
    const w = await create({})
    rx.respond = (_a, n) => n === 0 ? { status: 200, delayMs: 1_000 } : { status: 200 }
    await gw.record('cl', [version('cl', '60', 1)])
    await rx.waitFor((a) => a.length >= 2)
    t.equal(rx.arrivals[0].id, rx.arrivals[1].id, 'the same webhook-id: the receiver dedupes on it')
    const log = await gw.call('GET', `/v1/webhooks/${w.id}/deliveries`)
    t.match(log.body.data.at(-1), { outcome: 'failed', status: null, error: 'no answer within 300 ms', attempt: 1 })
    await sleep(200)
    const after = await gw.call('GET', `/v1/webhooks/${w.id}/deliveries`)
    t.match(after.body.data[0], { outcome: 'delivered', attempt: 2 })
  })

  t.test('a slow response body after a 2xx: delivered once, cut off at the deadline', async (t) => {
    await setup(t, 'timeout_ms: 300')
    const w = await create({})
    rx.respond = () => ({ status: 200, slowBodyMs: 1_500 })
    await gw.record('cl', [version('cl', '61', 1)])
    await rx.waitFor((a) => a.length >= 1)
    await sleep(1_000)
    t.equal(rx.arrivals.length, 1, 'not sent again')
    const log = await gw.call('GET', `/v1/webhooks/${w.id}/deliveries`)
    t.match(log.body.data[0], { outcome: 'delivered', status: 200 })
  })

  t.test('redirects are not followed', async (t) => {
    await setup(t, 'max_consecutive_failures: 2')
    const w = await create({})
    rx.respond = () => ({ status: 307, location: `${rx.url}/elsewhere` })
    await gw.record('cl', [version('cl', '62', 1)])
    await rx.waitFor((a) => a.length >= 2)
    await sleep(300)
    const log = await gw.call('GET', `/v1/webhooks/${w.id}/deliveries`)
    t.match(log.body.data.at(-1), { outcome: 'failed', status: 307, error: 'the receiver answered 307 (redirects are not followed)' })
    t.equal(rx.arrivals.length, 2, 'only the webhook URL was called (elsewhere would have been a third arrival)')
  })

  t.test('one slow receiver does not hold up the others', async (t) => {
    await setup(t)
    const slow = await startReceiver()
    t.teardown(() => slow.close())
    slow.respond = () => ({ status: 200, delayMs: 3_000 })
    await create({}, KEYS.admin, slow)
    await create({})
    const started = Date.now()
    for (let i = 0; i < 10; i++) await gw.record('cl', [version('cl', String(70 + i), 1)])
    await rx.waitFor((a) => a.length >= 10, 10_000)
    const took = Date.now() - started
    t.ok(took < 2_900, `the fast receiver had all 10 in ${took} ms while the slow one holds each for 3 s`)
    t.ok(slow.arrivals.length <= 4, 'the slow receiver has at most per_webhook_concurrency in flight')
  })

  t.test('backoff: retries wait the full-jitter ceiling, within bounds (jitter pinned)', async (t) => {
    // random() = 0.999999: every wait is its ceiling: 200, 400, 800, 1000 (cap) ms.
    await setup(t, 'retry_base_ms: 200, retry_max_ms: 1000, scan_interval_ms: 1000', { random: () => 0.999999 })
    await create({})
    rx.respond = (_a, n) => ({ status: n < 4 ? 500 : 200 })
    await gw.record('cl', [version('cl', '80', 1)])
    await rx.waitFor((a) => a.length >= 5, 15_000)
    const gaps = rx.arrivals.slice(1).map((a, i) => a.at - rx.arrivals[i].at)
    const ceilings = [200, 400, 800, 1000]
    gaps.forEach((gap, i) => {
      t.ok(gap >= ceilings[i] - 5, `gap ${i + 1}: ${gap} ms >= ${ceilings[i]}`)
      t.ok(gap <= ceilings[i] + 400, `gap ${i + 1}: ${gap} ms <= ${ceilings[i]} + 400 ms of scheduling`)
    })
  })

  t.test('backoff: a zero draw retries at once', async (t) => {
    await setup(t, 'retry_base_ms: 5000, scan_interval_ms: 2000', { random: () => 0 })
    await create({})
    rx.respond = (_a, n) => ({ status: n < 3 ? 500 : 200 })
    const started = Date.now()
    await gw.record('cl', [version('cl', '81', 1)])
    await rx.waitFor((a) => a.length >= 4, 15_000)
    t.ok(Date.now() - started < 2_000, 'no wait, though the ceiling is 5 s')
  })

  t.test('the 24 h window (here 1 s): a delivery is given up, and the next change goes on', async (t) => {
    await setup(t, 'retry_window_h: 0.0003, retry_base_ms: 100, retry_max_ms: 200')
    const w = await create({})
    rx.respond = (a) => ({ status: a.body.data.incident.title.endsWith('v1') ? 500 : 200 })
    await gw.record('cl', [version('cl', '82', 1)])
    await gw.record('cl', [version('cl', '82', 2)])
    await rx.waitFor((a) => a.some((x) => x.status === 200), 15_000)
    const log = await gw.call('GET', `/v1/webhooks/${w.id}/deliveries?limit=100`)
    t.ok(log.body.data.some((a: any) => a.outcome === 'gave_up'))
    t.equal((await gw.call('GET', `/v1/webhooks/${w.id}`)).body.enabled, true)
  })

  t.test('DNS rebinding: a name resolving to loopback at delivery time is refused', async (t) => {
    // Private networks not allowed; the resolver answers 127.0.0.1 for the receiver's public-looking name.
    await setup(t, 'allow_private_networks: false', {
      lookup: (_host, _opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }])
    })
    const port = new URL(rx.url).port
    const res = await gw.call('POST', '/v1/webhooks', { url: `https://hooks.example.com:${port}/hook`, events: ['incident.created'] })
    t.equal(res.status, 201)
    t.equal((await gw.call('POST', '/v1/webhooks', { url: `http://hooks.example.com:${port}/hook`, events: ['incident.created'] })).status, 400)
    const literal = await gw.call('POST', '/v1/webhooks', { url: `https://127.0.0.1:${port}/hook`, events: ['incident.created'] })
    t.equal(literal.status, 400)
    t.match(literal.body.errors[0], { path: '/body/url', message: /loopback/ })
    await gw.record('cl', [version('cl', '90', 1)])
    const until = Date.now() + 5_000
    let log: any
    do {
      await sleep(100)
      log = await gw.call('GET', `/v1/webhooks/${res.body.id}/deliveries`)
    } while (log.body.data.length === 0 && Date.now() < until)
    t.match(log.body.data[0], { outcome: 'forbidden_address', error: /127\.0\.0\.1 is a loopback address/ })
    const ping = await gw.call('POST', `/v1/webhooks/${res.body.id}/test`)
    t.match(ping.body, { delivered: false, error: /loopback/ })
    t.equal(rx.arrivals.length, 0, 'nothing reached the receiver')
  })

  t.test('shutdown mid-delivery hands the delivery back; the next gateway sends it', async (t) => {
    await setup(t)
    const w = await create({})
    rx.respond = (_a, n) => n === 0 ? { status: 200, delayMs: 5_000 } : { status: 200 }
    await gw.record('cl', [version('cl', '95', 1)])
    await rx.waitFor((a) => a.length >= 1)
    await gw.close()
    const [row] = await db.query<{ lease_owner: string | null, attempts: number }>(
      'SELECT lease_owner, attempts FROM webhook_deliveries WHERE webhook_id = $1', [w.id])
    t.match(row, { lease_owner: null, attempts: 1 }, 'queued again, due at once')
    const [attempt] = await db.query('SELECT outcome FROM webhook_attempts WHERE webhook_id = $1', [w.id])
    t.equal(attempt.outcome, 'aborted')
    gw = await startGateway({ database: db })
    await rx.waitFor((a) => a.length >= 2)
    t.equal(rx.arrivals[1].id, rx.arrivals[0].id)
    t.equal(rx.arrivals[1].verified, true)
  })

  t.test('a webhook whose key is gone from configuration is disabled', async (t) => {
    await setup(t)
    const w = await create({}, KEYS.plain)
    await gw.record('cl', [version('cl', '96', 1)])
    const queue = new DeliveryQueue(new WebhookStore(db))
    await gw.app.webhookWorker!.stop() // this gateway still knows the key; the queue is driven by hand
    await db.query('UPDATE webhooks SET position = 0 WHERE id = $1', [w.id])
    await queue.fanout({ providersFor: () => null, now: new Date(), batch: 10, webhooks: 10, maxPending: 10 })
    const got = await gw.call('GET', `/v1/webhooks/${w.id}`, undefined, KEYS.plain)
    t.match(got.body, { enabled: false, disabled_reason: /no longer configured/ })
  })
})

t.test('the connected address is checked too: an IP literal that skips the resolver is refused', async (t) => {
  const rx = await startReceiver()
  t.teardown(() => rx.close())
  const agent = createSafeAgent({ allowPrivate: false, connectTimeoutMs: 1_000 })
  t.teardown(() => agent.close())
  const err = await request(`${rx.url}/x`, { dispatcher: agent, method: 'POST', body: '{}' }).then(() => null, (e) => e)
  t.match(err, { code: 'WEBHOOK_ADDRESS_FORBIDDEN' })
  t.equal(rx.arrivals.length, 0)
  const open = createSafeAgent({ allowPrivate: true, connectTimeoutMs: 1_000 })
  t.teardown(() => open.close())
  rx.respond = () => ({ status: 204 })
  const res = await request(`${rx.url}/x`, { dispatcher: open, method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  t.equal(res.statusCode, 204)
})
