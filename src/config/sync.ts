import { Type } from 'typebox'

// The `sync` section of a provider instance (spec section 9, docs/sync.md): how the gateway keeps
// its incident mirror current. Off unless enabled: a gateway that starts spending half of a vendor's
// rate budget in the background must be asked to (demo mode enables it).
const closed = { additionalProperties: false } as const

export const SyncSettings = Type.Object({
  enabled: Type.Boolean({ default: false, description: 'keep this provider in the mirror and the change feed' }),
  budget_share: Type.Number({
    minimum: 0.05,
    maximum: 1,
    default: 0.5,
    description: 'largest share of each vendor rate budget sync may spend; interactive calls keep the rest'
  }),
  poll_interval_s: Type.Integer({
    minimum: 1, maximum: 3_600, default: 60, description: 'time between two polls of the vendor'
  }),
  lookback_s: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 300,
    description: 'overlap of each creation-time and update-time window with the previous one (vendor indexing delay)'
  }),
  open_recheck_interval_s: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'ZWA: how often incidents in a non-final status are read again'
  }),
  reconcile_interval_h: Type.Number({
    minimum: 0.01,
    maximum: 720,
    default: 24,
    description: 'a full re-read of every incident is spread over this many hours (ZWA: closed incidents, deletions)'
  }),
  start_from: Type.Optional(Type.String({
    format: 'date-time', description: 'the initial load walks back to incidents created at this instant (default: all)'
  }))
}, { ...closed, default: {} })

export const StoreSettings = Type.Object({
  database_url: Type.Optional(Type.String({
    pattern: '^postgres(ql)?://', description: 'PostgreSQL; absent: the embedded store (PGlite)'
  })),
  data_dir: Type.Optional(Type.String({
    minLength: 1, maxLength: 4096, description: 'embedded store directory; absent: in memory (lost on restart)'
  })),
  leader_lease_s: Type.Integer({
    minimum: 3,
    maximum: 120,
    default: 15,
    description: 'a sync leader\'s lease; a standby takes over a dead leader within this plus a third of it'
  })
}, { ...closed, default: {} })

export const ChangeFeedSettings = Type.Object({
  retention_days: Type.Integer({ minimum: 1, maximum: 3_650, default: 30, description: 'changes are kept this long' }),
  max_waiting_per_key: Type.Integer({
    minimum: 1,
    maximum: 1_000,
    default: 10,
    description: 'long polls (wait > 0) one API key may hold at once per replica'
  })
}, { ...closed, default: {} })
