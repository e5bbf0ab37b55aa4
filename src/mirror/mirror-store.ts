import { EventEmitter } from 'node:events'
import type { Database, Queryable } from '../store/database.ts'
import type { IncidentT } from '../schemas/incident.ts'
import { contentHash, diffIncidents, storedForm, pgStorable, type StoredIncident } from './incident-diff.ts'
import { INCIDENT_TEXT_FORM, serializeIncident } from './incident-text.ts'

// The incident mirror and the change feed's writer (spec section 9).
//
// Ordering: every transaction that appends changes first locks the single change_counter row
// (UPDATE ... RETURNING), allocates its seqs from it and commits while holding it. Appenders are
// therefore serialized and commit in seq order: once a reader can see seq n, every seq below n has
// committed or was never used, so a reader that passed 41 can never miss a 40 that commits later
// (test/mirror/commit-order.test.ts drives concurrent writers on PostgreSQL). The lock is held for
// one page of observations at a time, a few milliseconds.
//
// Staleness: an observation carries the instant its vendor answer was asked for (sync) or received
// (a write's answer). One older than what the mirror holds, or carrying an older vendor update
// time, is dropped, so a sync page read before a gateway write but committed after it cannot turn
// the incident back (test/mirror/mirror-store.test.ts, "stale observations").

export interface Observation {
  incident: IncidentT // as mapped, `raw` included
  observedAt: Date
}

export interface RecordResult { created: number, updated: number, deleted: number, unchanged: number, stale: number }

export type ChangeType = 'created' | 'updated' | 'deleted'

// The first statement of a write made as sync leader: throws when this replica lost leadership, so
// the write rolls back (src/store/leases.ts). Gateway writes' write-through is not fenced.
export type Fence = (tx: Queryable) => Promise<void>

// Every commit that appended changes notifies this channel (delivered at commit): long polls and
// webhook delivery on every replica wake on it (src/mirror/feed-notifications.ts).
export const CHANGES_CHANNEL = 'dlp_gateway_changes'

interface MirrorRow {
  native_id: string
  incident: StoredIncident
  content_hash: string
  vendor_updated_at: string | null
  observed_at: Date
  deleted: boolean
}

interface ChangeRow {
  seq: number
  provider: string
  native_id: string
  type: ChangeType
  occurred_at: string
  detected_at: string
  changed: string[]
  previous: Record<string, unknown>
  incident: StoredIncident | null
  raw: Record<string, unknown> | null
  // The incident as GET /v1/changes writes it, and that text's form (src/mirror/incident-text.ts).
  incident_text: string | null
  incident_form: string | null
}

interface UpsertRow {
  provider: string
  native_id: string
  incident: StoredIncident
  raw: Record<string, unknown> | null
  content_hash: string
  vendor_updated_at: string | null
  created_at: string
  status: string
  deleted: boolean
  now: string
  observed_at: string
}

const emptyResult = (): RecordResult => ({ created: 0, updated: 0, deleted: 0, unchanged: 0, stale: 0 })

export class MirrorStore {
  private readonly db: Database
  private readonly now: () => Date
  // 'appended' after a transaction that added changes committed (long polls of this process wait on it).
  readonly events = new EventEmitter().setMaxListeners(0) // one listener per held long poll
  appends = 0 // commits that added changes, so a long poll can tell whether one happened since it looked
  private meta: { store_id: string, token_secret: string } | undefined

  constructor (db: Database, now: () => Date = () => new Date()) {
    this.db = db
    this.now = now
  }

  // Observations of one provider's incidents (a sync page, or a write's answer): each new incident
  // or new distinct state becomes one change, an unchanged one only refreshes last_checked.
  async record (provider: string, observations: Observation[], fence?: Fence): Promise<RecordResult> {
    if (observations.length === 0) return emptyResult()
    const latest = new Map<string, Observation>()
    for (const o of observations) {
      const prior = latest.get(o.incident.native_id)
      if (!prior || prior.observedAt <= o.observedAt) latest.set(o.incident.native_id, o)
    }
    return this.appending(async (tx, head) => {
      const rows = await this.current(tx, provider, [...latest.keys()])
      const result = emptyResult()
      const changes: ChangeRow[] = []
      const upserts: UpsertRow[] = []
      const now = this.now().toISOString()
      const checked: string[] = [] // stale answers: the vendor was still asked
      for (const [nativeId, o] of latest) {
        const row = rows.get(nativeId)
        const next = storedForm(o.incident)
        if (row && isStale(row, o, next)) {
          result.stale++
          checked.push(nativeId)
          continue
        }
        const hash = contentHash(next)
        const raw = pgStorable(o.incident.raw ?? null)
        upserts.push(upsertRow(provider, next, raw, hash, o.observedAt, now))
        if (row && !row.deleted && row.content_hash === hash) {
          result.unchanged++
          continue
        }
        const base = { provider, native_id: nativeId, detected_at: now, incident: next, raw, ...incidentText(next) }
        if (!row || row.deleted) {
          result.created++
          changes.push({ ...base, seq: 0, type: 'created', occurred_at: next.created_at, changed: [], previous: {} })
        } else {
          result.updated++
          const diff = diffIncidents(row.incident, next)
          const vendorTimeMoved = next.updated_at !== row.incident.updated_at
          const occurred = vendorTimeMoved ? next.updated_at : now
          changes.push({ ...base, seq: 0, type: 'updated', occurred_at: occurred, ...diff })
        }
      }
      changes.forEach((c, i) => { c.seq = head + i + 1 })
      await this.write(tx, changes, upserts)
      if (checked.length > 0) {
        const when = observations.reduce((m, o) => (o.observedAt < m ? o.observedAt : m), observations[0].observedAt)
        await tx.query(`UPDATE mirror_incidents SET last_checked = GREATEST(last_checked, $3)
          WHERE provider = $1 AND native_id = ANY($2::text[])`, [provider, checked, when.toISOString()])
      }
      return { result, appended: changes.length }
    }, fence)
  }

  // Incidents the vendor confirmed gone (a 404 on a read of a known id): one `deleted` change each.
  async recordDeleted (provider: string, nativeIds: string[], observedAt: Date, fence?: Fence): Promise<RecordResult> {
    if (nativeIds.length === 0) return emptyResult()
    return this.appending(async (tx, head) => {
      const rows = await this.current(tx, provider, nativeIds)
      const result = emptyResult()
      const changes: ChangeRow[] = []
      const now = this.now().toISOString()
      for (const id of new Set(nativeIds)) {
        const row = rows.get(id)
        if (!row || row.deleted) continue
        if (observedAt < row.observed_at) {
          result.stale++
          continue
        }
        result.deleted++
        changes.push({
          seq: head + changes.length + 1,
          provider,
          native_id: id,
          type: 'deleted',
          occurred_at: now,
          detected_at: now,
          changed: [],
          previous: {},
          incident: null,
          raw: null,
          incident_text: null,
          incident_form: null
        })
      }
      await this.write(tx, changes, [])
      if (changes.length > 0) {
        await tx.query(`UPDATE mirror_incidents SET deleted = true, observed_at = $3, last_checked = $3
          WHERE provider = $1 AND native_id = ANY($2::text[])`,
        [provider, changes.map((c) => c.native_id), observedAt.toISOString()])
      }
      return { result, appended: changes.length }
    }, fence)
  }

  // Every change this provider's sync could see up to `completeThrough` has been appended: record
  // it against the current head of the feed, under the same lock, so that a reader at or past that
  // seq may trust it (src/mirror/change-feed.ts).
  async checkpoint (provider: string, completeThrough: Date, fence?: Fence): Promise<void> {
    await this.db.transaction(async (tx) => {
      await fence?.(tx)
      const [{ last_seq: head }] = await tx.query<{ last_seq: number }>(
        'UPDATE change_counter SET last_seq = last_seq RETURNING last_seq')
      // Never backwards: a later position never promises less than an earlier one did.
      await tx.query(`INSERT INTO sync_checkpoints (provider, through_seq, complete_through)
        SELECT $1, $2, GREATEST($3::timestamptz, max(complete_through)) FROM sync_checkpoints WHERE provider = $1
        ON CONFLICT (provider, through_seq)
        DO UPDATE SET complete_through = GREATEST(sync_checkpoints.complete_through, EXCLUDED.complete_through)`,
      [provider, head, completeThrough.toISOString()])
    })
  }

  async latestCheckpoint (provider: string): Promise<Date | null> {
    const [row] = await this.db.query<{ t: Date | null }>(
      'SELECT max(complete_through) AS t FROM sync_checkpoints WHERE provider = $1', [provider])
    return row?.t ?? null
  }

  // Known, not deleted incidents of a provider in the given normalized statuses, least recently
  // checked first, that were last checked before `checkedBefore`.
  async dueForRecheck (provider: string, statuses: string[], checkedBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ native_id: string }>(`SELECT native_id FROM mirror_incidents
      WHERE provider = $1 AND NOT deleted AND status = ANY($2::text[]) AND last_checked < $3
      ORDER BY last_checked, native_id LIMIT $4`, [provider, statuses, checkedBefore.toISOString(), limit])
    return rows.map((r) => r.native_id)
  }

  // Known, not deleted incidents created before `createdBefore` and not checked since `checkedBefore`:
  // what a completed full walk did not see (candidates for deletion).
  async notSeenSince (provider: string, checkedBefore: Date, createdBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ native_id: string }>(`SELECT native_id FROM mirror_incidents
      WHERE provider = $1 AND NOT deleted AND last_checked < $2 AND created_at < $3
      ORDER BY native_id LIMIT $4`, [provider, checkedBefore.toISOString(), createdBefore.toISOString(), limit])
    return rows.map((r) => r.native_id)
  }

  async count (provider: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      'SELECT count(*)::int8 AS n FROM mirror_incidents WHERE provider = $1 AND NOT deleted', [provider])
    return row.n
  }

  async storeId (): Promise<string> {
    this.meta ??= await this.readMeta()
    return this.meta.store_id
  }

  // The store's own token key: used when no cursor secret is configured (demo mode, one replica).
  async tokenSecret (): Promise<string> {
    this.meta ??= await this.readMeta()
    return this.meta.token_secret
  }

  private async readMeta (): Promise<{ store_id: string, token_secret: string }> {
    const [row] = await this.db.query<{ store_id: string, token_secret: string }>(
      'SELECT store_id, token_secret FROM store_meta')
    return row
  }

  // A commit that added changes somewhere (this process, or another replica through the store's
  // notifications): wakes whoever waits for one.
  noteAppended (): void {
    this.appends++
    this.events.emit('appended')
  }

  // The fence comes first: its lease lock is always taken before the counter's, by every writer.
  private async appending (
    fn: (tx: Queryable, head: number) => Promise<{ result: RecordResult, appended: number }>,
    fence?: Fence
  ): Promise<RecordResult> {
    const { result, appended } = await this.db.transaction(async (tx) => {
      await fence?.(tx)
      const [{ last_seq: head }] = await tx.query<{ last_seq: number }>(
        'UPDATE change_counter SET last_seq = last_seq RETURNING last_seq')
      const out = await fn(tx, head)
      if (out.appended > 0) {
        const last = head + out.appended
        await tx.query('UPDATE change_counter SET last_seq = $1', [last])
        await tx.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, String(last)])
      }
      return out
    })
    if (appended > 0) this.noteAppended()
    return result
  }

  private async current (tx: Queryable, provider: string, ids: string[]): Promise<Map<string, MirrorRow>> {
    const rows = await tx.query<MirrorRow & Record<string, unknown>>(`SELECT native_id, incident, content_hash,
      vendor_updated_at, observed_at, deleted FROM mirror_incidents
      WHERE provider = $1 AND native_id = ANY($2::text[])`,
    [provider, ids])
    return new Map(rows.map((r) => [r.native_id, r]))
  }

  private async write (tx: Queryable, changes: ChangeRow[], upserts: UpsertRow[]): Promise<void> {
    if (changes.length > 0) {
      await tx.query(`INSERT INTO changes (seq, provider, native_id, type, occurred_at, detected_at, changed, previous,
        incident, raw, incident_text, incident_form)
        SELECT seq, provider, native_id, type, occurred_at, detected_at, changed, previous, incident, raw,
          incident_text, incident_form
        FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, provider text, native_id text, type text,
          occurred_at timestamptz, detected_at timestamptz, changed jsonb, previous jsonb, incident jsonb, raw jsonb,
          incident_text text, incident_form text)`,
      [JSON.stringify(changes)])
    }
    if (upserts.length > 0) {
      await tx.query(`INSERT INTO mirror_incidents (provider, native_id, incident, raw, content_hash, vendor_updated_at,
        created_at, status, deleted, first_seen, last_checked, observed_at)
        SELECT provider, native_id, incident, raw, content_hash, vendor_updated_at, created_at, status, deleted,
          now, observed_at, observed_at
        FROM jsonb_to_recordset($1::jsonb) AS x(provider text, native_id text, incident jsonb, raw jsonb,
          content_hash text, vendor_updated_at text, created_at timestamptz, status text, deleted boolean,
          now timestamptz, observed_at timestamptz)
        ON CONFLICT (provider, native_id) DO UPDATE SET incident = EXCLUDED.incident, raw = EXCLUDED.raw,
          content_hash = EXCLUDED.content_hash, vendor_updated_at = EXCLUDED.vendor_updated_at,
          created_at = EXCLUDED.created_at, status = EXCLUDED.status, deleted = false,
          last_checked = GREATEST(mirror_incidents.last_checked, EXCLUDED.last_checked),
          observed_at = CASE WHEN mirror_incidents.deleted THEN EXCLUDED.observed_at
            ELSE GREATEST(mirror_incidents.observed_at, EXCLUDED.observed_at) END`,
      [JSON.stringify(upserts)])
    }
  }
}

// Older than what the mirror holds: a vendor update time before the stored one, or the same update
// time from an answer asked for earlier (a vendor that does not move its update time on every edit).
// A strictly newer vendor time always wins, even from an answer asked for earlier: it saw a later
// edit (a console edit landing between a gateway write and its answer). A deleted row is only
// revived by an answer asked for after the deletion was seen.
function isStale (row: MirrorRow, o: Observation, next: StoredIncident): boolean {
  if (row.deleted || row.vendor_updated_at === null) return o.observedAt < row.observed_at
  // Vendor update times in the gateway's canonical form (RFC 3339, ms, Z) compare as strings.
  if (next.updated_at !== row.vendor_updated_at) return next.updated_at < row.vendor_updated_at
  return o.observedAt < row.observed_at
}

// An incident the serializer refuses (a mapper that left out a required field) gets no text: its
// sync page must not fail for it at every retry; the feed serializes it on read, and fails there as
// it did before the text was stored.
function incidentText (incident: StoredIncident): { incident_text: string | null, incident_form: string | null } {
  try {
    return { incident_text: serializeIncident(incident), incident_form: INCIDENT_TEXT_FORM }
  } catch {
    return { incident_text: null, incident_form: null }
  }
}

function upsertRow (provider: string, next: StoredIncident, raw: Record<string, unknown> | null,
  hash: string, observedAt: Date, now: string): UpsertRow {
  return {
    provider,
    native_id: next.native_id,
    incident: next,
    raw,
    content_hash: hash,
    vendor_updated_at: next.updated_at,
    created_at: next.created_at,
    status: next.status,
    deleted: false,
    now,
    observed_at: observedAt.toISOString()
  }
}
