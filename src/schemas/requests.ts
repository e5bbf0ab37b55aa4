import { Type, type TSchema } from 'typebox'
import {
  ClassificationRef, INCIDENT_ID_PATTERN, PriorityRef, PROVIDER_ID_PATTERN, SeverityRef, StatusRef
} from './enums.ts'
import { DEMO_IDS } from './examples.ts'
import { Label } from './incident.ts'

// Request schemas of the /v1 routes. Closed objects: unknown query and body fields are a 400.
const closed = { additionalProperties: false } as const
const Timestamp = (description: string) => Type.String({ format: 'date-time', description })
// A list in the query, sent comma separated (`severity=high,critical`, OpenAPI `style: form,
// explode: false`); the validation plugin splits every array-typed query parameter before validation.
const CommaList = <T extends TSchema>(items: T, description: string) => Type.Array(items, {
  minItems: 1, maxItems: 64, description
})
const Include = CommaList(Type.Enum(['raw'], { type: 'string' }), 'raw: add the vendor record as received')

export const ListQuery = Type.Object({
  provider: Type.Optional(CommaList(Type.String({ pattern: PROVIDER_ID_PATTERN }),
    'comma list of provider instance ids; default: every provider the key may see')),
  severity: Type.Optional(CommaList(SeverityRef, 'comma list of normalized severities')),
  status: Type.Optional(CommaList(StatusRef, 'comma list of normalized statuses')),
  created_after: Type.Optional(Timestamp(
    'RFC 3339, inclusive; years 0001-9999 UTC, no leap second, fraction truncated to µs')),
  created_before: Type.Optional(Timestamp(
    'RFC 3339, exclusive; years 0001-9999 UTC, no leap second, fraction truncated to µs')),
  updated_after: Type.Optional(Timestamp(
    'RFC 3339, inclusive; years 0001-9999 UTC, no leap second, fraction truncated to µs')),
  updated_before: Type.Optional(Timestamp(
    'RFC 3339, exclusive; years 0001-9999 UTC, no leap second, fraction truncated to µs')),
  priority: Type.Optional(CommaList(PriorityRef,
    'comma list of normalized priorities (providers without priorities match none)')),
  external_ref: Type.Optional(Type.String({
    minLength: 1, maxLength: 256, description: 'exact external reference (Cloudlock customer_key)'
  })),
  label: Type.Optional(Type.String({
    pattern: '^[^:]{1,256}:.{0,1024}$',
    description: 'key:value, both exact (the first colon separates them); providers without labels match none'
  })),
  policy_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'exact policy id' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'page size, default 25' })),
  cursor: Type.Optional(Type.String({
    minLength: 1, maxLength: 8192, description: 'opaque next_cursor of the previous page'
  })),
  include: Type.Optional(Include),
  allow_partial: Type.Optional(Type.Boolean({
    default: false, description: 'answer 200 with the providers that succeeded'
  }))
}, closed)

// The id examples of a route are demo incidents the route (with its body example) serves, so
// Swagger's "Try it out" never starts from a 404 or 422 (test/openapi/demo-examples.test.ts).
export const incidentParams = (...examples: string[]) => Type.Object({
  id: Type.String({ maxLength: 128, pattern: INCIDENT_ID_PATTERN, description: '<provider id>:<native id>', examples })
}, closed)
export const IncidentParams = incidentParams(DEMO_IDS.cloudlock, DEMO_IDS.zwa)
export const ZwaIncidentParams = incidentParams(DEMO_IDS.zwa) // routes only ZWA serves

export const GetQuery = Type.Object({
  include: Type.Optional(Include)
}, closed)

// Body examples are valid for the first example id of their route (Cloudlock takes no notes or
// labels on close), so Swagger's defaults succeed against demo mode.
export const PatchBody = Type.Object({
  status: Type.Optional(StatusRef),
  severity: Type.Optional(SeverityRef),
  external_ref: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()]))
}, { ...closed, minProperties: 1, examples: [{ status: 'in_progress', external_ref: 'SOAR-1234' }] })

export const CloseBody = Type.Object({
  classification: Type.Optional(ClassificationRef),
  notes: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
  label: Type.Optional(Label)
}, { ...closed, examples: [{ classification: 'false_positive' }] })

export const NoteBody = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 10_000 })
}, { ...closed, examples: [{ text: 'Owner contacted; file removed from the shared folder.' }] })

export const LabelsBody = Type.Object({
  labels: Type.Array(Label, { minItems: 1, maxItems: 50 })
}, { ...closed, examples: [{ labels: [{ key: 'soar', value: 'case-1234' }] }] })

export const TransactionParams = Type.Object({
  provider: Type.String({ pattern: PROVIDER_ID_PATTERN, description: 'provider instance id', examples: ['zwa'] }),
  transaction_id: Type.String({
    minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$', examples: [DEMO_IDS.zwaTransaction]
  })
}, closed)

// Headers of POST and PATCH routes (other headers are allowed, as HTTP needs).
export const WriteHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x21-\\x7e]+$',
    description: 'repeat a write safely: the same key and body replay the first answer for 24 h'
  }))
})

// An entity tag list as RFC 9110 writes it: `*`, or comma-separated "..." / W/"..." members.
const EntityTags = (description: string) => Type.String({ minLength: 1, maxLength: 2048, description })

// Writes to one incident: an Idempotency-Key, and If-Match (spec section 11, docs/writes.md).
export const IncidentWriteHeaders = Type.Object({
  ...WriteHeaders.properties,
  'if-match': Type.Optional(EntityTags('write only if the incident is still in the state this ETag (from a GET or ' +
    'an earlier write\'s answer) names, else 412 precondition_failed; `*`: any existing incident'))
})

export const DetailHeaders = Type.Object({
  'if-none-match': Type.Optional(EntityTags('304 without a body when the incident\'s current ETag is one of these ' +
    '(weak comparison), or `*`'))
})
