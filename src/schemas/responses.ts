import { Type } from 'typebox'
import { problemExamples } from './problem-examples.ts'

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (validation_failed, invalid_cursor)',
  401: 'Missing or invalid API key (unauthorized)',
  403: 'The key lacks the scope or the provider (forbidden)',
  404: 'Unknown incident, provider or route (not_found)',
  413: 'Body too large (payload_too_large)',
  412: 'If-Match does not name the incident\'s current state (precondition_failed), with its current ETag',
  415: 'Body is not JSON (unsupported_media_type)',
  422: 'The provider cannot do this (capability_not_supported, unsupported_value, idempotency_key_reused)',
  429: 'Per-key rate limit exceeded (rate_limited), with Retry-After',
  500: 'Unexpected gateway fault (internal_error); details are logged, never returned',
  502: 'An upstream provider failed (upstream_error, upstream_auth_failed)',
  503: 'Provider or gateway unavailable (provider_unavailable, upstream_rate_limited, service_unavailable), with ' +
    'Retry-After',
  504: 'An upstream provider timed out (upstream_timeout)'
}

// Response entries for problem documents, keyed by status, for a route's `response` schema, each
// with an example of every code answered with that status.
export function problemResponses (...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {}
  for (const status of statuses) {
    out[status] = {
      description: DESCRIPTIONS[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: Type.Ref('Problem'), examples: problemExamples(status) } }
    }
  }
  return out
}

// Every status a route class can answer with a problem document.
export const READ_ERRORS = [400, 401, 403, 404, 422, 429, 500, 502, 503, 504]
// 412: writes to one incident take If-Match (spec section 11).
export const WRITE_ERRORS = [400, 401, 403, 404, 412, 413, 415, 422, 429, 500, 502, 503, 504]
export const META_ERRORS = [401, 403, 429, 500]
export const CHANGE_ERRORS = [400, 401, 403, 404, 410, 429, 500, 503]

// Write routes: their 502 also covers a write whose vendor answer was lost (spec section 6).
export function writeProblemResponses (statuses = WRITE_ERRORS): Record<number, unknown> {
  const out = problemResponses(...statuses)
  out[502] = {
    ...(out[502] as object),
    description: 'An upstream provider failed (upstream_error, upstream_auth_failed), or the vendor never ' +
      'confirmed the write and the gateway cannot tell yet whether it took effect (write_outcome_unknown: repeat ' +
      'with the same Idempotency-Key)'
  }
  return out
}

// 304 to a GET with a matching If-None-Match: no body, the ETag header only.
export const NOT_MODIFIED = {
  304: { description: 'Not modified: If-None-Match names the incident\'s current ETag; no body', type: 'null' }
}
