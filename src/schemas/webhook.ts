import { Type, type Static } from 'typebox'
import { PROVIDER_ID_PATTERN, SeverityRef, StatusRef } from './enums.ts'
import { NullableString } from './nullable.ts'

// /v1/webhooks (spec section 10, docs/webhooks.md).
export const WEBHOOK_EVENTS = ['incident.created', 'incident.updated', 'incident.deleted'] as const
export type WebhookEvent = typeof WEBHOOK_EVENTS[number]
export const WEBHOOK_ID_PATTERN = '^wh_[A-Za-z0-9]{20}$'

const closed = { additionalProperties: false } as const
const NullableTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description })

const Events = Type.Array(Type.Enum(WEBHOOK_EVENTS), {
  minItems: 1, maxItems: 3, uniqueItems: true, description: 'the change types to deliver'
})
export const WebhookFilter = Type.Object({
  provider: Type.Optional(Type.Array(Type.String({ pattern: PROVIDER_ID_PATTERN }), {
    minItems: 1, maxItems: 64, uniqueItems: true, description: 'only these providers (each must be one the key may see)'
  })),
  severity: Type.Optional(Type.Array(SeverityRef, {
    minItems: 1, maxItems: 6, uniqueItems: true, description: 'only incidents whose new state has one of these'
  })),
  status: Type.Optional(Type.Array(StatusRef, {
    minItems: 1, maxItems: 5, uniqueItems: true, description: 'only incidents whose new state has one of these'
  }))
}, {
  ...closed,
  description: 'applied to the incident\'s new state; deleted changes carry no state and pass severity and status'
})
export type WebhookFilterT = Static<typeof WebhookFilter>

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'the receiver: https, no credentials, no fragment; a public address unless ' +
    'webhooks.allow_private_networks'
})
const Description = Type.String({ maxLength: 500 })

export const WebhookCreate = Type.Object({
  url: Url,
  events: Events,
  filter: Type.Optional(WebhookFilter),
  description: Type.Optional(Description)
}, {
  ...closed,
  examples: [{
    url: 'https://soar.example.com/hooks/dlp',
    events: ['incident.created', 'incident.updated'],
    filter: { severity: ['high', 'critical'] },
    description: 'SOAR intake'
  }]
})

export const WebhookPatch = Type.Object({
  url: Type.Optional(Url),
  events: Type.Optional(Events),
  filter: Type.Optional(WebhookFilter),
  description: Type.Optional(Type.Union([Description, Type.Null()])),
  enabled: Type.Optional(Type.Boolean({
    description: 'true re-enables a disabled webhook; delivery resumes with changes after this moment'
  }))
}, { ...closed, minProperties: 1, examples: [{ events: ['incident.created'], enabled: true }] })

export const WebhookIdParams = Type.Object({
  id: Type.String({
    pattern: WEBHOOK_ID_PATTERN,
    description: 'webhook id (from POST /v1/webhooks)',
    examples: ['wh_Q3kXn0Vb7LzR2mYt8sWa']
  })
}, closed)

export const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.Enum(WEBHOOK_EVENTS)),
  filter: WebhookFilter,
  description: NullableString(),
  enabled: Type.Boolean(),
  disabled_reason: NullableString({
    description: 'why delivery stopped (410 from the receiver, too many failures, ...)'
  }),
  disabled_at: NullableTime('when it was disabled'),
  pending_deliveries: Type.Integer({ minimum: 0, description: 'changes queued for this webhook' }),
  consecutive_failures: Type.Integer({ minimum: 0 }),
  last_success_at: NullableTime('last successful delivery'),
  last_failure_at: NullableTime('last failed attempt'),
  secret_rotated_at: NullableTime('when the signing secret was last rotated'),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' })
}, { ...closed, $id: 'Webhook', title: 'Webhook' })
export type WebhookT = Static<typeof Webhook>

const SecretField = Type.String({
  description: 'the signing secret (Standard Webhooks whsec_ form); shown only in this answer'
})
export const WebhookCreated = Type.Object({
  ...Webhook.properties,
  secret: SecretField
}, { ...closed, $id: 'WebhookCreated', title: 'WebhookCreated' })

export const WebhookList = Type.Object({
  data: Type.Array(Type.Ref('Webhook'))
}, { ...closed, $id: 'WebhookList', title: 'WebhookList' })

export const RotateSecret = Type.Object({
  overlap_seconds: Type.Optional(Type.Integer({
    minimum: 0,
    maximum: 604_800,
    default: 86_400,
    description: 'how long the old secret keeps signing beside the new one'
  }))
}, { ...closed, examples: [{ overlap_seconds: 86_400 }] })
export const RotatedSecret = Type.Object({
  secret: SecretField,
  previous_expires_at: Type.String({ format: 'date-time', description: 'the old secret signs until then' })
}, closed)

export const ATTEMPT_OUTCOMES = [
  'delivered', 'failed', 'gone', 'gave_up', 'forbidden_address', 'skipped', 'expired', 'aborted'
] as const
export type AttemptOutcome = typeof ATTEMPT_OUTCOMES[number]

export const DeliveryAttempt = Type.Object({
  message_id: Type.String({ description: 'the webhook-id header: the same for every attempt of one change' }),
  seq: Type.Union([Type.Integer(), Type.Null()], { description: 'the change\'s seq; null for a test ping' }),
  event: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
  at: Type.String({ format: 'date-time' }),
  outcome: Type.Enum(ATTEMPT_OUTCOMES),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'the receiver\'s HTTP status' }),
  latency_ms: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  error: NullableString({ description: 'why it failed (no body of either side)' })
}, closed)
export type DeliveryAttemptT = Static<typeof DeliveryAttempt>

export const DeliveryList = Type.Object({ data: Type.Array(DeliveryAttempt) }, closed)
export const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 }))
}, closed)

export const TestResult = Type.Object({
  delivered: Type.Boolean(),
  message_id: Type.String(),
  status: Type.Union([Type.Integer(), Type.Null()]),
  latency_ms: Type.Integer({ minimum: 0 }),
  error: NullableString()
}, closed)
