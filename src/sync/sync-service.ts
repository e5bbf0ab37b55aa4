import type { ProviderAdapter } from '../adapters/types.ts'
import type { MirrorStore, RecordResult } from '../mirror/mirror-store.ts'
import { SYNC_OFF } from '../schemas/change.ts'
import type { IncidentT } from '../schemas/incident.ts'
import { ProviderSync, type SyncObserver, type SyncSettingsT, type SyncStatus } from './provider-sync.ts'
import type { SyncLeases } from '../store/leases.ts'
import type { SyncStateStore } from './sync-state-store.ts'

export type ProviderSyncInfo = SyncStatus

export interface SyncServiceDeps {
  adapters: Array<{ adapter: ProviderAdapter, settings: SyncSettingsT }> // the providers with sync enabled
  mirror: MirrorStore
  state: SyncStateStore
  observer: SyncObserver
  now?: () => number
  onError?: (provider: string, err: unknown) => void
  onLeadership?: (provider: string, leading: boolean) => void
  writeThroughMs?: number // longest a write waits for its write-through; default 5 s
  // Leadership among the replicas sharing the store; absent: this instance always leads (unit tests).
  leases?: SyncLeases
}

const OFF: ProviderSyncInfo = SYNC_OFF

// Every provider's sync, and the write-through of gateway writes into the mirror.
export class SyncService {
  private readonly syncs = new Map<string, ProviderSync>()
  private readonly startFrom = new Map<string, number>()
  private readonly deps: SyncServiceDeps
  private leaseTimer: NodeJS.Timeout | undefined

  constructor (deps: SyncServiceDeps) {
    this.deps = deps
    for (const { adapter, settings } of deps.adapters) {
      if (settings.start_from) this.startFrom.set(adapter.id, Date.parse(settings.start_from))
      this.syncs.set(adapter.id, new ProviderSync({
        adapter,
        settings,
        mirror: deps.mirror,
        state: deps.state,
        observer: deps.observer,
        now: deps.now,
        onError: (err) => deps.onError?.(adapter.id, err),
        leases: deps.leases,
        onLeadership: (leading) => deps.onLeadership?.(adapter.id, leading)
      }))
    }
  }

  // What the store says of each provider's progress and completeness, before any poll.
  async restore (): Promise<void> {
    await Promise.all([...this.syncs.values()].map((s) => s.restore()))
  }

  // Polls, and keeps or takes each provider's lease every third of its lifetime (a standby takes over
  // a dead leader's within the lease's time plus that period).
  start (): void {
    for (const s of this.syncs.values()) s.start()
    const leases = this.deps.leases
    if (!leases || this.syncs.size === 0) return
    const tick = () => {
      for (const s of this.syncs.values()) {
        s.tick().catch((err: unknown) => this.deps.onError?.(s.provider, err))
      }
    }
    this.leaseTimer = setInterval(tick, Math.max(100, Math.floor(leases.ttlMs / 3)))
    this.leaseTimer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.leaseTimer)
    await Promise.all([...this.syncs.values()].map((s) => s.stop()))
  }

  // One complete poll of a provider (tests, and operators through the API later).
  async pollNow (provider: string): Promise<void> {
    const sync = this.syncs.get(provider)
    if (!sync) throw new Error(`sync is not enabled for provider '${provider}'`)
    await sync.pollNow()
  }

  status (provider: string): ProviderSyncInfo {
    return this.syncs.get(provider)?.status() ?? OFF
  }

  // A gateway write's answer is the incident's state now: recorded at once, so its change is in the
  // feed before the write's response leaves (spec section 9, write-through). A failure here never
  // fails the write (the vendor has it); the next poll records it.
  // Observed now by sync's own clock, the one its windows and staleness checks use. Bounded by
  // writeThroughMs: a store that does not answer must not hold the write's response (the vendor
  // already has the write; a client that times out would retry it). Incidents created before the
  // provider's start_from stay out of the mirror, as sync leaves them out.
  async recordWrite (incident: IncidentT): Promise<RecordResult | null> {
    if (!this.syncs.has(incident.provider)) return null
    const from = this.startFrom.get(incident.provider)
    if (from !== undefined && Date.parse(incident.created_at) < from) return null
    const observedAt = new Date((this.deps.now ?? Date.now)())
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        this.deps.onError?.(incident.provider, new Error('write-through timed out; the next poll records it'))
        resolve(null)
      }, this.deps.writeThroughMs ?? 5_000)
    })
    const recording = this.deps.mirror.record(incident.provider, [{ incident, observedAt }]).then((result) => {
      this.deps.observer.recorded(incident.provider, result)
      return result
    }, (err: unknown) => {
      this.deps.onError?.(incident.provider, err)
      return null
    })
    try {
      return await Promise.race([recording, late])
    } finally {
      clearTimeout(timer)
    }
  }
}
