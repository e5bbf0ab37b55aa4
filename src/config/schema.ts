import { Type, type Static } from 'typebox'
import { CLASSIFICATIONS, PRIORITIES, PROVIDER_ID_PATTERN, SCOPES, SEVERITIES, STATUSES } from '../schemas/enums.ts'
import { CloudlockResilience, ZwaResilience } from './resilience.ts'
import { ChangeFeedSettings, StoreSettings, SyncSettings } from './sync.ts'
import { WebhookSettings } from './webhooks.ts'

// The whole gateway configuration, validated once at boot (src/config/load.ts). Unknown keys
// are errors so a typo in a YAML file stops startup instead of being ignored (test/config/load.test.ts).
const closed = { additionalProperties: false } as const
const Secret = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description })
const Millis = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 600_000, default: def, description })

const Timeouts = Type.Object({
  connect_ms: Millis(5_000, 'TCP/TLS connect timeout'),
  headers_ms: Millis(15_000, 'time to response headers'),
  body_ms: Millis(15_000, 'time between body chunks')
}, { ...closed, default: {} })

const MappingOverrides = Type.Object({
  severity: Type.Optional(Type.Record(Type.String(), Type.Enum(SEVERITIES))),
  priority: Type.Optional(Type.Record(Type.String(), Type.Enum(PRIORITIES))),
  status: Type.Optional(Type.Record(Type.String(), Type.Enum(STATUSES))),
  classification: Type.Optional(Type.Record(Type.String(), Type.Enum(CLASSIFICATIONS)))
}, { ...closed, description: 'native value -> normalized value, merged over the defaults of spec 3.1' })

const ProviderCommon = {
  id: Type.String({ pattern: PROVIDER_ID_PATTERN }),
  base_url: Type.String({ format: 'uri', maxLength: 2048 }),
  timeouts: Timeouts,
  max_connections: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  mapping: Type.Optional(MappingOverrides),
  sync: Type.Optional(SyncSettings)
}

export const ZwaApiKeyAuth = Type.Object({
  mode: Type.Literal('api_key'),
  key_id: Secret('ZWA API key id'),
  key_secret: Secret('ZWA API key secret')
}, closed)

export const ZwaOneApiAuth = Type.Object({
  mode: Type.Literal('oneapi'),
  token_url: Type.String({ format: 'uri' }),
  client_id: Secret('OneAPI client id'),
  client_secret: Secret('OneAPI client secret'),
  audience: Type.String({ default: 'https://api.zscaler.com' })
}, closed)

export const ZwaProviderConfig = Type.Object({
  ...ProviderCommon,
  type: Type.Literal('zwa'),
  path_prefix: Type.String({
    default: '/dlp/v1', pattern: '^(/[A-Za-z0-9._-]+)+$', description: '/dlp/v1 native, /zwa/dlp/v1 OneAPI'
  }),
  auth: Type.Union([ZwaApiKeyAuth, ZwaOneApiAuth]),
  resilience: ZwaResilience
}, closed)

export const CloudlockProviderConfig = Type.Object({
  ...ProviderCommon,
  type: Type.Literal('cloudlock'),
  token: Secret('Cloudlock API bearer token'),
  resilience: CloudlockResilience
}, closed)

export const ApiKeyConfig = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
  sha256: Type.String({
    pattern: '^[0-9a-fA-F]{64}$', description: 'hex SHA-256 of the key; the key itself is never configured'
  }),
  scopes: Type.Array(Type.Enum(SCOPES), { minItems: 1, uniqueItems: true }),
  providers: Type.Optional(Type.Array(Type.String({ pattern: PROVIDER_ID_PATTERN }), {
    uniqueItems: true, description: 'allow-list; absent = every provider'
  })),
  rate_limit_per_minute: Type.Optional(Type.Integer({
    minimum: 1, maximum: 1_000_000, description: 'overrides limits.rate_limit_per_minute for this key'
  }))
}, closed)

export const ConfigSchema = Type.Object({
  server: Type.Object({
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
    log_level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
    body_limit_bytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024, default: 1024 * 1024 }),
    shutdown_drain_ms: Type.Integer({
      minimum: 0,
      maximum: 120_000,
      default: 0,
      description: 'time /readyz reports 503 before the server stops accepting'
    }),
    trust_proxy: Type.Boolean({ default: false }),
    headers_timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description: 'time a client has to send its request headers (slow clients)'
    }),
    client_timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description: 'time a client has to send its whole request, body included'
    }),
    keep_alive_timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 72_000,
      description: 'idle keep-alive connections are closed after this; ' +
        'keep it above the load balancer idle timeout'
    })
  }, { ...closed, default: {} }),
  cursor: Type.Object({
    secret: Type.Optional(Type.String({ minLength: 32, description: 'HMAC key for cursors; same on every replica' })),
    previous_secrets: Type.Array(Type.String({ minLength: 32 }), {
      default: [], maxItems: 5, description: 'older keys that still verify cursors during a rotation'
    })
  }, { ...closed, default: {} }),
  limits: Type.Object({
    default_page_size: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
    request_timeout_ms: Type.Integer({
      minimum: 100, maximum: 600_000, default: 30_000, description: 'overall deadline of one gateway request'
    }),
    rate_limit_per_minute: Type.Integer({
      minimum: 1, maximum: 1_000_000, default: 600, description: 'requests per API key per minute'
    }),
    upstream_calls_per_request: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 10,
      description: 'vendor list calls per provider per GET /v1/incidents; the page then ends early with a cursor'
    })
  }, { ...closed, default: {} }),
  load_shedding: Type.Object({
    max_event_loop_delay_ms: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 1_000,
      description: '503 service_unavailable while the mean event loop delay exceeds this (0 = off)'
    }),
    max_event_loop_utilization: Type.Number({
      minimum: 0, maximum: 1, default: 0, description: 'event loop utilization above which requests are shed (0 = off)'
    }),
    max_heap_used_bytes: Type.Integer({
      minimum: 0, default: 0, description: 'heap use above which requests are shed (0 = off)'
    }),
    max_rss_bytes: Type.Integer({
      minimum: 0, default: 0, description: 'resident memory above which requests are shed (0 = off)'
    }),
    sample_interval_ms: Type.Integer({
      minimum: 10, maximum: 60_000, default: 1_000, description: 'how often the process is measured'
    }),
    retry_after_s: Type.Integer({
      minimum: 1, maximum: 3_600, default: 10, description: 'Retry-After of a shed request'
    })
  }, { ...closed, default: {} }),
  redis_url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  store: StoreSettings,
  changes: ChangeFeedSettings,
  webhooks: WebhookSettings,
  // Batch jobs (spec section 11, docs/writes.md); they live in the store.
  jobs: Type.Object({
    lease_ms: Type.Integer({
      minimum: 1_000,
      maximum: 600_000,
      default: 30_000,
      description: 'a job\'s lease: a replica that dies leaves its job to another replica this long after its ' +
        'last renewal'
    }),
    item_timeout_ms: Type.Integer({
      minimum: 1_000,
      maximum: 600_000,
      default: 120_000,
      description: 'one item\'s deadline, waits for the vendor write budget included'
    }),
    retention_days: Type.Integer({ minimum: 1, maximum: 90, default: 7, description: 'finished jobs kept this long' })
  }, { ...closed, default: {} }),
  providers: Type.Array(Type.Union([ZwaProviderConfig, CloudlockProviderConfig]), { default: [] }),
  api_keys: Type.Array(ApiKeyConfig, { default: [] }),
  observability: Type.Object({
    metrics: Type.Boolean({ default: true, description: 'collect metrics and serve GET /metrics' }),
    audit_log: Type.String({
      minLength: 1,
      maxLength: 4096,
      default: 'stdout',
      description: 'audit events of writes: stdout, stderr, off, or a file path (appended)'
    })
  }, { ...closed, default: {} }),
  demo: Type.Object({
    enabled: Type.Boolean({
      default: false, description: 'demo mode (spec 8): simulated providers, a printed key; only on explicit request'
    }),
    incidents: Type.Integer({ minimum: 0, maximum: 100_000, default: 500 }),
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 1 }),
    api_key: Type.Optional(Type.String({ minLength: 16, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' })),
    zwa_fixtures: Type.Optional(Type.String({ minLength: 1 })),
    cloudlock_fixtures: Type.Optional(Type.String({ minLength: 1 })),
    activity_per_minute: Type.Integer({
      minimum: 0,
      maximum: 600,
      default: 0,
      description: 'simulated console activity per simulator: new or changed incidents a minute (0 = off)'
    })
  }, { ...closed, default: {} })
}, closed)

export type Config = Static<typeof ConfigSchema>
export type ProviderConfig = Config['providers'][number]
export type ZwaProviderConfigT = Static<typeof ZwaProviderConfig>
export type CloudlockProviderConfigT = Static<typeof CloudlockProviderConfig>
export type ApiKeyConfigT = Static<typeof ApiKeyConfig>
