import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildApp, type AppDeps } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { buildCloudlockSimulator, type CloudlockSimOptions } from '../../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'
import type { ZwaSimOptions } from '../../src/vendors/zwa/simulator/options.ts'
import { captureLogs, type LogCapture } from './build.ts'

export const KEYS = {
  admin: 'test-admin-key-0123456789',
  reader: 'test-reader-key-0123456789',
  cloudlockOnly: 'test-cloudlock-only-key-0123',
  noEvidence: 'test-no-evidence-key-0123456'
}
const sha = (k: string) => createHash('sha256').update(k).digest('hex')

export interface StackOptions {
  count?: number
  seed?: number
  zwaRecords?: unknown[]
  cloudlockRecords?: unknown[]
  yaml?: string // extra top-level YAML appended to the generated config
  timeoutsMs?: number
  cloudlockOptions?: Partial<CloudlockSimOptions> // e.g. lenientRecords, pageCap, tieOrder
  zwaOptions?: Partial<ZwaSimOptions> // e.g. rateLimits, pageCap, tieOrder
  providerYaml?: { zwa?: string, cloudlock?: string } // extra keys of each provider entry, e.g. `sync: {...}`
  appDeps?: Omit<AppDeps, 'logger'> // e.g. changeFeed: { autostart: false }
}

export interface Stack {
  app: FastifyInstance
  url: string
  zwa: FastifyInstance
  cloudlock: FastifyInstance
  zwaUrl: string
  cloudlockUrl: string
  logs: LogCapture
  get: (path: string, key?: string) => Promise<{ status: number, headers: Record<string, unknown>, body: any }>
  send: (method: 'POST' | 'PATCH', path: string, body: unknown, key?: string) => Promise<{ status: number, headers: Record<string, unknown>, body: any }>
  close: () => Promise<void>
}

// Both simulators and the gateway on real loopback ports, configured through a YAML file the
// way an operator would.
export async function startStack (opts: StackOptions = {}): Promise<Stack> {
  const zwa = await buildZwaSimulator({ keyId: 'zwa-test-id', keySecret: 'zwa-test-secret', count: opts.count ?? 60, seed: opts.seed ?? 3, incidents: opts.zwaRecords, defaultResolutionCode: null, ...opts.zwaOptions })
  const cloudlock = await buildCloudlockSimulator({ token: 'cloudlock-test-token', count: opts.count ?? 60, seed: opts.seed ?? 3, incidents: opts.cloudlockRecords, ...opts.cloudlockOptions })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
  const t = opts.timeoutsMs ?? 3000
  const dir = mkdtempSync(join(tmpdir(), 'gw-stack-'))
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'c'.repeat(40)} }
observability: { audit_log: "off" }
providers:
  - id: zwa
    type: zwa
    base_url: ${zwaUrl}
    auth: { mode: api_key, key_id: zwa-test-id, key_secret: zwa-test-secret }
    timeouts: { connect_ms: ${t}, headers_ms: ${t}, body_ms: ${t} }
    # this simulator has no rate limits, and the tests walk far faster than ZWA's 20 searches a minute
    resilience: { rate_budget: { enabled: false } }
    ${opts.providerYaml?.zwa ?? ''}
  - id: cloudlock
    type: cloudlock
    base_url: ${cloudlockUrl}/api/v2
    token: cloudlock-test-token
    timeouts: { connect_ms: ${t}, headers_ms: ${t}, body_ms: ${t} }
    ${opts.providerYaml?.cloudlock ?? ''}
api_keys:
  - { name: admin, sha256: ${sha(KEYS.admin)}, scopes: [incidents:read, incidents:write, evidence:read] }
  - { name: reader, sha256: ${sha(KEYS.reader)}, scopes: [incidents:read] }
  - { name: cl-only, sha256: ${sha(KEYS.cloudlockOnly)}, scopes: [incidents:read, incidents:write, evidence:read], providers: [cloudlock] }
  - { name: no-evidence, sha256: ${sha(KEYS.noEvidence)}, scopes: [incidents:read, incidents:write] }
${opts.yaml ?? ''}
`)
  const { logger, capture } = captureLogs('info')
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file }), { ...opts.appDeps, logger })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })

  const call = (method: string, path: string, body: unknown, key: string | undefined, headers: Record<string, string> = {}) =>
    httpCall(url, method, path, { body, key, headers })
  return {
    app,
    url,
    zwa,
    cloudlock,
    zwaUrl,
    cloudlockUrl,
    logs: capture,
    get: (path, key) => call('GET', path, undefined, key),
    send: (method, path, body, key) => call(method, path, body, key),
    close: async () => {
      await app.close()
      await zwa.close()
      await cloudlock.close()
    }
  }
}

// One request to a gateway at `url` as a test key (admin unless `key`; '' sends no credentials).
export async function httpCall (url: string, method: string, path: string,
  opts: { body?: unknown, headers?: Record<string, string>, key?: string } = {}) {
  const { body, key, headers = {} } = opts
  const res = await request(`${url}${path}`, {
    method: method as 'GET',
    headers: { ...(key === '' ? {} : { authorization: `Bearer ${key ?? KEYS.admin}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.body.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch {}
  return { status: res.statusCode, headers: res.headers as Record<string, unknown>, body: parsed as any }
}

// Walks next_cursor to the end; returns every page.
export async function walk (stack: Stack, query: string, key?: string, from: string | null = null, maxPages = 500) {
  const pages: any[] = []
  let cursor: string | null = from
  do {
    const sep = query ? '&' : ''
    const res = await stack.get(`/v1/incidents?${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, key)
    if (res.status !== 200) throw new Error(`walk page ${pages.length} failed: ${res.status} ${JSON.stringify(res.body)}`)
    pages.push(res.body)
    cursor = res.body.next_cursor
  } while (cursor && pages.length < maxPages)
  return pages
}
