import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Database, Queryable } from './database.ts'

// Leadership of singleton work across replicas (spec section 9: exactly one replica syncs a provider
// instance at a time), kept in the shared store as leases with a fencing epoch:
// - A lease is held until expires_at, in the database's time, never a replica's own clock (a frozen
//   or skewed replica cannot believe it still leads). The holder renews it well before it expires;
//   any replica takes an expired one, and every take-over increments the epoch.
// - Every write a leader makes as leader runs `fence` first, in the same transaction: it locks the
//   lease row FOR SHARE and checks holder, epoch and expiry. A take-over must update that row, so it
//   waits for a fenced write in flight to commit, and after it no write of the former holder can
//   pass the check. A leader paused past its lease (SIGSTOP, a long GC, a partition) therefore never
//   writes after it lost leadership (test/sync/leases.test.ts, test/sync/replica-failover.test.ts).
// Why not PostgreSQL session advisory locks: a paused process keeps its connection, and with it the
// lock, for as long as TCP takes to notice (hours); and they fence nothing.

export interface Lease {
  readonly name: string
  readonly holder: string
  readonly epoch: number
}

export interface LeaseHolder {
  holder: string
  epoch: number
  acquired_at: Date
  expires_at: Date
}

// A fenced write found that its lease was lost: not a failure of the work, a change of leader.
export class LeaseLostError extends Error {
  readonly code = 'lease_lost'
  constructor (name: string) {
    super(`the lease '${name}' is held by another replica now`)
  }
}

export const isLeaseLost = (err: unknown): err is LeaseLostError => err instanceof LeaseLostError

// This process among the replicas: host name (a pod's name), pid and a random part, so a restarted
// process on a reused pid is another holder.
export const replicaId = (): string => `${hostname().slice(0, 64)}:${process.pid}:${randomBytes(3).toString('hex')}`

export class SyncLeases {
  readonly holder: string
  readonly ttlMs: number
  private readonly db: Database

  // ttlMs: how long a lease outlives its last renewal; a dead leader is replaced within about that
  // plus one renewal period.
  constructor (db: Database, options: { holder?: string, ttlMs?: number } = {}) {
    this.db = db
    this.holder = options.holder ?? replicaId()
    this.ttlMs = options.ttlMs ?? 15_000
  }

  // Takes the lease if nobody holds it or its holder let it expire; null when another holder has it.
  async acquire (name: string): Promise<Lease | null> {
    const rows = await this.db.query<{ epoch: number }>(`INSERT INTO sync_leases
        (name, holder, epoch, acquired_at, renewed_at, expires_at)
      VALUES ($1, $2, 1, now(), now(), now() + $3::float8 * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = sync_leases.epoch + 1,
        acquired_at = now(), renewed_at = now(), expires_at = EXCLUDED.expires_at
      WHERE sync_leases.expires_at <= now()
      RETURNING epoch`, [name, this.holder, this.ttlMs])
    return rows.length === 0 ? null : { name, holder: this.holder, epoch: rows[0].epoch }
  }

  // Extends a lease this replica holds; false when another replica took it over. One that merely
  // expired with nobody taking it is renewed under the same epoch: nobody else wrote meanwhile.
  async renew (lease: Lease): Promise<boolean> {
    const rows = await this.db.query(`UPDATE sync_leases SET renewed_at = now(),
        expires_at = now() + $4::float8 * interval '1 millisecond'
      WHERE name = $1 AND holder = $2 AND epoch = $3 RETURNING epoch`,
    [lease.name, lease.holder, lease.epoch, this.ttlMs])
    return rows.length > 0
  }

  // A graceful stop hands over at once instead of after the lease's expiry. The holder is cleared, so
  // a renewal still in flight cannot bring a released lease back.
  async release (lease: Lease): Promise<void> {
    await this.db.query(`UPDATE sync_leases SET expires_at = LEAST(expires_at, now()), holder = ''
      WHERE name = $1 AND holder = $2 AND epoch = $3`, [lease.name, lease.holder, lease.epoch])
  }

  async holderOf (name: string): Promise<LeaseHolder | null> {
    const [row] = await this.db.query<LeaseHolder & Record<string, unknown>>(
      'SELECT holder, epoch, acquired_at, expires_at FROM sync_leases WHERE name = $1 AND expires_at > now()',
      [name])
    return row ?? null
  }

  // The first statement of every write made as leader (see above). Throws LeaseLostError.
  async fence (tx: Queryable, lease: Lease): Promise<void> {
    // The transaction also carries the lease it wrote under (dlp_gateway.lease = holder/epoch), for
    // audits and for the tests' check that every sync write was made under the current lease.
    const rows = await tx.query(`SELECT set_config('dlp_gateway.lease', holder || '/' || epoch, true)
      FROM sync_leases WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now() FOR SHARE`,
    [lease.name, lease.holder, lease.epoch])
    if (rows.length === 0) throw new LeaseLostError(lease.name)
  }
}
