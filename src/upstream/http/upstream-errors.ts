import { GatewayError, type GatewayErrorExtras } from '../../errors/gateway-error.ts'
import type { ErrorCode } from '../../schemas/problem.ts'

// undici failure codes (matched by `code`, never by class) -> the gateway's stable codes
// (test/adapters/http/upstream-errors.test.ts).
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT', 'ABORT_ERR', 'UND_ERR_ABORTED'
])
// Failures before a connection existed: the request provably never reached the vendor, so even a
// write may be repeated (test/resilience/units.test.ts, "connection refused write").
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'
])

export interface UpstreamFailureInfo {
  upstreamStatus: number | null // the vendor's HTTP status; null when the exchange failed in transport
  notSent?: boolean // transport failure before the request left the gateway (safe to repeat, even a write)
  aborted?: boolean // the caller's deadline ended the exchange
  hintSeconds?: number // Retry-After / RateLimit-Reset the vendor sent
}

// A failed upstream exchange, with what the resilience layer needs to decide on a retry (status,
// transport phase, the vendor's wait hint). Still a GatewayError named 'GatewayError' to clients,
// logs and tests; only the retry policy reads the extra fields.
export class UpstreamFailure extends GatewayError {
  readonly upstreamStatus: number | null
  readonly notSent: boolean
  readonly aborted: boolean
  readonly hintSeconds?: number

  constructor (code: ErrorCode, detail: string, extras: GatewayErrorExtras, info: UpstreamFailureInfo) {
    super(code, detail, extras)
    this.upstreamStatus = info.upstreamStatus
    this.notSent = info.notSent ?? false
    this.aborted = info.aborted ?? false
    this.hintSeconds = info.hintSeconds
  }
}

// The same failure, marked as having happened before the caller's own request was sent (e.g. the
// token request a ZWA write needed failed): repeating the caller's request is then safe.
export function beforeSending (err: unknown): unknown {
  if (!(err instanceof UpstreamFailure) || err.notSent) return err
  return new UpstreamFailure(err.code, err.detail, { provider: err.provider, retryAfter: err.retryAfter, cause: err }, {
    upstreamStatus: err.upstreamStatus, notSent: true, aborted: err.aborted, hintSeconds: err.hintSeconds
  })
}

export function translateNetworkError (providerId: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  const e = err as { code?: string, name?: string }
  const code = e?.code ?? ''
  const notSent = CONNECT_CODES.has(code)
  const aborted = e?.name === 'AbortError' || e?.name === 'TimeoutError' ||
    code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED'
  if (TIMEOUT_CODES.has(code) || aborted) {
    return new UpstreamFailure('upstream_timeout', `Provider '${providerId}' did not answer in time.`,
      { provider: providerId, cause: err }, { upstreamStatus: null, notSent, aborted })
  }
  const what = code === 'ECONNREFUSED'
    ? 'refused the connection'
    : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE'
      ? 'closed the connection unexpectedly'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'could not be resolved'
        : code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE'
          ? 'sent a response larger than the gateway accepts'
          : 'could not be reached'
  return new UpstreamFailure('upstream_error', `Provider '${providerId}' ${what}.`,
    { provider: providerId, cause: err }, { upstreamStatus: null, notSent })
}

// Upstream HTTP status -> gateway error, per spec section 6. `message` is the vendor's own
// error text (already stripped of markup and truncated by the caller).
export function translateStatus (
  providerId: string, status: number, message: string | null, retryAfter?: number
): GatewayError {
  const said = message ? `: ${message}` : ''
  const info = { upstreamStatus: status, hintSeconds: retryAfter }
  const fail = (code: ErrorCode, detail: string, extras: GatewayErrorExtras = {}) =>
    new UpstreamFailure(code, detail, { provider: providerId, ...extras }, info)
  if (status === 404) return fail('not_found', `Provider '${providerId}' has no such resource${said}.`)
  if (status === 400 || status === 422) {
    return fail('unsupported_value', `Provider '${providerId}' rejected the request${said}.`)
  }
  if (status === 401 || status === 403) {
    return fail('upstream_auth_failed', `Provider '${providerId}' rejected the gateway's credentials ` +
      `(HTTP ${status}); check the provider's configuration.`)
  }
  if (status === 429) {
    return fail('upstream_rate_limited', `Provider '${providerId}' is rate limiting the gateway; retry later.`,
      { retryAfter: retryAfter ?? 1 })
  }
  if (status === 504 || status === 408) {
    return fail('upstream_timeout', `Provider '${providerId}' timed out (HTTP ${status}).`)
  }
  return fail('upstream_error', `Provider '${providerId}' failed (HTTP ${status}).`)
}

// Retry-After (seconds or HTTP date) or RateLimit-Reset (seconds to wait, or an epoch second when
// it is too large to be a delay) -> whole seconds to wait, at most a day (a longer hint is noise
// that would only park a client). Undefined when no header says anything usable
// (test/adapters/http/upstream-errors.test.ts, property).
export const MAX_RETRY_AFTER = 86_400

export function retryAfterSeconds (
  headers: Record<string, string | string[] | undefined>, now = Date.now()
): number | undefined {
  const first = (name: string) => {
    const v = headers[name]
    return (Array.isArray(v) ? v[0] : v)?.trim()
  }
  const bounded = (seconds: number) => Math.min(MAX_RETRY_AFTER, Math.max(0, Math.ceil(seconds)))
  const retryAfter = first('retry-after')
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return bounded(Number(retryAfter))
    // An HTTP date names its weekday and month; Date.parse alone would also take "1.5" or "-1".
    if (/[a-z]{3}/i.test(retryAfter)) {
      const date = Date.parse(retryAfter)
      if (!Number.isNaN(date)) return bounded((date - now) / 1000)
    }
  }
  const reset = first('ratelimit-reset') ?? first('x-ratelimit-reset')
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset)
    // An epoch second (after 2001) vs a delta: deltas are small, epochs are ~1.7e9+.
    return bounded(n > 1_000_000_000 ? n - now / 1000 : n)
  }
  return undefined
}

// Characters that could forge log lines, break headers or reorder text when a vendor message is
// shown: C0/C1 controls, DEL, Unicode line/paragraph separators and bidirectional overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" }
export const MAX_VENDOR_MESSAGE = 300

// The readable text of an HTML error page: its title, else its text without markup.
function htmlText (html: string): string {
  const body = html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ')
  const title = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(body)?.[1]
  const text = (title && title.trim() ? title : body.replace(/<[^>]*>/g, ' '))
  return text.replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_m, name: string) => ENTITIES[name])
}

// Vendor error bodies may be JSON or an HTML page; keep a short, plain message either way.
export function vendorMessage (text: string, json: unknown, key: string): string | null {
  const fromJson = json && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined
  let raw = typeof fromJson === 'string' ? fromJson : json === undefined ? text : ''
  if (typeof fromJson !== 'string' && /^\s*</.test(raw)) raw = htmlText(raw)
  const plain = raw.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim()
  if (!plain) return null
  // Cut on code points, so a surrogate pair is never split (test/adapters/http/upstream-errors.test.ts).
  const chars = Array.from(plain)
  return chars.length > MAX_VENDOR_MESSAGE ? `${chars.slice(0, MAX_VENDOR_MESSAGE - 1).join('')}…` : plain
}
