import { randomBytes } from 'node:crypto'
import type { Database, Queryable } from '../store/database.ts'
import type { AttemptOutcome, DeliveryAttemptT, WebhookFilterT, WebhookT } from '../schemas/webhook.ts'
import type { StoredSecret } from './signing.ts'

// Webhook rows and their attempt log in the store (src/store/migrations/003-webhooks.ts). Every
// read and change is scoped by owner: a webhook of another key is not found.

export type WebhookRow = {
  id: string
  owner: string
  url: string
  description: string | null
  events: string[]
  filter: WebhookFilterT
  secrets: StoredSecret[]
  enabled: boolean
  disabled_reason: string | null
  disabled_at: Date | null
  position: number
  consecutive_failures: number
  hold_until: Date | null
  last_success_at: Date | null
  last_failure_at: Date | null
  created_at: Date
  updated_at: Date
}

export interface AttemptRecord {
  webhookId: string
  messageId: string
  seq: number | null
  event: string
  attempt: number
  at: Date
  outcome: AttemptOutcome
  status: number | null
  latencyMs: number | null
  error: string | null
}

const ATTEMPTS_KEPT = 200 // per webhook: what GET …/deliveries can show

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
export const newWebhookId = (): string =>
  'wh_' + [...randomBytes(20)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')

const iso = (d: Date | null): string | null => d === null ? null : d.toISOString()

// The API view: never the secrets.
export function webhookView (row: WebhookRow, pending: number): WebhookT {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookT['events'],
    filter: row.filter,
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    disabled_at: iso(row.disabled_at),
    pending_deliveries: pending,
    consecutive_failures: row.consecutive_failures,
    last_success_at: iso(row.last_success_at),
    last_failure_at: iso(row.last_failure_at),
    secret_rotated_at: row.secrets[0]?.rotated_at ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString()
  }
}

export class WebhookStore {
  readonly db: Database

  constructor (db: Database) {
    this.db = db
  }

  async head (q: Queryable = this.db): Promise<number> {
    const [{ last_seq: head }] = await q.query<{ last_seq: number }>('SELECT last_seq FROM change_counter')
    return Number(head)
  }

  async count (owner: string): Promise<number> {
    const [{ n }] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhooks WHERE owner = $1',
      [owner])
    return n
  }

  // A new webhook starts at the feed's head: it delivers changes made after it exists.
  async create (w: {
    owner: string,
    url: string,
    description: string | null,
    events: string[],
    filter: WebhookFilterT,
    secret: StoredSecret,
    now: Date
  }): Promise<WebhookRow> {
    const [row] = await this.db.query<WebhookRow>(
      `INSERT INTO webhooks (id, owner, url, description, events, filter, secrets, position, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5::text[], $6::jsonb, $7::jsonb, (SELECT last_seq FROM change_counter), $8, $8)
      RETURNING *`,
      [newWebhookId(), w.owner, w.url, w.description, w.events, JSON.stringify(w.filter),
        JSON.stringify([w.secret]), w.now])
    return normalize(row)
  }

  async get (owner: string, id: string): Promise<WebhookRow | null> {
    const [row] = await this.db.query<WebhookRow>('SELECT * FROM webhooks WHERE id = $1 AND owner = $2', [id, owner])
    return row ? normalize(row) : null
  }

  async byId (id: string): Promise<WebhookRow | null> {
    const [row] = await this.db.query<WebhookRow>('SELECT * FROM webhooks WHERE id = $1', [id])
    return row ? normalize(row) : null
  }

  async list (owner: string): Promise<WebhookRow[]> {
    const rows = await this.db.query<WebhookRow>(
      'SELECT * FROM webhooks WHERE owner = $1 ORDER BY created_at, id', [owner])
    return rows.map(normalize)
  }

  async pending (ids: string[]): Promise<Map<string, number>> {
    const rows = await this.db.query<{ webhook_id: string, n: number }>(
      `SELECT webhook_id, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = ANY($1::text[])
      GROUP BY webhook_id`, [ids])
    return new Map(rows.map((r) => [r.webhook_id, r.n]))
  }

  // Changes to url, events, filter or description; `enable` re-enables a disabled webhook from the
  // feed's head with its failure count cleared.
  async update (owner: string, id: string, patch: {
    url?: string,
    events?: string[],
    filter?: WebhookFilterT,
    description?: string | null,
    enable?: boolean
  }, now: Date): Promise<WebhookRow | null> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<WebhookRow>(
        'SELECT * FROM webhooks WHERE id = $1 AND owner = $2 FOR UPDATE', [id, owner])
      if (!current) return null
      const reenable = patch.enable === true && !current.enabled
      const disable = patch.enable === false && current.enabled
      if (disable) await tx.query('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [id])
      const [row] = await tx.query<WebhookRow>(
        `UPDATE webhooks SET url = $3, events = $4::text[], filter = $5::jsonb, description = $6, updated_at = $7,
          enabled = $8, disabled_reason = $9, disabled_at = $10,
          position = CASE WHEN $11 THEN (SELECT last_seq FROM change_counter) ELSE position END,
          consecutive_failures = CASE WHEN $11 THEN 0 ELSE consecutive_failures END,
          hold_until = CASE WHEN $11 THEN NULL ELSE hold_until END
        WHERE id = $1 AND owner = $2 RETURNING *`,
        [id, owner, patch.url ?? current.url, patch.events ?? current.events,
          JSON.stringify(patch.filter ?? current.filter),
          patch.description === undefined ? current.description : patch.description, now,
          patch.enable ?? current.enabled,
          reenable ? null : disable ? 'disabled by its owner' : current.disabled_reason,
          reenable ? null : disable ? now : current.disabled_at, reenable])
      return normalize(row)
    })
  }

  async delete (owner: string, id: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM webhooks WHERE id = $1 AND owner = $2 RETURNING id', [id, owner])
    return rows.length > 0
  }

  // The new secret first; the old ones that still sign keep signing until `oldUntil`.
  async rotate (owner: string, id: string, secret: StoredSecret, oldUntil: Date, now: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ secrets: StoredSecret[] }>(
        'SELECT secrets FROM webhooks WHERE id = $1 AND owner = $2 FOR UPDATE', [id, owner])
      if (!row) return false
      const until = oldUntil.toISOString()
      const kept = row.secrets
        .filter((s) => s.expires_at === null || Date.parse(s.expires_at) > now.getTime())
        .map((s) => ({ ...s, expires_at: s.expires_at === null || s.expires_at > until ? until : s.expires_at }))
        .filter((s) => Date.parse(s.expires_at) > now.getTime())
      await tx.query('UPDATE webhooks SET secrets = $3::jsonb, updated_at = $4 WHERE id = $1 AND owner = $2',
        [id, owner, JSON.stringify([secret, ...kept].slice(0, 5)), now])
      return true
    })
  }

  async recordAttempt (a: AttemptRecord, q: Queryable = this.db): Promise<void> {
    await q.query(
      `INSERT INTO webhook_attempts
        (webhook_id, message_id, seq, event, attempt, at, outcome, status, latency_ms, error)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $1)`,
      [a.webhookId, a.messageId, a.seq, a.event, a.attempt, a.at, a.outcome, a.status, a.latencyMs,
        a.error?.slice(0, 300) ?? null])
    // Keep the newest ATTEMPTS_KEPT; trimming now and then is enough.
    if (Math.random() < 0.05) {
      await q.query(`DELETE FROM webhook_attempts WHERE webhook_id = $1 AND id <= (
        SELECT id FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [a.webhookId, ATTEMPTS_KEPT])
    }
  }

  async attempts (id: string, limit: number): Promise<DeliveryAttemptT[]> {
    const rows = await this.db.query<{
      message_id: string,
      seq: number | null,
      event: string,
      attempt: number,
      at: Date,
      outcome: AttemptOutcome,
      status: number | null,
      latency_ms: number | null,
      error: string | null
    }>(
      `SELECT message_id, seq, event, attempt, at, outcome, status, latency_ms, error FROM webhook_attempts
      WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`, [id, limit])
    return rows.map((r) => ({ ...r, seq: r.seq === null ? null : Number(r.seq), at: r.at.toISOString() }))
  }
}

export function normalize (row: WebhookRow): WebhookRow {
  return { ...row, position: Number(row.position) }
}
