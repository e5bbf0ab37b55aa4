import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { Webhook } from 'standardwebhooks'
import { buildApp, type AppDeps } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import type { Database } from '../../src/store/database.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { captureLogs, type LogCapture } from '../helpers/build.ts'
import { incident } from '../helpers/incidents.ts'

// A webhook receiver and a gateway with a store and no vendor traffic, for the webhook tests.

export const KEYS = {
  admin: 'wh-admin-key-0123456789abc', // webhooks:manage, incidents:read, evidence:read; every provider
  limited: 'wh-limited-key-0123456789ab', // webhooks:manage, evidence:read; provider cl only
  plain: 'wh-plain-key-0123456789abcd', // webhooks:manage only: no evidence:read
  reader: 'wh-reader-key-0123456789abc' // incidents:read only
}
const sha = (k: string) => createHash('sha256').update(k).digest('hex')

export interface Arrival {
  id: string // webhook-id
  timestamp: number // webhook-timestamp
  verified: boolean // the signature verified with the receiver's secret(s)
  body: any
  at: number // Date.now() at arrival
  status: number // what the receiver answered
}

export type Answer = { status: number, delayMs?: number, slowBodyMs?: number, location?: string }

export interface Receiver {
  url: string
  app: FastifyInstance
  arrivals: Arrival[]
  secrets: string[] // any of them verifies
  respond: (arrival: Omit<Arrival, 'status'>, n: number) => Answer // default 200
  waitFor: (predicate: (arrivals: Arrival[]) => boolean, ms?: number) => Promise<void>
  close: () => Promise<void>
}

// A Fastify app on a loopback port that verifies every delivery with the standardwebhooks library
// (the receiver side of docs/webhooks.md) and answers as the test says.
export async function startReceiver (): Promise<Receiver> {
  const app = Fastify()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  const receiver: Receiver = {
    url: '',
    app,
    arrivals: [],
    secrets: [],
    respond: () => ({ status: 200 }),
    waitFor: async (predicate, ms = 20_000) => {
      const until = Date.now() + ms
      while (!predicate(receiver.arrivals)) {
        if (Date.now() > until) throw new Error(`timed out waiting; ${receiver.arrivals.length} arrivals`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    close: () => app.close()
  }
  let n = 0
  app.post('/*', async (request, reply) => {
    const raw = request.body as string
    const headers = request.headers as Record<string, string>
    const verified = receiver.secrets.some((s) => {
      try {
        new Webhook(s).verify(raw, headers)
        return true
      } catch {
        return false
      }
    })
    const base = {
      id: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), verified, body: JSON.parse(raw), at: Date.now()
    }
    const answer = receiver.respond(base, n++)
    receiver.arrivals.push({ ...base, status: answer.status })
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
    if (answer.location) reply.header('location', answer.location)
    if (answer.slowBodyMs) {
      reply.raw.writeHead(answer.status, { 'content-type': 'text/plain' })
      reply.raw.write('a')
      await new Promise((resolve) => setTimeout(resolve, answer.slowBodyMs))
      reply.raw.end('b')
      return reply
    }
    return reply.code(answer.status).send('ok')
  })
  receiver.url = await app.listen({ host: '127.0.0.1', port: 0 })
  return receiver
}

export interface GatewayOptions {
  database?: Database // absent: no store (no provider syncs)
  webhooksYaml?: string // the webhooks section's keys
  deps?: AppDeps['webhooks']
  audit?: boolean
}

export interface Gateway {
  app: FastifyInstance
  logs: LogCapture
  audit: Array<Record<string, unknown>>
  call: (method: string, url: string, body?: unknown, key?: string) => Promise<{ status: number, body: any }>
  // Appends changes the way sync would: observations of provider `provider`.
  record: (provider: string, incidents: IncidentT[]) => Promise<void>
  close: () => Promise<void>
}

// The test defaults (fast scans and retries, loopback receivers), overridden by `a: 1, b: 2`.
function webhookSettings (overrides: string): string {
  const settings: Record<string, string> = {
    allow_private_networks: 'true', scan_interval_ms: '50', retry_base_ms: '20', retry_max_ms: '200'
  }
  for (const pair of overrides.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = pair.split(':').map((p) => p.trim())
    settings[key] = value
  }
  return Object.entries(settings).map(([k, v]) => `${k}: ${v}`).join(', ')
}

export async function startGateway (opts: GatewayOptions): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-webhooks-'))
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'w'.repeat(40)} }
load_shedding: { max_event_loop_delay_ms: 0 }
webhooks: { ${webhookSettings(opts.webhooksYaml ?? '')} }
providers:
  - { id: cl, type: cloudlock, base_url: "http://127.0.0.1:9/api/v2", token: t }
  - { id: cl2, type: cloudlock, base_url: "http://127.0.0.1:9/api/v2", token: t }
api_keys:
  - { name: admin, sha256: ${sha(KEYS.admin)}, scopes: [webhooks:manage, incidents:read, evidence:read] }
  - { name: limited, sha256: ${sha(KEYS.limited)}, scopes: [webhooks:manage, evidence:read], providers: [cl] }
  - { name: plain, sha256: ${sha(KEYS.plain)}, scopes: [webhooks:manage] }
  - { name: reader, sha256: ${sha(KEYS.reader)}, scopes: [incidents:read] }
`)
  const { logger, capture } = captureLogs('warn')
  const audit: Array<Record<string, unknown>> = []
  const { Writable } = await import('node:stream')
  const auditStream = new Writable({
    write (chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) audit.push(JSON.parse(line))
      cb()
    }
  })
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file, AUDIT_LOG: 'off' }), {
    logger,
    auditStream,
    changeFeed: opts.database ? { autostart: false, database: opts.database } : { autostart: false },
    webhooks: opts.deps
  })
  await app.ready()
  return {
    app,
    logs: capture,
    audit,
    call: async (method, url, body, key = KEYS.admin) => {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(body === undefined ? {} : { payload: body as object })
      })
      let parsed: unknown = res.body
      try { parsed = JSON.parse(res.body) } catch {}
      return { status: res.statusCode, body: parsed as any }
    },
    record: async (provider, incidents) => {
      await app.mirror!.record(provider, incidents.map((i) => ({ incident: i, observedAt: new Date() })))
    },
    close: () => app.close()
  }
}

// A cloudlock incident of provider `provider` in state number `version` (each version differs).
export function version (provider: string, nativeId: string, v: number, over: Partial<IncidentT> = {}): IncidentT {
  return incident({
    native_id: nativeId,
    provider_type: 'cloudlock',
    title: `incident ${nativeId} v${v}`,
    updated_at: new Date(Date.UTC(2026, 0, 1) + v * 1000).toISOString(),
    ...over
  }, provider)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
