import { Type, type Static } from 'typebox'
import { ClassificationRef, PriorityRef, ProviderTypeRef, SeverityRef, StatusRef } from './enums.ts'
import { INCIDENT_EXAMPLE } from './examples.ts'
import { Nullable, NullableString } from './nullable.ts'

// The normalized Incident of spec section 3. Closed objects (additionalProperties: false): the
// OpenAPI document promises no other field (test/schemas/incident.test.ts), and the response
// serializer writes declared fields only, so an undeclared one never leaks to a client
// (test/schemas/serializer-closed.test.ts; it would with additionalProperties: true).
const closed = { additionalProperties: false } as const

export const Label = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 256 }),
  value: Type.String({ maxLength: 1024 })
}, closed)

export const Note = Type.Object({
  text: Type.String(),
  created_at: NullableString({ description: 'RFC 3339 UTC, millisecond precision' }),
  author: NullableString()
}, closed)

export const PolicyRef = Type.Object({ id: NullableString(), name: NullableString() }, closed)

export const Rule = Type.Object({ name: Type.String(), detail: NullableString() }, closed)

export const Owner = Type.Object({ name: NullableString(), email: NullableString() }, closed)

export const Asset = Type.Object({
  id: NullableString(),
  name: NullableString(),
  type: NullableString({ description: 'e.g. document, post, app, event, file' }),
  url: NullableString(),
  mime_type: NullableString(),
  file_name: NullableString(),
  file_type: NullableString(),
  application: NullableString(),
  owner: Nullable(Owner)
}, closed)

export const Actor = Type.Object({
  name: NullableString(),
  email: NullableString(),
  department: NullableString(),
  ip: NullableString()
}, closed)

export const Match = Type.Object({
  text: NullableString({ description: 'masked content exactly as the vendor sends it' }),
  context_before: NullableString(),
  context_after: NullableString(),
  field: NullableString(),
  detector: NullableString()
}, closed)

export const Source = Type.Object({
  severity: NullableString(),
  status: NullableString(),
  priority: NullableString(),
  resolution: NullableString(),
  sub_status: NullableString()
}, { ...closed, description: 'vendor enum values verbatim' })

export const MappingError = Type.Object({
  field: Type.String({ description: 'the normalized field, or the vendor field, that could not be mapped' }),
  message: Type.String()
}, closed)

export const Incident = Type.Object({
  id: Type.String({ description: '<provider id>:<native id>' }),
  provider: Type.String(),
  provider_type: ProviderTypeRef,
  native_id: Type.String(),
  title: Type.String(),
  severity: SeverityRef,
  priority: Nullable(PriorityRef),
  status: StatusRef,
  classification: Nullable(ClassificationRef),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  policy: Nullable(PolicyRef),
  rules: Type.Array(Rule),
  asset: Nullable(Asset),
  actor: Nullable(Actor),
  match_count: Type.Integer({ minimum: 0 }),
  matches: Type.Array(Match),
  content_withheld: Type.Optional(Type.Boolean({
    description: 'true when matched content (matches[].text, context_before, context_after, and the same fields in ' +
      '`raw`) was removed because the API key lacks scope evidence:read; absent otherwise'
  })),
  labels: Type.Array(Label),
  notes: Type.Array(Note),
  assignee: Nullable(Type.Object({ email: NullableString() }, closed)),
  external_ref: NullableString({ description: 'consumer-settable reference (Cloudlock customer_key)' }),
  source: Source,
  transaction_id: NullableString({ description: 'ZWA transaction id; null at Cloudlock' }),
  mapping_errors: Type.Optional(Type.Array(MappingError, {
    description: 'present only when part of the vendor record could not be mapped: those fields hold null, [] or ' +
      'unknown, and include=raw shows the record'
  })),
  raw: Type.Optional(Type.Record(Type.String(), Type.Unknown(), {
    description: 'the vendor record exactly as received; only with include=raw'
  }))
}, { ...closed, $id: 'Incident', title: 'Incident', examples: [INCIDENT_EXAMPLE] })

export type IncidentT = Static<typeof Incident>
export type LabelT = Static<typeof Label>
