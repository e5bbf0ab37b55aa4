import type { ListFilters, PageRequest, ProviderAdapter, StreamItem } from '../adapters/types.ts'
import type { Static } from 'typebox'
import type { SyncSettings } from '../config/sync.ts'
import { isGatewayError } from '../errors/gateway-error.ts'
import type { Fence, MirrorStore, RecordResult } from '../mirror/mirror-store.ts'
import { isLeaseLost, LeaseLostError, type Lease, type SyncLeases } from '../store/leases.ts'
import { OPEN_STATUSES, RECHECK_STATUSES, SYNC_PLANS, type SyncPlan } from './sync-plan.ts'
import type { LeaderReport, SyncProgress, SyncStateStore, WalkProgress } from './sync-state-store.ts'

// One provider instance's sync (spec section 9, docs/sync.md): each poll discovers new incidents,
// detects changes the way its vendor allows (src/sync/sync-plan.ts), records what it read in the
// mirror and then moves complete_through. A window only moves after everything in it was recorded,
// so a failure or a short budget costs freshness (reported as lag and `degraded`), never a change.

export type SyncSettingsT = Static<typeof SyncSettings>
export type SyncStateName = 'initial_load' | 'live' | 'degraded' | 'off'

export interface SyncLeader {
  replica: string | null // the replica holding the provider's sync lease; null: none right now
  this_replica: boolean
  since: string | null
}

export interface SyncStatus {
  state: SyncStateName
  complete_through: string | null
  lag_seconds: number | null
  last_poll_at: string | null
  last_error: string | null
  vendor_calls_last_hour: number
  leader: SyncLeader
}

export interface SyncObserver {
  recorded (provider: string, result: RecordResult): void
  polled (provider: string, outcome: 'ok' | 'error', lagSeconds: number | null): void
  leadership? (provider: string, leading: boolean): void
}

export interface ProviderSyncDeps {
  adapter: ProviderAdapter
  settings: SyncSettingsT
  mirror: MirrorStore
  state: SyncStateStore
  observer: SyncObserver
  now?: () => number
  onError?: (err: unknown) => void // logged by the owner (no incident content in it)
  // Leadership among replicas (src/store/leases.ts). Absent: this instance always leads, unfenced
  // (unit tests of the sync strategy).
  leases?: SyncLeases
  onLeadership?: (leading: boolean) => void // logged by the owner
}

const PAGE = 100 // incidents per vendor page asked for
const INITIAL_CALLS_PER_POLL = 20 // the initial load yields between chunks (status, shutdown)
const DIRECT_READS_PER_POLL = 200 // reads of single incidents per poll (re-checks, deletion sweep)
const iso = (ms: number) => new Date(ms).toISOString()

export class ProviderSync {
  readonly provider: string
  private readonly adapter: ProviderAdapter
  private readonly settings: SyncSettingsT
  private readonly plan: SyncPlan
  private readonly deps: ProviderSyncDeps
  private readonly now: () => number
  private readonly abort = new AbortController()
  private progress: SyncProgress | null = null
  private completeThrough: number | null = null
  private lastPollAt: number | null = null
  private lastError: string | null = null
  private failed = false
  private queue: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  // Leadership: the lease this replica holds (null: a standby), and what a standby last read of
  // the leader's progress and report from the store, for its status.
  private lease: Lease | null = null
  private leaderSince: number | null = null
  private generation = 0 // moves on every gain or loss, so a stale store read is not applied
  private leaderView: { replica: string | null, since: string | null } = { replica: null, since: null }
  private report: LeaderReport | null = null
  private ticking: Promise<void> | null = null // a tick in flight, awaited by stop()
  private pollGeneration = 0 // the generation the running poll began in (polls run one at a time)
  // Every write of a poll: refused once the poll's lease is gone, even if this replica leads again.
  private readonly fence: Fence = async (tx) => {
    const leases = this.deps.leases
    if (!leases) return
    const lease = this.lease
    if (!lease || this.pollGeneration !== this.generation) throw new LeaseLostError(`sync:${this.provider}`)
    await leases.fence(tx, lease)
  }

  constructor (deps: ProviderSyncDeps) {
    this.deps = deps
    this.adapter = deps.adapter
    this.provider = deps.adapter.id
    this.settings = deps.settings
    this.plan = SYNC_PLANS[deps.adapter.type]
    this.now = deps.now ?? Date.now
  }

  // Progress and the last checkpoint from the store (a restart): status and lag before the first poll.
  async restore (): Promise<void> {
    this.progress ??= await this.deps.state.load(this.provider)
    await this.refreshCheckpoint()
    if (!this.deps.leases) return
    this.report = await this.deps.state.loadStatus(this.provider)
    await this.refreshLeaderView()
  }

  get leading (): boolean {
    return !this.deps.leases || this.lease !== null
  }

  // Keeps or takes leadership (every renewal period, from SyncService): renews the lease this replica
  // holds, or takes an expired one and polls at once, so a dead leader is replaced within the lease's
  // time plus one period. A standby refreshes what it shows of the leader's progress instead.
  tick (): Promise<void> {
    if (this.stopped || !this.deps.leases || this.ticking) return this.ticking ?? Promise.resolve()
    this.ticking = (async () => {
      const gained = await this.ensureLeadership()
      if (gained) this.pollNow().catch(() => {})
      else if (!this.lease && !this.stopped) await this.refreshStandby()
    })().finally(() => { this.ticking = null })
    return this.ticking
  }

  // True when leadership was just gained.
  private async ensureLeadership (): Promise<boolean> {
    const leases = this.deps.leases
    if (!leases) return false
    const held = this.lease
    if (held) {
      if (await leases.renew(held)) {
        if (this.lease !== held) await leases.release(held) // dropped meanwhile: hand it back, do not keep it idle
        return false
      }
      this.lost(held)
      if (this.lease) return false // another call took it again meanwhile
    }
    const lease = await leases.acquire(`sync:${this.provider}`)
    if (!lease || this.stopped) {
      if (lease) await leases.release(lease)
      return false
    }
    this.generation++
    this.lease = lease
    this.leaderSince = this.now()
    this.progress = null // the former leader's progress is in the store: read it again
    this.failed = false
    this.deps.observer.leadership?.(this.provider, true)
    this.deps.onLeadership?.(true)
    return true
  }

  private lost (lease: Lease): void {
    if (this.lease !== lease) return
    this.generation++
    this.lease = null
    this.leaderSince = null
    this.report = this.leaderReport() // what this replica last knew, until the next refresh from the store
    this.deps.observer.leadership?.(this.provider, false)
    this.deps.onLeadership?.(false)
  }

  private async refreshStandby (): Promise<void> {
    const generation = this.generation
    const [progress, report] = await Promise.all([
      this.deps.state.load(this.provider), this.deps.state.loadStatus(this.provider)
    ])
    await this.refreshCheckpoint()
    await this.refreshLeaderView()
    if (generation !== this.generation || this.lease) return
    this.progress = progress
    this.report = report
  }

  private async refreshCheckpoint (): Promise<void> {
    const through = await this.deps.mirror.latestCheckpoint(this.provider)
    if (through !== null) this.completeThrough = Math.max(this.completeThrough ?? 0, through.getTime())
  }

  private async refreshLeaderView (): Promise<void> {
    const holder = await this.deps.leases?.holderOf(`sync:${this.provider}`)
    this.leaderView = { replica: holder?.holder ?? null, since: holder ? holder.acquired_at.toISOString() : null }
  }

  // Polls now and resolves when that poll has finished (after any poll already running).
  pollNow (): Promise<void> {
    const run = this.queue.then(() => this.poll())
    this.queue = run.catch(() => {})
    return run
  }

  // Polls every poll_interval_s (at once again while the initial load is unfinished) until stop().
  start (): void {
    const loop = async () => {
      if (this.stopped) return
      await this.pollNow().catch(() => {})
      if (this.stopped) return
      const again = this.leading && this.progress?.initialDone === false && !this.failed
        ? 0
        : this.settings.poll_interval_s * 1000
      this.timer = setTimeout(loop, again)
      this.timer.unref()
    }
    loop().catch(() => {})
  }

  // Stops polling and hands leadership over at once (a graceful shutdown or a rolling restart).
  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.abort.abort(new Error('sync stopped'))
    await this.queue
    await this.ticking?.catch(() => {})
    const lease = this.lease
    if (lease && this.deps.leases) await this.deps.leases.release(lease).catch(() => {})
  }

  // A standby shows the leader's last report, read from the store (every replica says the same).
  status (): SyncStatus {
    const lag = this.lagSeconds()
    const mine = this.leading
    const report = mine ? null : this.report
    const lastPoll = report ? report.last_poll_at : (this.lastPollAt === null ? null : iso(this.lastPollAt))
    return {
      state: this.stateName(lag, report ? report.failed : this.failed),
      complete_through: this.completeThrough === null ? null : iso(this.completeThrough),
      lag_seconds: lag,
      last_poll_at: lastPoll,
      last_error: report ? report.last_error : this.lastError,
      vendor_calls_last_hour: report ? report.vendor_calls_last_hour : this.vendorCallsLastHour(),
      leader: mine
        ? {
            replica: this.lease?.holder ?? null,
            this_replica: true,
            since: this.leaderSince === null ? null : iso(this.leaderSince)
          }
        : { ...this.leaderView, this_replica: false }
    }
  }

  private vendorCallsLastHour (): number {
    return this.adapter.vendorCalls().sync_last_hour
  }

  private leaderReport (): LeaderReport {
    return {
      last_poll_at: this.lastPollAt === null ? null : iso(this.lastPollAt),
      last_error: this.lastError,
      failed: this.failed,
      vendor_calls_last_hour: this.vendorCallsLastHour()
    }
  }

  private stateName (lag: number | null, failed: boolean): SyncStateName {
    if (this.progress !== null && !this.progress.initialDone) return failed ? 'degraded' : 'initial_load'
    if (failed) return 'degraded'
    // Behind by more than three polls, the look-back and (ZWA) a re-check interval, which is how far
    // complete_through trails when all is well: the budget or the vendor cannot keep up.
    const recheck = this.plan.updates === 'open_recheck' ? this.settings.open_recheck_interval_s : 0
    const tolerated = 3 * this.settings.poll_interval_s + this.settings.lookback_s + recheck
    if (lag !== null && lag > tolerated) return 'degraded'
    return this.progress === null ? 'initial_load' : 'live'
  }

  private lagSeconds (): number | null {
    return this.completeThrough === null ? null : Math.max(0, Math.round((this.now() - this.completeThrough) / 1000))
  }

  // Only the leader polls; a replica that cannot take the lease is a standby and does nothing here.
  // Every write of the poll is fenced by the lease it began with: once another replica takes over,
  // the rest of this poll fails with LeaseLostError and writes nothing (src/store/leases.ts).
  private async poll (): Promise<void> {
    if (this.stopped) return
    try {
      await this.ensureLeadership()
    } catch (err) {
      this.failed = true
      this.lastError = describe(err)
      this.deps.observer.polled(this.provider, 'error', this.lagSeconds())
      if (!this.stopped) this.deps.onError?.(err)
      throw err
    }
    if (!this.leading) return
    const generation = this.generation
    this.pollGeneration = generation
    const started = this.now()
    this.lastPollAt = started
    const keepAlive = this.keepLeaseDuringPoll()
    try {
      const progress = this.progress ?? await this.deps.state.load(this.provider)
      this.progress = progress
      if (this.deps.leases) await this.refreshCheckpoint()
      if (!progress.initialDone) {
        const done = await this.initialLoad(progress, started)
        await this.save(progress)
        if (!done) {
          this.succeeded()
          return
        }
      }
      await this.discover(progress, started)
      if (this.plan.updates === 'updated_after') await this.updates(progress, started)
      else await this.openRecheck(progress, started)
      if (this.plan.reconcile) await this.reconcile(progress, started)
      await this.save(progress)
      await this.markComplete(progress)
      this.succeeded()
    } catch (err) {
      if (isLeaseLost(err) || generation !== this.generation) {
        // Another replica leads now: its poll carries on from the store, nothing here was half-written.
        const lease = this.lease
        if (generation === this.generation && lease) {
          this.lost(lease)
          // Expired with nobody taking it, or taken: either way it is not this replica's any more.
          await this.deps.leases?.release(lease).catch(() => {})
        }
        return
      }
      this.failed = true
      this.lastError = describe(err)
      if (this.progress) await this.save(this.progress).catch(() => {})
      this.deps.observer.polled(this.provider, 'error', this.lagSeconds())
      if (!this.stopped) this.deps.onError?.(err)
      throw err
    } finally {
      clearInterval(keepAlive)
    }
  }

  // A long poll (an initial load waiting for its budget) renews its lease itself, so it never depends
  // on the periodic tick alone (polls driven by hand have none).
  private keepLeaseDuringPoll (): NodeJS.Timeout | undefined {
    const leases = this.deps.leases
    const lease = this.lease
    if (!leases || !lease) return undefined
    const timer = setInterval(() => {
      if (this.lease !== lease) return
      leases.renew(lease).then((ok) => { if (!ok) this.lost(lease) }, () => {})
    }, Math.max(100, Math.floor(leases.ttlMs / 3)))
    timer.unref()
    return timer
  }

  private stillLeading (): void {
    if (this.deps.leases && (!this.lease || this.pollGeneration !== this.generation)) {
      throw new LeaseLostError(`sync:${this.provider}`)
    }
  }

  private async save (progress: SyncProgress): Promise<void> {
    await this.deps.state.save(this.provider, progress, this.leaderReport(), this.fence)
  }

  private succeeded (): void {
    this.failed = false
    this.lastError = null
    this.deps.observer.polled(this.provider, 'ok', this.lagSeconds())
  }

  // Walks back to start_from in chunks; the walk's bound and position survive restarts.
  private async initialLoad (progress: SyncProgress, started: number): Promise<boolean> {
    progress.initial ??= { pinnedAt: iso(started), startedAt: iso(started), position: null }
    const done = await this.walk(this.lowerBound({}), progress.initial, INITIAL_CALLS_PER_POLL)
    if (!done) return false
    const through = progress.initial.startedAt
    Object.assign(progress, {
      initial: null,
      initialDone: true,
      discoveredThrough: through,
      updatesThrough: through,
      openCheckedThrough: through,
      lastReconcileAt: through
    })
    return true
  }

  // New incidents: [discoveredThrough - lookback, now). A window cut short is resumed, not restarted,
  // and once done it moves discoveredThrough to when it began.
  private async discover (progress: SyncProgress, started: number): Promise<void> {
    const from = Date.parse(progress.discoveredThrough ?? iso(started)) - this.settings.lookback_s * 1000
    const through = await this.window(progress, 'discover', { createdAfter: iso(from) }, started)
    progress.discoveredThrough = through
  }

  private async updates (progress: SyncProgress, started: number): Promise<void> {
    const from = Date.parse(progress.updatesThrough ?? iso(started)) - this.settings.lookback_s * 1000
    const through = await this.window(progress, 'updates', { updatedAfter: iso(from) }, started)
    progress.updatesThrough = through
  }

  // Walks the pending window of this kind, or a new one with `filters`, to its end; returns when it began.
  private async window (progress: SyncProgress, kind: 'discover' | 'updates', filters: ListFilters,
    started: number): Promise<string> {
    const w = progress.pending[kind] ??
      { filters: this.lowerBound(filters), pinnedAt: iso(started), startedAt: iso(started), position: null }
    progress.pending[kind] = w
    await this.walk(w.filters, w, Infinity)
    delete progress.pending[kind]
    return w.startedAt
  }

  // ZWA: every incident in a non-final status, by a status-filtered search, then a direct read of
  // each known one the search did not return (closed or deleted since, or in an unmapped status).
  // A round runs over as many polls as its reads need: a read moves the incident's last_checked past
  // the round's start, so no incident is read twice in one round and every round ends.
  private async openRecheck (progress: SyncProgress, started: number): Promise<void> {
    if (!progress.recheck) {
      const last = Date.parse(progress.openCheckedThrough ?? iso(0))
      if (started - last < this.settings.open_recheck_interval_s * 1000) return
      progress.recheck = { startedAt: iso(started), searched: false }
    }
    const round = progress.recheck
    if (!round.searched) {
      round.window ??= {
        filters: this.lowerBound({ status: OPEN_STATUSES }),
        pinnedAt: round.startedAt,
        startedAt: round.startedAt,
        position: null
      }
      await this.walk(round.window.filters, round.window, Infinity)
      round.searched = true
      delete round.window
    }
    const due = await this.deps.mirror.dueForRecheck(this.provider, RECHECK_STATUSES, new Date(round.startedAt),
      DIRECT_READS_PER_POLL + 1)
    await this.readEach(due.slice(0, DIRECT_READS_PER_POLL))
    if (due.length > DIRECT_READS_PER_POLL) return
    progress.openCheckedThrough = round.startedAt
    progress.recheck = null
  }

  // ZWA: one full walk spread over reconcile_interval_h, then a direct read of every known incident
  // the walk did not see (deleted ones answer 404 and become `deleted` changes).
  private async reconcile (progress: SyncProgress, started: number): Promise<void> {
    const intervalMs = this.settings.reconcile_interval_h * 3_600_000
    if (!progress.reconcile) {
      if (started - Date.parse(progress.lastReconcileAt ?? iso(0)) < intervalMs) return
      progress.reconcile = { pinnedAt: iso(started), startedAt: iso(started), position: null, phase: 'walk' }
    }
    const r = progress.reconcile
    if (r.phase === 'walk') {
      const polls = Math.max(1, intervalMs / (this.settings.poll_interval_s * 1000))
      const known = await this.deps.mirror.count(this.provider)
      const callsPerPoll = Math.max(1, Math.ceil(known / PAGE / polls))
      if (!await this.walk(this.lowerBound({}), r, callsPerPoll)) return
      r.phase = 'sweep'
    }
    const missing = await this.deps.mirror.notSeenSince(this.provider, new Date(r.startedAt), new Date(r.pinnedAt),
      DIRECT_READS_PER_POLL + 1)
    await this.readEach(missing.slice(0, DIRECT_READS_PER_POLL))
    if (missing.length > DIRECT_READS_PER_POLL) return
    progress.lastReconcileAt = r.startedAt
    progress.reconcile = null
  }

  private async markComplete (progress: SyncProgress): Promise<void> {
    const updates = this.plan.updates === 'updated_after' ? progress.updatesThrough : progress.openCheckedThrough
    if (progress.discoveredThrough === null || updates === null) return
    // The look-back is the vendor's assumed indexing delay: a change that happened just before the
    // poll may only show up in the next one, so completeness is promised only up to it.
    const through = Math.min(Date.parse(progress.discoveredThrough), Date.parse(updates)) -
      this.settings.lookback_s * 1000
    await this.deps.mirror.checkpoint(this.provider, new Date(through), this.fence)
    this.completeThrough = Math.max(this.completeThrough ?? through, through)
  }

  private lowerBound (filters: ListFilters): ListFilters {
    const from = this.settings.start_from
    if (!from) return filters
    if (filters.createdAfter === undefined || Date.parse(filters.createdAfter) < Date.parse(from)) {
      return { ...filters, createdAfter: from }
    }
    return filters
  }

  // Pages of a walk into the mirror, from w.position on, until the vendor says the end (true) or
  // `maxCalls` vendor calls were made (false). w.position moves after each recorded page. A capped
  // walk hands the adapter what is left of `maxCalls` as its budget: a page short of PAGE is
  // progress all the same, where filling it would read a vendor page whose rest the next poll reads
  // again (at ZWA two searches a reconcile poll instead of one: test/sync/reconcile-calls.test.ts).
  private async walk (filters: ListFilters, w: WalkProgress, maxCalls: number): Promise<boolean> {
    let calls = 0
    while (calls < maxCalls) {
      this.abort.signal.throwIfAborted()
      this.stillLeading() // a former leader makes no more vendor calls either
      const observedAt = new Date(this.now())
      const request: PageRequest & { purpose: 'sync' } = {
        filters,
        position: w.position,
        pinnedAt: w.pinnedAt,
        want: PAGE,
        ...(Number.isFinite(maxCalls) ? { budget: maxCalls - calls } : {}),
        signal: this.abort.signal,
        deadline: this.callDeadline(),
        purpose: 'sync'
      }
      const page = await this.adapter.listPage(request)
      calls += Math.max(1, page.upstreamCalls)
      await this.record(page.items, observedAt)
      w.position = page.scannedTo ?? page.items.at(-1)?.after ?? w.position
      if (page.interrupted !== undefined) throw page.interrupted
      if (page.exhausted) return true
    }
    return false
  }

  private async readEach (nativeIds: string[]): Promise<void> {
    for (const nativeId of nativeIds) {
      this.abort.signal.throwIfAborted()
      this.stillLeading() // a former leader makes no more vendor calls either
      const observedAt = new Date(this.now())
      const opts = { signal: this.abort.signal, deadline: this.callDeadline(), fresh: true, purpose: 'sync' as const }
      try {
        const incident = await this.adapter.get(nativeId, opts)
        this.deps.observer.recorded(this.provider,
          await this.deps.mirror.record(this.provider, [{ incident, observedAt }], this.fence))
      } catch (err) {
        if (!isGatewayError(err) || err.code !== 'not_found') throw err
        this.deps.observer.recorded(this.provider,
          await this.deps.mirror.recordDeleted(this.provider, [nativeId], observedAt, this.fence))
      }
    }
  }

  private async record (items: StreamItem[], observedAt: Date): Promise<void> {
    if (items.length === 0) return
    const observations = items.map((i) => ({ incident: i.incident, observedAt }))
    const result = await this.deps.mirror.record(this.provider, observations, this.fence)
    this.deps.observer.recorded(this.provider, result)
  }

  // A sync call may wait for its share of the rate budget: background work has no caller waiting,
  // so it waits up to a poll interval (at least a minute) rather than failing fast.
  private callDeadline (): number {
    return this.now() + Math.max(60, this.settings.poll_interval_s) * 1000
  }
}

function describe (err: unknown): string {
  if (isGatewayError(err)) return `${err.code}: ${err.detail}`.slice(0, 300)
  return err instanceof Error ? err.message.slice(0, 300) : 'sync failed'
}
