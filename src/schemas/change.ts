import { Type } from 'typebox'
import { NullableString } from './nullable.ts'

// GET /v1/changes (spec section 9): the change feed.
export const SYNC_STATES = ['initial_load', 'live', 'degraded', 'off'] as const
const SyncStateEnum = Type.Enum(SYNC_STATES, {
  description: 'initial_load: walking back to start_from; live: polling on time; degraded: the last poll failed ' +
    'or sync is behind (budget or vendor); off: sync is not enabled for this provider'
})
const NullableTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description })
const NullableSeconds = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
  description: 'now minus complete_through, in seconds'
})

export const Change = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'position in the feed, increasing' }),
  type: Type.Enum(['created', 'updated', 'deleted']),
  incident_id: Type.String(),
  provider: Type.String(),
  occurred_at: Type.String({
    format: 'date-time',
    description: 'created: the creation time; updated: the vendor update time when it moved, else the detection ' +
      'time; deleted: the detection time'
  }),
  detected_at: Type.String({ format: 'date-time', description: 'when the gateway recorded the change' }),
  changed: Type.Array(Type.String(), {
    description: 'updated: the top-level Incident fields that differ from the previous state; empty otherwise'
  }),
  previous: Type.Record(Type.String(), Type.Unknown(), {
    description: 'updated: the previous value of each changed field; empty otherwise'
  }),
  incident: Type.Union([Type.Ref('Incident'), Type.Null()], {
    description: 'the incident in its new state; null for deleted'
  }),
  content_withheld: Type.Optional(Type.Literal(true, {
    description: 'matched content was removed from `previous` (the key lacks evidence:read); the incident says ' +
      'the same of itself'
  }))
}, { additionalProperties: false, $id: 'Change', title: 'Change' })

export const FeedProviderStatus = Type.Object({
  status: SyncStateEnum,
  complete_through: NullableTime('every change the sync strategy can see up to this instant is at or before ' +
    'this answer\'s `next`; move a checkpoint only over it (null: nothing is complete yet)'),
  lag_seconds: NullableSeconds
}, { additionalProperties: false })

export const ChangeList = Type.Object({
  data: Type.Array(Type.Ref('Change')),
  next: Type.String({ description: 'opaque token: send it as `after` to continue' }),
  has_more: Type.Boolean({ description: 'more changes are available now' }),
  providers: Type.Record(Type.String(), FeedProviderStatus)
}, { additionalProperties: false, $id: 'ChangeList', title: 'ChangeList' })

// A provider that does not sync, as GET /v1/providers shows it.
export const SYNC_OFF = {
  state: 'off',
  complete_through: null,
  lag_seconds: null,
  last_poll_at: null,
  last_error: null,
  vendor_calls_last_hour: 0,
  leader: { replica: null, this_replica: false, since: null }
} as const

export const ProviderSync = Type.Object({
  state: SyncStateEnum,
  complete_through: NullableTime('see GET /v1/changes'),
  lag_seconds: NullableSeconds,
  last_poll_at: NullableTime('start of the last poll of the vendor'),
  last_error: NullableString(),
  vendor_calls_last_hour: Type.Integer({
    minimum: 0, description: 'vendor calls the sync leader made in the last hour (as it last reported)'
  }),
  leader: Type.Object({
    replica: NullableString({
      description: 'the replica holding this provider\'s sync lease (host:pid:random); null: none'
    }),
    this_replica: Type.Boolean({ description: 'the replica answering is the one syncing this provider' }),
    since: NullableTime('when the current leader took the lease')
  }, {
    additionalProperties: false,
    description: 'exactly one replica syncs a provider at a time; a standby takes over within 30 s of its loss'
  })
}, { additionalProperties: false })
