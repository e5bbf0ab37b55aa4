import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ChangeTokenCodec } from '../../mirror/change-token.ts'
import type { MirrorStore } from '../../mirror/mirror-store.ts'
import { ChangeService } from '../../services/change-service.ts'
import type { Database } from '../../store/database.ts'
import type { SyncService } from '../../sync/sync-service.ts'

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
  const db = wanted
    ? (opts.database ?? await (await import('../../store/open-database.ts')).openDatabase(config.store))
    : null
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
  // Only a gateway with a store loads the mirror, sync and retention (test/server-boot-modules.test.ts).
  await (await import('./change-feed-store.ts')).storeBackedFeed(app, opts, db, syncing)
}

const tokenSecret = (app: FastifyInstance) => app.config.cursor.secret ?? randomBytes(32).toString('hex')

export default fp(changeFeed, { name: 'change-feed', fastify: '5.x', dependencies: ['providers', 'metrics'] })
