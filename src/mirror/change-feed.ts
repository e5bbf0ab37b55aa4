import { GatewayError } from '../errors/gateway-error.ts'
import type { Database } from '../store/database.ts'
import type { StoredIncident } from './incident-diff.ts'
import type { ChangeType } from './mirror-store.ts'

// Reads the change feed (spec section 9). Appenders commit in seq order
// (src/mirror/mirror-store.ts), so the committed head read first bounds a consistent prefix: every
// change up to it is visible, and a page that does not fill its limit has handed out everything up
// to the head, for the caller's providers, so its position can move to the head.

export interface StoredChange {
  seq: number
  provider: string
  native_id: string
  type: ChangeType
  occurred_at: Date
  detected_at: Date
  changed: string[]
  previous: Record<string, unknown>
  incident: StoredIncident | null
  raw?: Record<string, unknown> | null
}

export interface FeedPage {
  changes: StoredChange[]
  position: number // the seq the next token carries
  hasMore: boolean
  // Per provider: every change its sync strategy could see up to this instant has a seq <= position
  // (null: nothing is complete yet, e.g. during the initial load).
  completeThrough: Map<string, Date | null>
}

export class ChangeFeed {
  private readonly db: Database

  constructor (db: Database) {
    this.db = db
  }

  async read (request: { after: number, providers: string[], limit: number, raw: boolean }): Promise<FeedPage> {
    const [{ last_seq: head }] = await this.db.query<{ last_seq: number }>('SELECT last_seq FROM change_counter')
    // A position is never handed out beyond the head, so this store lost changes it had committed
    // (restored from a backup, failed over to a standby behind it): the seqs above the head will
    // be reused for other changes, which the reader would pass over without a word.
    if (request.after > head) {
      throw new GatewayError('change_token_expired', 'The change token is ahead of the change store, which lost ' +
        'changes it had handed out (restored from a backup or failed over). Start again from a list walk ' +
        '(GET /v1/incidents), then read GET /v1/changes without `after`.')
    }
    const rows = request.providers.length === 0
      ? []
      : await this.db.query<StoredChange & Record<string, unknown>>(
        `SELECT seq, provider, native_id, type, occurred_at, detected_at, changed, previous, incident
          ${request.raw ? ', raw' : ''}
        FROM changes WHERE seq > $1 AND seq <= $2 AND provider = ANY($3::text[]) ORDER BY seq LIMIT $4`,
        [request.after, head, request.providers, request.limit + 1])
    const hasMore = rows.length > request.limit
    const changes = hasMore ? rows.slice(0, request.limit) : rows
    const position = hasMore ? changes[changes.length - 1].seq : head
    return { changes, position, hasMore, completeThrough: await this.completeThrough(request.providers, position) }
  }

  async head (): Promise<number> {
    const [{ last_seq: head }] = await this.db.query<{ last_seq: number }>('SELECT last_seq FROM change_counter')
    return head
  }

  private async completeThrough (providers: string[], position: number): Promise<Map<string, Date | null>> {
    const out = new Map<string, Date | null>(providers.map((p) => [p, null]))
    if (providers.length === 0) return out
    const rows = await this.db.query<{ provider: string, complete_through: Date | null }>(
      `SELECT p.provider, c.complete_through FROM unnest($1::text[]) AS p(provider)
      LEFT JOIN LATERAL (SELECT complete_through FROM sync_checkpoints s
        WHERE s.provider = p.provider AND s.through_seq <= $2 ORDER BY s.through_seq DESC LIMIT 1) c ON true`,
      [providers, position])
    for (const r of rows) out.set(r.provider, r.complete_through)
    return out
  }
}
