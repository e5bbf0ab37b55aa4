import { GatewayError } from '../../errors/gateway-error.ts'

// undici failure codes (matched by `code`, never by class) -> the gateway's stable codes.
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR', 'UND_ERR_ABORTED'])

export function translateNetworkError (providerId: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  const e = err as { code?: string, name?: string }
  const code = e?.code ?? ''
  if (TIMEOUT_CODES.has(code) || e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    return new GatewayError('upstream_timeout', `Provider '${providerId}' did not answer in time.`, { provider: providerId, cause: err })
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
  return new GatewayError('upstream_error', `Provider '${providerId}' ${what}.`, { provider: providerId, cause: err })
}

// Upstream HTTP status -> gateway error, per spec section 6. `message` is the vendor's own
// error text (already stripped of markup and truncated by the caller).
export function translateStatus (providerId: string, status: number, message: string | null, retryAfter?: number): GatewayError {
  const said = message ? `: ${message}` : ''
  if (status === 404) return new GatewayError('not_found', `Provider '${providerId}' has no such resource${said}.`, { provider: providerId })
  if (status === 400 || status === 422) return new GatewayError('unsupported_value', `Provider '${providerId}' rejected the request${said}.`, { provider: providerId })
  if (status === 401 || status === 403) return new GatewayError('upstream_auth_failed', `Provider '${providerId}' rejected the gateway's credentials (HTTP ${status}); check the provider's configuration.`, { provider: providerId })
  if (status === 429) return new GatewayError('upstream_rate_limited', `Provider '${providerId}' is rate limiting the gateway; retry later.`, { provider: providerId, retryAfter: retryAfter ?? 1 })
  if (status === 504 || status === 408) return new GatewayError('upstream_timeout', `Provider '${providerId}' timed out (HTTP ${status}).`, { provider: providerId })
  return new GatewayError('upstream_error', `Provider '${providerId}' failed (HTTP ${status}).`, { provider: providerId })
}

// Retry-After (seconds or HTTP date) or RateLimit-Reset (seconds to wait, or an epoch second when
// it is too large to be a delay) -> seconds to wait.
export function retryAfterSeconds (headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const first = (name: string) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const retryAfter = first('retry-after')
  if (retryAfter !== undefined) {
    if (/^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim())
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000))
  }
  const reset = first('ratelimit-reset') ?? first('x-ratelimit-reset')
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    const n = Number(reset.trim())
    // An epoch second (after 2001) vs a delta: deltas are small, epochs are ~1.7e9+.
    return n > 1_000_000_000 ? Math.max(0, Math.ceil(n - now / 1000)) : n
  }
  return undefined
}

// Vendor error bodies may be JSON or an HTML page; keep a short, plain message either way.
export function vendorMessage (text: string, json: unknown, key: string): string | null {
  const fromJson = json && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined
  const raw = typeof fromJson === 'string' ? fromJson : (json === undefined && !/^\s*</.test(text) ? text : '')
  // Control characters would let a vendor message forge log lines or break headers.
  // eslint-disable-next-line no-control-regex
  const plain = raw.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim()
  return plain ? plain.slice(0, 300) : null
}
