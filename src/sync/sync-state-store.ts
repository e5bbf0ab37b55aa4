import type { ListFilters, NativePosition } from '../adapters/types.ts'
import type { Database } from '../store/database.ts'
import type { Fence } from '../mirror/mirror-store.ts'

// A provider's sync progress, kept in the store so a restart resumes where it stopped.
export interface WalkProgress {
  pinnedAt: string // the walk's upper creation-time bound
  startedAt: string // when the walk began: what it read is at least this fresh
  position: NativePosition | null
}

// A window walk that did not finish (the budget ran short, the vendor failed): resumed from its
// position, with its bound and filters, by the next poll, so a long window always completes.
export interface PendingWindow extends WalkProgress {
  filters: ListFilters
}

// An open re-check round (ZWA): the status search is done, the direct reads go on until none is
// left that was last checked before the round began.
export interface RecheckRound {
  startedAt: string
  searched: boolean
}

export interface SyncProgress {
  initial: WalkProgress | null // the initial load, until it is done
  initialDone: boolean
  discoveredThrough: string | null // every incident created before this is in the mirror
  updatesThrough: string | null // Cloudlock: every update before this is in the mirror
  openCheckedThrough: string | null // ZWA: every non-final incident's state as of this is in the mirror
  reconcile: (WalkProgress & { phase: 'walk' | 'sweep' }) | null // ZWA: the current full walk
  lastReconcileAt: string | null
  pending: Partial<Record<'discover' | 'updates', PendingWindow>>
  recheck: (RecheckRound & { window?: PendingWindow }) | null
}

// The leader's last word on its polls, for the standbys' GET /v1/providers.
export interface LeaderReport {
  last_poll_at: string | null
  last_error: string | null
  failed: boolean
  vendor_calls_last_hour: number
}

export const newProgress = (): SyncProgress => ({
  initial: null,
  initialDone: false,
  discoveredThrough: null,
  updatesThrough: null,
  openCheckedThrough: null,
  reconcile: null,
  lastReconcileAt: null,
  pending: {},
  recheck: null
})

export class SyncStateStore {
  private readonly db: Database

  constructor (db: Database) {
    this.db = db
  }

  async load (provider: string): Promise<SyncProgress> {
    const [row] = await this.db.query<{ state: SyncProgress }>('SELECT state FROM sync_state WHERE provider = $1',
      [provider])
    return row ? { ...newProgress(), ...row.state } : newProgress()
  }

  // `status`: what the leader reports of its polls, shown by every replica (see loadStatus).
  async save (provider: string, progress: SyncProgress, status: LeaderReport, fence?: Fence): Promise<void> {
    await this.db.transaction(async (tx) => {
      await fence?.(tx)
      await tx.query(`INSERT INTO sync_state (provider, state, status, updated_at)
        VALUES ($1, $2::jsonb, $3::jsonb, now())
        ON CONFLICT (provider) DO UPDATE SET state = EXCLUDED.state, status = EXCLUDED.status, updated_at = now()`,
      [provider, JSON.stringify(progress), JSON.stringify(status)])
    })
  }

  async loadStatus (provider: string): Promise<LeaderReport | null> {
    const [row] = await this.db.query<{ status: LeaderReport | null }>(
      'SELECT status FROM sync_state WHERE provider = $1', [provider])
    return row?.status ?? null
  }
}
