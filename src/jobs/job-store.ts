import { randomBytes } from 'node:crypto'
import type { Database, Queryable } from '../store/database.ts'
import type { JobItemResultT, JobT } from '../schemas/job.ts'
import type { ProblemT } from '../schemas/problem.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { UnknownOutcome } from '../services/write-outcome.ts'
import type { BatchItem } from './dry-run.ts'

// Batch jobs in the store (migration 004; docs/writes.md). Every change a runner makes to a job or
// its items goes through `fenced`: in one transaction, the job row is locked and the change is made
// only while the runner's lease (owner and epoch) is still the job's and has not expired. A replica
// that paused past its lease therefore cannot record anything, and in particular cannot mark an item
// "attempting", which is what it must do before a vendor write: it never sends once its lease is gone.

export type ItemState = 'pending' | 'attempting' | 'succeeded' | 'failed' | 'skipped'

export interface StoredItem {
  index: number
  item: BatchItem
  state: ItemState
  attempts: number
  outcome: UnknownOutcome | null
}

export interface Lease { jobId: string, owner: string, epoch: number }

export interface ClaimedJob extends Lease { keyName: string }

export class LeaseLost extends Error {
  constructor () {
    super('the job lease passed to another replica')
    this.name = 'LeaseLost'
  }
}

type JobRow = {
  id: string, owner: string, state: JobT['state'], total: number, created_at: Date, finished_at: Date | null
}
type ItemRow = {
  idx: number,
  incident_id: string,
  action: BatchItem['action'],
  body: unknown,
  if_match: string | null,
  state: ItemState,
  attempts: number,
  outcome: UnknownOutcome | null,
  incident: IncidentT | null,
  error: ProblemT | null
}

const FINAL: ItemState[] = ['succeeded', 'failed', 'skipped']

export class JobStore {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  async create (keyName: string, items: BatchItem[]): Promise<string> {
    const id = `job_${randomBytes(16).toString('base64url')}`
    await this.#db.transaction(async (tx) => {
      await tx.query('INSERT INTO batch_jobs (id, owner, state, total) VALUES ($1, $2, \'queued\', $3)',
        [id, keyName, items.length])
      // One statement for all items: a 500-item job is one round trip, not 500.
      await tx.query(`INSERT INTO batch_items (job_id, idx, incident_id, action, body, if_match, state)
        SELECT $1, i.ord - 1, i.op->>'id', i.op->>'action', i.op->'body', i.op->>'if_match', 'pending'
        FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS i(op, ord)`, [id, JSON.stringify(items)])
    })
    return id
  }

  // The job as its owner sees it; null for another key's job or an unknown one (both 404).
  async read (id: string, keyName: string): Promise<JobT | null> {
    const jobs = await this.#db.query<JobRow>(
      'SELECT id, owner, state, total, created_at, finished_at FROM batch_jobs WHERE id = $1 AND owner = $2',
      [id, keyName])
    if (jobs.length === 0) return null
    const job = jobs[0]
    const rows = await this.#db.query<ItemRow>(`SELECT idx, incident_id, state, incident, error FROM batch_items
      WHERE job_id = $1 AND state = ANY($2::text[]) ORDER BY idx`, [id, FINAL])
    const results: JobItemResultT[] = rows.map((r) => ({
      index: Number(r.idx),
      id: r.incident_id,
      status: r.state as JobItemResultT['status'],
      ...(r.incident ? { incident: r.incident } : {}),
      ...(r.error ? { error: r.error } : {})
    }))
    return {
      id: job.id,
      state: job.state,
      progress: { done: results.length, total: Number(job.total) },
      created_at: job.created_at.toISOString(),
      finished_at: job.finished_at?.toISOString() ?? null,
      results
    }
  }

  // The oldest unfinished job whose lease is free or expired, now leased to `owner` under a new
  // epoch. SKIP LOCKED: replicas claiming at once take different jobs instead of queueing.
  async claim (owner: string, leaseMs: number): Promise<ClaimedJob | null> {
    const rows = await this.#db.query<{ id: string, owner: string, lease_epoch: number }>(`
      UPDATE batch_jobs SET lease_owner = $1, lease_until = now() + make_interval(secs => $2::double precision),
        lease_epoch = lease_epoch + 1, state = 'running'
      WHERE id = (SELECT id FROM batch_jobs WHERE state <> 'done' AND (lease_until IS NULL OR lease_until < now())
        ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, owner, lease_epoch`, [owner, leaseMs / 1000])
    if (rows.length === 0) return null
    return { jobId: rows[0].id, owner, epoch: Number(rows[0].lease_epoch), keyName: rows[0].owner }
  }

  // Runs `fn` while the lease holds, in one transaction with the job row locked; LeaseLost otherwise.
  async fenced<T> (lease: Lease, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (tx) => {
      const held = await tx.query(`SELECT 1 FROM batch_jobs WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3
        AND lease_until > now() FOR UPDATE`, [lease.jobId, lease.owner, lease.epoch])
      if (held.length === 0) throw new LeaseLost()
      return fn(tx)
    })
  }

  async renew (lease: Lease, leaseMs: number): Promise<void> {
    await this.fenced(lease, (tx) => tx.query(
      'UPDATE batch_jobs SET lease_until = now() + make_interval(secs => $2::double precision) WHERE id = $1',
      [lease.jobId, leaseMs / 1000]))
  }

  async openItems (jobId: string): Promise<StoredItem[]> {
    const rows = await this.#db.query<ItemRow>(`SELECT idx, incident_id, action, body, if_match, state, attempts,
      outcome FROM batch_items WHERE job_id = $1 AND state IN ('pending', 'attempting') ORDER BY idx`, [jobId])
    return rows.map((r) => ({
      index: Number(r.idx),
      item: {
        id: r.incident_id,
        action: r.action,
        body: r.body,
        ...(r.if_match !== null ? { if_match: r.if_match } : {})
      } as BatchItem,
      state: r.state,
      attempts: Number(r.attempts),
      outcome: r.outcome
    }))
  }

  // Recorded before the vendor write is sent: from here on the item is never sent again blindly.
  attempting (lease: Lease, index: number, outcome: UnknownOutcome): Promise<void> {
    return this.#setItem(lease, index, 'state = \'attempting\', outcome = $3::jsonb',
      [JSON.stringify(outcome)])
  }

  // The write was not applied (proved by a read-back, or refused before sending): it may run again.
  retry (lease: Lease, index: number): Promise<void> {
    return this.#setItem(lease, index, 'state = \'pending\', outcome = NULL, attempts = attempts + 1', [])
  }

  // Still unknown: the newest outcome record (e.g. it timed out) stays for the next pass.
  unknown (lease: Lease, index: number, outcome: UnknownOutcome): Promise<void> {
    return this.#setItem(lease, index, 'state = \'attempting\', outcome = $3::jsonb', [JSON.stringify(outcome)])
  }

  finish (lease: Lease, index: number, state: 'succeeded' | 'failed' | 'skipped',
    result: { incident?: IncidentT, error?: ProblemT }): Promise<void> {
    return this.#setItem(lease, index, 'state = $3, incident = $4::jsonb, error = $5::jsonb', [
      state,
      result.incident ? JSON.stringify(result.incident) : null,
      result.error ? JSON.stringify(result.error) : null
    ])
  }

  // Done when no item is open; the lease ends with it.
  async complete (lease: Lease): Promise<boolean> {
    return this.fenced(lease, async (tx) => {
      const open = await tx.query(
        'SELECT 1 FROM batch_items WHERE job_id = $1 AND state IN (\'pending\', \'attempting\') LIMIT 1', [lease.jobId])
      if (open.length > 0) return false
      await tx.query(`UPDATE batch_jobs SET state = 'done', finished_at = now(), lease_owner = NULL,
        lease_until = NULL WHERE id = $1`, [lease.jobId])
      return true
    })
  }

  // Lets another replica (or this one, later) claim the job at once: on shutdown.
  async release (lease: Lease): Promise<void> {
    await this.fenced(lease, (tx) => tx.query('UPDATE batch_jobs SET lease_until = now() WHERE id = $1',
      [lease.jobId])).catch(() => {})
  }

  // Finished jobs older than the retention go, their items with them.
  async purge (retentionMs: number): Promise<number> {
    const rows = await this.#db.query(`DELETE FROM batch_jobs WHERE state = 'done'
      AND finished_at < now() - make_interval(secs => $1::double precision) RETURNING id`, [retentionMs / 1000])
    return rows.length
  }

  async #setItem (lease: Lease, index: number, set: string, params: unknown[]): Promise<void> {
    await this.fenced(lease, (tx) => tx.query(`UPDATE batch_items SET ${set} WHERE job_id = $1 AND idx = $2`,
      [lease.jobId, index, ...params]))
  }
}
