// `npm run soak` (or `node --expose-gc bench/soak.ts --duration 600`): a bounded soak test of
// the gateway's resilience. Both simulators and the gateway run in this process on loopback
// ports; workers send mixed traffic (detail reads, listings walked by cursor, ZWA sub-resources,
// writes with Idempotency-Key, provider and readiness checks) while ~5 % of vendor requests get an
// injected fault (500, 503, 429, reset, malformed, truncated, HTML page, latency beyond the
// timeout). It reports outcomes, latency, memory and open handles at start and end.
// Never part of `npm test`: it runs for minutes (default 10).
import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'
import { request } from 'undici'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/logging/logger.ts'
import { buildCloudlockSimulator } from '../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../src/vendors/zwa/simulator/app.ts'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' }, // seconds
    workers: { type: 'string', default: '8' },
    'fault-rate': { type: 'string', default: '0.05' },
    out: { type: 'string' }, // write the JSON summary here as well
    'heap-snapshots': { type: 'string' } // a directory: heap snapshots at the start and the end of the load
  }
})
const durationMs = Number(values.duration) * 1000
const workers = Number(values.workers)
const faultRate = Number(values['fault-rate'])
if (!(durationMs > 0) || !(workers > 0) || !(faultRate >= 0 && faultRate <= 1)) {
  process.stderr.write('usage: node --expose-gc bench/soak.ts [--duration seconds] [--workers n] [--fault-rate 0..1] [--out file]\n')
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

const baseline = snapshot()
const zwa = await buildZwaSimulator({ keyId: 'soak-id', keySecret: 'soak-secret', count: 300, seed: 7, defaultResolutionCode: null })
const cloudlock = await buildCloudlockSimulator({ token: 'soak-token', count: 300, seed: 7 })
const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })

// Resilience defaults, except the ZWA rate budget: the simulator has no limits here and the soak
// is about the gateway's own stability, not about being held to 30 requests a minute.
const file = join(mkdtempSync(join(tmpdir(), 'gw-soak-')), 'gateway.yaml')
writeFileSync(file, `
server: { log_level: error }
cursor: { secret: ${'s'.repeat(40)} }
observability: { audit_log: 'off' }
limits: { request_timeout_ms: 5000, rate_limit_per_minute: 1000000 }
providers:
  - id: zwa
    type: zwa
    base_url: ${zwaUrl}
    auth: { mode: api_key, key_id: soak-id, key_secret: soak-secret }
    timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 }
    resilience: { rate_budget: { enabled: false } }
  - id: cloudlock
    type: cloudlock
    base_url: ${cloudlockUrl}/api/v2
    token: soak-token
    timeouts: { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 }
api_keys:
  - { name: soak, sha256: ${createHash('sha256').update(KEY).digest('hex')}, scopes: [incidents:read, incidents:write, evidence:read] }
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
const latencies: number[] = []
let transportErrors = 0
let requests = 0

async function call (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Outcome & { body: any }> {
  const started = performance.now()
  requests++
  try {
    const res = await request(`${url}${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.body.text()
    latencies.push(performance.now() - started)
    let parsed: any = null
    try { parsed = JSON.parse(text) } catch {}
    const code = res.statusCode >= 400 ? String(parsed?.code ?? 'unparsed') : undefined
    const key = `${res.statusCode}${code ? ` ${code}` : ''}`
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
    return { status: res.statusCode, code, body: parsed }
  } catch {
    transportErrors++
    return { status: 0, body: null }
  }
}

// Incident ids to read and write, through the gateway (retried until a clean page comes back).
async function ids (provider: string): Promise<string[]> {
  for (let i = 0; i < 20; i++) {
    const res = await call('GET', `/v1/incidents?provider=${provider}&limit=100`)
    if (res.status === 200) return res.body.data.map((x: any) => x.id)
  }
  throw new Error(`could not list ${provider}`)
}
const zwaIds = await ids('zwa')
const clIds = await ids('cloudlock')
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]

const heapSnapshot = (name: string) => {
  if (values['heap-snapshots']) writeHeapSnapshot(join(values['heap-snapshots'], `${name}.heapsnapshot`))
}
heapSnapshot('start')
const start = snapshot()
const startedAt = Date.now()
const endAt = startedAt + durationMs
const samples: Array<ReturnType<typeof snapshot> & { elapsedS: number, requests: number }> = []
const sampler = setInterval(() => samples.push({ ...snapshot(), elapsedS: Math.round((Date.now() - startedAt) / 1000), requests }), Math.min(60_000, Math.max(10_000, durationMs / 4)))

async function worker (): Promise<void> {
  let cursor: string | null = null
  while (Date.now() < endAt) {
    const r = Math.random()
    if (r < 0.45) {
      await call('GET', `/v1/incidents/${pick([...zwaIds, ...clIds])}`)
    } else if (r < 0.65) {
      const res = await call('GET', `/v1/incidents?limit=25${Math.random() < 0.5 ? '&allow_partial=true' : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      cursor = res.status === 200 ? res.body.next_cursor : null
    } else if (r < 0.75) {
      await call('GET', `/v1/incidents/${pick(zwaIds)}/${pick(['history', 'tickets', 'triggers'])}`)
    } else if (r < 0.85) {
      const idem = { 'idempotency-key': randomUUID() }
      if (Math.random() < 0.5) await call('PATCH', `/v1/incidents/${pick(clIds)}`, { external_ref: `SOAK-${requests}` }, idem)
      else await call('POST', `/v1/incidents/${pick(zwaIds)}/notes`, { text: `soak note ${requests}` }, idem)
    } else {
      await call('GET', Math.random() < 0.5 ? '/v1/providers' : '/readyz')
    }
  }
}

process.stderr.write(`soak: ${values.duration} s, ${workers} workers, ${(faultRate * 100).toFixed(1)} % faults, gateway ${url}\n`)
await Promise.all(Array.from({ length: workers }, () => worker()))
clearInterval(sampler)
const end = snapshot()
heapSnapshot('end')
const health = await call('GET', '/v1/providers')
const upstream = {
  zwa: ((await zwa.inject({ method: 'GET', url: '/__sim/faults' })).json().faults as Array<{ hits: number }>).reduce((n, f) => n + f.hits, 0),
  cloudlock: ((await cloudlock.inject({ method: 'GET', url: '/__sim/faults' })).json().faults as Array<{ hits: number }>).reduce((n, f) => n + f.hits, 0)
}

await app.close()
await zwa.close()
await cloudlock.close()
await new Promise((resolve) => setTimeout(resolve, 500))
const closed = snapshot()

const sorted = [...latencies].sort((a, b) => a - b)
const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))] ?? 0)
const summary = {
  durationS: Math.round((Date.now() - startedAt) / 1000),
  workers,
  faultRate,
  requests,
  requestsPerSecond: Math.round(requests / (durationMs / 1000)),
  transportErrors,
  outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
  faultsInjected: upstream,
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: Math.round(sorted.at(-1) ?? 0) },
  providersAtEnd: health.body?.data?.map((p: any) => ({ id: p.id, ...p.health })),
  memory: { baseline, start, end, afterClose: closed, samples },
  gcExposed: gc !== undefined
}
const text = JSON.stringify(summary, null, 2)
process.stdout.write(`${text}\n`)
if (values.out) writeFileSync(values.out, `${text}\n`)
const heapGrowth = end.heapUsedMb - start.heapUsedMb
process.stderr.write(`soak done: ${requests} requests, ${transportErrors} transport errors, heap ${start.heapUsedMb} -> ${end.heapUsedMb} MB (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)}), handles ${JSON.stringify(start.handles)} -> ${JSON.stringify(closed.handles)} after close\n`)
