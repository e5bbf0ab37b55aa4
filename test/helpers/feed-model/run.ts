import {
  CL_CLOSED, CL_OPEN, CL_SEVERITIES, GW_CLOSE, GW_PATCH, ZWA_LABELS, ZWA_OPEN, ZWA_RESOLUTIONS, ZWA_SEVERITIES,
  type Action, type Scenario
} from './actions.ts'
import { budgetReport, rateClass, type BudgetReport, type LoggedRequest } from './budget.ts'
import { clock } from './clock.ts'
import { FeedModel, feedProblems, type Change, type ModelIncident, type Provider } from './model.ts'
import { startFeedStack, type FeedStack, type ZwaLimits } from './stack.ts'

// Performs one scenario against both simulators and a gateway, keeps the model, and collects
// every difference between the feed and the model (problems) instead of stopping at the first.

export interface RunSettings { limits: ZwaLimits, budgetShare: number, lookbackS: number }

export interface RunResult {
  problems: string[]
  trace: string[]
  budget: BudgetReport
  changes: number
  syncPoints: number
  budgetStops: number
  slowestPollMs: number
}

const PROVIDERS: Provider[] = ['zwa', 'cloudlock']
const at = <T> (list: readonly T[], n: number): T => list[n % list.length]
const path = (id: string) => `/v1/incidents/${id}`
// Sync points are at least this far apart: each one's requests leave the vendor's minute window
// before the next, and its medium requests leave the hour window minutes apart from the others.
const SYNC_SPACING_MS = 121_000

class Runner {
  readonly model = new FeedModel()
  readonly problems: string[] = []
  readonly trace: string[] = []
  private readonly stack: FeedStack
  private readonly settings: RunSettings
  private token: string | undefined
  private lastSeq = 0
  private readonly seen: Change[] = []
  private readonly seenSeqs = new Set<number>()
  private readonly completeThrough = new Map<string, number>()
  private readonly syncedAt = new Map<string, number>() // clock time each provider's last poll began
  private readonly loaded = new Set<Provider>() // providers whose initial load is done
  syncPoints = 0
  budgetStops = 0 // polls stopped by sync's budget share
  slowestPollMs = 0 // real time: a poll waiting for the budget in real time would show here
  private notes = 0

  constructor (stack: FeedStack, settings: RunSettings) {
    this.stack = stack
    this.settings = settings
  }

  private fail (what: string): void {
    this.problems.push(`after ${this.trace.length} action(s): ${what}`)
  }

  // The incidents the vendors hold before the first action, through the gateway's own listing.
  async learnInitial (): Promise<void> {
    let cursor: string | null = null
    do {
      const res = await this.stack.get(`/v1/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      if (res.status !== 200) throw new Error(`initial listing: ${res.status} ${JSON.stringify(res.body)}`)
      for (const i of res.body.data) this.model.add(i.provider, i.native_id)
      cursor = res.body.next_cursor
    } while (cursor)
  }

  private target (p: Provider, pick: number): ModelIncident | undefined {
    const alive = this.model.alive(p).sort((a, b) => a.id < b.id ? -1 : 1)
    return alive.length === 0 ? undefined : at(alive, pick)
  }

  private async console (p: Provider, pick: number, patch: Record<string, unknown>): Promise<void> {
    const m = this.target(p, pick)
    if (!m) return
    const res = await this.stack.sim(p, 'PATCH', `/__sim/incidents/${m.nativeId}`, patch)
    if (res.status !== 200) throw new Error(`console change of ${m.id}: ${res.status} ${JSON.stringify(res.body)}`)
    m.touched = true
  }

  async perform (a: Action): Promise<void> {
    this.trace.push(JSON.stringify(a))
    switch (a.t) {
      case 'create': return this.create(a.p, a.value)
      case 'status':
        return this.console(a.p, a.pick, a.p === 'zwa'
          ? { status: at(ZWA_OPEN, a.value), resolution: null }
          : { incident_status: at(CL_OPEN, a.value) })
      case 'severity':
        return this.console(a.p, a.pick, { severity: at(a.p === 'zwa' ? ZWA_SEVERITIES : CL_SEVERITIES, a.value) })
      case 'resolve':
        return this.console(a.p, a.pick, a.p === 'zwa'
          ? { status: 'RESOLVED', resolution: at(ZWA_RESOLUTIONS, a.value) }
          : { incident_status: at(CL_CLOSED, a.value) })
      case 'label': return this.console('zwa', a.pick, { labels: at(ZWA_LABELS, a.value) })
      case 'delete': return this.remove(a.pick)
      case 'activity': return this.activity(a.p, a.count)
      case 'gw-patch': return this.write(a.p, a.pick, 'PATCH', '', at(GW_PATCH[a.p], a.value))
      case 'gw-close': return this.write(a.p, a.pick, 'POST', '/close', at(GW_CLOSE[a.p], a.value))
      case 'gw-note': return this.write('zwa', a.pick, 'POST', '/notes', { text: `note ${++this.notes}` })
      case 'gw-labels':
        return this.write('zwa', a.pick, 'POST', '/labels', { labels: [{ key: 'soar', value: `case-${a.value}` }] })
      case 'sync': return this.sync(a.extraS, a.zwaFirst ? PROVIDERS : [...PROVIDERS].reverse())
      case 'read': return this.read(a.limit, a.pages)
      case 'restart': return this.restart()
    }
  }

  private async create (p: Provider, value: number): Promise<void> {
    const record = p === 'zwa'
      ? {
          severity: at(ZWA_SEVERITIES, value),
          priority: 'MEDIUM',
          status: value % 3 === 0 ? 'RESOLVED' : at(ZWA_OPEN, value),
          resolution: value % 3 === 0 ? 'BENIGN' : null,
          labels: null
        }
      : { severity: at(CL_SEVERITIES, value), incident_status: at([...CL_OPEN, ...CL_CLOSED], value) }
    const res = await this.stack.sim(p, 'POST', '/__sim/incidents', [record])
    if (res.status !== 201) throw new Error(`create at ${p}: ${res.status} ${JSON.stringify(res.body)}`)
    for (const id of res.body.ids) this.model.add(p, String(id))
  }

  private async remove (pick: number): Promise<void> {
    const m = this.target('zwa', pick)
    if (!m) return
    const res = await this.stack.sim('zwa', 'DELETE', `/__sim/incidents/${m.nativeId}`)
    if (res.status !== 204) throw new Error(`delete of ${m.id}: ${res.status}`)
    m.vendorDeleted = true
    m.touched = true
  }

  private async activity (p: Provider, count: number): Promise<void> {
    const res = await this.stack.sim(p, 'POST', '/__sim/activity/tick', { count })
    if (res.status !== 200) throw new Error(`activity at ${p}: ${res.status} ${JSON.stringify(res.body)}`)
    for (const action of res.body.actions) this.model.add(p, String(action.id)).touched = true
  }

  // A gateway write: its answer is a state the feed must hold at once (write-through).
  private async write (p: Provider, pick: number, method: 'POST' | 'PATCH', suffix: string,
    body: Record<string, unknown>): Promise<void> {
    const m = this.target(p, pick)
    if (!m) return
    const res = await this.stack.send(method, `${path(m.id)}${suffix}`, body)
    m.touched = true
    if (res.status !== 200) {
      this.fail(`${method} ${m.id}${suffix} ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`)
      return
    }
    this.model.observe(m.id, res.body)
  }

  // A sync point: time passes (every re-check and reconcile is due), each provider polls until a
  // poll completes, and the model reads the gateway's view of every incident that may have changed.
  async sync (extraS: number, order: Provider[], everything = false): Promise<void> {
    clock.advance(SYNC_SPACING_MS + extraS * 1000)
    for (const p of order) {
      await this.pollUntilComplete(p)
      if (this.loaded.has(p)) continue
      // The poll that ends the initial load schedules the first re-check and reconcile an interval
      // later: until then a deletion of an incident the mirror knew only from a gateway write is
      // not seen (a bound of the strategy, not a miss). The model's sync points are complete.
      this.loaded.add(p)
      clock.advance(SYNC_SPACING_MS)
      await this.pollUntilComplete(p)
    }
    this.syncPoints++
    for (const m of this.model.incidents.values()) {
      if (m.deletionObserved || !(m.touched || everything)) continue
      const res = await this.stack.get(path(m.id))
      if (res.status === 200) this.model.observe(m.id, res.body)
      else if (res.status === 404 && m.vendorDeleted) m.deletionObserved = true
      else this.fail(`GET ${m.id}: ${res.status} ${JSON.stringify(res.body)}`)
      m.touched = false
    }
  }

  // When sync's share of the ZWA budget is spent, a poll stops with upstream_rate_limited and its
  // Retry-After (freshness degrades; the next poll goes on from where it stopped). The test then
  // moves the clock to when the budget frees and polls again.
  // A window cut short is resumed by the next attempt, not restarted: it covers what changed up to
  // when it began, so completeness is promised up to the first attempt's start, not the last one's.
  private async pollUntilComplete (p: Provider): Promise<void> {
    for (let attempt = 0; attempt < 30; attempt++) {
      if (p === 'zwa') await this.avoidShortWaits()
      if (attempt === 0) this.syncedAt.set(p, clock.now())
      try {
        const started = clock.real()
        await this.stack.pollNow(p)
        this.slowestPollMs = Math.max(this.slowestPollMs, clock.real() - started)
        return
      } catch (err) {
        const e = err as { code?: string, retryAfter?: number, message?: string }
        if (e.code !== 'upstream_rate_limited' || e.retryAfter === undefined) {
          this.fail(`poll of ${p} failed: ${e.code ?? ''} ${e.message ?? String(err)}`)
          return
        }
        this.budgetStops++
        // At least a minute, so the retries never fill a minute window on their own.
        clock.advance(Math.max(e.retryAfter * 1000 + 1000, 61_000))
      }
    }
    this.fail(`poll of ${p} still rate limited after 30 attempts`)
  }

  // A sync call waits for a budget slot when one frees within its deadline (60 s), and waits in
  // real time. So no ZWA request may leave its hour window within the next minute: the clock moves
  // past such expiries first. Requests of one sync point are milliseconds apart, sync points minutes.
  private async avoidShortWaits (): Promise<void> {
    const log = (await this.stack.sim('zwa', 'GET', '/__sim/requests')).body.requests as LoggedRequest[]
    const expiries = log.filter((r) => rateClass(r) === 'medium').map((r) => Date.parse(r.at) + 3_600_000 + 1000)
    for (;;) {
      const now = clock.now()
      const soon = expiries.filter((e) => e > now && e < now + 62_000)
      if (soon.length === 0) return
      clock.advance(Math.max(...soon) - now + 1000)
    }
  }

  // Reads from the stored token, up to `pages` pages or the end. At the end (has_more false) the
  // feed must hold exactly the model, and complete_through must cover the last sync point.
  async read (limit: number, pages: number): Promise<void> {
    for (let page = 0; page < pages; page++) {
      const after = this.token === undefined ? '' : `&after=${encodeURIComponent(this.token)}`
      const res = await this.stack.get(`/v1/changes?limit=${limit}${after}`)
      if (res.status !== 200) {
        this.fail(`GET /v1/changes: ${res.status} ${JSON.stringify(res.body)}`)
        return
      }
      for (const c of res.body.data as Change[]) {
        if (this.seenSeqs.has(c.seq)) this.fail(`seq ${c.seq} (${c.incident_id}) handed out twice`)
        else if (c.seq <= this.lastSeq) this.fail(`seq ${c.seq} after seq ${this.lastSeq}`)
        this.seenSeqs.add(c.seq)
        this.lastSeq = Math.max(this.lastSeq, c.seq)
        this.seen.push(c)
      }
      if (res.body.data.length > limit) this.fail(`${res.body.data.length} changes for limit ${limit}`)
      this.token = res.body.next
      this.checkCompleteThrough(res.body.providers, res.body.has_more)
      if (!res.body.has_more) {
        for (const p of feedProblems(this.model, this.seen)) this.fail(p)
        return
      }
    }
  }

  private checkCompleteThrough (providers: Record<string, { complete_through: string | null }>,
    hasMore: boolean): void {
    for (const p of PROVIDERS) {
      const through = providers[p]?.complete_through
      const ms = through ? Date.parse(through) : null
      const before = this.completeThrough.get(p)
      if (ms !== null && before !== undefined && ms < before) this.fail(`${p} complete_through went back to ${through}`)
      if (ms !== null) this.completeThrough.set(p, Math.max(ms, before ?? ms))
      const synced = this.syncedAt.get(p)
      if (hasMore || synced === undefined) continue
      // The last poll began at `synced`: everything before it, less the look-back, is complete.
      if (ms === null || ms < synced - this.settings.lookbackS * 1000) {
        this.fail(`${p} complete_through ${through} does not cover the poll at ${new Date(synced).toISOString()}`)
      }
    }
  }

  // The rate budget is the process's own (docs/reliability.md: without Redis each process holds the
  // whole budget), so a restarted gateway would spend a full share again inside the vendor's
  // current hour: the restart takes the hour, and the budget checks hold across it.
  private async restart (): Promise<void> {
    await this.stack.restart()
    clock.advance(3_601_000)
  }

  feed (): Change[] {
    return this.seen
  }
}

export async function runScenario (s: Scenario, settings: RunSettings): Promise<RunResult> {
  const stack = await startFeedStack({
    zwaCount: s.zwaCount,
    cloudlockCount: s.cloudlockCount,
    seed: s.seed,
    limits: settings.limits,
    budgetShare: settings.budgetShare,
    sync: `lookback_s: ${settings.lookbackS}, open_recheck_interval_s: 1, reconcile_interval_h: 0.01`
  })
  const runner = new Runner(stack, settings)
  try {
    await runner.learnInitial()
    for (const a of s.actions) await runner.perform(a)
    // The end: one more sync point that reads every incident, then the whole rest of the feed.
    runner.trace.push('final sync and read')
    await runner.sync(0, PROVIDERS, true)
    await runner.read(1000, 100)
    const log = (await stack.sim('zwa', 'GET', '/__sim/requests')).body.requests as LoggedRequest[]
    const budget = budgetReport(log, settings.limits, settings.budgetShare)
    return {
      problems: [...runner.problems, ...budget.problems],
      trace: runner.trace,
      budget,
      changes: runner.feed().length,
      syncPoints: runner.syncPoints,
      budgetStops: runner.budgetStops,
      slowestPollMs: runner.slowestPollMs
    }
  } finally {
    await stack.close()
  }
}
