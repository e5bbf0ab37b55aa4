import type { Database, Queryable } from '../store/database.ts'
import type { SyncLeases } from '../store/leases.ts'
import { FeedRetention } from './feed-retention.ts'

const BATCH = 1_000

export interface RetentionScheduleDeps {
  db: Database
  leases: SyncLeases
  retentionDays: number
  now?: () => number
  intervalMs?: number // between two rounds; default 10 minutes (the first round comes after a minute)
  onError?: (err: unknown) => void
}

// Prunes the change feed on one replica at a time: every round takes the 'retention' lease, removes
// changes older than retention_days in small fenced batches and hands the lease back. A round cut
// short (a replica stopped, the store failed) is simply continued by the next one, on any replica.
export class RetentionSchedule {
  private readonly deps: RetentionScheduleDeps
  private readonly retention: FeedRetention
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> = Promise.resolve()
  private stopped = false

  constructor (deps: RetentionScheduleDeps) {
    this.deps = deps
    this.retention = new FeedRetention(deps.db)
  }

  start (): void {
    const every = this.deps.intervalMs ?? 600_000
    const loop = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().catch((err: unknown) => this.deps.onError?.(err))
          .finally(() => { if (!this.stopped) loop(every) })
      }, delay)
      this.timer.unref()
    }
    loop(Math.min(every, 60_000))
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  // One round; the number of changes removed (0 when another replica is pruning).
  async runOnce (): Promise<number> {
    const lease = await this.deps.leases.acquire('retention')
    if (!lease) return 0
    try {
      const cutoff = new Date((this.deps.now ?? Date.now)() - this.deps.retentionDays * 86_400_000)
      const fence = (tx: Queryable) => this.deps.leases.fence(tx, lease)
      let total = 0
      // Small batches, each its own transaction, the lease renewed between them; at most 100,000 a round.
      for (let i = 0; i < 100 && !this.stopped; i++) {
        const { pruned } = await this.retention.pruneBatch(cutoff, BATCH, fence)
        total += pruned
        if (pruned < BATCH || !await this.deps.leases.renew(lease)) break
      }
      return total
    } finally {
      await this.deps.leases.release(lease).catch(() => {})
    }
  }
}
