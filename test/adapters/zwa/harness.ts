// Boots the ZWA simulator on an ephemeral port with a hand-driven clock shared by the adapter, and
// reads the simulator's request log, so tests assert what the adapter really sent.
import { request } from 'undici'
import type { ZwaProviderConfigT } from '../../../src/config/schema.ts'
import { createZwaAdapter } from '../../../src/vendors/zwa/adapter.ts'
import type { ListFilters, ListPage, NativePosition, ProviderAdapter } from '../../../src/adapters/types.ts'
import { createManualClock, type ManualClock } from '../../../src/sim-kit/clock.ts'
import { buildZwaSimulator, type ZwaSimOptions } from '../../../src/vendors/zwa/simulator/app.ts'
import { compareNativeIds } from '../../../src/adapters/stream-order.ts'

export const START = Date.parse('2025-07-01T00:00:00Z')
export const KEY_ID = 'gw-key-id'
export const KEY_SECRET = 'gw-key-secret-do-not-log'
export const CLIENT_ID = 'gw-client'
export const CLIENT_SECRET = 'gw-client-secret-do-not-log'

export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, unknown>
  headers: Record<string, string>
  body: any
  status: number | null
}

export interface Harness {
  url: string
  clock: ManualClock
  adapter: ProviderAdapter
  requests: (filter?: (r: LoggedRequest) => boolean) => Promise<LoggedRequest[]>
  requestsText: () => Promise<string> // the raw log, where integers beyond 2^53 are still exact
  clearLog: () => Promise<void>
  fault: (fault: Record<string, unknown>) => Promise<void>
  admin: (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<any>
  vendor: (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<any> // direct, with a token of its own
}

interface Teardown { teardown: (fn: () => unknown) => void }

export interface HarnessOptions {
  sim?: ZwaSimOptions
  // Runs before the simulator handles each request (e.g. to move the clock in the middle of a listPage).
  onRequest?: (req: { method: string, url: string }) => void
  config?: Partial<ZwaProviderConfigT>
  oneApi?: boolean
  logger?: import('pino').Logger
}

async function http (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, json: any, text: string }> {
  const res = await request(url, {
    method: method as 'GET',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.body.text()
  let json: any
  try { json = text ? JSON.parse(text) : undefined } catch { json = undefined }
  return { status: res.statusCode, json, text }
}

export async function startZwa (t: Teardown, opts: HarnessOptions = {}): Promise<Harness> {
  const clock = createManualClock(START)
  const sim = await buildZwaSimulator({
    count: 250,
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clock: clock.clock,
    ...opts.sim
  })
  const onRequest = opts.onRequest
  if (onRequest) sim.addHook('onRequest', async (req) => { onRequest({ method: req.method, url: req.url }) })
  const url = await sim.listen({ port: 0, host: '127.0.0.1' })
  const config: ZwaProviderConfigT = {
    id: 'zwa',
    type: 'zwa',
    base_url: url,
    path_prefix: opts.oneApi ? '/zwa/dlp/v1' : '/dlp/v1',
    auth: opts.oneApi
      ? { mode: 'oneapi', token_url: `${url}/oauth2/v1/token`, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, audience: 'https://api.zscaler.com' }
      : { mode: 'api_key', key_id: KEY_ID, key_secret: KEY_SECRET },
    timeouts: { connect_ms: 2000, headers_ms: 2000, body_ms: 2000 },
    max_connections: 8,
    ...opts.config
  }
  const adapter = createZwaAdapter(config, { now: clock.clock, logger: opts.logger })
  t.teardown(async () => {
    await adapter.shutdown()
    await sim.close()
  })
  let vendorToken: string | null = null
  const h: Harness = {
    url,
    clock,
    adapter,
    async requests (filter = (r) => !r.path.startsWith('/__sim')) {
      const res = await http('GET', `${url}/__sim/requests`)
      return (res.json.requests as LoggedRequest[]).filter(filter)
    },
    async requestsText () { return (await http('GET', `${url}/__sim/requests`)).text },
    async clearLog () { await http('DELETE', `${url}/__sim/requests`) },
    async fault (fault) {
      const res = await http('POST', `${url}/__sim/faults`, fault)
      if (res.status !== 201) throw new Error(`fault refused: ${res.text}`)
    },
    async admin (method, path, body) { return (await http(method, `${url}/__sim${path}`, body)).json },
    async vendor (method, path, body) {
      vendorToken ??= (await http('POST', `${url}/v1/auth/api-key/token`, { key_id: KEY_ID, key_secret: KEY_SECRET })).json.token
      return (await http(method, `${url}${path}`, body, { authorization: `Bearer ${vendorToken}` })).json
    }
  }
  return h
}

// Incident-API requests only (no token requests, no admin calls).
export const incidentCalls = (r: LoggedRequest) => r.path.includes('/incidents')
export const tokenCalls = (r: LoggedRequest) => r.path === '/v1/auth/api-key/token' || r.path === '/oauth2/v1/token'

export interface Walk {
  ids: string[]
  calls: number[] // upstreamCalls of each listPage
  pages: ListPage[]
  exhaustedAt: number
}

// Walks the adapter's stream to its end the way the merge does: positions go through JSON, as they
// do inside the cursor.
export async function walkAll (adapter: ProviderAdapter, want: number, filters: ListFilters = {}, pinnedAt = new Date(START).toISOString(), between?: (step: number) => Promise<void>): Promise<Walk> {
  const walk: Walk = { ids: [], calls: [], pages: [], exhaustedAt: -1 }
  let position: NativePosition | null = null
  for (let step = 0; step < 1000; step++) {
    if (between) await between(step)
    const page = await adapter.listPage({ filters, position, pinnedAt, want })
    walk.calls.push(page.upstreamCalls)
    walk.pages.push(page)
    walk.ids.push(...page.items.map((i) => i.incident.native_id))
    if (page.exhausted) {
      walk.exhaustedAt = step
      return walk
    }
    const next = page.scannedTo ?? page.items.at(-1)?.after
    if (!next) throw new Error('no progress and not exhausted')
    position = JSON.parse(JSON.stringify(next))
  }
  throw new Error('walk did not end')
}

// Every incident the vendor search holds for `body`, read straight from the simulator: the oracle.
export async function vendorSearchAll (h: Harness, body: unknown): Promise<any[]> {
  const first = await h.vendor('POST', '/dlp/v1/incidents/search?pageSize=100', body)
  const out = [...first.incidents]
  for (let page = 1; page < first.cursor.totalPages; page++) {
    const next = await h.vendor('POST', `/dlp/v1/incidents/search?pageSize=100&page=${page}&pageId=${first.cursor.pageId}`, body)
    out.push(...next.incidents)
  }
  return out
}

// A minimal native record; the simulator fills nothing else in, so the adapter sees exactly this.
export function record (internalId: string, createdAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    internalId,
    transactionId: internalId.slice(-20).replace(/^-+/, ''),
    severity: 'HIGH',
    priority: 'LOW',
    status: 'NEW',
    resolution: null,
    createdAt,
    lastUpdatedAt: createdAt,
    labels: null,
    ...extra
  }
}

// The stream order a walk must produce (spec section 5), whatever order the vendor gives ties in:
// newest createdAt first, equal ones by internalId descending.
export function modelOrder (records: Array<Record<string, any>>): string[] {
  return [...records]
    .sort((a, b) => (Date.parse(b.createdAt) - Date.parse(a.createdAt)) || compareNativeIds(b.internalId, a.internalId))
    .map((r) => String(r.internalId))
}

// Each item's position names its own creation instant (µs) and internalId, except after the last
// incident of a group (a page hands on whole groups), where l '' says the whole instant is consumed;
// and items are in stream order. Under a gateway-side filter the group's last incident may not
// match: the last item shown of it then names itself, so either form is right there.
export const positionsAreIdentities = (page: ListPage): boolean => identities(page, false)
export const filteredPositionsAreIdentities = (page: ListPage): boolean => identities(page, true)

function identities (page: ListPage, filtered: boolean): boolean {
  return page.items.every((item, i) => {
    const next = page.items[i + 1]
    const lastOfGroup = next === undefined || next.createdMicros !== item.createdMicros
    const b = item.createdMicros.toString()
    const own = JSON.stringify(item.after) === JSON.stringify({ b, l: item.incident.native_id })
    const consumed = JSON.stringify(item.after) === JSON.stringify({ b, l: '' })
    const named = lastOfGroup ? consumed || (filtered && own) : own
    const prev = page.items[i - 1]
    const ordered = prev === undefined || prev.createdMicros > item.createdMicros ||
      (prev.createdMicros === item.createdMicros && compareNativeIds(prev.incident.native_id, item.incident.native_id) > 0)
    return named && ordered
  })
}
