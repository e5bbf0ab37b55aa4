// `npm run soak` (or `node --expose-gc <the image's flags> bench/soak.ts --duration 600`): a bounded
// soak test of the gateway's resilience. Both simulators (acting like a vendor console), the gateway
// and a webhook receiver run in this process on loopback ports. Workers send mixed traffic (detail
// reads, listings walked by cursor, ZWA sub-resources, writes with Idempotency-Key, provider,
// readiness and webhook checks) while ~5 % of vendor requests get an injected fault (500, 503, 429,
// reset, malformed, truncated, HTML page, latency beyond the timeout). Both providers sync into a
// store (a fresh PostgreSQL database, dropped afterwards, or `--store embedded`); change-feed
// consumers follow GET /v1/changes with stored tokens, three webhooks are delivered to the receiver
// (which fails some attempts), and a batch job runs every `--batch-every-s`. It checks the feed and
// webhook promises and reports outcomes, latency, and memory, handles and PG connections every
// `--sample-s`. Never part of `npm test`: it runs for minutes (default 10).
import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'
import pg from 'pg'
import { request } from 'undici'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/logging/logger.ts'
import type { MemoryStore } from '../src/state/memory-store.ts'
import { buildCloudlockSimulator } from '../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../src/vendors/zwa/simulator/app.ts'
import { benchDatabase } from './lib/bench-database.ts'
import { FeedConsumer } from './lib/soak-feed.ts'
import { startReceiver } from './lib/soak-receiver.ts'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' }, // seconds
    workers: { type: 'string', default: '8' },
    'fault-rate': { type: 'string', default: '0.05' },
    out: { type: 'string' }, // write the JSON summary here as well
    'heap-snapshots': { type: 'string' }, // a directory: heap snapshots at the start, every sample and the end
    store: { type: 'string', default: 'postgres' }, // postgres (BENCH_DATABASE_URL, default the local one) | embedded
    'sample-s': { type: 'string', default: '60' },
    'activity-per-minute': { type: 'string', default: '60' }, // per simulator: vendor-console changes
    'batch-every-s': { type: 'string', default: '20' }
  }
})
const durationMs = Number(values.duration) * 1000
const workers = Number(values.workers)
const faultRate = Number(values['fault-rate'])
const sampleMs = Number(values['sample-s']) * 1000
const activity = Number(values['activity-per-minute'])
const batchEveryMs = Number(values['batch-every-s']) * 1000
if (!(durationMs > 0) || !(workers > 0) || !(faultRate >= 0 && faultRate <= 1) || !(sampleMs > 0) ||
  !(activity >= 0) || !(batchEveryMs > 0) || !['postgres', 'embedded'].includes(values.store!)) {
  process.stderr.write('usage: node --expose-gc bench/soak.ts [--duration s] [--workers n] [--fault-rate 0..1] [--out file] ' +
    '[--heap-snapshots dir] [--store postgres|embedded] [--sample-s s] [--activity-per-minute n] [--batch-every-s s]\n')
  process.exit(64)
}

const KEY = 'soak-key-0123456789abcdef'
const gc = (globalThis as { gc?: () => void }).gc
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024 * 10) / 10

function snapshot () {
  gc?.()
  const m = process.memoryUsage()
  const handles: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1
  return { at: new Date().toISOString(), rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), handles }
}

const database = values.store === 'postgres' ? await benchDatabase('gw_soak') : null
if (values.store === 'postgres' && !database) throw new Error('no PostgreSQL at BENCH_DATABASE_URL (or 127.0.0.1:5432); use --store embedded')
// PG connections of the soak's database, counted from another session.
async function pgConnections (): Promise<number | null> {
  if (!database) return null
  const client = new pg.Client({ connectionString: database.url.replace(/\/[^/]*$/, '/postgres') })
  await client.connect()
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [new URL(database.url).pathname.slice(1)])
    return rows[0].n
  } finally { await client.end() }
}

const baseline = snapshot()
const zwa = await buildZwaSimulator({ keyId: 'soak-id', keySecret: 'soak-secret', count: 300, seed: 7, defaultResolutionCode: null, activity: { perMinute: activity } })
const cloudlock = await buildCloudlockSimulator({ token: 'soak-token', count: 300, seed: 7, activity: { perMinute: activity } })
const receiver = await startReceiver()
const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })

// Resilience defaults, except the ZWA rate budget: the simulator has no limits here and the soak
// is about the gateway's own stability, not about being held to 30 requests a minute. Sync as in
// demo mode (frequent polls); webhook retries short, so a failed delivery is retried within seconds.
const SYNC = '{ enabled: true, poll_interval_s: 5, lookback_s: 2, open_recheck_interval_s: 10, reconcile_interval_h: 1 }'
const file = join(mkdtempSync(join(tmpdir(), 'gw-soak-')), 'gateway.yaml')
writeFileSync(file, `
server: { log_level: error }
cursor: { secret: ${'s'.repeat(40)} }
observability: { audit_log: 'off' }
limits: { request_timeout_ms: 5000, rate_limit_per_minute: 1000000 }
${database ? `store: { database_url: "${database.url}" }` : ''}
webhooks: { allow_private_networks: true, retry_base_ms: 200, retry_max_ms: 5000, timeout_ms: 2000 }
providers:
  - id: zwa
    type: zwa
    base_url: ${zwaUrl}
    auth: { mode: api_key, key_id: soak-id, key_secret: soak-secret }
    timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 }
    resilience: { rate_budget: { enabled: false } }
    sync: ${SYNC}
  - id: cloudlock
    type: cloudlock
    base_url: ${cloudlockUrl}/api/v2
    token: soak-token
    timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 }
    sync: ${SYNC}
api_keys:
  - { name: soak, sha256: ${createHash('sha256').update(KEY).digest('hex')}, scopes: [incidents:read, incidents:write, evidence:read, webhooks:manage] }
`)
const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file }), { logger: createLogger({ level: 'error' }) })
const url = await app.listen({ host: '127.0.0.1', port: 0 })

// ~faultRate of vendor requests faulted, spread over the kinds of failure.
const FAULTS: Array<Record<string, unknown>> = [
  { status: 500 }, { status: 503 }, { status: 429, retry_after: 1 }, { mode: 'reset' }, { mode: 'malformed' },
  { mode: 'truncated' }, { mode: 'html' }, { latency_ms: 2_500 }
]
const perFault = 1 - (1 - faultRate) ** (1 / FAULTS.length) // the faults are tried in turn
for (const sim of [zwa, cloudlock]) {
  for (const fault of FAULTS) await sim.inject({ method: 'POST', url: '/__sim/faults', payload: { ...fault, rate: perFault } })
}

interface Outcome { status: number, code?: string }
const outcomes = new Map<string, number>()
const errors = new Map<string, number>() // non-2xx answers by kind of call, status and code
const latencies: number[] = [] // long polls excluded: they wait on purpose
const transportErrors = new Map<string, number>()
let requests = 0
const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)

async function call (kind: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Outcome & { body: any }> {
  const started = performance.now()
  requests++
  try {
    const res = await request(`${url}${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.body.text()
    if (!path.includes('wait=')) latencies.push(performance.now() - started)
    let parsed: any = null
    try { parsed = JSON.parse(text) } catch {}
    const code = res.statusCode >= 400 ? String(parsed?.code ?? 'unparsed') : undefined
    const key = `${res.statusCode}${code ? ` ${code}` : ''}`
    count(outcomes, key)
    if (res.statusCode >= 400) count(errors, `${kind} ${key}`)
    return { status: res.statusCode, code, body: parsed }
  } catch (err) {
    count(transportErrors, `${kind} ${(err as { code?: string }).code ?? 'error'}`)
    return { status: 0, body: null }
  }
}
const feedCall = (kind: string, method: string, path: string) => call(kind, method, path)

// Incident ids to read and write, through the gateway (retried until a clean page comes back).
async function ids (provider: string): Promise<string[]> {
  for (let i = 0; i < 20; i++) {
    const res = await call('setup', 'GET', `/v1/incidents?provider=${provider}&limit=100`)
    if (res.status === 200) return res.body.data.map((x: any) => x.id)
  }
  throw new Error(`could not list ${provider}`)
}
const zwaIds = await ids('zwa')
const clIds = await ids('cloudlock')
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Three webhooks: every change to a receiver failing 5 % of attempts, Cloudlock's changes only
// (a filter), and every change to a flaky receiver failing 30 %.
const HOOKS = [
  { name: 'all', failureRate: 0.05, filter: undefined },
  { name: 'cloudlock', failureRate: 0.05, filter: { provider: ['cloudlock'] } },
  { name: 'flaky', failureRate: 0.3, filter: undefined }
]
const head = async () => (await app.store!.query<{ last_seq: number }>('SELECT last_seq FROM change_counter'))[0].last_seq
const hooks: Array<typeof HOOKS[number] & { id: string, stats: ReturnType<typeof receiver.add> }> = []
for (const h of HOOKS) {
  const res = await call('setup', 'POST', '/v1/webhooks', { url: receiver.url(h.name), events: ['incident.created', 'incident.updated', 'incident.deleted'], ...(h.filter ? { filter: h.filter } : {}) })
  if (res.status !== 201) throw new Error(`webhook ${h.name}: ${res.status} ${JSON.stringify(res.body)}`)
  hooks.push({ ...h, id: res.body.id as string, stats: receiver.add(h.name, res.body.secret, h.failureRate) })
}
// A webhook gets the changes committed after it was created: checked from the head after the last
// one (changes committed while they were being created are not checked).
const hooksFrom = await head()
// Four consumers: two long polls, one short poll a second, one Cloudlock-only long poll.
const consumers = [
  new FeedConsumer({ name: 'long-1', wait: 10, limit: 100, pauseMs: 0 }, true),
  new FeedConsumer({ name: 'long-2', wait: 10, limit: 1000, pauseMs: 0 }),
  new FeedConsumer({ name: 'poll', wait: 0, limit: 50, pauseMs: 1000 }),
  new FeedConsumer({ name: 'cloudlock', providers: ['cloudlock'], wait: 5, limit: 100, pauseMs: 0 })
]

const heapSnapshot = (name: string) => {
  if (values['heap-snapshots']) writeHeapSnapshot(join(values['heap-snapshots'], `${name}.heapsnapshot`))
}
heapSnapshot('start')
const start = snapshot()
const startedAt = Date.now()
const endAt = startedAt + durationMs
// The gateway's bounded in-memory stores, to tell a store filling up to its bound from a leak.
const stores = () => ({
  idempotency: (app.sharedStore as MemoryStore).usage(),
  etags: app.incidents.etags.usage(),
  readAheadEntries: app.readAhead.size
})
type Sample = ReturnType<typeof snapshot> & { elapsedS: number, requests: number, pgConnections: number | null, seq: number, delivered: number, stores: ReturnType<typeof stores> }
const samples: Sample[] = []
let sampling = Promise.resolve()
const sampler = setInterval(() => {
  sampling = sampling.then(async () => {
    const at = Math.round((Date.now() - startedAt) / 1000)
    heapSnapshot(`t${at}`)
    const sample = { ...snapshot(), elapsedS: at, requests, pgConnections: await pgConnections(), seq: await head(), delivered: hooks.reduce((n, h) => n + h.stats.accepted, 0), stores: stores() }
    samples.push(sample)
    process.stderr.write(`soak ${at} s: ${requests} requests, heap ${sample.heapUsedMb}/${sample.heapTotalMb} MB, rss ${sample.rssMb} MB, ` +
      `handles ${JSON.stringify(sample.handles)}, pg ${sample.pgConnections}, seq ${sample.seq}, delivered ${sample.delivered}, stores ${JSON.stringify(sample.stores)}\n`)
  }).catch((err) => { process.stderr.write(`sample failed: ${err}\n`) })
}, sampleMs)

async function worker (): Promise<void> {
  let cursor: string | null = null
  while (Date.now() < endAt) {
    const r = Math.random()
    if (r < 0.45) {
      await call('detail', 'GET', `/v1/incidents/${pick([...zwaIds, ...clIds])}`)
    } else if (r < 0.65) {
      const res = await call('list', 'GET', `/v1/incidents?limit=25${Math.random() < 0.5 ? '&allow_partial=true' : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      cursor = res.status === 200 ? res.body.next_cursor : null
    } else if (r < 0.75) {
      await call('sub-resource', 'GET', `/v1/incidents/${pick(zwaIds)}/${pick(['history', 'tickets', 'triggers'])}`)
    } else if (r < 0.85) {
      const idem = { 'idempotency-key': randomUUID() }
      if (Math.random() < 0.5) await call('write', 'PATCH', `/v1/incidents/${pick(clIds)}`, { external_ref: `SOAK-${requests}` }, idem)
      else await call('write', 'POST', `/v1/incidents/${pick(zwaIds)}/notes`, { text: `soak note ${requests}` }, idem)
    } else if (r < 0.93) {
      await call('status', 'GET', Math.random() < 0.5 ? '/v1/providers' : '/readyz')
    } else {
      const hook = pick(hooks)
      await call('webhook-admin', 'GET', pick([`/v1/webhooks/${hook.id}`, `/v1/webhooks/${hook.id}/deliveries?limit=20`, '/v1/webhooks']))
    }
  }
}

// A batch of ten writes (five ZWA notes, five Cloudlock updates) every batchEveryMs, followed to its end.
const jobs = { submitted: 0, done: 0, unfinished: 0, items: new Map<string, number>() }
async function batches (): Promise<void> {
  while (Date.now() < endAt) {
    const operations = [
      ...Array.from({ length: 5 }, () => ({ id: pick(zwaIds), action: 'note', body: { text: `soak batch ${requests}` } })),
      ...Array.from({ length: 5 }, () => ({ id: pick(clIds), action: 'update', body: { external_ref: `SOAK-B-${requests}` } }))
    ]
    const res = await call('batch', 'POST', '/v1/incidents/batch', { operations }, { 'idempotency-key': randomUUID() })
    if (res.status === 202) {
      jobs.submitted++
      const until = Date.now() + 60_000
      let job: any = null
      while (Date.now() < until && job?.state !== 'done') {
        await sleep(500)
        const got = await call('job', 'GET', `/v1/jobs/${res.body.job_id}`)
        if (got.status === 200) job = got.body
      }
      if (job?.state === 'done') {
        jobs.done++
        for (const item of job.results) count(jobs.items, item.status === 'failed' ? `failed ${item.error?.code}` : item.status)
      } else jobs.unfinished++
    }
    await sleep(batchEveryMs)
  }
}

process.stderr.write(`soak: ${values.duration} s, ${workers} workers, ${(faultRate * 100).toFixed(1)} % faults, gateway ${url}\n`)
await Promise.all([
  ...Array.from({ length: workers }, () => worker()),
  ...consumers.map((c) => c.run(feedCall, endAt)),
  batches()
])
clearInterval(sampler)
await sampling
const loadEnd = snapshot()
heapSnapshot('end')
const health = await call('status', 'GET', '/v1/providers')

// The promises, checked after the load: every consumer reads up to the head committed now; every
// webhook, its receiver healed, gets each change it wants up to that head within a minute.
const finalHead = await head()
for (const c of consumers) await c.drain(feedCall, finalHead, Date.now() + 60_000)
const providerBySeq = consumers[0].providerBySeq!
const wanted = (filter: { provider: string[] } | undefined, from = 0) => {
  let n = 0
  for (let seq = from + 1; seq <= finalHead; seq++) if (!filter || filter.provider.includes(providerBySeq[seq])) n++
  return n
}
const feed = consumers.map((c) => {
  const expected = c.opts.providers ? wanted({ provider: c.opts.providers }) : finalHead
  return { ...c.report(), expectedUpToHead: expected, missing: Math.max(0, expected - c.changes) }
})
receiver.heal()
const drainUntil = Date.now() + 60_000
const missingOf = (h: typeof hooks[number]) => {
  let n = 0
  for (let seq = hooksFrom + 1; seq <= finalHead; seq++) {
    if ((!h.filter || h.filter.provider.includes(providerBySeq[seq])) && !h.stats.delivered.has(seq)) n++
  }
  return n
}
while (Date.now() < drainUntil && hooks.some((h) => missingOf(h) > 0)) await sleep(500)
const webhooks = []
for (const h of hooks) {
  const state = (await call('setup', 'GET', `/v1/webhooks/${h.id}`)).body
  const { delivered, ...stats } = h.stats
  webhooks.push({ name: h.name, failureRate: h.failureRate, ...stats, distinctDelivered: delivered.size, expectedFrom: hooksFrom, expectedUpToHead: wanted(h.filter, hooksFrom), missing: missingOf(h), enabled: state?.enabled, disabledReason: state?.disabled_reason, pendingAtEnd: state?.pending_deliveries })
}
const end = snapshot()
const upstream = {
  zwa: ((await zwa.inject({ method: 'GET', url: '/__sim/faults' })).json().faults as Array<{ hits: number }>).reduce((n, f) => n + f.hits, 0),
  cloudlock: ((await cloudlock.inject({ method: 'GET', url: '/__sim/faults' })).json().faults as Array<{ hits: number }>).reduce((n, f) => n + f.hits, 0)
}

const pgAtEnd = await pgConnections()
await app.close()
await zwa.close()
await cloudlock.close()
await receiver.close()
await new Promise((resolve) => setTimeout(resolve, 500))
const pgAfterClose = await pgConnections()
await database?.drop()
const closed = snapshot()

const sorted = [...latencies].sort((a, b) => a - b)
const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))] ?? 0)
const summary = {
  durationS: Math.round((Date.now() - startedAt) / 1000),
  workers,
  faultRate,
  requests,
  requestsPerSecond: Math.round(requests / (durationMs / 1000)),
  transportErrors: Object.fromEntries(transportErrors),
  outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
  errors: Object.fromEntries([...errors].sort((a, b) => b[1] - a[1])),
  store: values.store,
  changes: finalHead,
  feed,
  webhooks,
  jobs: { ...jobs, items: Object.fromEntries(jobs.items) },
  pgConnections: { atEnd: pgAtEnd, afterClose: pgAfterClose },
  faultsInjected: upstream,
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: Math.round(sorted.at(-1) ?? 0) },
  providersAtEnd: health.body?.data?.map((p: any) => ({ id: p.id, ...p.health })),
  memory: { baseline, start, loadEnd, end, afterClose: closed, samples },
  gcExposed: gc !== undefined
}
const text = JSON.stringify(summary, null, 2)
process.stdout.write(`${text}\n`)
if (values.out) writeFileSync(values.out, `${text}\n`)
const heapGrowth = end.heapUsedMb - start.heapUsedMb
process.stderr.write(`soak done: ${requests} requests, ${[...transportErrors.values()].reduce((a, b) => a + b, 0)} transport errors, heap ${start.heapUsedMb} -> ${end.heapUsedMb} MB (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)}), handles ${JSON.stringify(start.handles)} -> ${JSON.stringify(closed.handles)} after close\n`)
