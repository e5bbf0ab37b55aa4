import type { ErrorCode } from './problem.ts'

// Title and HTTP status of each stable code. The title names the class of problem; the
// detail (per error) tells the caller what to change.
export const PROBLEM_TYPES: Record<ErrorCode, { status: number, title: string }> = {
  validation_failed: { status: 400, title: 'Request validation failed' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  change_token_expired: { status: 410, title: 'Change token expired' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  capability_not_supported: { status: 422, title: 'Capability not supported by provider' },
  unsupported_value: { status: 422, title: 'Value not supported by provider' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused with a different request' },
  rate_limited: { status: 429, title: 'Rate limit exceeded' },
  upstream_error: { status: 502, title: 'Upstream provider error' },
  upstream_auth_failed: { status: 502, title: 'Upstream authentication failed' },
  write_outcome_unknown: { status: 502, title: 'Write outcome unknown' },
  upstream_rate_limited: { status: 503, title: 'Upstream provider rate limited' },
  provider_unavailable: { status: 503, title: 'Provider unavailable' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
  upstream_timeout: { status: 504, title: 'Upstream provider timed out' },
  internal_error: { status: 500, title: 'Internal server error' },
  // Below the router (src/errors/client-errors.ts, framework-errors.ts): the HTTP layer itself.
  bad_request: { status: 400, title: 'Malformed HTTP request' },
  request_timeout: { status: 408, title: 'Request timeout' },
  uri_too_long: { status: 414, title: 'URI too long' },
  request_header_fields_too_large: { status: 431, title: 'Request header fields too large' }
}

// The `type` URI of a problem document with this code.
export const problemTypeUri = (code: ErrorCode) => `urn:dlp-gateway:problem:${code}`
