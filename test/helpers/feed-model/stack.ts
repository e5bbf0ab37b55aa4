import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildApp } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { EmbeddedDatabase } from '../../../src/store/embedded-database.ts'
import { buildCloudlockSimulator } from '../../../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../../../src/vendors/zwa/simulator/app.ts'
import { createPgDatabase, TEST_DATABASE_URL } from '../databases.ts'
import { clock } from './clock.ts'

// Both simulators on the shared clock, ZWA with rate limits, and a gateway that syncs both
// providers only when asked (autostart false) and can be restarted on the same store.

export const ADMIN_KEY = 'feed-model-admin-key-0123456789'
const ZWA_KEY = { id: 'fm-zwa-id', secret: 'fm-zwa-secret' }
const CL_TOKEN = 'fm-cloudlock-token'

export interface Limit { perMinute: number, perHour: number }
export interface ZwaLimits { light: Limit, medium: Limit, token: Limit }

export interface FeedStackOptions {
  zwaCount: number
  cloudlockCount: number
  seed: number
  limits: ZwaLimits
  budgetShare: number
  sync?: string // extra keys of both providers' sync section
  pollIntervalS?: number
  syncNow?: () => number // AppDeps.changeFeed.now; default the shared clock
}

export interface Reply { status: number, body: any }

export interface FeedStack {
  app: () => FastifyInstance
  get: (path: string) => Promise<Reply>
  send: (method: 'POST' | 'PATCH', path: string, body: unknown) => Promise<Reply>
  sim: (provider: 'zwa' | 'cloudlock', method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string,
    body?: unknown) => Promise<Reply>
  pollNow: (provider: 'zwa' | 'cloudlock') => Promise<void>
  restart: () => Promise<void>
  close: () => Promise<void>
}

const sha = (k: string) => createHash('sha256').update(k).digest('hex')
const budget = (l: Limit) => `{ per_minute: ${l.perMinute}, per_hour: ${l.perHour} }`

async function call (url: string, method: string, body: unknown, headers: Record<string, string>): Promise<Reply> {
  const res = await request(url, {
    method: method as 'GET',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.body.text()
  let parsed: unknown = text
  try { parsed = text === '' ? null : JSON.parse(text) } catch {}
  return { status: res.statusCode, body: parsed }
}

// An embedded data directory takes PGlite seconds to create (initdb), a copy of one under a second:
// one empty directory per process, copied for each stack.
let template: Promise<string> | undefined
async function emptyDataDir (): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feed-model-template-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    await (await EmbeddedDatabase.open(dir)).close()
    return dir
  })()
  const dir = mkdtempSync(join(tmpdir(), 'feed-model-store-'))
  cpSync(await template, dir, { recursive: true })
  return dir
}

// The store: a fresh PostgreSQL database when TEST_DATABASE_URL is set, else an embedded store in a
// directory of its own (persisted, so a restart opens it again).
async function storeYaml (teardowns: Array<() => Promise<void> | void>): Promise<string> {
  if (TEST_DATABASE_URL) {
    const url = await createPgDatabase({ teardown: (fn) => { teardowns.push(fn) } })
    return `store: { database_url: "${url}" }`
  }
  const dir = await emptyDataDir()
  teardowns.push(() => rmSync(dir, { recursive: true, force: true }))
  return `store: { data_dir: "${dir}" }`
}

export async function startFeedStack (o: FeedStackOptions): Promise<FeedStack> {
  const teardowns: Array<() => Promise<void> | void> = []
  const zwa = await buildZwaSimulator({
    keyId: ZWA_KEY.id,
    keySecret: ZWA_KEY.secret,
    count: o.zwaCount,
    seed: o.seed,
    clock: clock.now,
    defaultResolutionCode: null,
    rateLimits: { ...o.limits, scope: 'class' },
    requestLogSize: 100_000
  })
  const cloudlock = await buildCloudlockSimulator({
    token: CL_TOKEN, count: o.cloudlockCount, seed: o.seed, clock: clock.now, requestLogSize: 100_000
  })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const clUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
  teardowns.push(() => zwa.close(), () => cloudlock.close())
  const sync = `sync: { enabled: true, budget_share: ${o.budgetShare}, poll_interval_s: ${o.pollIntervalS ?? 1}, ` +
    `${o.sync ?? 'lookback_s: 5, open_recheck_interval_s: 1, reconcile_interval_h: 0.01'} }`
  const dir = mkdtempSync(join(tmpdir(), 'feed-model-'))
  teardowns.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'f'.repeat(40)} }
observability: { audit_log: "off" }
# Off: the shared clock jumps, and shedding starts "two sample intervals after ready" by Date.now.
load_shedding: { max_event_loop_delay_ms: 0 }
limits: { rate_limit_per_minute: 1000000 }
${await storeYaml(teardowns)}
providers:
  - id: zwa
    type: zwa
    base_url: ${zwaUrl}
    auth: { mode: api_key, key_id: ${ZWA_KEY.id}, key_secret: ${ZWA_KEY.secret} }
    resilience:
      rate_budget: { light: ${budget(o.limits.light)}, medium: ${budget(o.limits.medium)}, token: ${budget(o.limits.token)} }
    ${sync}
  - id: cloudlock
    type: cloudlock
    base_url: ${clUrl}/api/v2
    token: ${CL_TOKEN}
    ${sync}
api_keys:
  - { name: admin, sha256: ${sha(ADMIN_KEY)}, scopes: [incidents:read, incidents:write, evidence:read] }
`)
  const config = loadConfig({ GATEWAY_CONFIG: file, LOG_LEVEL: 'silent' })
  let app: FastifyInstance | null = null
  let url = ''
  const start = async () => {
    app = await buildApp(config, { changeFeed: { autostart: false, now: o.syncNow ?? clock.now } })
    url = await app.listen({ host: '127.0.0.1', port: 0 })
  }
  await start()
  const auth = { authorization: `Bearer ${ADMIN_KEY}` }
  const simUrl = (p: 'zwa' | 'cloudlock') => p === 'zwa' ? zwaUrl : clUrl
  return {
    app: () => app!,
    get: (path) => call(`${url}${path}`, 'GET', undefined, auth),
    send: (method, path, body) => call(`${url}${path}`, method, body, auth),
    sim: (provider, method, path, body) => call(`${simUrl(provider)}${path}`, method, body, {}),
    pollNow: (provider) => app!.sync!.pollNow(provider),
    restart: async () => {
      await app!.close()
      await start()
    },
    close: async () => {
      await app?.close()
      for (const fn of teardowns.reverse()) await fn()
    }
  }
}
