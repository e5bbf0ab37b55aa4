import type { EventEmitter } from 'node:events'
import type { Dispatcher } from 'undici'
import type { Principal } from '../services/principal.ts'
import { backoffMs } from './backoff.ts'
import type { Claimed, DeliveryQueue, FailurePolicy } from './delivery-queue.ts'
import { changeBody } from './payload.ts'
import { send, type SendResult } from './sender.ts'
import { signedHeaders, signingSecrets } from './signing.ts'
import { urlProblem } from './url-policy.ts'
import type { WebhookMetrics } from './webhook-metrics.ts'
import type { WebhookStore } from './webhook-store.ts'

// One replica's share of webhook delivery (docs/webhooks.md). Woken by the mirror's 'appended'
// event, by a short periodic scan (changes appended by other replicas, retries coming due, leases
// of killed replicas running out) and by a timer at the next due retry. Each round moves webhooks'
// feed positions (fan-out), then claims as many due deliveries as it has free slots; each delivery
// runs on its own, so a slow receiver holds at most `per_webhook_concurrency` slots and never the
// others' deliveries.

export interface WorkerSettings {
  allow_private_networks: boolean
  timeout_ms: number
  retry_base_ms: number
  retry_max_ms: number
  retry_window_h: number
  scan_interval_ms: number
  lease_ms: number
  concurrency: number
  per_webhook_concurrency: number
  max_consecutive_failures: number
  max_pending: number
}

export interface Log {
  warn (obj: object, msg: string): void
  info (obj: object, msg: string): void
}

export interface WorkerDeps {
  queue: DeliveryQueue
  store: WebhookStore
  settings: WorkerSettings
  dispatcher: Dispatcher
  principalOf: (owner: string) => Principal | null // null: the key is gone or may no longer manage webhooks
  providersFor: (owner: string) => string[] | null
  events?: EventEmitter // the mirror's: 'appended' after each commit that added changes
  metrics: WebhookMetrics
  log: Log
  now?: () => number // the clock of every stored instant: backoff, holds, leases (tests move it)
  random?: () => number // the jitter (tests pin it)
}

const DEPTH_EVERY_MS = 5_000

export const messageIdOf = (webhookId: string, seq: number) => `msg_${webhookId}_${seq}`

export class DeliveryWorker {
  private readonly deps: WorkerDeps
  private readonly now: () => number
  private readonly random: () => number
  private readonly inFlight = new Set<Promise<void>>()
  private readonly closing = new AbortController()
  private running = false
  private feedDirty = true // the feed may have changes no webhook position has passed yet
  private again = false
  private stopped = true
  private scanTimer: NodeJS.Timeout | undefined
  private dueTimer: NodeJS.Timeout | undefined
  private lastDepth = 0
  private idle: Promise<void> = Promise.resolve()

  constructor (deps: WorkerDeps) {
    this.deps = deps
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? Math.random
  }

  start (): void {
    if (!this.stopped) return
    this.stopped = false
    this.deps.events?.on('appended', this.wake)
    this.scanTimer = setInterval(this.wake, this.deps.settings.scan_interval_ms)
    this.scanTimer.unref()
    this.kick()
  }

  // Ends the rounds; deliveries in flight are aborted and handed back to the queue (due at once).
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.deps.events?.off('appended', this.wake)
    clearInterval(this.scanTimer)
    clearTimeout(this.dueTimer)
    this.closing.abort()
    await this.idle
    await Promise.allSettled([...this.inFlight])
  }

  // New changes, or the periodic scan: the next round also moves feed positions.
  private readonly wake = (): void => {
    this.feedDirty = true
    this.kick()
  }

  // Runs rounds until nothing asked for another; a kick during a round asks for one more.
  readonly kick = (): void => {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    this.idle = this.rounds().finally(() => { this.running = false })
  }

  private async rounds (): Promise<void> {
    do {
      this.again = false
      try {
        await this.round()
      } catch (err) {
        this.deps.log.warn({ err: summary(err) }, 'webhook delivery round failed')
      }
    } while (this.again && !this.stopped)
  }

  // One round: fan out, claim, launch; then sleep until the next due delivery or scan.
  async round (): Promise<void> {
    const s = this.deps.settings
    const rounds = this.feedDirty ? 20 : 0
    this.feedDirty = false
    for (let i = 0; i < rounds && !this.stopped; i++) {
      const r = await this.deps.queue.fanout({
        providersFor: this.deps.providersFor,
        now: new Date(this.now()),
        batch: 500,
        webhooks: 20,
        maxPending: s.max_pending
      })
      if (!r.behind) break
    }
    if (this.stopped) return
    const claimed = await this.deps.queue.claim({
      now: new Date(this.now()),
      limit: s.concurrency - this.inFlight.size,
      perWebhook: s.per_webhook_concurrency,
      leaseMs: s.lease_ms
    })
    for (const c of claimed) this.launch(c)
    if (this.now() - this.lastDepth >= DEPTH_EVERY_MS) {
      this.lastDepth = this.now()
      this.deps.metrics.depth(await this.deps.queue.depth())
    }
    // Only when slots stay idle: wake when the next retry or hold comes due.
    if (claimed.length > 0) return
    const due = await this.deps.queue.nextDue()
    if (due !== null && !this.stopped) {
      clearTimeout(this.dueTimer)
      const wait = due.getTime() - this.now()
      if (wait < s.scan_interval_ms) {
        this.dueTimer = setTimeout(this.kick, Math.max(wait, 5))
        this.dueTimer.unref()
      }
    }
  }

  private launch (c: Claimed): void {
    const p: Promise<void> = this.deliver(c)
      .catch((err) => this.deps.log.warn({ err: summary(err), webhook: c.webhookId }, 'webhook delivery failed'))
      .finally(() => {
        this.inFlight.delete(p)
        this.kick()
      })
    this.inFlight.add(p)
  }

  private policy (): FailurePolicy {
    const s = this.deps.settings
    const backoff = { baseMs: s.retry_base_ms, maxMs: s.retry_max_ms }
    return {
      retryAt: (attempt) => new Date(this.now() + backoffMs(attempt, backoff, this.random)),
      holdUntil: (consecutive) => new Date(this.now() + backoffMs(consecutive, backoff, this.random)),
      windowMs: s.retry_window_h * 3_600_000,
      maxConsecutive: s.max_consecutive_failures
    }
  }

  private async deliver (c: Claimed): Promise<void> {
    const { queue } = this.deps
    const messageId = messageIdOf(c.webhookId, c.seq)
    const w = c.webhook
    const result = await this.attempt(c, w.owner, w.url, w.secrets, messageId)
    const done = await queue.complete(c, { ...result, messageId }, new Date(this.now()), this.policy())
    if (!done.recorded) return
    this.deps.metrics.attempt(result.outcome, result.latencyMs === null ? null : result.latencyMs / 1000)
    if (done.disabled !== null) {
      this.deps.metrics.disabled(result.outcome === 'gone' ? 'gone' : 'failures')
      this.deps.log.warn({ webhook: c.webhookId, reason: done.disabled }, 'webhook disabled')
    }
    if (result.outcome === 'skipped' && this.deps.principalOf(w.owner) === null) {
      await queue.db.transaction((tx) => queue.disable(tx, c.webhookId,
        'the API key that owns this webhook is no longer configured to manage webhooks', new Date(this.now())))
      this.deps.metrics.disabled('owner')
    }
  }

  private async attempt (c: Claimed, owner: string, url: string, secrets: Parameters<typeof signingSecrets>[0],
    messageId: string): Promise<Omit<SendResult, 'latencyMs'> & { latencyMs: number | null }> {
    const settings = this.deps.settings
    const principal = this.deps.principalOf(owner)
    const skipped = (error: string) => ({ outcome: 'skipped' as const, status: null, latencyMs: null, error })
    if (principal === null) return skipped('the owner key is no longer configured to manage webhooks')
    const provider = c.incident.slice(0, c.incident.indexOf(':'))
    if (!(this.deps.providersFor(owner) ?? []).includes(provider)) {
      return skipped(`the owner key may no longer see provider '${provider}'`)
    }
    const change = c.change
    if (change === null) {
      return { outcome: 'expired', status: null, latencyMs: null, error: 'the change is no longer retained' }
    }
    // The URL rules may have tightened since the webhook was made (configuration).
    const problem = urlProblem(url, settings.allow_private_networks)
    if (problem !== null) {
      return { outcome: 'forbidden_address', status: null, latencyMs: null, error: `the URL ${problem}` }
    }
    return this.post(url, secrets, messageId, changeBody(change, principal))
  }

  // Signs and sends one body; the signature's timestamp is the moment of sending (receivers reject
  // timestamps far from their clock).
  async post (url: string, secrets: Parameters<typeof signingSecrets>[0], messageId: string, body: string):
  Promise<SendResult> {
    const at = new Date(this.now())
    const headers = signedHeaders(signingSecrets(secrets, at.getTime()), messageId, at, body)
    return send(this.deps.dispatcher, url, headers, body, {
      timeoutMs: this.deps.settings.timeout_ms, signal: this.closing.signal
    })
  }
}

function summary (err: unknown): { code?: string, message: string } {
  const e = err as { code?: unknown, message?: unknown } | null
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message.slice(0, 300) : 'failed'
  }
}
