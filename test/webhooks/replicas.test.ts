import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { PgDatabase } from '../../src/store/pg-database.ts'
import { createPgDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts'
import { startReplica } from '../helpers/replica.ts'
import { sleep, startReceiver, version } from './harness.ts'

// Delivery goes on when the replica that was delivering is killed: gateway processes (the
// production start path) on one PostgreSQL database; the one holding a delivery's lease is killed
// with SIGKILL mid-delivery (before its own deadline), and another replica sends it again once the
// lease has run out.

const KEY = 'wh-replica-key-0123456789abcdef'

t.test('a killed replica\'s delivery is taken over after its lease', {
  skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set: this test needs PostgreSQL'
}, async (t) => {
  const url = await createPgDatabase(t)
  const rx = await startReceiver()
  t.teardown(() => rx.close())
  const dir = mkdtempSync(join(tmpdir(), 'gw-wh-replicas-'))
  const config = join(dir, 'gateway.yaml')
  writeFileSync(config, `
cursor: { secret: ${'k'.repeat(40)} }
# a test of sharing, not of load: a busy CI machine must not shed its requests
load_shedding: { max_event_loop_delay_ms: 0 }
store: { database_url: "${url}" }
observability: { audit_log: "off" }
webhooks: { allow_private_networks: true, timeout_ms: 8000, lease_ms: 10000, scan_interval_ms: 200 }
providers:
  - { id: cl, type: cloudlock, base_url: "http://127.0.0.1:9/api/v2", token: t }
api_keys:
  - { name: admin, sha256: ${createHash('sha256').update(KEY).digest('hex')}, scopes: [webhooks:manage] }
`)
  const a = await startReplica(config, '')
  t.teardown(() => { a.child.kill('SIGKILL') })
  const db = new PgDatabase({ url })
  t.teardown(() => db.close())
  const mirror = new MirrorStore(db)

  const res = await request(`${a.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${rx.url}/hook`, events: ['incident.created'] })
  })
  const webhook = await res.body.json() as any
  t.equal(res.statusCode, 201)
  rx.secrets.push(webhook.secret)
  // The first arrival is held far longer than the lease: replica A is mid-delivery when it dies.
  rx.respond = (_a, n) => n === 0 ? { status: 200, delayMs: 30_000 } : { status: 200 }

  await mirror.record('cl', [{ incident: version('cl', '1', 1), observedAt: new Date() }])
  await rx.waitFor((arrivals) => arrivals.length >= 1)
  a.child.kill('SIGKILL') // mid-delivery: the receiver holds the request, A's deadline (8 s) has not passed
  const b = await startReplica(config, '')
  t.teardown(() => { b.child.kill('SIGKILL') })
  await rx.waitFor((arrivals) => arrivals.length >= 2, 40_000)
  t.equal(rx.arrivals[1].id, rx.arrivals[0].id, 'the same message, sent again by replica B')
  t.ok(rx.arrivals[1].verified)
  const gap = rx.arrivals[1].at - rx.arrivals[0].at
  t.ok(gap >= 9_900, `not before the lease (10 s) ran out: ${gap} ms`)
  t.ok(gap < 25_000, `soon after it ran out: ${gap} ms`)

  // B goes on with new changes, each once.
  await mirror.record('cl', [2, 3, 4].map((i) => ({ incident: version('cl', String(i), 1), observedAt: new Date() })))
  await rx.waitFor((arrivals) => arrivals.length >= 5, 30_000)
  await sleep(500)
  t.equal(rx.arrivals.length, 5, 'each new change once')
  t.same(rx.arrivals.slice(2).map((x) => x.body.data.incident_id).sort(), ['cl:2', 'cl:3', 'cl:4'])
  const log = await request(`${b.url}/v1/webhooks/${webhook.id}/deliveries`, { headers: { authorization: `Bearer ${KEY}` } })
  const attempts = (await log.body.json() as any).data
  t.equal(attempts.filter((x: any) => x.outcome === 'delivered').length, 4, 'A never recorded its attempt')
})
