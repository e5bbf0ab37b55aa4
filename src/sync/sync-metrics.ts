import { Counter, Gauge, type Registry } from 'prom-client'
import type { RecordResult } from '../mirror/mirror-store.ts'
import type { SyncObserver } from './provider-sync.ts'

// Sync's metrics (docs/observability.md): changes emitted by type, polls by outcome, and the lag
// behind the vendor (now minus complete_through), leadership. Labels: provider ids and fixed words only.
export function syncObserver (registry: Registry | undefined, now: () => number = Date.now): SyncObserver {
  if (!registry) return { recorded () {}, polled () {} }
  const changes = new Counter({
    name: 'dlp_gateway_changes_emitted_total',
    help: 'Changes appended to the change feed, by provider and type (created, updated, deleted)',
    labelNames: ['provider', 'type'] as const,
    registers: [registry]
  })
  const polls = new Counter({
    name: 'dlp_gateway_sync_polls_total',
    help: 'Sync polls of a vendor, by provider and outcome (ok, error)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry]
  })
  const lag = new Gauge({
    name: 'dlp_gateway_sync_lag_seconds',
    help: 'Seconds between now and the provider\'s complete_through (-1: nothing complete yet)',
    labelNames: ['provider'] as const,
    registers: [registry]
  })
  const lastPoll = new Gauge({
    name: 'dlp_gateway_sync_last_poll_timestamp_seconds',
    help: 'Unix time of the provider\'s last finished sync poll',
    labelNames: ['provider'] as const,
    registers: [registry]
  })
  const leader = new Gauge({
    name: 'dlp_gateway_sync_leader',
    help: '1 when this replica holds the provider\'s sync lease (exactly one replica per provider should)',
    labelNames: ['provider'] as const,
    registers: [registry]
  })
  const handovers = new Counter({
    name: 'dlp_gateway_sync_leadership_changes_total',
    help: 'Sync leases this replica took (acquired) or lost to another replica (lost), by provider',
    labelNames: ['provider', 'event'] as const,
    registers: [registry]
  })
  return {
    leadership (provider: string, leading: boolean) {
      leader.labels(provider).set(leading ? 1 : 0)
      handovers.labels(provider, leading ? 'acquired' : 'lost').inc()
    },
    recorded (provider: string, r: RecordResult) {
      if (r.created) changes.labels(provider, 'created').inc(r.created)
      if (r.updated) changes.labels(provider, 'updated').inc(r.updated)
      if (r.deleted) changes.labels(provider, 'deleted').inc(r.deleted)
    },
    polled (provider: string, outcome: 'ok' | 'error', lagSeconds: number | null) {
      polls.labels(provider, outcome).inc()
      lag.labels(provider).set(lagSeconds ?? -1)
      lastPoll.labels(provider).set(now() / 1000)
    }
  }
}
