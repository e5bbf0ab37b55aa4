import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'

export const ADMIN_KEY = 'obs-admin-key-0123456789'
export const READER_KEY = 'obs-reader-key-0123456789'
const sha = (k: string) => createHash('sha256').update(k).digest('hex')

export function tempDir (): string {
  return mkdtempSync(join(tmpdir(), 'gw-obs-'))
}

export function writeYaml (content: string): string {
  const file = join(tempDir(), 'gateway.yaml')
  writeFileSync(file, content)
  return file
}

export interface ObsStackOptions {
  auditLog?: string // observability.audit_log; default: a file in a temp directory
  maxConnections?: number
  count?: number
  extraYaml?: string
  extend?: (app: FastifyInstance) => void // hooks added before the gateway listens
}

export interface ObsStack {
  app: FastifyInstance
  url: string
  zwa: FastifyInstance
  cloudlock: FastifyInstance
  zwaUrl: string
  cloudlockUrl: string
  auditFile: string
  auditEvents: () => Array<Record<string, any>>
  call: (method: string, path: string, opts?: { body?: unknown, key?: string | null, headers?: Record<string, string> }) => Promise<{ status: number, headers: Record<string, unknown>, body: any, text: string }>
  metrics: () => Promise<string>
  simRequests: (sim: 'zwa' | 'cloudlock') => Promise<Array<{ method: string, path: string, headers: Record<string, string> }>>
  close: () => Promise<void>
}

// Both simulators and the gateway on real loopback ports (like test/helpers/stack.ts), with the
// knobs these tests need: the audit log destination and the upstream pool size.
export async function startObsStack (opts: ObsStackOptions = {}): Promise<ObsStack> {
  const zwa = await buildZwaSimulator({ keyId: 'zwa-id', keySecret: 'zwa-secret', count: opts.count ?? 12, seed: 5, defaultResolutionCode: null })
  const cloudlock = await buildCloudlockSimulator({ token: 'cl-token', count: opts.count ?? 12, seed: 5 })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
  const auditFile = opts.auditLog ?? join(tempDir(), 'audit.log')
  const pool = `max_connections: ${opts.maxConnections ?? 16}, timeouts: { connect_ms: 2000, headers_ms: 2000, body_ms: 2000 }`
  const file = writeYaml(`
cursor: { secret: ${'c'.repeat(40)} }
observability: { audit_log: '${auditFile}' }
providers:
  - { id: zwa, type: zwa, base_url: '${zwaUrl}', auth: { mode: api_key, key_id: zwa-id, key_secret: zwa-secret }, ${pool} }
  - { id: cloudlock, type: cloudlock, base_url: '${cloudlockUrl}/api/v2', token: cl-token, ${pool} }
api_keys:
  - { name: obs-admin, sha256: ${sha(ADMIN_KEY)}, scopes: [incidents:read, incidents:write, evidence:read] }
  - { name: obs-reader, sha256: ${sha(READER_KEY)}, scopes: [incidents:read] }
${opts.extraYaml ?? ''}
`)
  const logs = new Writable({ write (_chunk, _enc, cb) { cb() } })
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file }), { logger: createLogger({ level: 'silent', stream: logs }) })
  opts.extend?.(app)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })

  const call: ObsStack['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers }
    if (o.key !== null) headers.authorization = `Bearer ${o.key ?? ADMIN_KEY}`
    if (o.body !== undefined) headers['content-type'] = 'application/json'
    const res = await request(`${url}${path}`, { method: method as 'GET', headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) })
    const text = await res.body.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch {}
    return { status: res.statusCode, headers: res.headers as Record<string, unknown>, body, text }
  }
  return {
    app,
    url,
    zwa,
    cloudlock,
    zwaUrl,
    cloudlockUrl,
    auditFile,
    auditEvents: () => {
      let text = ''
      try { text = readFileSync(auditFile, 'utf8') } catch {}
      return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
    },
    call,
    metrics: async () => (await call('GET', '/metrics', { key: null })).text,
    // Read through inject, so reading the log is not itself an HTTP call the gateway could see.
    simRequests: async (sim) => (await (sim === 'zwa' ? zwa : cloudlock).inject({ url: '/__sim/requests' })).json().requests,
    close: async () => {
      await app.close()
      await zwa.close()
      await cloudlock.close()
    }
  }
}

// One sample line of a Prometheus text exposition: `name{a="b",...} value`.
export interface Sample { name: string, labels: Record<string, string>, value: number }

export function parseMetrics (text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`unparseable metrics line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v
    out.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return out
}

// The samples of `name` whose labels include `labels`.
export function samples (all: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

export const value = (all: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples(all, name, labels).reduce((sum, s) => sum + s.value, 0)
