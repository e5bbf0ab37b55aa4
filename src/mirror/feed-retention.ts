import type { Database } from '../store/database.ts'
import { changeMark } from './change-feed.ts'
import type { Fence } from './mirror-store.ts'

// Retention of the change feed (spec section 9: changes are kept retention_days). Pruning removes a
// prefix of the feed, oldest seq first, in small transactions, so readers and appenders never wait
// long; feed_retention records how far it got, and the mark of the change there. A reader whose
// position is behind it is 410 change_token_expired (src/mirror/change-feed.ts), never handed a gap.
// Removal stops at the first change that is still young: detected_at follows seq only roughly
// (replicas' clocks, write-through), and a prefix is what makes "behind pruned_through" exact.

export interface PruneResult { pruned: number, prunedThrough: number }

export class FeedRetention {
  private readonly db: Database

  constructor (db: Database) {
    this.db = db
  }

  // One batch: at most `batch` of the oldest changes detected before `cutoff`.
  async pruneBatch (cutoff: Date, batch: number, fence?: Fence): Promise<PruneResult> {
    return this.db.transaction(async (tx) => {
      await fence?.(tx)
      const [state] = await tx.query<{ pruned_through: number }>(
        'SELECT pruned_through FROM feed_retention FOR UPDATE')
      const oldest = await tx.query<{ seq: number, native_id: string, detected_at: Date }>(
        'SELECT seq, native_id, detected_at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2',
        [state.pruned_through, batch])
      let last: (typeof oldest)[number] | undefined
      for (const c of oldest) {
        if (c.detected_at >= cutoff) break
        last = c
      }
      if (!last) return { pruned: 0, prunedThrough: state.pruned_through }
      const deleted = await tx.query('DELETE FROM changes WHERE seq > $1 AND seq <= $2 RETURNING seq',
        [state.pruned_through, last.seq])
      await tx.query('UPDATE feed_retention SET pruned_through = $1, pruned_mark = $2', [last.seq, changeMark(last)])
      // Checkpoints only matter at or past a position a reader may still hold: keep, per provider, the
      // newest one at or before the new boundary and everything after it.
      await tx.query(`DELETE FROM sync_checkpoints s WHERE s.through_seq < (
          SELECT max(k.through_seq) FROM sync_checkpoints k WHERE k.provider = s.provider AND k.through_seq <= $1)`,
      [last.seq])
      return { pruned: deleted.length, prunedThrough: last.seq }
    })
  }
}
