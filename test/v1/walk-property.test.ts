// Model-based property test of merged walks (spec section 5, issue 13): both simulators, two
// gateway replicas sharing one cursor secret, and between pages everything a live tenant does:
// bursts of equal timestamps, incidents closed by the walker or by others, re-opened, arriving in
// the past or the future, deleted; vendor page caps and tie orders that follow no field; ZWA page
// ids that expire mid-request; replicas and cold read-ahead caches. Asserted for every walk: each
// incident that matched the filter for the whole walk is returned exactly once, nothing is
// returned twice, nothing created after the walk's pin appears, and the order is the spec's.
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import type { TieOrder } from '../../src/sim-kit/tie-order.ts'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'
import { formatTimestampUs, record as clRecord } from '../adapters/cloudlock/helpers.ts'
import { record as zwaRecord } from '../adapters/zwa/harness.ts'

const RUNS = Number(process.env.WALK_PROPERTY_RUNS ?? 150)
const KEY = 'walk-property-key-0123456789'
const ZWA_KEY = { key_id: 'wp-id', key_secret: 'wp-secret' }
const CL_TOKEN = 'wp-cloudlock-token'

interface Variant { cap?: number, ties: TieOrder, expiry: boolean }
const VARIANTS: Record<string, Variant> = {
  plain: { ties: 'id', expiry: false },
  capped7: { cap: 7, ties: 'scrambled', expiry: true },
  capped50: { cap: 50, ties: 'reverse', expiry: false },
  scrambled: { ties: 'scrambled', expiry: true }
}

interface Env {
  replicas: Array<FastifyInstance & { readAhead?: { clear: () => void } }>
  urls: string[]
  zwaUrl: string
  clUrl: string
  zwaToken: string
  close: () => Promise<void>
}

const envs = new Map<string, Promise<Env>>()
t.teardown(async () => { for (const env of envs.values()) await (await env).close() })

async function json (url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: method as 'GET',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text ? JSON.parse(text) : null }
}

function env (name: string): Promise<Env> {
  let found = envs.get(name)
  if (!found) {
    found = buildEnv(VARIANTS[name])
    envs.set(name, found)
  }
  return found
}

async function buildEnv (v: Variant): Promise<Env> {
  // With `expiry`, the ZWA clock runs 400 ms per reading and page ids live 1 s: a snapshot
  // expires after a few calls, in the middle of the gateway's own requests.
  let skew = 0
  const clock = v.expiry ? () => Date.now() + (skew += 400) : undefined
  const zwa = await buildZwaSimulator({ keyId: ZWA_KEY.key_id, keySecret: ZWA_KEY.key_secret, incidents: [], pageIdTtlSeconds: 1, pageCap: v.cap, tieOrder: v.ties, clock })
  const cl = await buildCloudlockSimulator({ token: CL_TOKEN, incidents: [], pageCap: v.cap, tieOrder: v.ties })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const clUrl = await cl.listen({ host: '127.0.0.1', port: 0 })
  const file = join(mkdtempSync(join(tmpdir(), 'walk-prop-')), 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'w'.repeat(40)} }
observability: { audit_log: "off", metrics: false }
limits: { rate_limit_per_minute: 1000000 }
# a model test, not a load test: a busy CI machine must not shed its requests
load_shedding: { max_event_loop_delay_ms: 0 }
providers:
  - { id: zwa, type: zwa, base_url: ${zwaUrl}, auth: { mode: api_key, key_id: ${ZWA_KEY.key_id}, key_secret: ${ZWA_KEY.key_secret} }, resilience: { rate_budget: { enabled: false } } }
  - { id: cloudlock, type: cloudlock, base_url: ${clUrl}/api/v2, token: ${CL_TOKEN} }
api_keys:
  - { name: walker, sha256: ${createHash('sha256').update(KEY).digest('hex')}, scopes: [incidents:read] }
`)
  const replicas: Env['replicas'] = []
  const urls: string[] = []
  for (let i = 0; i < 2; i++) {
    const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file, LOG_LEVEL: 'silent' }))
    urls.push(await app.listen({ host: '127.0.0.1', port: 0 }))
    replicas.push(app)
  }
  const token = await json(`${zwaUrl}/v1/auth/api-key/token`, 'POST', ZWA_KEY)
  return {
    replicas,
    urls,
    zwaUrl,
    clUrl,
    zwaToken: token.body.token,
    close: async () => {
      for (const app of replicas) await app.close()
      await zwa.close()
      await cl.close()
    }
  }
}

// ---- the tenant ----------------------------------------------------------------------------

interface Inc { id: string, provider: 'zwa' | 'cloudlock', native: string, micros: bigint, open: boolean, deleted: boolean }

const BASE_MS = Date.parse('2026-06-01T00:00:00Z')
const OPEN_CL = ['NEW', 'NEW', 'IN PROGRESS', 'RESOLVED', 'DISMISSED']
const OPEN_ZWA = ['NEW', 'NEW', 'INVESTIGATING', 'RESOLVED']

// Few distinct instants, so ties are the rule: Cloudlock in µs, ZWA in whole seconds.
const tenantArb = fc.record({
  cl: fc.array(fc.record({ slot: fc.integer({ min: 0, max: 6 }), status: fc.integer({ min: 0, max: 4 }) }), { maxLength: 45 }),
  zwa: fc.array(fc.record({ slot: fc.integer({ min: 0, max: 6 }), status: fc.integer({ min: 0, max: 3 }) }), { maxLength: 45 })
})

const actionArb = fc.record({
  kind: fc.constantFrom('close-returned', 'close-other', 'reopen-other', 'arrive-past', 'arrive-future', 'delete-other', 'nothing'),
  pick: fc.nat(),
  slot: fc.integer({ min: 0, max: 6 })
})

const walkArb = fc.record({
  variant: fc.constantFrom(...Object.keys(VARIANTS)),
  tenant: tenantArb,
  filter: fc.constantFrom('status=new', '', 'status=new,in_progress'),
  limits: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
  actions: fc.array(fc.array(actionArb, { maxLength: 3 }), { maxLength: 12 }),
  replicas: fc.array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 6 }) // 2: replica 0 with a cleared cache
})
type Walk = typeof walkArb extends fc.Arbitrary<infer W> ? W : never

const clMicros = (slot: number) => BigInt(BASE_MS + slot * 7) * 1000n + 123n
const zwaMicros = (slot: number) => BigInt(BASE_MS + slot * 1000) * 1000n
const clIdOf = (i: number) => String(i % 3 === 0 ? 9000 + i : 10_000 + i * 37) // mixed lengths: numeric order matters
const zwaIdOf = (i: number) => `1-152-${i % 2 === 0 ? 'B' : 'A'}${i}`
const isoMs = (micros: bigint) => new Date(Number(micros / 1000n)).toISOString().replace('.000Z', 'Z')

async function seed (e: Env, w: Walk): Promise<Map<string, Inc>> {
  for (const url of [e.zwaUrl, e.clUrl]) await json(`${url}/__sim/reset`, 'POST')
  const model = new Map<string, Inc>()
  const cl = w.tenant.cl.map((r, i) => {
    const status = OPEN_CL[r.status]
    model.set(`cloudlock:${clIdOf(i)}`, { id: `cloudlock:${clIdOf(i)}`, provider: 'cloudlock', native: clIdOf(i), micros: clMicros(r.slot), open: status === 'NEW', deleted: false })
    return clRecord(clIdOf(i), Number(clMicros(r.slot)), { incident_status: status, severity: 'ALERT' })
  })
  const zw = w.tenant.zwa.map((r, i) => {
    const status = OPEN_ZWA[r.status]
    model.set(`zwa:${zwaIdOf(i)}`, { id: `zwa:${zwaIdOf(i)}`, provider: 'zwa', native: zwaIdOf(i), micros: zwaMicros(r.slot), open: status === 'NEW', deleted: false })
    return zwaRecord(zwaIdOf(i), isoMs(zwaMicros(r.slot)), { status })
  })
  if (cl.length) t.equal((await json(`${e.clUrl}/__sim/incidents`, 'POST', cl)).status, 201)
  if (zw.length) t.equal((await json(`${e.zwaUrl}/__sim/incidents`, 'POST', zw)).status, 201)
  return model
}

function matches (inc: Inc, filter: string): boolean {
  if (inc.deleted) return false
  return filter === '' ? true : inc.open
}

// ---- the walk ------------------------------------------------------------------------------

async function runWalk (w: Walk) {
  const e = await env(w.variant)
  const model = await seed(e, w)
  const initial = new Set([...model.values()].filter((i) => matches(i, w.filter)).map((i) => i.id))
  const notThroughout = new Set<string>()
  const future = new Set<string>()
  const returned: Array<{ id: string, native: string, provider: string }> = []
  let arrivals = 0
  let cursor: string | null = null
  let pages = 0
  const zwaAuth = { authorization: `Bearer ${e.zwaToken}` }

  const setOpen = async (inc: Inc, open: boolean) => {
    if (inc.provider === 'cloudlock') {
      await json(`${e.clUrl}/api/v2/incidents/${inc.native}`, 'PUT', { incident_status: open ? 'NEW' : 'RESOLVED' }, { authorization: `Bearer ${CL_TOKEN}` })
    } else if (!open) {
      await json(`${e.zwaUrl}/dlp/v1/incidents/${inc.native}/close`, 'POST', { resolutionCode: 'FALSE_POSITIVE' }, zwaAuth)
    } else return // ZWA cannot re-open an incident
    const before = matches(inc, w.filter)
    inc.open = open
    if (before !== matches(inc, w.filter)) notThroughout.add(inc.id)
  }

  do {
    const limit = w.limits[pages % w.limits.length]
    const replica = w.replicas[pages % w.replicas.length]
    if (replica === 2) e.replicas[0].readAhead?.clear()
    const q = [w.filter, `limit=${limit}`, cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&')
    const res = await json(`${e.urls[replica === 1 ? 1 : 0]}/v1/incidents?${q}`, 'GET', undefined, { authorization: `Bearer ${KEY}` })
    if (res.status !== 200) throw new Error(`page ${pages}: ${res.status} ${JSON.stringify(res.body)}`)
    for (const inc of res.body.data) returned.push({ id: inc.id, native: inc.native_id, provider: inc.provider })
    if (process.env.WALK_PROPERTY_DEBUG) console.error(pages, replica, res.body.data.map((i: any) => `${i.id}@${i.created_at}`).join(' '), JSON.stringify(res.body.providers), cursor ? JSON.parse(Buffer.from(cursor.split('.')[1], 'base64url').toString()).pos : null)
    cursor = res.body.next_cursor
    pages++
    if (pages > 400) throw new Error('the walk did not end')

    for (const a of w.actions[pages - 1] ?? []) {
      const all = [...model.values()].filter((i) => !i.deleted)
      if (a.kind === 'close-returned' && returned.length) {
        const inc = model.get(returned[a.pick % returned.length].id)
        if (inc && !inc.deleted) await setOpen(inc, false)
      } else if (a.kind === 'close-other' && all.length) {
        await setOpen(all[a.pick % all.length], false)
      } else if (a.kind === 'reopen-other') {
        const closed = all.filter((i) => !i.open && i.provider === 'cloudlock')
        if (closed.length) await setOpen(closed[a.pick % closed.length], true)
      } else if (a.kind === 'delete-other') {
        const zw = all.filter((i) => i.provider === 'zwa')
        if (zw.length) {
          const inc = zw[a.pick % zw.length]
          await json(`${e.zwaUrl}/dlp/v1/incidents/${inc.native}`, 'DELETE', undefined, zwaAuth)
          inc.deleted = true
          notThroughout.add(inc.id)
        }
      } else if (a.kind === 'arrive-past' || a.kind === 'arrive-future') {
        const n = 500 + arrivals++
        const later = a.kind === 'arrive-future' ? BigInt(Date.now() + 3_600_000) * 1000n : null
        if (a.pick % 2 === 0) {
          const micros = later ?? clMicros(a.slot)
          const id = String(70_000 + n)
          await json(`${e.clUrl}/__sim/incidents`, 'POST', [clRecord(id, Number(micros), { incident_status: 'NEW' })])
          model.set(`cloudlock:${id}`, { id: `cloudlock:${id}`, provider: 'cloudlock', native: id, micros, open: true, deleted: false })
          ;(later ? future : notThroughout).add(`cloudlock:${id}`)
        } else {
          const micros = later ? (later / 1_000_000n) * 1_000_000n : zwaMicros(a.slot)
          const id = `1-152-N${n}`
          await json(`${e.zwaUrl}/__sim/incidents`, 'POST', [zwaRecord(id, isoMs(micros), { status: 'NEW' })])
          model.set(`zwa:${id}`, { id: `zwa:${id}`, provider: 'zwa', native: id, micros, open: true, deleted: false })
          ;(later ? future : notThroughout).add(`zwa:${id}`)
        }
      }
    }
  } while (cursor !== null)
  return { model, initial, notThroughout, future, returned }
}

// The spec's order, written independently of the gateway's code: newest first; equal instants by
// provider id descending across providers, by native id descending within one (Cloudlock's
// numerically).
function before (model: Map<string, Inc>, a: string, b: string): boolean {
  const x = model.get(a)!
  const y = model.get(b)!
  if (x.micros !== y.micros) return x.micros > y.micros
  if (x.provider !== y.provider) return x.provider > y.provider
  if (x.provider === 'cloudlock') return BigInt(x.native) > BigInt(y.native)
  return x.native > y.native
}

function check (r: Awaited<ReturnType<typeof runWalk>>): string | null {
  const ids = r.returned.map((x) => x.id)
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) return `returned twice: ${id}`
    seen.add(id)
    if (r.future.has(id)) return `created after the pin, yet returned: ${id}`
    if (!r.model.has(id)) return `unknown incident returned: ${id}`
  }
  for (const id of r.initial) {
    if (!r.notThroughout.has(id) && !seen.has(id)) return `matched for the whole walk, never returned: ${id}`
  }
  for (let i = 1; i < ids.length; i++) {
    if (!before(r.model, ids[i - 1], ids[i])) return `out of order: ${ids[i - 1]} before ${ids[i]}`
  }
  return null
}

t.test('property: walks are exact under ties, triage, arrivals, deletions, caps, expiry and replicas', async (t) => {
  await fc.assert(fc.asyncProperty(walkArb, async (w) => {
    const failure = check(await runWalk(w))
    if (failure) throw new Error(failure)
  }), { numRuns: RUNS, endOnFailure: true, seed: process.env.WALK_PROPERTY_SEED ? Number(process.env.WALK_PROPERTY_SEED) : undefined, path: process.env.WALK_PROPERTY_PATH })
  t.pass(`${RUNS} walks`)
})

// The four reproductions of issue 13, as fixed cases of the same runner.
const NO_ACTIONS: Pick<Walk, 'actions' | 'replicas'> = { actions: [], replicas: [0] }

t.test('six NEW Cloudlock incidents in one microsecond, walked two at a time while the first read is resolved', async (t) => {
  const w: Walk = {
    ...NO_ACTIONS,
    variant: 'plain',
    tenant: { cl: Array.from({ length: 6 }, () => ({ slot: 3, status: 0 })), zwa: [] },
    filter: 'status=new',
    limits: [2],
    actions: [[{ kind: 'close-returned', pick: 0, slot: 0 }]],
    replicas: [1, 0] // the second page on the other replica: no read-ahead cache can mask a lost position
  }
  const r = await runWalk(w)
  t.equal(check(r), null)
  t.equal(r.returned.length, 6, 'all six, each once')
})

t.test('the same with ZWA after its pageId expires, on a cold replica', async (t) => {
  const r = await runWalk({
    variant: 'scrambled',
    tenant: { cl: [], zwa: Array.from({ length: 6 }, () => ({ slot: 2, status: 0 })) },
    filter: 'status=new',
    limits: [2],
    actions: [[{ kind: 'close-returned', pick: 0, slot: 0 }], [{ kind: 'close-returned', pick: 1, slot: 0 }]],
    replicas: [0, 2, 1]
  })
  t.equal(check(r), null)
  t.equal(r.returned.length, 6)
})

t.test('a warm replica never returns what a cold one already walked past (found by this property)', async (t) => {
  // B0 and A1 share one second at ZWA (B2 is older than everything); replica 0 reads them and
  // returns B0; A1 is deleted; cold replica 1 no longer finds it and returns the older Cloudlock
  // incident; replica 0 still holds A1 in its read-ahead memory, and must not hand it out after
  // that Cloudlock incident.
  const r = await runWalk({
    variant: 'plain',
    tenant: { cl: [{ slot: 0, status: 0 }], zwa: [{ slot: 1, status: 0 }, { slot: 1, status: 0 }, { slot: 0, status: 0 }] },
    filter: '',
    limits: [1],
    actions: [[{ kind: 'delete-other', pick: 1, slot: 0 }]],
    replicas: [0, 1, 0]
  })
  t.equal(check(r), null)
  t.same(r.returned.map((x) => x.id), ['zwa:1-152-B0', 'cloudlock:9000', 'zwa:1-152-B2'])
})

// Found by the property above: page 1 returns zwa B0, A1 (second 4) and cloudlock:9000 (35 ms),
// keeping zwa B2 (second 0) in the read-ahead. A ZWA incident then arrives at second 3, below ZWA's
// position but above the merged walk's last incident. Page 2, on a cold replica, resumes ZWA from
// its own position: the arrival must not come after cloudlock:9000 (the cursor's last incident).
t.test('an arrival between a provider\'s position and the merged walk\'s last incident, on a cold replica', async (t) => {
  const r = await runWalk({
    variant: 'plain',
    tenant: { cl: [{ slot: 5, status: 2 }], zwa: [{ slot: 4, status: 3 }, { slot: 4, status: 0 }, { slot: 0, status: 1 }] },
    filter: '',
    limits: [3],
    actions: [[{ kind: 'arrive-past', pick: 1, slot: 3 }]],
    replicas: [0, 1]
  })
  t.equal(check(r), null)
})

t.test('a vendor that caps pages at 50 never ends a 120-incident walk early', async (t) => {
  const r = await runWalk({
    ...NO_ACTIONS,
    variant: 'capped50',
    tenant: {
      cl: Array.from({ length: 120 }, (_, i) => ({ slot: i % 7, status: 0 })),
      zwa: Array.from({ length: 120 }, (_, i) => ({ slot: i % 7, status: 0 }))
    },
    filter: '',
    limits: [100]
  })
  t.equal(check(r), null)
  t.equal(r.returned.length, 240, 'every incident of both vendors')
})

t.test('one gateway page makes at most upstream_calls_per_request calls per provider', async (t) => {
  const e = await env('capped7')
  // 120 incidents, none of which match: a gateway-side filter (status=unknown) scans pages of 7.
  const r = await seed(e, { ...NO_ACTIONS, variant: 'capped7', filter: '', limits: [1], tenant: { cl: Array.from({ length: 120 }, (_, i) => ({ slot: i % 7, status: 1 })), zwa: [] } })
  t.equal(r.size, 120)
  await json(`${e.clUrl}/__sim/requests`, 'DELETE')
  const res = await json(`${e.urls[0]}/v1/incidents?status=unknown&limit=5&provider=cloudlock`, 'GET', undefined, { authorization: `Bearer ${KEY}` })
  t.equal(res.status, 200)
  t.same(res.body.data, [])
  t.type(res.body.next_cursor, 'string', 'the page ends early with a cursor, never a false end')
  const log = await json(`${e.clUrl}/__sim/requests`, 'GET')
  const calls = log.body.requests.filter((x: { path: string }) => x.path.startsWith('/api/v2/incidents')).length
  t.ok(calls <= 10, `${calls} vendor calls`)
  t.ok(calls >= 5, 'the budget is used, not given up early')
})

t.test('the timestamp helpers of this test agree with the simulators', async (t) => {
  t.equal(formatTimestampUs(Number(clMicros(0))).slice(0, 10), '2026-06-01')
  t.equal(isoMs(zwaMicros(1)), '2026-06-01T00:00:01Z')
})
