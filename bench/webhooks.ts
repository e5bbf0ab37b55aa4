// Webhook delivery (issue 18): deliveries per second to a local receiver against the same process's
// plain POST rate to it at the same concurrency (ratio), and change-to-delivery latency p50/p95, in
// the process that committed the change (woken by the mirror's event) and as another replica sees
// it (woken by its scan), against sync's poll_interval_s. In-process: one gateway app on the
// embedded store, one Fastify receiver on loopback that answers 200 at once.
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import pino from 'pino'
import { Agent, request } from 'undici'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'
import { MirrorStore } from '../src/mirror/mirror-store.ts'
import type { IncidentT } from '../src/schemas/incident.ts'
import { EmbeddedDatabase } from '../src/store/embedded-database.ts'
import { migrate } from '../src/store/migrate.ts'
import { incident as baseIncident } from '../test/helpers/incidents.ts'

const KEY = 'bench-webhooks-key-0123456789'
const CONCURRENCY = 4 // per_webhook_concurrency's default: what one webhook gets
const SCAN_MS = 1_000 // scan_interval_ms's default
const POLL_INTERVAL_S = 60 // sync.poll_interval_s's default

// A Cloudlock-shaped incident of provider `cl`, its vendor time moving with `v`.
const incident = (n: number, v: number): IncidentT => baseIncident({
  native_id: String(n),
  title: `incident ${n} v${v}`,
  updated_at: new Date(Date.UTC(2026, 0, 1) + v * 1000).toISOString(),
  raw: { id: n }
})

const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

export async function benchWebhooks (deliveries = 2_000, samples = 100) {
  const arrivals = new Map<number, number>() // seq -> arrival time
  const receiver = Fastify()
  receiver.post('/hook', async (req) => {
    const seq = (req.body as { data?: { seq?: number } }).data?.seq
    if (typeof seq === 'number' && !arrivals.has(seq)) arrivals.set(seq, performance.now())
    return 'ok'
  })
  receiver.post('/plain', async () => 'ok')
  const rxUrl = await receiver.listen({ host: '127.0.0.1', port: 0 })

  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-wh-'))
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'b'.repeat(40)} }
observability: { audit_log: "off", metrics: false }
load_shedding: { max_event_loop_delay_ms: 0 }
webhooks: { allow_private_networks: true, scan_interval_ms: ${SCAN_MS}, per_webhook_concurrency: ${CONCURRENCY} }
providers:
  - { id: cl, type: cloudlock, base_url: "http://127.0.0.1:9/api/v2", token: t }
api_keys:
  - { name: bench, sha256: ${createHash('sha256').update(KEY).digest('hex')}, scopes: [webhooks:manage, evidence:read] }
`)
  const db = await EmbeddedDatabase.open()
  await migrate(db)
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file }), {
    logger: pino({ level: 'warn' }),
    changeFeed: { autostart: false, database: db },
    webhooks: { autostart: false }
  })
  await app.ready()
  const created = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { url: `${rxUrl}/hook`, events: ['incident.created', 'incident.updated'] }
  })
  if (created.statusCode !== 201) throw new Error(created.body)
  const mirror = app.mirror!

  // 1. Throughput: `deliveries` changes queued first (200 incidents, so per-incident order does not
  // serialize them), then timed from the worker's start to the last arrival.
  let v = 1
  for (let i = 0; i < deliveries; i += 50) {
    await mirror.record('cl', Array.from({ length: 50 }, (_, k) => ({ incident: incident((i + k) % 200, v + Math.floor((i + k) / 200)), observedAt: new Date() })))
  }
  v += Math.ceil(deliveries / 200) + 1
  const worker = app.webhookWorker!
  const t0 = performance.now()
  worker.start()
  while (arrivals.size < deliveries) await new Promise((resolve) => setTimeout(resolve, 5))
  const deliverySeconds = (performance.now() - t0) / 1000
  const deliveriesPerSecond = deliveries / deliverySeconds

  // The same process's plain POST rate: the same body size, the same concurrency, one agent.
  const body = JSON.stringify({ type: 'incident.updated', timestamp: new Date().toISOString(), data: { seq: 0, incident: incident(1, 1) } })
  const agent = new Agent({ connections: CONCURRENCY })
  const p0 = performance.now()
  let sent = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (sent < deliveries) {
      sent++
      const res = await request(`${rxUrl}/plain`, { dispatcher: agent, method: 'POST', body, headers: { 'content-type': 'application/json' } })
      await res.body.dump()
    }
  }))
  const plainPerSecond = deliveries / ((performance.now() - p0) / 1000)
  await agent.close()

  // 2. Latency from the commit of a change to its arrival.
  const latency = async (via: MirrorStore) => {
    const out: number[] = []
    for (let i = 0; i < samples; i++) {
      const before = Math.max(0, ...arrivals.keys())
      await via.record('cl', [{ incident: incident(1000 + i, v++), observedAt: new Date() }])
      const committed = performance.now()
      let seq = 0
      while (seq === 0) {
        for (const s of arrivals.keys()) if (s > before) seq = s
        if (seq === 0) await new Promise((resolve) => setTimeout(resolve, 1))
      }
      out.push(arrivals.get(seq)! - committed)
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40))
    }
    return { p50: pct(out, 50), p95: pct(out, 95) }
  }
  const local = await latency(mirror)
  // Another MirrorStore on the same store: its commits do not wake this worker, as another replica's.
  const remote = await latency(new MirrorStore(db))

  await app.close()
  await db.close()
  await receiver.close()
  return {
    deliveries,
    deliveriesPerSecond,
    plainPostsPerSecond: plainPerSecond,
    ratio: deliveriesPerSecond / plainPerSecond,
    concurrency: CONCURRENCY,
    latencyMs: { sameProcess: local, otherReplica: remote },
    scanIntervalMs: SCAN_MS,
    pollIntervalS: POLL_INTERVAL_S,
    p95OverPollInterval: { sameProcess: local.p95 / (POLL_INTERVAL_S * 1000), otherReplica: remote.p95 / (POLL_INTERVAL_S * 1000) }
  }
}
