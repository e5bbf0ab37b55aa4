import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ChangeFeed } from '../../mirror/change-feed.ts'
import { ChangeTokenCodec } from '../../mirror/change-token.ts'
import { CHANGES_CHANNEL, MirrorStore } from '../../mirror/mirror-store.ts'
import { RetentionSchedule } from '../../mirror/retention-schedule.ts'
import { GatewayMetrics } from '../../observability/metrics.ts'
import { ChangeService } from '../../services/change-service.ts'
import type { Database } from '../../store/database.ts'
import { openDatabase } from '../../store/open-database.ts'
import { syncObserver } from '../../sync/sync-metrics.ts'
import { SyncLeases } from '../../store/leases.ts'
import { SyncService } from '../../sync/sync-service.ts'
import { SyncStateStore } from '../../sync/sync-state-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    changes: ChangeService
    sync: SyncService | null // null: no provider syncs and no store is configured
    store: Database | null
    // The mirror: its `events` emit 'appended' after every commit that added changes (webhooks and
    // long polls wake on it). null when no store is open.
    mirror: MirrorStore | null
  }
}

export interface ChangeFeedPluginOptions {
  // false: sync polls only when asked (app.sync.pollNow), for tests that drive it step by step.
  autostart?: boolean
  database?: Database // an already opened, migrated store (tests); closed by its owner
  now?: () => number // sync's clock: intervals, windows and lag (tests move it to make re-checks due)
  holder?: string // this replica's name in leases (tests); default host:pid:random
}

// The mirror, sync and the change feed (spec section 9). The store opens when a provider syncs or
// one is configured (DATABASE_URL / DATA_DIR); a gateway without either serves an empty feed whose
// providers say `off`, and loads no database engine.
async function changeFeed (app: FastifyInstance, opts: ChangeFeedPluginOptions) {
  const config = app.config
  const syncing = config.providers.filter((p) => p.sync?.enabled === true)
  const wanted = opts.database !== undefined || syncing.length > 0 ||
    config.store.database_url !== undefined || config.store.data_dir !== undefined
  const db = wanted ? (opts.database ?? await openDatabase(config.store)) : null
  if (db?.kind === 'embedded' && !config.store.data_dir && !opts.database && !config.demo.enabled) {
    app.log.warn('sync keeps its mirror and change feed in memory: a restart loses them and every change token ' +
      'becomes 410 change_token_expired; set DATABASE_URL (replicas) or DATA_DIR (one instance)')
  }
  app.decorate('store', db)
  if (db && !opts.database) app.addHook('onClose', async () => db.close())
  if (!db) {
    app.decorate('mirror', null)
    app.decorate('sync', null)
    app.decorate('changes', new ChangeService({
      providers: app.providers, store: null, sync: null, codec: new ChangeTokenCodec(tokenSecret(app))
    }))
    return
  }
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
  const store = { feed: new ChangeFeed(db), mirror }
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

const tokenSecret = (app: FastifyInstance) => app.config.cursor.secret ?? randomBytes(32).toString('hex')

// What a failed poll logs: its code and message, never a vendor body or incident content.
function errorSummary (err: unknown): { code?: string, message: string } {
  const e = err as { code?: unknown, message?: unknown } | null
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message.slice(0, 300) : 'sync failed'
  }
}

export default fp(changeFeed, { name: 'change-feed', fastify: '5.x', dependencies: ['providers', 'metrics'] })
