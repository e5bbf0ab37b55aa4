import type { FastifyInstance } from 'fastify'
import { GatewayMetrics } from '../../observability/metrics.ts'
import { mayUseProvider, type Principal } from '../../services/principal.ts'
import type { Database } from '../../store/database.ts'
import { DeliveryQueue } from '../../webhooks/delivery-queue.ts'
import { DeliveryWorker } from '../../webhooks/delivery-worker.ts'
import { createSafeAgent } from '../../webhooks/safe-agent.ts'
import { webhookMetrics } from '../../webhooks/webhook-metrics.ts'
import { WebhookService } from '../../webhooks/webhook-service.ts'
import { WebhookStore } from '../../webhooks/webhook-store.ts'
import type { WebhooksPluginOptions } from './webhooks.ts'

// Webhooks of a gateway with a store (./webhooks.ts): the management service and this replica's
// delivery worker. A module of its own, imported only when a store is open.
export async function storeBackedWebhooks (app: FastifyInstance, opts: WebhooksPluginOptions, db: Database) {
  const settings = app.config.webhooks
  // The owner's key as configured now: scopes and allow-list changes apply to the next delivery.
  const principals = new Map<string, Principal>()
  for (const k of app.config.api_keys) {
    if (!k.scopes.includes('webhooks:manage')) continue
    const providers = k.providers ? new Set(k.providers) : null
    principals.set(k.name, { name: k.name, scopes: new Set(k.scopes), providers })
  }
  const principalOf = (owner: string) => principals.get(owner) ?? null
  const providersFor = (owner: string) => {
    const p = principalOf(owner)
    return p === null ? null : app.providers.all().filter((a) => mayUseProvider(p, a.id)).map((a) => a.id)
  }
  const agent = opts.dispatcher ?? createSafeAgent({
    allowPrivate: settings.allow_private_networks, connectTimeoutMs: settings.timeout_ms, lookup: opts.lookup
  })
  const store = new WebhookStore(db)
  const worker = new DeliveryWorker({
    queue: new DeliveryQueue(store),
    store,
    settings,
    dispatcher: agent,
    principalOf,
    providersFor,
    events: app.mirror?.events,
    metrics: webhookMetrics(app.metrics instanceof GatewayMetrics ? app.metrics.registry : undefined),
    log: app.log,
    now: opts.now,
    random: opts.random
  })
  app.decorate('webhookWorker', worker)
  app.decorate('webhooks', new WebhookService({
    store,
    worker,
    providers: app.providers,
    allowPrivate: settings.allow_private_networks,
    maxPerKey: settings.max_per_key,
    now: opts.now
  }))
  app.addHook('onReady', async () => {
    if (opts.autostart !== false) worker.start()
  })
  app.addHook('preClose', async () => worker.stop())
  if (!opts.dispatcher) app.addHook('onClose', async () => agent.close())
}
