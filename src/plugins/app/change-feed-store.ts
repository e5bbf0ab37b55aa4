import type { FastifyInstance } from 'fastify'
import { ChangeFeed } from '../../mirror/change-feed.ts'
import { ChangeTokenCodec } from '../../mirror/change-token.ts'
import { serializeIncident } from '../../mirror/incident-text.ts'
import { CHANGES_CHANNEL, MirrorStore } from '../../mirror/mirror-store.ts'
import { RetentionSchedule } from '../../mirror/retention-schedule.ts'
import { GatewayMetrics } from '../../observability/metrics.ts'
import { ChangeService } from '../../services/change-service.ts'
import type { Database } from '../../store/database.ts'
import { SyncLeases } from '../../store/leases.ts'
import { syncObserver } from '../../sync/sync-metrics.ts'
import { SyncService } from '../../sync/sync-service.ts'
import { SyncStateStore } from '../../sync/sync-state-store.ts'
import type { Config } from '../../config/schema.ts'
import type { ChangeFeedPluginOptions } from './change-feed.ts'

// The change feed of a gateway with a store (./change-feed.ts): the mirror, sync of the providers
// that sync, retention, and the long polls woken by every replica's commits. A module of its own,
// imported only when a store is open, so a gateway without one loads none of it.
export async function storeBackedFeed (
  app: FastifyInstance, opts: ChangeFeedPluginOptions, db: Database, syncing: Config['providers']
) {
  const config = app.config
  const mirror = new MirrorStore(db)
  app.decorate('mirror', mirror)
  const metrics = app.metrics instanceof GatewayMetrics ? app.metrics : undefined
  const leases = new SyncLeases(db, { holder: opts.holder, ttlMs: config.store.leader_lease_s * 1000 })
  const sync = new SyncService({
    adapters: syncing.map((p) => ({ adapter: app.providers.get(p.id)!, settings: p.sync! })),
    mirror,
    state: new SyncStateStore(db),
    now: opts.now,
    leases,
    observer: syncObserver(metrics?.registry),
    onError: (provider, err) => app.log.warn({ provider, err: errorSummary(err) }, 'sync poll failed'),
    onLeadership: (provider, leading) => app.log.info({ provider, replica: leases.holder },
      leading ? 'this replica now syncs the provider' : 'another replica took over the provider\'s sync')
  })
  const retention = new RetentionSchedule({
    db,
    leases,
    retentionDays: config.changes.retention_days,
    now: opts.now,
    onError: (err) => app.log.warn({ err: errorSummary(err) }, 'change feed retention failed')
  })
  // Without a configured secret (demo mode, one replica) tokens are signed with the store's own
  // key, so they stay valid across restarts of a persistent store.
  const secret = config.cursor.secret ?? await mirror.tokenSecret()
  const codec = new ChangeTokenCodec(secret, config.cursor.previous_secrets)
  app.decorate('sync', sync)
  const store = { feed: new ChangeFeed(db), mirror, serializeIncident }
  const closing = new AbortController()
  app.decorate('changes', new ChangeService({
    providers: app.providers,
    store,
    sync,
    codec,
    now: opts.now,
    closing: closing.signal,
    maxWaitingPerKey: config.changes.max_waiting_per_key
  }))
  // Commits of every replica wake this one's long polls and deliveries (NOTIFY at commit).
  let unlisten: (() => Promise<void>) | undefined
  // Status and lag are true from start-up (the last checkpoint), before the first poll.
  app.addHook('onReady', async () => {
    unlisten = await db.listen(CHANGES_CHANNEL, () => mirror.noteAppended())
    await sync.restore()
    if (opts.autostart !== false) {
      sync.start()
      retention.start()
    }
  })
  // Before the store closes: held long polls answer, a poll in flight finishes or aborts, and the
  // leases this replica holds are handed over.
  app.addHook('preClose', async () => {
    closing.abort()
    await Promise.all([sync.stop(), retention.stop(), unlisten?.()])
  })
}

// What a failed poll logs: its code and message, never a vendor body or incident content.
function errorSummary (err: unknown): { code?: string, message: string } {
  const e = err as { code?: unknown, message?: unknown } | null
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message.slice(0, 300) : 'sync failed'
  }
}
