import { randomBytes } from 'node:crypto'
import { isGatewayError } from '../errors/gateway-error.ts'
import { ChangeFeed, isRetentionExpired, type StoredChange } from '../mirror/change-feed.ts'
import type { AttemptOutcome } from '../schemas/webhook.ts'
import type { Database, Queryable } from '../store/database.ts'
import { wants } from './payload.ts'
import { normalize, type WebhookRow, type WebhookStore } from './webhook-store.ts'

// The delivery queue in the store, shared by every replica (docs/webhooks.md):
// - fan-out moves a webhook's feed position and queues the changes it wants in one transaction, so
//   a change is queued once per webhook whichever replica does it, and none is skipped;
// - claim takes due rows with FOR UPDATE SKIP LOCKED and marks them with a lease (owner token and
//   expiry) in the same transaction: two replicas never hold one row, and a killed replica's rows
//   are claimable again once their lease has run out;
// - only the oldest queued change of an incident (per webhook) is claimable (the others are
//   `blocked` until it leaves the queue), so one incident's changes arrive in seq order, while other
//   incidents of the same webhook go on;
// - completing is fenced by the lease token: a replica whose lease was taken over records nothing.

export interface Claimed {
  webhookId: string
  seq: number
  incident: string
  event: string
  attempt: number // 1 for the first attempt
  firstAttemptAt: Date
  lease: string
  webhook: Pick<WebhookRow, 'owner' | 'url' | 'secrets'> // as it was at the claim
  change: StoredChange | null // null: retention removed it
}

export interface Outcome {
  outcome: AttemptOutcome
  status: number | null
  latencyMs: number | null
  error: string | null
  messageId: string
}

export interface FailurePolicy {
  retryAt: (attempt: number) => Date // when a failed delivery is tried again
  holdUntil: (consecutive: number) => Date // when the webhook's next delivery may start
  windowMs: number // a delivery is given up this long after its first attempt
  maxConsecutive: number // failures in a row that disable the webhook
}

export class DeliveryQueue {
  readonly db: Database
  private readonly store: WebhookStore
  readonly instance = randomBytes(6).toString('hex')

  constructor (store: WebhookStore) {
    this.store = store
    this.db = store.db
  }

  // Moves up to `webhooks` webhooks that are behind the feed by up to `batch` changes each.
  // `providersFor(owner)`: the providers the owner key may see (null: the key is gone).
  async fanout (opts: {
    providersFor: (owner: string) => string[] | null,
    now: Date,
    batch: number,
    webhooks: number,
    maxPending: number
  }): Promise<{ queued: number, behind: boolean }> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query<WebhookRow>(
        `SELECT * FROM webhooks WHERE enabled AND position < (SELECT last_seq FROM change_counter)
        ORDER BY updated_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`, [opts.webhooks])).map(normalize)
      let queued = 0
      let behind = rows.length === opts.webhooks
      // The feed read inside this transaction: its head and rows are read by the same connection.
      const feed = new ChangeFeed(tx as Database)
      for (const w of rows) {
        const allowed = opts.providersFor(w.owner)
        if (allowed === null) {
          await this.disable(tx, w.id, 'the API key that owns this webhook is no longer configured', opts.now)
          continue
        }
        const [{ n }] = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1', [w.id])
        if (n >= opts.maxPending) continue // the position waits; the feed keeps the changes
        const providers = w.filter.provider ? allowed.filter((p) => w.filter.provider!.includes(p)) : allowed
        let page: { changes: StoredChange[], position: number, hasMore: boolean }
        try {
          page = await feed.read({
            after: w.position,
            providers,
            limit: Math.min(opts.batch, opts.maxPending - n),
            raw: false
          })
        } catch (err) {
          if (!isGatewayError(err) || err.code !== 'change_token_expired') throw err
          // Behind the retention boundary: what was pruned is lost to it, what is kept still goes out.
          // A store restored from a backup is behind the position instead: start again at its head.
          const to = isRetentionExpired(err)
            ? 'SELECT pruned_through FROM feed_retention'
            : 'SELECT last_seq FROM change_counter'
          await tx.query(`UPDATE webhooks SET position = (${to}) WHERE id = $1`, [w.id])
          continue
        }
        const wanted = page.changes.filter((c) => wants(w.events, w.filter, c))
        if (wanted.length > 0) {
          await tx.query(
            // Blocked: behind an earlier queued change of the same incident (per-incident order).
            `INSERT INTO webhook_deliveries (webhook_id, seq, incident, event, next_attempt_at, blocked)
            SELECT $1, t.seq, t.incident, t.event, $5,
              t.seq > min(t.seq) OVER (PARTITION BY t.incident) OR EXISTS (SELECT 1 FROM webhook_deliveries e
                WHERE e.webhook_id = $1 AND e.incident = t.incident)
            FROM unnest($2::bigint[], $3::text[], $4::text[]) AS t(seq, incident, event)
            ON CONFLICT DO NOTHING`,
            [w.id, wanted.map((c) => c.seq), wanted.map((c) => `${c.provider}:${c.native_id}`),
              wanted.map((c) => `incident.${c.type}`), opts.now])
        }
        await tx.query('UPDATE webhooks SET position = $2 WHERE id = $1', [w.id, page.position])
        queued += wanted.length
        if (page.hasMore) behind = true
      }
      return { queued, behind }
    })
  }

  // Up to `limit` due deliveries, at most `perWebhook` in flight per webhook across replicas.
  async claim (opts: { now: Date, limit: number, perWebhook: number, leaseMs: number }): Promise<Claimed[]> {
    if (opts.limit <= 0) return []
    return this.db.transaction(async (tx) => {
      // Per webhook (in random order, so none waits behind the others), up to its free slots of
      // ready deliveries: due, not leased, and not blocked behind an earlier change of their incident.
      const chosen = await tx.query<{ webhook_id: string, seq: number, incident: string, event: string }>(
        `SELECT c.webhook_id, c.seq, c.incident, c.event
        FROM (SELECT w.id, $3 - (SELECT count(*) FROM webhook_deliveries l
            WHERE l.webhook_id = w.id AND l.lease_owner IS NOT NULL AND l.lease_until > $1) AS free
          FROM webhooks w WHERE w.enabled AND (w.hold_until IS NULL OR w.hold_until <= $1)
          ORDER BY random()) w
        CROSS JOIN LATERAL (
          SELECT d.webhook_id, d.seq, d.incident, d.event FROM webhook_deliveries d
          WHERE d.webhook_id = w.id AND NOT d.blocked AND d.next_attempt_at <= $1
            AND (d.lease_until IS NULL OR d.lease_until <= $1)
          ORDER BY d.next_attempt_at, d.seq LIMIT greatest(w.free, 0)
          FOR UPDATE OF d SKIP LOCKED) c
        LIMIT $2`,
        [opts.now, opts.limit, opts.perWebhook])
      if (chosen.length === 0) return []
      const lease = `${this.instance}.${randomBytes(6).toString('hex')}`
      const claimed = await tx.query<{
        webhook_id: string,
        seq: number,
        incident: string,
        event: string,
        attempts: number,
        first_attempt_at: Date
      }>(
        `UPDATE webhook_deliveries d SET lease_owner = $3, lease_until = $4, attempts = d.attempts + 1,
          first_attempt_at = coalesce(d.first_attempt_at, $5)
        FROM unnest($1::text[], $2::bigint[]) AS t(webhook_id, seq)
        WHERE d.webhook_id = t.webhook_id AND d.seq = t.seq
        RETURNING d.webhook_id, d.seq, d.incident, d.event, d.attempts, d.first_attempt_at`,
        [chosen.map((r) => r.webhook_id), chosen.map((r) => r.seq), lease,
          new Date(opts.now.getTime() + opts.leaseMs), opts.now])
      // What each delivery needs, read once for the batch rather than once per delivery.
      const hooks = new Map((await tx.query<WebhookRow>(
        'SELECT id, owner, url, secrets FROM webhooks WHERE id = ANY($1::text[])',
        [[...new Set(claimed.map((r) => r.webhook_id))]])).map((w) => [w.id, w]))
      const changes = new Map((await tx.query<StoredChange & Record<string, unknown>>(
        `SELECT seq, provider, native_id, type, occurred_at, detected_at, changed, previous, incident
        FROM changes WHERE seq = ANY($1::bigint[])`, [claimed.map((r) => r.seq)]))
        .map((c) => [Number(c.seq), { ...c, seq: Number(c.seq) }]))
      return claimed.filter((r) => hooks.has(r.webhook_id)).map((r) => ({
        webhookId: r.webhook_id,
        seq: Number(r.seq),
        incident: r.incident,
        event: r.event,
        attempt: r.attempts,
        firstAttemptAt: r.first_attempt_at,
        lease,
        webhook: hooks.get(r.webhook_id)!,
        change: changes.get(Number(r.seq)) ?? null
      })).sort((a, b) => a.seq - b.seq)
    })
  }

  // Records one attempt's outcome; false when the lease was lost (another replica owns the row now).
  async complete (c: Claimed, o: Outcome, now: Date, policy: FailurePolicy): Promise<{
    recorded: boolean,
    disabled: string | null
  }> {
    return this.db.transaction(async (tx) => {
      // Serializes with fan-out (which holds the webhook row FOR UPDATE while it queues): a change
      // queued behind this one is either seen by the unblock below or sees this row gone. The lock
      // the webhook updates below need, taken first: a weaker one upgraded later deadlocks against a
      // second completion of the same webhook (seen with three replicas on PostgreSQL).
      await tx.query('SELECT id FROM webhooks WHERE id = $1 FOR NO KEY UPDATE', [c.webhookId])
      if (o.outcome === 'delivered') return { recorded: await this.delivered(tx, c, o, now), disabled: null }
      const key = [c.webhookId, c.seq, c.lease]
      const fenced = 'webhook_id = $1 AND seq = $2 AND lease_owner = $3'
      let disabled: string | null = null
      const failed = o.outcome === 'failed' || o.outcome === 'forbidden_address'
      const giveUp = failed && now.getTime() - c.firstAttemptAt.getTime() >= policy.windowMs
      const outcome = giveUp ? 'gave_up' as const : o.outcome
      if (o.outcome === 'aborted') {
        // This replica is shutting down: the delivery is due again at once, for any replica.
        const rows = await tx.query(`UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL,
          next_attempt_at = $4 WHERE ${fenced} RETURNING seq`, [...key, now])
        if (rows.length === 0) return { recorded: false, disabled }
      } else if (failed && !giveUp) {
        const rows = await tx.query(`UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL,
          next_attempt_at = $4 WHERE ${fenced} RETURNING seq`, [...key, policy.retryAt(c.attempt)])
        if (rows.length === 0) return { recorded: false, disabled }
      } else {
        const rows = await tx.query(`DELETE FROM webhook_deliveries WHERE ${fenced} RETURNING seq`, key)
        if (rows.length === 0) return { recorded: false, disabled }
        await this.unblockNext(tx, c)
      }
      if (o.outcome === 'gone') {
        disabled = 'the receiver answered 410 Gone'
        await this.disable(tx, c.webhookId, disabled, now)
      } else if (failed) {
        const [w] = await tx.query<{ consecutive_failures: number }>(
          'SELECT consecutive_failures FROM webhooks WHERE id = $1', [c.webhookId])
        const consecutive = (w?.consecutive_failures ?? 0) + 1
        await tx.query(`UPDATE webhooks SET consecutive_failures = $2, last_failure_at = $3, hold_until = $4
          WHERE id = $1`, [c.webhookId, consecutive, now, policy.holdUntil(consecutive)])
        if (consecutive >= policy.maxConsecutive) {
          disabled = `${consecutive} consecutive failed deliveries (last: ${o.error ?? 'failed'})`.slice(0, 300)
          await this.disable(tx, c.webhookId, disabled, now)
        }
      }
      await this.store.recordAttempt({
        webhookId: c.webhookId,
        messageId: o.messageId,
        seq: c.seq,
        event: c.event,
        attempt: c.attempt,
        at: now,
        outcome,
        status: o.status,
        latencyMs: o.latencyMs,
        error: o.error
      }, tx)
      return { recorded: true, disabled }
    })
  }

  // The common case in one statement: the row leaves if this replica still holds its lease, the
  // webhook's failure count clears, the attempt is logged.
  private async delivered (tx: Queryable, c: Claimed, o: Outcome, now: Date): Promise<boolean> {
    const rows = await tx.query(
      `WITH done AS (
        DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND seq = $2 AND lease_owner = $3 RETURNING webhook_id
      ), reset AS (
        UPDATE webhooks SET consecutive_failures = 0, hold_until = NULL, last_success_at = $4
        WHERE id IN (SELECT webhook_id FROM done)
      )
      INSERT INTO webhook_attempts (webhook_id, message_id, seq, event, attempt, at, outcome, status, latency_ms, error)
      SELECT webhook_id, $5, $2, $6, $7, $4, 'delivered', $8, $9, NULL FROM done RETURNING id`,
      [c.webhookId, c.seq, c.lease, now, o.messageId, c.event, c.attempt, o.status, o.latencyMs])
    if (rows.length === 0) return false
    await this.unblockNext(tx, c)
    return true
  }

  // The incident's next queued change becomes claimable once this one has left the queue.
  private async unblockNext (tx: Queryable, c: Claimed): Promise<void> {
    await tx.query(`UPDATE webhook_deliveries SET blocked = false WHERE webhook_id = $1 AND seq = (
      SELECT min(seq) FROM webhook_deliveries WHERE webhook_id = $1 AND incident = $2 AND seq > $3)`,
    [c.webhookId, c.incident, c.seq])
  }

  // Stops delivery: the queue of the webhook is dropped (re-enabling starts from the feed's head).
  async disable (tx: Queryable, id: string, reason: string, now: Date): Promise<void> {
    await tx.query(`UPDATE webhooks SET enabled = false, disabled_reason = $2, disabled_at = $3, hold_until = NULL
      WHERE id = $1 AND enabled`, [id, reason, now])
    await tx.query('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [id])
  }

  // The soonest instant a queued delivery becomes due (null: nothing queued), so a worker can sleep until then.
  async nextDue (): Promise<Date | null> {
    const [row] = await this.db.query<{ at: Date | null }>(
      `SELECT min(greatest(d.next_attempt_at, coalesce(w.hold_until, d.next_attempt_at),
        coalesce(d.lease_until, d.next_attempt_at))) AS at
      FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.enabled AND NOT d.blocked`)
    return row?.at ?? null
  }

  async depth (): Promise<{ total: number, largest: number, disabled: number }> {
    const [row] = await this.db.query<{ total: number, largest: number, disabled: number }>(
      `SELECT (SELECT count(*)::int FROM webhook_deliveries) AS total,
        coalesce((SELECT max(n)::int FROM (SELECT count(*) AS n FROM webhook_deliveries GROUP BY webhook_id) q), 0)
          AS largest,
        (SELECT count(*)::int FROM webhooks WHERE NOT enabled) AS disabled`)
    return row
  }
}
