import { Type, type Static } from 'typebox'
import { PROBLEM_EXAMPLE } from './examples.ts'

// RFC 9457 problem document with the gateway's stable `code` (spec section 6).
export const ERROR_CODES = [
  'validation_failed', 'invalid_cursor', 'unauthorized', 'forbidden', 'not_found',
  'method_not_allowed', 'payload_too_large', 'unsupported_media_type',
  'capability_not_supported', 'unsupported_value', 'idempotency_key_reused', 'rate_limited',
  'upstream_error', 'upstream_timeout', 'upstream_rate_limited', 'upstream_auth_failed',
  'provider_unavailable', 'write_outcome_unknown', 'service_unavailable', 'internal_error',
  'bad_request', 'request_timeout', 'uri_too_long', 'request_header_fields_too_large', 'change_token_expired',
  'precondition_failed'
] as const
export type ErrorCode = typeof ERROR_CODES[number]

export const FieldError = Type.Object({
  path: Type.String({ description: 'where the bad value is, e.g. /query/limit or /body/labels/0/key' }),
  message: Type.String()
}, { additionalProperties: false })

export const ProviderFailure = Type.Object({
  provider: Type.String(),
  code: Type.String(),
  status: Type.Integer(),
  detail: Type.String()
}, { additionalProperties: false })

export const Problem = Type.Object({
  type: Type.String({ description: 'URI reference identifying the problem type' }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String(),
  instance: Type.String({ description: 'the request path' }),
  code: Type.Enum(ERROR_CODES),
  request_id: Type.String(),
  errors: Type.Optional(Type.Array(FieldError)),
  provider: Type.Optional(Type.String()),
  capability: Type.Optional(Type.String()),
  failed_providers: Type.Optional(Type.Array(ProviderFailure)),
  retry_after: Type.Optional(Type.Integer({ minimum: 0, description: 'seconds, also sent as Retry-After' })),
  fields: Type.Optional(Type.Array(Type.String(), {
    description: 'precondition_failed: the incident fields that differ from the state the If-Match ETag named; ' +
      '[] when the gateway no longer knows that state'
  })),
  etag: Type.Optional(Type.String({ description: 'precondition_failed: the current ETag (also the ETag header)' }))
}, { additionalProperties: false, $id: 'Problem', title: 'Problem', examples: [PROBLEM_EXAMPLE] })

export type ProblemT = Static<typeof Problem>
export type FieldErrorT = Static<typeof FieldError>
export type ProviderFailureT = Static<typeof ProviderFailure>
