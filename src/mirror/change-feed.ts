import { GatewayError } from '../errors/gateway-error.ts'
import { sha256 } from '../util/hash.ts'
import type { Database } from '../store/database.ts'
import type { StoredIncident } from './incident-diff.ts'
import { INCIDENT_TEXT_FORM } from './incident-text.ts'
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
  // Only on a read with `text` (FeedRequest): the incident as GET /v1/changes writes it
  // (src/mirror/incident-text.ts), and `incident` is then null. Absent or null: `incident` holds it.
  incident_text?: string | null
}

export interface FeedPage {
  changes: StoredChange[]
  position: number // the seq the next token carries
  mark: string // fingerprint of the change at `position`, carried by the token
  hasMore: boolean
  // Per provider: every change its sync strategy could see up to this instant has a seq <= position
  // (null: nothing is complete yet, e.g. during the initial load).
  completeThrough: Map<string, Date | null>
}

// Which change sits at a seq: what a restored store cannot reproduce for a reused seq.
export const changeMark = (c: { seq: number, native_id: string, detected_at: Date }): string =>
  sha256(`${c.seq}|${c.native_id}|${c.detected_at.getTime()}`).toString('base64url').slice(0, 12)

const RETENTION_DETAIL = 'The changes after this token were removed: the feed keeps changes for ' +
  'changes.retention_days. Start again from a list walk (GET /v1/incidents), then read GET /v1/changes without `after`.'
const retentionExpired = () => new GatewayError('change_token_expired', RETENTION_DETAIL, { cause: RETENTION })
const RETENTION = new Error('retention')

// The 410 of a position behind the retention boundary (not of a lost or restored store).
export const isRetentionExpired = (err: unknown): boolean =>
  err instanceof GatewayError && err.code === 'change_token_expired' && err.cause === RETENTION

export interface FeedRequest {
  after: number | null // null: from the oldest change retained
  mark?: string // the fingerprint the reader's token holds of the change at `after` (absent: not checked)
  providers: string[]
  limit: number
  raw: boolean
  // The caller's view of an incident is the stored form itself: rows whose stored text is in this
  // release's form carry it as `incident_text` instead of a parsed `incident`.
  text?: boolean
}

// A stored text in another release's form is not served: its incident is parsed (src/mirror/incident-text.ts).
const INCIDENT_COLUMNS = 'incident'
const CURRENT_FORM = `incident_form = '${INCIDENT_TEXT_FORM}'` // base64url: nothing to quote
const INCIDENT_OR_TEXT_COLUMNS = `CASE WHEN ${CURRENT_FORM} THEN NULL ELSE incident END AS incident,
  CASE WHEN ${CURRENT_FORM} THEN incident_text END AS incident_text`

export class ChangeFeed {
  private readonly db: Database

  constructor (db: Database) {
    this.db = db
  }

  // `after` null: from the oldest change retained. `mark`: the fingerprint the reader's token holds of
  // the change at `after` (absent: not checked).
  async read (request: FeedRequest): Promise<FeedPage> {
    // Without a token the page starts at the boundary: pruning that moved it during the read is not the
    // reader's problem, so it reads again from the new one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readOnce(request)
      } catch (err) {
        if (request.after !== null || !isRetentionExpired(err) || attempt >= 3) throw err
      }
    }
  }

  private async readOnce (request: FeedRequest): Promise<FeedPage> {
    const [bounds] = await this.db.query<{ head: number, pruned: number, pruned_mark: string }>(
      'SELECT c.last_seq AS head, r.pruned_through AS pruned, r.pruned_mark FROM change_counter c, feed_retention r')
    const { head } = bounds
    const after = request.after ?? bounds.pruned
    // A store restored from a backup, or failed over to a standby behind it, lost changes it had
    // handed out and will reuse their seqs for other changes, which a reader would pass over without
    // a word. A position beyond the head, or a change at the position that is not the one the reader
    // saw there, says so (test/mirror/complete-through.test.ts, test/mirror/restore.test.ts).
    if (after < bounds.pruned) throw retentionExpired()
    if (after > head ||
      (request.mark !== undefined && after > 0 && await this.markAt(after, bounds) !== request.mark)) {
      // The change at the position may just have been pruned: that is retention, not a lost store.
      const [now] = await this.db.query<{ pruned: number }>('SELECT pruned_through AS pruned FROM feed_retention')
      if (after < now.pruned) throw retentionExpired()
      throw new GatewayError('change_token_expired', 'The change token does not match the change store, which ' +
        'lost changes it had handed out (restored from a backup or failed over). Start again from a list walk ' +
        '(GET /v1/incidents), then read GET /v1/changes without `after`.')
    }
    const rows = request.providers.length === 0
      ? []
      : await this.db.query<StoredChange & Record<string, unknown>>(
        `SELECT seq, provider, native_id, type, occurred_at, detected_at, changed, previous,
          ${request.text === true ? INCIDENT_OR_TEXT_COLUMNS : INCIDENT_COLUMNS} ${request.raw ? ', raw' : ''}
        FROM changes WHERE seq > $1 AND seq <= $2 AND provider = ANY($3::text[]) ORDER BY seq LIMIT $4`,
        [after, head, request.providers, request.limit + 1])
    // Pruning that committed while this page was read may have taken changes from under it: the page
    // is only handed out if the position it started from is still retained.
    const [now] = await this.db.query<{ pruned: number }>('SELECT pruned_through AS pruned FROM feed_retention')
    if (after < now.pruned) throw retentionExpired()
    const hasMore = rows.length > request.limit
    const changes = hasMore ? rows.slice(0, request.limit) : rows
    const position = hasMore ? changes[changes.length - 1].seq : head
    const last = changes.at(-1)
    const mark = last?.seq === position ? changeMark(last) : position === 0 ? '' : await this.markAt(position, bounds)
    return {
      changes, position, mark, hasMore, completeThrough: await this.completeThrough(request.providers, position)
    }
  }

  // The fingerprint of the change at `seq`; '' when there is none. The change at the retention
  // boundary may be pruned: its mark was kept.
  private async markAt (seq: number, bounds: { pruned: number, pruned_mark: string }): Promise<string> {
    const [row] = await this.db.query<{ seq: number, native_id: string, detected_at: Date }>(
      'SELECT seq, native_id, detected_at FROM changes WHERE seq = $1', [seq])
    if (row) return changeMark(row)
    return seq === bounds.pruned ? bounds.pruned_mark : ''
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
