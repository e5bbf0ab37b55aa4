// The sync-cost bench (bench/sync-cost.ts) in a process of its own: the shared clock below replaces
// Date for the whole process (gateway, mirror and simulators), so virtual hours pass in seconds and
// no other bench sees a shifted Date. Prints one JSON result line on stdout.
import { clock } from '../../test/helpers/feed-model/clock.ts'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { benchDatabase } from './bench-database.ts'
import { request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import type { ActivityAction } from '../../src/sim-kit/activity.ts'
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import { generateIncidents as generateCloudlock } from '../../src/vendors/cloudlock/simulator/generate.ts'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'
import { generateIncidents as generateZwa } from '../../src/vendors/zwa/simulator/generate.ts'

type Provider = 'zwa' | 'cloudlock'
const PROVIDERS: Provider[] = ['zwa', 'cloudlock']

export interface SyncCostOptions {
  incidents: number // per vendor
  openShare: number // of them in a non-final status
  changesPerHour: number // console actions per vendor per hour (40 % new incidents, as activity mode does)
  hours: number // virtual time simulated
  pollIntervalS: number
  lookbackS: number
  recheckS: number
  reconcileH: number
  passThroughMinutes: number // pass-through polls measured (each is one minute of virtual time)
}

const KEY = 'sync-cost-bench-key-0123456789'
const ZWA = { id: 'bench-zwa-id', secret: 'bench-zwa-secret' }
const CL_TOKEN = 'bench-cloudlock-token'
const PAGE = 100

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const q = (values: number[], p: number) => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}
// What one walk of a window holding n incidents costs at least: its pages. At Cloudlock one more
// for the vendor's empty page when the window holds anything (a walk ends only on an empty page;
// docs/sync.md); a ZWA search answers its total, so its last page is known as such.
const walkCalls = (p: Provider, n: number) => p === 'zwa'
  ? Math.max(1, Math.ceil(n / PAGE))
  : n === 0 ? 1 : 1 + Math.ceil(n / PAGE)

// The tenant: generated records with all but `openShare` of them closed, anchored an hour before
// the start so that no seeded incident falls into the first live windows.
function tenant (o: SyncCostOptions) {
  const anchor = new Date(clock.now() - 3_600_000).toISOString()
  const every = Math.round(1 / o.openShare)
  const zwa = generateZwa({ seed: 7, count: o.incidents, anchor }).map((r, i) => i % every === 0
    ? { ...r, status: 'NEW', resolution: null }
    : { ...r, status: 'RESOLVED', resolution: r.resolution ?? 'FALSE_POSITIVE' })
  const cloudlock = generateCloudlock({ seed: 7, count: o.incidents, anchor }).map((r, i) =>
    ({ ...r, incident_status: i % every === 0 ? 'NEW' : 'RESOLVED' }))
  return { zwa, cloudlock }
}

export async function runSyncCost (o: SyncCostOptions) {
  const realStart = clock.real()
  const generated = tenant(o)
  const generateMs = clock.real() - realStart
  const actions: Record<Provider, Array<ActivityAction & { at: number }>> = { zwa: [], cloudlock: [] }
  const zwaSim = await buildZwaSimulator({
    keyId: ZWA.id,
    keySecret: ZWA.secret,
    incidents: generated.zwa,
    clock: clock.now,
    defaultResolutionCode: null,
    requestLogSize: 200_000,
    activity: { perMinute: 0, seed: 7, onAction: (a) => actions.zwa.push({ ...a, at: clock.now() }) }
  })
  const clSim = await buildCloudlockSimulator({
    token: CL_TOKEN,
    incidents: generated.cloudlock,
    clock: clock.now,
    requestLogSize: 200_000,
    activity: { perMinute: 0, seed: 7, onAction: (a) => actions.cloudlock.push({ ...a, at: clock.now() }) }
  })
  const simsReadyMs = clock.real() - realStart
  const sims: Record<Provider, string> = {
    zwa: await zwaSim.listen({ host: '127.0.0.1', port: 0 }),
    cloudlock: await clSim.listen({ host: '127.0.0.1', port: 0 })
  }
  const dir = mkdtempSync(join(tmpdir(), 'sync-cost-'))
  // PostgreSQL (the production store) when one answers, else the embedded store in memory.
  const db = await benchDatabase('gw_sync_cost')
  const sync = `sync: { enabled: true, poll_interval_s: ${o.pollIntervalS}, lookback_s: ${o.lookbackS}, ` +
    `open_recheck_interval_s: ${o.recheckS}, reconcile_interval_h: ${o.reconcileH} }`
  // No rate budget: what is counted is what each approach needs, not what a budget lets through
  // (a real ZWA tenant allows 20 searches a minute, which the pass-through scan could not keep).
  writeFileSync(join(dir, 'gateway.yaml'), `
cursor: { secret: ${'s'.repeat(40)} }
observability: { audit_log: "off" }
load_shedding: { max_event_loop_delay_ms: 0 }
limits: { rate_limit_per_minute: 1000000 }
${db ? `store: { database_url: "${db.url}" }` : ''}
providers:
  - id: zwa
    type: zwa
    base_url: ${sims.zwa}
    auth: { mode: api_key, key_id: ${ZWA.id}, key_secret: ${ZWA.secret} }
    resilience: { rate_budget: { enabled: false } }
    ${sync}
  - id: cloudlock
    type: cloudlock
    base_url: ${sims.cloudlock}/api/v2
    token: ${CL_TOKEN}
    resilience: { rate_budget: { enabled: false } }
    ${sync}
api_keys:
  - { name: bench, sha256: ${sha(KEY)}, scopes: [incidents:read, incidents:write, evidence:read] }
`)
  const config = loadConfig({ GATEWAY_CONFIG: join(dir, 'gateway.yaml'), LOG_LEVEL: 'silent' })
  const app: FastifyInstance = await buildApp(config, { changeFeed: { autostart: false, now: clock.now } })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const auth = { authorization: `Bearer ${KEY}` }
  const get = async (path: string) => {
    const res = await request(`${url}${path}`, { headers: auth })
    const body = await res.body.json() as any
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(body)}`)
    return body
  }
  const sim = async (p: Provider, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
    const res = await request(`${sims[p]}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    return res.statusCode === 204 ? null : await res.body.json() as any
  }
  const vendorLog = async (p: Provider) => (await sim(p, 'GET', '/__sim/requests')).requests as LoggedRequest[]
  const store = () => app.store!
  const syncState = () => PROVIDERS.map((p) => app.sync!.status(p).state)
  try {
    // 1. The initial load (not counted: a one-off, in chunks of 20 vendor calls per poll).
    const loadStart = clock.real()
    while (syncState().some((s) => s !== 'live')) {
      await Promise.all(PROVIDERS.map((p) => app.sync!.pollNow(p)))
    }
    const initialLoadMs = clock.real() - loadStart
    progress(`initial load of ${2 * o.incidents} incidents: ${(initialLoadMs / 1000).toFixed(1)} s`)
    // The steady state: a whole reconcile interval later (nothing happens meanwhile), so that the ZWA
    // reconcile, first due a reconcile_interval_h after the load, walks during the measured hours.
    // One uncounted poll catches up the day.
    clock.advance(o.reconcileH * 3_600_000)
    const catchUp = clock.now()
    await Promise.all(PROVIDERS.map((p) => app.sync!.pollNow(p)))
    for (const p of PROVIDERS) await sim(p, 'DELETE', '/__sim/requests')

    // 2. The live hours: console actions every 3600/changesPerHour s per vendor, polls every
    // poll_interval_s, all in virtual time (the clock jumps to each event).
    const t0 = clock.now()
    const end = t0 + o.hours * 3_600_000
    const actionEveryMs = 3_600_000 / o.changesPerHour
    let nextAction = t0 + actionEveryMs / 2
    let nextPoll = t0 + o.pollIntervalS * 1000
    const polls: number[] = [] // virtual start of each poll
    let lastPoll = catchUp
    const minimum = { zwa: { discover: 0, recheck: 0, reads: 0, reconcile: 0 }, cloudlock: { discover: 0, updates: 0 } }
    let nextRecheck = catchUp + o.recheckS * 1000
    let openBefore = await openIds('zwa')
    const liveStart = clock.real()
    while (Math.min(nextAction, nextPoll) < end) {
      if (nextAction <= nextPoll) {
        clock.advance(Math.max(0, nextAction - clock.now()))
        for (const p of PROVIDERS) await sim(p, 'POST', '/__sim/activity/tick', { count: 1 })
        nextAction += actionEveryMs
        continue
      }
      clock.advance(Math.max(0, nextPoll - clock.now()))
      const started = clock.now()
      await Promise.all(PROVIDERS.map((p) => app.sync!.pollNow(p)))
      polls.push(started)
      // The minimum of this poll, from what the mirror now holds (it holds each vendor's state as of
      // the poll: everything in these windows was just read).
      const from = new Date(lastPoll - o.lookbackS * 1000)
      const to = new Date(started)
      minimum.zwa.discover += walkCalls('zwa', await countCreated('zwa', from, to))
      minimum.cloudlock.discover += walkCalls('cloudlock', await countCreated('cloudlock', from, to))
      minimum.cloudlock.updates += walkCalls('cloudlock', await countUpdated('cloudlock', from, to))
      if (started >= nextRecheck) {
        const open = await openIds('zwa')
        minimum.zwa.recheck += walkCalls('zwa', open.size)
        // One direct read per incident open at the last re-check that the search no longer returns.
        for (const id of openBefore) if (!open.has(id)) minimum.zwa.reads++
        openBefore = open
        nextRecheck += o.recheckS * 1000
      }
      lastPoll = started
      nextPoll += o.pollIntervalS * 1000
    }
    const liveMs = clock.real() - liveStart
    progress(`${o.hours} h of virtual time, ${polls.length} polls: ${(liveMs / 1000).toFixed(1)} s`)
    // The reconcile's fair share: every known incident once per reconcile_interval_h, in pages.
    minimum.zwa.reconcile = (await known('zwa')) / PAGE * o.hours / o.reconcileH
    const syncCalls = { zwa: classify(await vendorLog('zwa')), cloudlock: classify(await vendorLog('cloudlock')) }
    const lastPollAt = lastPoll

    // 3. Latency from a vendor change to its change in the feed: detected_at - occurred_at of every
    // change emitted in the live hours (occurred_at is the vendor's update or creation time).
    const live = await liveChanges(new Date(t0))
    const total = await changeCount()
    const latency = Object.fromEntries(PROVIDERS.map((p) => {
      const of = (type?: string) => live.filter((c) => c.provider === p && (!type || c.type === type))
        .map((c) => Date.parse(c.detected_at) - Date.parse(c.occurred_at))
      const ms = of()
      const s = (values: number[], pq: number) => values.length === 0 ? null : q(values, pq)! / 1000
      // An action before the last poll that no change at or after it reflects: a change the
      // strategy did not see within the simulated time (ZWA: an edit to a closed incident waits for
      // the reconcile) or one a later action undid or repeated before a poll.
      const unseen = actions[p].filter((a) => a.at < lastPollAt && a.at >= t0 && !live.some((c) =>
        c.incident_id === `${p}:${a.id}` && Date.parse(c.detected_at) >= a.at)).length
      return [p, {
        changes: ms.length,
        p50_s: q(ms, 0.5)! / 1000,
        p95_s: q(ms, 0.95)! / 1000,
        p50_per_poll_interval: q(ms, 0.5)! / 1000 / o.pollIntervalS,
        p95_per_poll_interval: q(ms, 0.95)! / 1000 / o.pollIntervalS,
        by_type: Object.fromEntries(['created', 'updated', 'deleted'].map((type) =>
          [type, { changes: of(type).length, p50_s: s(of(type), 0.5), p95_s: s(of(type), 0.95) }])),
        actions: actions[p].length,
        actions_without_change: unseen
      }]
    }))

    // 4. Pass-through: what a SOAR without the feed does, `updated_after` = a minute ago, every
    // minute, walked to the end through the gateway; console actions go on meanwhile.
    const passThrough: Record<Provider, number[]> = { zwa: [], cloudlock: [] }
    const ptStart = clock.real()
    let since = clock.now()
    for (let m = 0; m < o.passThroughMinutes; m++) {
      const until = since + 60_000
      while (nextAction < until) {
        clock.advance(Math.max(0, nextAction - clock.now()))
        for (const p of PROVIDERS) await sim(p, 'POST', '/__sim/activity/tick', { count: 1 })
        nextAction += actionEveryMs
      }
      clock.advance(Math.max(0, until - clock.now()))
      for (const p of PROVIDERS) {
        await sim(p, 'DELETE', '/__sim/requests')
        let cursor: string | null = null
        do {
          const page: any = await get(`/v1/incidents?provider=${p}&limit=100&updated_after=` +
            `${encodeURIComponent(new Date(since).toISOString())}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
          cursor = page.next_cursor
        } while (cursor)
        passThrough[p].push((await vendorLog(p)).length)
      }
      since = until
    }

    progress(`pass-through, ${o.passThroughMinutes} polls: ${(clock.real() - ptStart) / 1000} s`)
    // 5. Serving the feed: pages of 1,000 from the start, CPU of this process around the reads
    // (nothing else runs: no sync, no vendor calls). Requests go through app.inject and only `next`
    // is taken from the text, so a client's parsing is not counted. Against a list page's CPU per
    // incident through the same gateway, less the simulator's share (the same vendor pages read over
    // HTTP directly, measured the same way). Rounds alternate, so the machine's drift hits both.
    progress('measuring feed and list CPU')
    const cpu = { feed: { us: 0, units: 0, ms: 0 }, list: { us: 0, units: 0 }, vendor: { us: 0 } }
    const rounds = 3
    const feedPages = Math.min(20, Math.floor(total / 1000))
    const listPages = Math.min(50, Math.floor(o.incidents / PAGE) - 1)
    for (let round = 0; round < rounds; round++) {
      let token: string | undefined
      let units = 0
      const wallStart = clock.real()
      cpu.feed.us += await cpuOf(async () => {
        for (let i = 0; i < feedPages; i++) {
          const res = await app.inject({
            url: `/v1/changes?limit=1000${token ? `&after=${encodeURIComponent(token)}` : ''}`, headers: auth
          })
          token = /"next":"([^"]+)"/.exec(res.payload)![1]
          units += res.payload.split('"seq":').length - 1
        }
      })
      cpu.feed.ms += clock.real() - wallStart
      cpu.feed.units += units
      let cursor: string | undefined
      cpu.list.us += await cpuOf(async () => {
        for (let i = 0; i < listPages; i++) {
          const res = await app.inject({
            url: `/v1/incidents?provider=cloudlock&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            headers: auth
          })
          cursor = /"next_cursor":"([^"]+)"/.exec(res.payload)?.[1] // at the end: from the top again
        }
      })
      cpu.list.units += listPages * PAGE
      cpu.vendor.us += await cpuOf(async () => {
        for (let i = 0; i < listPages; i++) {
          const res = await request(`${sims.cloudlock}/api/v2/incidents?order=-created_at&count_total=false` +
            `&offset=${i * PAGE}&limit=100`, { headers: { authorization: `Bearer ${CL_TOKEN}` } })
          await res.body.dump()
        }
      })
    }
    const feedCpu = cpu.feed.us / cpu.feed.units
    const listCpuPerIncident = (cpu.list.us - cpu.vendor.us) / cpu.list.units

    const hours = o.hours
    const perHour = (n: number) => n / hours
    const min = {
      zwa: minimum.zwa.discover + minimum.zwa.recheck + minimum.zwa.reads + minimum.zwa.reconcile,
      cloudlock: minimum.cloudlock.discover + minimum.cloudlock.updates
    }
    const ptPerHour = (p: Provider) => passThrough[p].reduce((s, n) => s + n, 0) / passThrough[p].length * 60
    const sync = (p: Provider) => syncCalls[p].total
    return {
      options: o,
      wall: { generateMs, simsReadyMs, initialLoadMs, liveMs, totalMs: clock.real() - realStart },
      polls: polls.length,
      vendorCallsPerHour: {
        sync: { zwa: perHour(sync('zwa')), cloudlock: perHour(sync('cloudlock')), byKind: syncCalls },
        minimum: {
          zwa: perHour(min.zwa),
          cloudlock: perHour(min.cloudlock),
          parts: minimum
        },
        passThrough: { zwa: ptPerHour('zwa'), cloudlock: ptPerHour('cloudlock'), perMinute: passThrough }
      },
      ratios: {
        passThroughOverSync: {
          zwa: ptPerHour('zwa') / perHour(sync('zwa')),
          cloudlock: ptPerHour('cloudlock') / perHour(sync('cloudlock')),
          both: (ptPerHour('zwa') + ptPerHour('cloudlock')) / perHour(sync('zwa') + sync('cloudlock'))
        },
        syncOverMinimum: {
          zwa: sync('zwa') / min.zwa,
          cloudlock: sync('cloudlock') / min.cloudlock,
          both: (sync('zwa') + sync('cloudlock')) / (min.zwa + min.cloudlock)
        },
        feedCpuPerChangeOverListCpuPerIncident: feedCpu / listCpuPerIncident
      },
      latency,
      feed: {
        changes: total,
        changesPerSecond: cpu.feed.units / (cpu.feed.ms / 1000),
        cpuUsPerChange: feedCpu,
        listCpuUsPerIncident: listCpuPerIncident,
        listCpuUsPerIncidentWithSimulator: cpu.list.us / cpu.list.units
      }
    }
  } finally {
    await app.close()
    await zwaSim.close()
    await clSim.close()
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  }

  async function cpuOf (fn: () => Promise<void>): Promise<number> {
    const before = process.cpuUsage()
    await fn()
    const d = process.cpuUsage(before)
    return d.user + d.system
  }

  // The changes of the live hours, straight from the store (the feed's own table).
  async function liveChanges (since: Date) {
    type Row = { provider: string, native_id: string, type: string, occurred_at: Date, detected_at: Date }
    const rows = await store().query<Row>('SELECT provider, native_id, type, occurred_at, detected_at FROM changes ' +
      'WHERE detected_at >= $1 ORDER BY seq', [since.toISOString()])
    return rows.map((r) => ({
      provider: r.provider,
      incident_id: `${r.provider}:${r.native_id}`,
      type: r.type,
      occurred_at: new Date(r.occurred_at).toISOString(),
      detected_at: new Date(r.detected_at).toISOString()
    }))
  }
  async function changeCount (): Promise<number> {
    return (await store().query<{ n: number }>('SELECT count(*)::int AS n FROM changes'))[0].n
  }
  async function openIds (p: Provider): Promise<Set<string>> {
    const rows = await store().query<{ native_id: string }>(
      'SELECT native_id FROM mirror_incidents WHERE provider = $1 AND NOT deleted AND status = ANY($2)',
      [p, ['new', 'in_progress', 'unknown']])
    return new Set(rows.map((r) => r.native_id))
  }
  async function countCreated (p: Provider, from: Date, to: Date): Promise<number> {
    const rows = await store().query<{ n: number }>('SELECT count(*)::int AS n FROM mirror_incidents ' +
      'WHERE provider = $1 AND created_at >= $2 AND created_at < $3', [p, from.toISOString(), to.toISOString()])
    return rows[0].n
  }
  async function countUpdated (p: Provider, from: Date, to: Date): Promise<number> {
    const rows = await store().query<{ n: number }>('SELECT count(*)::int AS n FROM mirror_incidents ' +
      'WHERE provider = $1 AND vendor_updated_at::timestamptz >= $2 AND vendor_updated_at::timestamptz < $3',
    [p, from.toISOString(), to.toISOString()])
    return rows[0].n
  }
  async function known (p: Provider): Promise<number> {
    const rows = await store().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mirror_incidents WHERE provider = $1 AND NOT deleted', [p])
    return rows[0].n
  }
}

interface LoggedRequest { method: string, path: string, body?: any }

// Vendor requests by kind. A ZWA search is a re-check when it filters on status, discovery when it
// has a creation-time lower bound, else a reconcile page.
function classify (log: LoggedRequest[]) {
  const out = { total: log.length, token: 0, discover_or_updates: 0, recheck: 0, reconcile: 0, get: 0, other: 0 }
  for (const r of log) {
    if (/token/.test(r.path)) out.token++
    else if (/search$/.test(r.path)) {
      const body = JSON.stringify(r.body ?? {})
      if (/"status"/.test(body)) out.recheck++
      else if (/"startTime":\s*"?\d/.test(body)) out.discover_or_updates++
      else out.reconcile++
    } else if (/\/incidents$/.test(r.path)) out.discover_or_updates++
    else if (r.method === 'GET' && /\/incidents\/[^/]+$/.test(r.path)) out.get++
    else out.other++
  }
  return out
}

function progress (message: string) {
  process.stderr.write(`sync-cost: ${message}\n`)
}

// As a script: the options as JSON in argv[2], the result as JSON on stdout.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runSyncCost(JSON.parse(process.argv[2]) as SyncCostOptions)
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
