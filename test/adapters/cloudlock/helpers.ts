// Test kit for the Cloudlock adapter: the real simulator on an ephemeral loopback port, the adapter
// pointed at it, the simulator's admin API, a model of what a walk must return, and a walker that
// consumes pages the way the merge does.
import type { Test } from 'tap'
import { request } from 'undici'
import { createCloudlockAdapter } from '../../../src/vendors/cloudlock/adapter.ts'
import type { ListFilters, ListPage, NativePosition, ProviderAdapter } from '../../../src/adapters/types.ts'
import type { CloudlockProviderConfigT } from '../../../src/config/schema.ts'
import type { IncidentT } from '../../../src/schemas/incident.ts'
import { buildCloudlockSimulator, type CloudlockSimOptions } from '../../../src/vendors/cloudlock/simulator/app.ts'
import { formatTimestampUs, parseTimestampUs } from '../../../src/vendors/cloudlock/simulator/time.ts'
import { record as simRecord } from '../../simulators/helpers/cloudlock.ts'

export const TOKEN = 'cl-test-token-5f2b9c7e1d'

export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string | string[]>
  headers: Record<string, string>
  body: unknown
  status: number | null
  at: string
}

export interface Json { status: number, headers: Record<string, string | string[] | undefined>, json: any }

export interface Sim {
  base: string // http://127.0.0.1:port
  url: string // the adapter's base_url (…/api/v2)
  admin: (method: string, path: string, body?: unknown) => Promise<Json>
  vendor: (method: string, path: string, body?: unknown) => Promise<Json> // with the tenant token
  requests: () => Promise<LoggedRequest[]> // vendor requests only, oldest first
  clearRequests: () => Promise<void>
  fault: (fault: Record<string, unknown>) => Promise<void>
  load: (records: unknown[]) => Promise<string[]> // replaces the data set with exactly these records
}

async function http (url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
  const res = await request(url, {
    method: method as 'GET',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.body.text()
  let json: unknown
  try { json = text ? JSON.parse(text) : undefined } catch { json = text }
  return { status: res.statusCode, headers: res.headers, json }
}

export async function startSim (t: Test, opts: Partial<CloudlockSimOptions> = {}): Promise<Sim> {
  const app = await buildCloudlockSimulator({ token: TOKEN, count: 0, ...opts })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('simulator has no port')
  const base = `http://127.0.0.1:${address.port}`
  const admin = (method: string, path: string, body?: unknown) => http(`${base}/__sim${path}`, method, body)
  const sim: Sim = {
    base,
    url: `${base}/api/v2`,
    admin,
    vendor: (method, path, body) => http(`${base}/api/v2${path}`, method, body, { authorization: `Bearer ${TOKEN}` }),
    async requests () {
      const res = await admin('GET', '/requests')
      return (res.json.requests as LoggedRequest[]).filter((r) => r.path.startsWith('/api/v2'))
    },
    async clearRequests () {
      await admin('DELETE', '/requests')
    },
    async fault (fault) {
      const res = await admin('POST', '/faults', fault)
      if (res.status !== 201) throw new Error(`fault refused: ${JSON.stringify(res.json)}`)
    },
    async load (records) {
      // reset restores the (empty) seeded state; the records become the whole data set.
      await admin('POST', '/reset')
      const res = records.length ? await admin('POST', '/incidents', records) : { status: 201, json: { ids: [] } }
      if (res.status !== 201) throw new Error(`records refused: ${JSON.stringify(res.json)}`)
      await admin('DELETE', '/requests')
      return res.json.ids as string[]
    }
  }
  return sim
}

export function adapterConfig (baseUrl: string, overrides: Partial<CloudlockProviderConfigT> = {}): CloudlockProviderConfigT {
  return {
    id: 'cl',
    type: 'cloudlock',
    base_url: baseUrl,
    token: TOKEN,
    timeouts: { connect_ms: 2_000, headers_ms: 5_000, body_ms: 5_000 },
    max_connections: 4,
    ...overrides
  }
}

export function makeAdapter (t: Test, baseUrl: string, overrides: Partial<CloudlockProviderConfigT> = {}, now?: () => number): ProviderAdapter {
  const adapter = createCloudlockAdapter(adapterConfig(baseUrl, overrides), now ? { now } : {})
  t.teardown(() => adapter.shutdown())
  return adapter
}

// Every native record the simulator holds (in its default ascending order), read through the
// vendor API itself: the ground truth a walk is compared with.
export async function allRecords (sim: Sim): Promise<Array<Record<string, any>>> {
  const out: Array<Record<string, any>> = []
  for (let offset = 0; ; offset += 100) {
    const res = await sim.vendor('GET', `/incidents?order=created_at&limit=100&offset=${offset}&count_total=true`)
    if (res.status !== 200) throw new Error(`listing failed: ${res.status}`)
    out.push(...res.json.items)
    if (res.json.items.length < 100) {
      if (out.length !== res.json.total) throw new Error('total does not match the items read')
      return out
    }
  }
}

export const createdUs = (r: Record<string, any>): number => parseTimestampUs(String(r.created_at))!
export const updatedUs = (r: Record<string, any>): number => parseTimestampUs(String(r.updated_at))!

// The order a walk must produce: newest created_at first, ties by numeric id, descending.
export function modelOrder (records: Array<Record<string, any>>): string[] {
  return [...records]
    .sort((a, b) => {
      const d = createdUs(b) - createdUs(a)
      if (d !== 0) return d
      const ia = BigInt(String(a.id))
      const ib = BigInt(String(b.id))
      return ib > ia ? 1 : ib < ia ? -1 : 0
    })
    .map((r) => String(r.id))
}

export interface WalkResult {
  incidents: IncidentT[]
  ids: string[]
  calls: number[] // upstream calls of each listPage
  pages: ListPage[]
}

export interface WalkOptions {
  filters?: ListFilters
  want: number | ((pageIndex: number) => number)
  pinnedAt?: string
  // How many of a page's items the consumer takes (the merge may take fewer than returned).
  take?: (page: ListPage, pageIndex: number) => number
  // Runs between pages, e.g. to change upstream data mid-walk.
  between?: (pageIndex: number, sofar: IncidentT[]) => Promise<void>
  maxPages?: number
}

// Walks a stream to its end the way the merge does: a fully consumed page advances to
// scannedTo (or the last item), a partly consumed one to the last item taken; an exhausted,
// fully consumed page ends the walk.
export async function walk (adapter: ProviderAdapter, opts: WalkOptions): Promise<WalkResult> {
  const pinnedAt = opts.pinnedAt ?? new Date().toISOString()
  const result: WalkResult = { incidents: [], ids: [], calls: [], pages: [] }
  let position: NativePosition | null = null
  for (let i = 0; i < (opts.maxPages ?? 10_000); i++) {
    const want = typeof opts.want === 'function' ? opts.want(i) : opts.want
    const page = await adapter.listPage({ filters: opts.filters ?? {}, position, pinnedAt, want })
    result.pages.push(page)
    result.calls.push(page.upstreamCalls)
    const take = Math.min(page.items.length, opts.take ? opts.take(page, i) : page.items.length)
    for (const item of page.items.slice(0, take)) result.incidents.push(item.incident)
    // Positions travel inside a JSON cursor.
    if (take === page.items.length) {
      if (page.exhausted) break
      position = json(page.scannedTo ?? page.items[take - 1]?.after ?? position)
    } else if (take > 0) {
      position = json(page.items[take - 1].after)
    }
    if (opts.between) await opts.between(i, result.incidents)
    if (i === (opts.maxPages ?? 10_000) - 1) throw new Error('walk did not end')
  }
  result.ids = result.incidents.map((incident) => incident.native_id)
  return result
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value))

// Identity positions (src/adapters/stream-order.ts): each item's position names its own creation
// instant and native id, except after the last incident of a group (a page hands on whole groups),
// where l '' says the whole instant is consumed; and a page's items are in stream order. Under a
// gateway-side filter the group's last incident may not match: the last item shown of it then
// names itself, so either form is right there.
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
      (prev.createdMicros === item.createdMicros && BigInt(prev.incident.native_id) > BigInt(item.incident.native_id))
    return named && ordered
  })
}

// A read of one creation instant (the walk's group mode): created_after and created_before 1 µs apart.
export const isGroupRead = (e: LoggedRequest): boolean => typeof e.query.created_after === 'string' &&
  typeof e.query.created_before === 'string' &&
  parseTimestampUs(e.query.created_before)! - parseTimestampUs(e.query.created_after)! === 1

// Upper bound of the vendor calls of a walk of n incidents (matching the vendor-side filters, data
// unchanged, groups smaller than a page) in `pages` listPage calls. Each listPage starts with one
// keyset query (which may re-read the group its predecessor left open); every further call in it
// continues that query by offset with a one-incident overlap, so it examines 99 incidents no
// earlier continuation did: at most ceil(n / 99) of them in the whole walk. The walk ends with one
// more call, the continuation holding only the overlap.
export const maxWalkCalls = (n: number, pages: number): number => Math.ceil(n / 99) + pages + 1

// Checks the list queries of a log outside group reads: each is either a new keyset query
// (offset 0) or continues the query just before it, the same query one page on overlapping its
// last incident (offset = previous offset + previous page length − 1; after a page of one, that
// is the same offset again). `lengthOf` gives the number of items the vendor answered to a logged
// query (derived from the unchanged data set by the caller). Returns the number of continuations.
export function continuationsAreExact (log: LoggedRequest[], lengthOf: (e: LoggedRequest) => number): number {
  let continuations = 0
  log.forEach((e, i) => {
    if (isGroupRead(e)) return
    const prev = log[i - 1]
    const { offset, limit: _limit, ...query } = e.query
    const { offset: prevOffset, limit: _prevLimit, ...prevQuery } = prev?.query ?? {}
    if (prev !== undefined && !isGroupRead(prev) && JSON.stringify(query) === JSON.stringify(prevQuery) &&
      Number(offset) === Number(prevOffset) + lengthOf(prev) - 1) {
      continuations++
    } else if (offset !== '0') {
      throw new Error(`query ${i} (${JSON.stringify(e.query)}) does not continue query ${i - 1} (${JSON.stringify(prev?.query)})`)
    }
  })
  return continuations
}

export const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)

// A minimal, realistic native record at a chosen created_at (µs since epoch); the simulator
// tests' builder, with the timestamp given as microseconds.
export function record (id: string | number, createdMicros: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const at = formatTimestampUs(createdMicros)
  return simRecord(id as string, at, at, { id, ...extra })
}

export { formatTimestampUs, parseTimestampUs }
