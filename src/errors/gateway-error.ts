import type { ErrorCode, FieldErrorT, ProviderFailureT } from '../schemas/problem.ts'

// Title and HTTP status of each stable code. The title names the class of problem; the
// detail (per error) tells the caller what to change.
export const PROBLEM_TYPES: Record<ErrorCode, { status: number, title: string }> = {
  validation_failed: { status: 400, title: 'Request validation failed' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
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

export interface GatewayErrorExtras {
  errors?: FieldErrorT[]
  provider?: string
  capability?: string
  failedProviders?: ProviderFailureT[]
  retryAfter?: number
  status?: number
  cause?: unknown
}

// The one error type routes, plugins and adapters throw. The error handler turns it into an
// RFC 9457 document; anything that is not a GatewayError is treated as an internal fault.
export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly detail: string
  readonly errors?: FieldErrorT[]
  readonly provider?: string
  readonly capability?: string
  readonly failedProviders?: ProviderFailureT[]
  readonly retryAfter?: number

  constructor (code: ErrorCode, detail: string, extras: GatewayErrorExtras = {}) {
    super(detail, extras.cause === undefined ? undefined : { cause: extras.cause })
    this.name = 'GatewayError'
    this.code = code
    this.statusCode = extras.status ?? PROBLEM_TYPES[code].status
    this.detail = detail
    this.errors = extras.errors
    this.provider = extras.provider
    this.capability = extras.capability
    this.failedProviders = extras.failedProviders
    this.retryAfter = extras.retryAfter
  }
}

// Failures that say "later" rather than "no": a vendor rate limit, an open circuit, a timeout. A
// listing answers 503/504 with Retry-After when all its failures are such, and a walk keeps what it
// read before one (spec section 5).
// Answers that blame the request, not the provider: a provider that gave one is healthy, and the
// call is not repeated (the retry policy and the health record share this one list).
export const CALLER_CODES: ReadonlySet<string> = new Set(['not_found', 'unsupported_value', 'validation_failed', 'capability_not_supported', 'invalid_cursor'])

export const TRANSIENT_CODES: ReadonlySet<string> = new Set(['upstream_rate_limited', 'provider_unavailable', 'upstream_timeout'])

export const isGatewayError = (err: unknown): err is GatewayError => err instanceof GatewayError

export const capabilityNotSupported = (provider: string, capability: string) =>
  new GatewayError('capability_not_supported',
    `Provider '${provider}' does not support '${capability}'; GET /v1/providers lists what each provider can do.`,
    { provider, capability })
export const unsupportedValue = (provider: string, detail: string) =>
  new GatewayError('unsupported_value', detail, { provider })
