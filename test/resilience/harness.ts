// Both simulators and the gateway on real loopback ports, configured through YAML like an
// operator would, with a resilience section per provider; plus the simulators' admin API (faults,
// request log) so tests count the exact upstream attempts.
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { buildCloudlockSimulator, type CloudlockSimOptions } from '../../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator, type ZwaSimOptions } from '../../src/vendors/zwa/simulator/app.ts'
import { captureLogs, type LogCapture } from '../helpers/build.ts'

export const KEY = 'resilience-test-key-0123456789'
const sha = (k: string) => createHash('sha256').update(k).digest('hex')

export interface HarnessOptions {
  count?: number
  zwaSim?: ZwaSimOptions
  cloudlockSim?: Partial<CloudlockSimOptions>
  zwaResilience?: string // YAML flow mapping, e.g. "{ retries: 2 }"
  cloudlockResilience?: string
  timeouts?: { connect_ms: number, headers_ms: number, body_ms: number }
  yaml?: string // extra top-level YAML
  requestTimeoutMs?: number
  logLevel?: string
}

export interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: any, ms: number }

export interface LoggedRequest { method: string, path: string, query: Record<string, unknown>, status: number | null }

export interface Sim {
  app: FastifyInstance
  url: string
  fault: (fault: Record<string, unknown>) => Promise<void>
  clearFaults: () => Promise<void>
  requests: (pathPrefix: string, method?: string) => Promise<LoggedRequest[]>
  clearLog: () => Promise<void>
}

export interface Harness {
  app: FastifyInstance
  url: string
  zwa: Sim
  cloudlock: Sim
  logs: LogCapture
  get: (path: string) => Promise<Reply>
  send: (method: 'POST' | 'PATCH', path: string, body: unknown, headers?: Record<string, string>) => Promise<Reply>
  close: () => Promise<void>
}

function simOf (app: FastifyInstance, url: string): Sim {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await app.inject({ method: method as 'GET', url: `/__sim${path}`, payload: body as object | undefined })
    return { status: res.statusCode, json: res.body ? res.json() : undefined }
  }
  return {
    app,
    url,
    async fault (fault) {
      const res = await admin('POST', '/faults', fault)
      if (res.status !== 201) throw new Error(`fault refused: ${JSON.stringify(res.json)}`)
    },
    async clearFaults () { await admin('DELETE', '/faults') },
    async requests (pathPrefix, method) {
      const res = await admin('GET', '/requests')
      return (res.json.requests as LoggedRequest[]).filter((r) => r.path.startsWith(pathPrefix) && (method === undefined || r.method === method))
    },
    async clearLog () { await admin('DELETE', '/requests') }
  }
}

export async function startHarness (opts: HarnessOptions = {}): Promise<Harness> {
  const zwa = await buildZwaSimulator({ keyId: 'zwa-id', keySecret: 'zwa-secret', count: opts.count ?? 30, seed: 11, defaultResolutionCode: null, ...opts.zwaSim })
  const cloudlock = await buildCloudlockSimulator({ token: 'cl-token', count: opts.count ?? 30, seed: 11, ...opts.cloudlockSim })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
  const t = opts.timeouts ?? { connect_ms: 2000, headers_ms: 3000, body_ms: 3000 }
  const timeouts = `{ connect_ms: ${t.connect_ms}, headers_ms: ${t.headers_ms}, body_ms: ${t.body_ms} }`
  const dir = mkdtempSync(join(tmpdir(), 'gw-resilience-'))
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'r'.repeat(40)} }
observability: { audit_log: 'off' }
limits: { request_timeout_ms: ${opts.requestTimeoutMs ?? 10_000}, rate_limit_per_minute: 100000 }
load_shedding: { max_event_loop_delay_ms: 0 } # fault tests, not load tests: a busy CI machine must not shed them
providers:
  - id: zwa
    type: zwa
    base_url: ${zwaUrl}
    auth: { mode: api_key, key_id: zwa-id, key_secret: zwa-secret }
    timeouts: ${timeouts}
    resilience: ${opts.zwaResilience ?? '{}'}
  - id: cloudlock
    type: cloudlock
    base_url: ${cloudlockUrl}/api/v2
    token: cl-token
    timeouts: ${timeouts}
    resilience: ${opts.cloudlockResilience ?? '{}'}
api_keys:
  - { name: admin, sha256: ${sha(KEY)}, scopes: [incidents:read, incidents:write, evidence:read] }
${opts.yaml ?? ''}
`)
  const { logger, capture } = captureLogs(opts.logLevel ?? 'warn')
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file }), { logger })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })

  const call = async (method: string, path: string, body: unknown, extra: Record<string, string> = {}): Promise<Reply> => {
    const started = Date.now()
    const res = await request(`${url}${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.body.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: res.statusCode, headers: res.headers, body: parsed, ms: Date.now() - started }
  }
  return {
    app,
    url,
    zwa: simOf(zwa, zwaUrl),
    cloudlock: simOf(cloudlock, cloudlockUrl),
    logs: capture,
    get: (path) => call('GET', path, undefined),
    send: (method, path, body, headers) => call(method, path, body, headers),
    close: async () => {
      await app.close()
      await zwa.close()
      await cloudlock.close()
    }
  }
}
