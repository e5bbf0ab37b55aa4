import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { AttemptOutcome } from '../schemas/webhook.ts'

// Webhook metrics (docs/webhooks.md, docs/observability.md). No webhook id, URL or key name in a
// label: queue depth is an aggregate (total and the largest single queue).
export interface WebhookMetrics {
  attempt (outcome: AttemptOutcome, seconds: number | null): void
  depth (d: { total: number, largest: number, disabled: number }): void
  disabled (reason: 'gone' | 'failures' | 'owner'): void
}

export const NOOP_WEBHOOK_METRICS: WebhookMetrics = { attempt () {}, depth () {}, disabled () {} }

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export function webhookMetrics (registry: Registry | undefined): WebhookMetrics {
  if (!registry) return NOOP_WEBHOOK_METRICS
  const registers = [registry]
  const attempts = new Counter({
    name: 'dlp_gateway_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, failed, gone, gave_up, forbidden_address, skipped, ' +
      'expired, aborted)',
    labelNames: ['outcome'] as const,
    registers
  })
  const latency = new Histogram({
    name: 'dlp_gateway_webhook_delivery_duration_seconds',
    help: 'Time from sending a webhook delivery to the receiver\'s status line, by outcome',
    labelNames: ['outcome'] as const,
    buckets: BUCKETS,
    registers
  })
  const queued = new Gauge({
    name: 'dlp_gateway_webhook_queue_depth',
    help: 'Deliveries queued for all webhooks (as last measured by this replica)',
    registers
  })
  const largest = new Gauge({
    name: 'dlp_gateway_webhook_queue_depth_max',
    help: 'Deliveries queued for the webhook with the longest queue',
    registers
  })
  const disabledNow = new Gauge({
    name: 'dlp_gateway_webhooks_disabled',
    help: 'Webhooks currently disabled (410, too many failures, owner key gone, or by their owner)',
    registers
  })
  const disabling = new Counter({
    name: 'dlp_gateway_webhook_disabled_total',
    help: 'Webhooks disabled by delivery, by reason (gone, failures, owner)',
    labelNames: ['reason'] as const,
    registers
  })
  for (const outcome of ['delivered', 'failed'] as const) attempts.labels(outcome).inc(0)
  return {
    attempt (outcome, seconds) {
      attempts.labels(outcome).inc()
      if (seconds !== null) latency.labels(outcome).observe(seconds)
    },
    depth (d) {
      queued.set(d.total)
      largest.set(d.largest)
      disabledNow.set(d.disabled)
    },
    disabled (reason) {
      disabling.labels(reason).inc()
    }
  }
}
