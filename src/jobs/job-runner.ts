import { randomBytes } from 'node:crypto'
import type { BaseLogger } from 'pino'
import { setTimeout as sleep } from 'node:timers/promises'
import { isGatewayError, TRANSIENT_CODES } from '../errors/gateway-error.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { ProblemT } from '../schemas/problem.ts'
import type { IncidentService, WriteRequestContext } from '../services/incident-service.ts'
import type { Principal } from '../services/principal.ts'
import { newTracker, type UnknownOutcome } from '../services/write-outcome.ts'
import { itemProblem } from './dry-run.ts'
import { LeaseLost, type ClaimedJob, type JobStore, type StoredItem } from './job-store.ts'

// Runs batch jobs (spec section 11; docs/writes.md). Each replica runs at most one job at a time,
// claimed from the store with a lease it renews while it works; a replica that dies leaves its lease
// to expire and another replica resumes the job where the store says it stands.
//
// Never a duplicate write: an item is recorded "attempting" (with what deciding its outcome needs)
// in the store, fenced by the lease, before its vendor write is sent (the write service's
// beforeSend hook). An item found "attempting" - its sender died, or its answer was lost - is never
// sent again blindly: it goes through the unknown-outcome rule of spec section 6, the same code a
// repeated single write with its Idempotency-Key runs (src/services/write-outcome.ts): the incident
// is read back; applied -> succeeded; not applied (and past the settle time) -> sent again; still
// unknown -> left for the next pass. A resumed item counts as timed out, so "not there yet" is only
// "not applied" once the settle time after its send has passed (its sender may have been mid-send).
// test/jobs/job-runner-property.test.ts checks this against lost answers and restarts.
//
// Fair budgets: items run one at a time with purpose 'sync', i.e. within sync's share of each vendor
// rate budget (src/upstream/budget/purpose-budget.ts), so interactive calls always keep the rest.

export interface JobRunnerOptions {
  store: JobStore
  service: Pick<IncidentService, 'update' | 'close' | 'addNote' | 'addLabels'>
  principal: (keyName: string) => Principal | null // the key as configured now; null when it is gone
  audit?: (event: ItemAudit) => void
  log: Pick<BaseLogger, 'info' | 'warn' | 'error'>
  leaseMs?: number // default 30 s
  pollMs?: number // how often an idle runner looks for a job, default 1 s
  itemTimeoutMs?: number // one item's deadline, budget waits included; default 120 s
  maxAttempts?: number // sends of one item after proven non-application or transient refusals; default 5
  retentionMs?: number // finished jobs are kept this long, default 7 days
  passBackoffMs?: number // first wait before another pass over undecided items (doubles, at most 5 s); default 250
  owner?: string // this runner's lease name (tests)
}

export interface ItemAudit {
  jobId: string
  index: number
  keyName: string
  incidentId: string
  action: StoredItem['item']['action']
  body: unknown
  outcome: string // ok or the problem code
  incident?: IncidentT
}

export class JobRunner {
  readonly owner: string
  readonly #o: Required<Omit<JobRunnerOptions, 'audit' | 'owner'>> & Pick<JobRunnerOptions, 'audit'>
  #running = false // the claim loop runs (start)
  #stopped = false // stop() was called: no new item starts
  #loop: Promise<void> | null = null
  #stop = new AbortController()
  #wake: (() => void) | null = null

  constructor (opts: JobRunnerOptions) {
    this.owner = opts.owner ?? `runner-${randomBytes(8).toString('hex')}`
    this.#o = {
      leaseMs: 30_000,
      pollMs: 1_000,
      itemTimeoutMs: 120_000,
      maxAttempts: 5,
      retentionMs: 7 * 24 * 3600_000,
      passBackoffMs: 250,
      ...opts
    }
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#loop = this.#run()
  }

  // A new job exists: look now rather than at the next poll.
  wake (): void {
    this.#wake?.()
  }

  // Stops after the item in flight; the job's lease is released so another replica resumes it at once.
  async stop (): Promise<void> {
    this.#running = false
    this.#stopped = true
    this.#stop.abort()
    this.wake()
    await this.#loop
  }

  // One claim-and-run step (tests drive the runner with it): true when a job was run.
  async runOnce (): Promise<boolean> {
    const job = await this.#o.store.claim(this.owner, this.#o.leaseMs)
    if (!job) return false
    await this.#runJob(job)
    return true
  }

  async #run (): Promise<void> {
    let lastPurge = 0
    while (this.#running) {
      try {
        if (Date.now() - lastPurge > 3600_000) {
          lastPurge = Date.now()
          await this.#o.store.purge(this.#o.retentionMs)
        }
        if (await this.runOnce()) continue
      } catch (err) {
        if (!this.#running) break
        this.#o.log.warn({ err: summary(err) }, 'batch job runner step failed')
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#o.pollMs)
        timer.unref()
        this.#wake = () => { clearTimeout(timer); resolve() }
      })
      this.#wake = null
    }
  }

  async #runJob (job: ClaimedJob): Promise<void> {
    const { store, leaseMs } = this.#o
    const lease = { lost: false } // set by the heartbeat when a renewal finds the lease gone
    const heartbeat = setInterval(() => {
      store.renew(job, leaseMs).catch((err) => { if (err instanceof LeaseLost) lease.lost = true })
    }, Math.max(50, leaseMs / 3))
    heartbeat.unref()
    try {
      for (let pass = 0; !this.#stopped && !lease.lost; pass++) {
        const items = await store.openItems(job.jobId)
        if (items.length === 0) break
        if (pass > 0) {
          await sleep(Math.min(5_000, this.#o.passBackoffMs * 2 ** Math.min(pass - 1, 5)), undefined,
            { signal: this.#stop.signal }).catch(() => {})
        }
        for (const item of items) {
          if (this.#stopped || lease.lost) break
          await this.#runItem(job, item)
        }
      }
      if (!this.#stopped && !lease.lost && await store.complete(job)) {
        this.#o.log.info({ job_id: job.jobId }, 'batch job done')
      } else if (this.#stopped) {
        await store.release(job)
      }
    } catch (err) {
      if (!(err instanceof LeaseLost)) throw err
      this.#o.log.warn({ job_id: job.jobId }, 'batch job lease lost; another replica resumes it')
    } finally {
      clearInterval(heartbeat)
    }
  }

  async #runItem (job: ClaimedJob, stored: StoredItem): Promise<void> {
    const { store } = this.#o
    const { item, index } = stored
    const principal = this.#o.principal(job.keyName)
    if (!principal || !principal.scopes.has('incidents:write')) {
      // The key that made the job was removed or lost incidents:write: its writes stop here.
      // An item already attempting was maybe sent: it is still decided (read back), never dropped.
      if (stored.state === 'pending') {
        await store.finish(job, index, 'skipped', { error: skippedProblem(job, item) })
        this.#audit(job, stored, 'skipped')
        return
      }
    }
    const tracker = newTracker()
    const requestId = `${job.jobId}.${index}`
    const signal = AbortSignal.any([AbortSignal.timeout(this.#o.itemTimeoutMs), this.#stop.signal])
    // A resumed attempt counts as timed out: its sender may have died mid-send.
    const prior: UnknownOutcome | undefined = stored.state === 'attempting' && stored.outcome
      ? { ...stored.outcome, timedOut: true }
      : undefined
    const ctx: WriteRequestContext = {
      signal,
      deadline: Date.now() + this.#o.itemTimeoutMs,
      requestId,
      log: this.#o.log,
      key: { tracker, prior },
      ...(item.if_match !== undefined ? { ifMatch: item.if_match } : {}),
      purpose: 'sync',
      beforeSend: () => store.attempting(job, index, tracker.outcome!),
      lockTtlMs: this.#o.itemTimeoutMs + 5_000
    }
    // Only an attempting item gets here without a key: it is read back to decide, with no evidence.
    const who: Principal = principal ?? { name: job.keyName, scopes: new Set(), providers: null }
    let incident: IncidentT
    try {
      incident = await this.#write(who, item, ctx)
    } catch (err) {
      if (err instanceof LeaseLost) throw err
      if (isLeaseLoss(err)) throw new LeaseLost()
      await this.#failed(job, stored, err, tracker.state, tracker.outcome, requestId, prior !== undefined)
      return
    }
    await store.finish(job, index, 'succeeded', { incident })
    this.#audit(job, stored, 'ok', incident)
  }

  #write (principal: Principal, item: StoredItem['item'], ctx: WriteRequestContext): Promise<IncidentT> {
    const s = this.#o.service
    switch (item.action) {
      case 'update': return s.update(principal, item.id, item.body, ctx)
      case 'close': return s.close(principal, item.id, item.body, ctx)
      case 'note': return s.addNote(principal, item.id, item.body.text, ctx)
      case 'labels': return s.addLabels(principal, item.id, item.body.labels, ctx)
    }
  }

  async #failed (job: ClaimedJob, stored: StoredItem, err: unknown, state: string,
    outcome: UnknownOutcome | undefined, requestId: string, resumed: boolean): Promise<void> {
    const { store } = this.#o
    const { index, item } = stored
    const code = isGatewayError(err) ? err.code : 'internal_error'
    const problem = itemProblem(err, { requestId }, item)
    const transient = TRANSIENT_CODES.has(code) || code === 'service_unavailable'
    if (code === 'write_outcome_unknown' || state === 'maybe_applied' ||
      (resumed && state !== 'not_applied' && transient)) {
      // Maybe applied: kept "attempting" and decided by a later pass, never sent again meanwhile. A
      // resumed item that failed before its read-back decided anything (the write lock still held
      // by the dead replica, a rate limit) is just as undecided: it must not become 'pending'
      // (test/jobs/replica-kill.test.ts found exactly that: the survivor waited for the dead
      // replica's lock, gave up, and the next pass sent the write again).
      const keep = outcome ?? stored.outcome
      if (keep) await store.unknown(job, index, keep)
      return
    }
    const again = stored.attempts < this.#o.maxAttempts &&
      (transient || (state === 'not_applied' && isNotApplied(code)))
    if (again) {
      await store.retry(job, index)
      return
    }
    await store.finish(job, index, 'failed', { error: problem })
    this.#audit(job, stored, code)
  }

  #audit (job: ClaimedJob, stored: StoredItem, outcome: string, incident?: IncidentT): void {
    this.#o.audit?.({
      jobId: job.jobId,
      index: stored.index,
      keyName: job.keyName,
      incidentId: stored.item.id,
      action: stored.item.action,
      body: stored.item.body,
      outcome,
      ...(incident ? { incident } : {})
    })
  }
}

// A read back proved the write absent (write-outcome.ts notApplied): the codes it answers with.
const isNotApplied = (code: string) => code === 'upstream_error' || code === 'upstream_timeout'

// The lease check in beforeSend failed: the write was not sent, and the job is no longer ours.
const isLeaseLoss = (err: unknown): boolean => err instanceof Error && err.cause instanceof LeaseLost

function skippedProblem (job: ClaimedJob, item: StoredItem['item']): ProblemT {
  return {
    type: 'urn:dlp-gateway:problem:forbidden',
    title: 'Forbidden',
    status: 403,
    detail: `The API key '${job.keyName}' that made this job no longer exists or lost the scope ` +
      '\'incidents:write\', so the item was not attempted.',
    instance: `/v1/incidents/${item.id}`,
    code: 'forbidden',
    request_id: job.jobId
  }
}

function summary (err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message.slice(0, 300) : 'failed' }
}
