import { randomBytes } from 'node:crypto'
import { GatewayError } from '../errors/gateway-error.ts'
import type {
  DeliveryAttemptT, WebhookCreate, WebhookFilterT, WebhookPatch, WebhookT
} from '../schemas/webhook.ts'
import type { Principal } from '../services/principal.ts'
import { providerFor, type ProviderSource } from '../services/provider-access.ts'
import type { DeliveryWorker } from './delivery-worker.ts'
import { newSecret, type StoredSecret } from './signing.ts'
import { checkWebhookUrl } from './url-policy.ts'
import { webhookView, type WebhookRow, type WebhookStore } from './webhook-store.ts'
import type { Static } from 'typebox'

// The management side of /v1/webhooks (spec section 10): a webhook belongs to the key that made it
// (another key gets 404), names only providers that key may see, and its URL keeps the SSRF rules.

export interface WebhookServiceDeps {
  store: WebhookStore
  worker: DeliveryWorker
  providers: ProviderSource
  allowPrivate: boolean
  maxPerKey: number
  now?: () => number
}

const notFound = () => new GatewayError('not_found', 'No such webhook for this API key.')

export class WebhookService {
  private readonly deps: WebhookServiceDeps
  private readonly now: () => number

  constructor (deps: WebhookServiceDeps) {
    this.deps = deps
    this.now = deps.now ?? Date.now
  }

  async create (principal: Principal, body: Static<typeof WebhookCreate>): Promise<WebhookT & { secret: string }> {
    checkWebhookUrl(body.url, this.deps.allowPrivate)
    const filter = this.checkFilter(principal, body.filter ?? {})
    if (await this.deps.store.count(principal.name) >= this.deps.maxPerKey) {
      throw new GatewayError('forbidden', `This API key already has ${this.deps.maxPerKey} webhooks ` +
        '(webhooks.max_per_key); delete one first.')
    }
    const now = new Date(this.now())
    const secret: StoredSecret = { secret: newSecret(), expires_at: null }
    const row = await this.deps.store.create({
      owner: principal.name,
      url: body.url,
      description: body.description ?? null,
      events: body.events,
      filter,
      secret,
      now
    })
    return { ...webhookView(row, 0), secret: secret.secret }
  }

  async list (principal: Principal): Promise<WebhookT[]> {
    const rows = await this.deps.store.list(principal.name)
    const pending = await this.deps.store.pending(rows.map((r) => r.id))
    return rows.map((r) => webhookView(r, pending.get(r.id) ?? 0))
  }

  async get (principal: Principal, id: string): Promise<WebhookT> {
    return this.view(await this.row(principal, id))
  }

  async update (principal: Principal, id: string, patch: Static<typeof WebhookPatch>): Promise<WebhookT> {
    if (patch.url !== undefined) checkWebhookUrl(patch.url, this.deps.allowPrivate)
    const filter = patch.filter === undefined ? undefined : this.checkFilter(principal, patch.filter)
    const row = await this.deps.store.update(principal.name, id, {
      url: patch.url,
      events: patch.events,
      filter,
      description: patch.description,
      enable: patch.enabled
    }, new Date(this.now()))
    if (!row) throw notFound()
    if (row.enabled) this.deps.worker.kick()
    return this.view(row)
  }

  async delete (principal: Principal, id: string): Promise<void> {
    if (!await this.deps.store.delete(principal.name, id)) throw notFound()
  }

  async rotate (principal: Principal, id: string, overlapSeconds: number):
  Promise<{ secret: string, previous_expires_at: string }> {
    const now = this.now()
    const until = new Date(now + overlapSeconds * 1000)
    const secret: StoredSecret = { secret: newSecret(), expires_at: null, rotated_at: new Date(now).toISOString() }
    if (!await this.deps.store.rotate(principal.name, id, secret, until, new Date(now))) throw notFound()
    return { secret: secret.secret, previous_expires_at: until.toISOString() }
  }

  async deliveries (principal: Principal, id: string, limit: number): Promise<DeliveryAttemptT[]> {
    await this.row(principal, id)
    return this.deps.store.attempts(id, limit)
  }

  // A signed ping to the webhook's URL now, whatever its state; recorded among its attempts.
  async test (principal: Principal, id: string): Promise<{
    delivered: boolean,
    message_id: string,
    status: number | null,
    latency_ms: number,
    error: string | null
  }> {
    const row = await this.row(principal, id)
    checkWebhookUrl(row.url, this.deps.allowPrivate)
    const messageId = `msg_test_${randomBytes(12).toString('hex')}`
    const body = JSON.stringify({
      type: 'webhook.test', timestamp: new Date(this.now()).toISOString(), data: { webhook_id: row.id }
    })
    const r = await this.deps.worker.post(row.url, row.secrets, messageId, body)
    await this.deps.store.recordAttempt({
      webhookId: row.id,
      messageId,
      seq: null,
      event: 'webhook.test',
      attempt: 1,
      at: new Date(this.now()),
      outcome: r.outcome,
      status: r.status,
      latencyMs: r.latencyMs,
      error: r.error
    })
    return {
      delivered: r.outcome === 'delivered',
      message_id: messageId,
      status: r.status,
      latency_ms: r.latencyMs,
      error: r.error
    }
  }

  private async row (principal: Principal, id: string): Promise<WebhookRow> {
    const row = await this.deps.store.get(principal.name, id)
    if (!row) throw notFound()
    return row
  }

  private async view (row: WebhookRow): Promise<WebhookT> {
    const pending = await this.deps.store.pending([row.id])
    return webhookView(row, pending.get(row.id) ?? 0)
  }

  // Every provider a filter names must exist and be on the key's allow-list (403 otherwise).
  private checkFilter (principal: Principal, filter: WebhookFilterT): WebhookFilterT {
    for (const [i, p] of (filter.provider ?? []).entries()) {
      providerFor(this.deps.providers, principal, p, `/body/filter/provider/${i}`)
    }
    return filter
  }
}
