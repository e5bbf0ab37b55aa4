import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { GatewayMetrics } from '../../observability/metrics.ts'
import { mayUseProvider, type Principal } from '../../services/principal.ts'
import { DeliveryQueue } from '../../webhooks/delivery-queue.ts'
import { DeliveryWorker } from '../../webhooks/delivery-worker.ts'
import { createSafeAgent, type LookupFn } from '../../webhooks/safe-agent.ts'
import { webhookMetrics } from '../../webhooks/webhook-metrics.ts'
import { WebhookService } from '../../webhooks/webhook-service.ts'
import { WebhookStore } from '../../webhooks/webhook-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    // null: no store is open (no provider syncs and neither DATABASE_URL nor DATA_DIR is set):
    // webhooks deliver from the change feed, which lives in the store.
    webhooks: WebhookService | null
    webhookWorker: DeliveryWorker | null
  }
}

export interface WebhooksPluginOptions {
  autostart?: boolean // false: the worker runs only when a test calls app.webhookWorker.start() or round()
  dispatcher?: Dispatcher // replaces the SSRF-checking agent (tests)
  lookup?: LookupFn // the resolver the SSRF-checking agent uses (tests: DNS rebinding)
  now?: () => number
  random?: () => number
}

// Webhooks (spec section 10, docs/webhooks.md): the management service the routes call, and this
// replica's delivery worker, started when the app is ready and stopped before the store closes.
async function webhooks (app: FastifyInstance, opts: WebhooksPluginOptions) {
  const db = app.store
  if (!db) {
    app.decorate('webhooks', null)
    app.decorate('webhookWorker', null)
    return
  }
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

export default fp(webhooks, {
  name: 'webhooks', fastify: '5.x', dependencies: ['providers', 'change-feed', 'metrics', 'audit-log']
})
