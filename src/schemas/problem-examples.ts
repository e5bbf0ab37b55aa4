import { PROBLEM_TYPES, problemTypeUri } from './problem-types.ts'
import { EXAMPLE_REQUEST_ID } from './examples.ts'
import type { ErrorCode, ProblemT } from './problem.ts'

type Extras = Partial<Pick<ProblemT,
  'errors' | 'provider' | 'capability' | 'failed_providers' | 'retry_after' | 'fields' | 'etag'>>

// One example problem document per stable code, shown in the OpenAPI document under each status
// the code is answered with (PROBLEM_TYPES). Typed as a complete record: a new code needs its
// example line here, or the typecheck fails.
const EXAMPLES: Record<ErrorCode, { detail: string } & Extras> = {
  validation_failed: {
    detail: 'The request is invalid: /query/severity entry \'urgent\' must be one of: informational, low, medium, ' +
      'high, critical, unknown',
    errors: [{
      path: '/query/severity',
      message: 'entry \'urgent\' must be one of: informational, low, medium, high, critical, unknown'
    }]
  },
  invalid_cursor: {
    detail: 'The cursor is not valid: it was issued for other filters. Repeat the same filters with the cursor.'
  },
  precondition_failed: {
    detail: 'Incident zwa:1-143-17511935165548339480 changed since the ETag in If-Match was issued; read it again ' +
      'and decide on the current state.',
    fields: ['status', 'updated_at'],
    etag: '"Zy3kP0x8QkWm4rT1aV9nCw2dLsE6uYhB"'
  },
  change_token_expired: {
    detail: 'The change token belongs to a change store that no longer exists. Start again from a list walk ' +
      '(GET /v1/incidents), then read GET /v1/changes without `after`.'
  },
  unauthorized: { detail: 'Send an API key as Authorization: Bearer <key>.' },
  forbidden: { detail: 'This API key lacks the scope \'incidents:write\'.' },
  not_found: { detail: 'Provider \'cloudlock\' has no incident 320831601.', provider: 'cloudlock' },
  method_not_allowed: { detail: 'DELETE is not allowed here; the allowed methods are listed in the Allow header.' },
  payload_too_large: { detail: 'The request body is larger than the gateway accepts.' },
  unsupported_media_type: { detail: 'Send JSON with Content-Type: application/json.' },
  capability_not_supported: {
    detail: 'Provider \'cloudlock\' does not support \'notes\'; GET /v1/providers lists what each provider can do.',
    provider: 'cloudlock',
    capability: 'notes'
  },
  unsupported_value: {
    detail: 'Provider \'cloudlock\' cannot close with classification \'benign\'; it knows only false_positive.',
    provider: 'cloudlock'
  },
  idempotency_key_reused: {
    detail: 'This Idempotency-Key was already used with a different request; use a new key for a new request.'
  },
  rate_limited: { detail: 'This API key made more than 600 requests in a minute; retry in 12 s.', retry_after: 12 },
  upstream_error: {
    detail: 'Provider zwa (upstream_error) failed, so the listing would be incomplete. Retry later, or pass ' +
      'allow_partial=true to receive the other providers\' incidents.',
    provider: 'zwa',
    failed_providers: [{
      provider: 'zwa', code: 'upstream_error', status: 502, detail: 'Provider \'zwa\' answered 500.'
    }]
  },
  upstream_auth_failed: {
    detail: 'Provider \'zwa\' refused the gateway\'s credentials; an operator must fix them.', provider: 'zwa'
  },
  upstream_rate_limited: {
    detail: 'The gateway holds back \'search\' calls to provider \'zwa\' to stay within the vendor\'s rate limit; ' +
      'retry in 3 s.',
    provider: 'zwa',
    retry_after: 3
  },
  provider_unavailable: {
    detail: 'Provider \'zwa\' is failing, so the gateway stopped calling it for now (circuit open); retry in 30 s.',
    provider: 'zwa',
    retry_after: 30
  },
  service_unavailable: { detail: 'The gateway is shutting down or overloaded; retry shortly.', retry_after: 1 },
  upstream_timeout: {
    detail: 'Provider \'cloudlock\' did not answer within the request\'s deadline.', provider: 'cloudlock'
  },
  internal_error: { detail: 'An unexpected error occurred. Quote the request_id when reporting it.' },
  write_outcome_unknown: {
    detail: 'Provider \'zwa\' may or may not have applied the write (its answer was lost) and reading the incident ' +
      'back did not decide it; repeat with the same Idempotency-Key later: the write is never sent twice.',
    provider: 'zwa'
  },
  bad_request: { detail: 'The request is not valid HTTP.' },
  request_timeout: { detail: 'The request did not arrive in time.' },
  uri_too_long: { detail: 'A path segment is longer than 256 characters.' },
  request_header_fields_too_large: { detail: 'The request line and headers are larger than 16 KiB.' }
}

const INSTANCE = '/v1/incidents/cloudlock:320831601'

// The examples of the codes answered with the given statuses, as OpenAPI `components.examples`
// entries named after their code.
export function problemExampleComponents (statuses: number[]): Record<string, { summary: string, value: ProblemT }> {
  const out: Record<string, { summary: string, value: ProblemT }> = {}
  for (const code of Object.keys(EXAMPLES) as ErrorCode[]) {
    const { detail, ...extras } = EXAMPLES[code]
    const { status, title } = PROBLEM_TYPES[code]
    if (!statuses.includes(status)) continue
    out[code] = {
      summary: title,
      value: {
        type: problemTypeUri(code),
        title,
        status,
        detail,
        instance: INSTANCE,
        code,
        request_id: EXAMPLE_REQUEST_ID,
        ...extras
      }
    }
  }
  return out
}

// Media-type `examples` for one status: a reference to the example of every code answered with it.
export function problemExamples (status: number): Record<string, { $ref: string }> {
  const codes = (Object.keys(EXAMPLES) as ErrorCode[]).filter((code) => PROBLEM_TYPES[code].status === status)
  return Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${code}` }]))
}
