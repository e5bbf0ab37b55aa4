import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import type { DeliveryWorker } from '../../webhooks/delivery-worker.ts'
import type { LookupFn } from '../../webhooks/safe-agent.ts'
import type { WebhookService } from '../../webhooks/webhook-service.ts'

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
  // Only a gateway with a store loads delivery, signing and the SSRF checks (test/server-boot-modules.test.ts).
  await (await import('./webhooks-store.ts')).storeBackedWebhooks(app, opts, db)
}

export default fp(webhooks, {
  name: 'webhooks', fastify: '5.x', dependencies: ['providers', 'change-feed', 'metrics', 'audit-log']
})
