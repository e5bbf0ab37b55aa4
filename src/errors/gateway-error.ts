import type { ErrorCode, FieldErrorT, ProviderFailureT } from '../schemas/problem.ts'
import { PROBLEM_TYPES } from '../schemas/problem-types.ts'

export { PROBLEM_TYPES }

export interface GatewayErrorExtras {
  errors?: FieldErrorT[]
  provider?: string
  capability?: string
  failedProviders?: ProviderFailureT[]
  retryAfter?: number
  fields?: string[] // precondition_failed: the fields that differ from the state the caller's ETag named
  etag?: string // precondition_failed: the incident's current ETag (also sent as the ETag header)
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
  readonly fields?: string[]
  readonly etag?: string

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
    this.fields = extras.fields
    this.etag = extras.etag
  }
}

// Answers that blame the request, not the provider: a provider that gave one is healthy, and the
// call is not repeated (the retry policy and the health record share this one list).
export const CALLER_CODES: ReadonlySet<string> = new Set([
  'not_found', 'unsupported_value', 'validation_failed', 'capability_not_supported', 'invalid_cursor'
])

// Failures that say "later" rather than "no": a vendor rate limit, an open circuit, a timeout. A
// listing answers 503/504 with Retry-After when all its failures are such, and a walk keeps what it
// read before one (spec section 5).
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'upstream_rate_limited', 'provider_unavailable', 'upstream_timeout'
])

export const isGatewayError = (err: unknown): err is GatewayError => err instanceof GatewayError

export const capabilityNotSupported = (provider: string, capability: string) =>
  new GatewayError('capability_not_supported',
    `Provider '${provider}' does not support '${capability}'; GET /v1/providers lists what each provider can do.`,
    { provider, capability })
export const unsupportedValue = (provider: string, detail: string) =>
  new GatewayError('unsupported_value', detail, { provider })
