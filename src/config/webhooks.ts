import { Type } from 'typebox'

// The `webhooks` section (spec section 10, docs/webhooks.md).
export const WebhookSettings = Type.Object({
  allow_private_networks: Type.Boolean({
    default: false,
    description: 'allow http and receivers on loopback, private, link-local and other non-public addresses ' +
      '(demo mode and tests); off: https to public addresses only (SSRF)'
  }),
  max_consecutive_failures: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 50,
    description: 'failed attempts in a row (no success between) that disable a webhook'
  }),
  max_per_key: Type.Integer({ minimum: 0, maximum: 1_000, default: 25, description: 'webhooks one API key may own' }),
  timeout_ms: Type.Integer({
    minimum: 100, maximum: 60_000, default: 10_000, description: 'one delivery attempt, connect to last byte'
  }),
  retry_base_ms: Type.Integer({
    minimum: 1, maximum: 600_000, default: 1_000, description: 'backoff ceiling of the first retry (doubles each time)'
  }),
  retry_max_ms: Type.Integer({
    minimum: 1, maximum: 86_400_000, default: 3_600_000, description: 'largest backoff ceiling between two attempts'
  }),
  retry_window_h: Type.Number({
    minimum: 0.0001, maximum: 168, default: 24, description: 'a delivery is retried this long after its first attempt'
  }),
  scan_interval_ms: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 1_000,
    description: 'how often each replica looks for due deliveries besides being woken by new changes'
  }),
  lease_ms: Type.Integer({
    minimum: 1_000,
    maximum: 600_000,
    default: 60_000,
    description: 'a claimed delivery is another replica\'s to retry after this long (must exceed timeout_ms)'
  }),
  concurrency: Type.Integer({
    minimum: 1, maximum: 256, default: 16, description: 'deliveries one replica has in flight at once'
  }),
  per_webhook_concurrency: Type.Integer({
    minimum: 1, maximum: 64, default: 4, description: 'deliveries in flight to one webhook (all replicas)'
  }),
  max_pending: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 10_000,
    description: 'queued deliveries per webhook; beyond it the webhook\'s feed position waits'
  })
}, { additionalProperties: false, default: {} })
