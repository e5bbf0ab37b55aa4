import type { Dispatcher } from 'undici'
import { request } from 'undici'
import type { AttemptOutcome } from '../schemas/webhook.ts'

// One delivery attempt: a POST of the signed body, with one deadline for the whole exchange
// (connect, headers, body), no redirects followed (undici's request follows none: a 3xx is a failed
// attempt), and the receiver's answer judged by its status alone: 2xx delivered, 410 gone, anything
// else failed. The response body is read (to reuse the connection) up to a small bound, and never kept.

export interface SendResult {
  outcome: AttemptOutcome
  status: number | null
  latencyMs: number
  error: string | null
}

const MAX_RESPONSE_BYTES = 64 * 1024
export const USER_AGENT = 'dlp-incident-gateway-webhooks/1'

export async function send (dispatcher: Dispatcher, url: string, headers: Record<string, string>, body: string,
  opts: { timeoutMs: number, signal?: AbortSignal, now?: () => number }): Promise<SendResult> {
  const now = opts.now ?? performance.now.bind(performance)
  const started = now()
  const deadline = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline
  const elapsed = () => Math.max(0, Math.round(now() - started))
  let status: number | null = null
  try {
    const res = await request(url, {
      dispatcher,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs
    })
    status = res.statusCode
    const latencyMs = elapsed()
    await drain(res.body)
    if (status >= 200 && status < 300) return { outcome: 'delivered', status, latencyMs, error: null }
    if (status === 410) return { outcome: 'gone', status, latencyMs, error: 'the receiver answered 410 Gone' }
    const error = status >= 300 && status < 400
      ? `the receiver answered ${status} (redirects are not followed)`
      : `the receiver answered ${status}`
    return { outcome: 'failed', status, latencyMs, error }
  } catch (err) {
    return { outcome: outcomeOf(err, opts.signal), status, latencyMs: elapsed(), error: describe(err, opts.timeoutMs) }
  }
}

// Reads at most MAX_RESPONSE_BYTES; a longer or slower body is cut off (its status already counted).
async function drain (body: Dispatcher.ResponseData['body']): Promise<void> {
  let read = 0
  try {
    for await (const chunk of body) {
      read += (chunk as Buffer).length
      if (read > MAX_RESPONSE_BYTES) break
    }
  } catch {
    // a body cut off by the deadline: the status is the receiver's answer
  } finally {
    body.destroy()
  }
}

function outcomeOf (err: unknown, stop: AbortSignal | undefined): AttemptOutcome {
  if (stop?.aborted) return 'aborted'
  return (err as { code?: unknown })?.code === 'WEBHOOK_ADDRESS_FORBIDDEN' ? 'forbidden_address' : 'failed'
}

// What an attempt's record says: a fixed phrase per failure class, the code, never a body.
function describe (err: unknown, timeoutMs: number): string {
  const e = err as { code?: unknown, name?: unknown, message?: unknown, cause?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  if (code === 'WEBHOOK_ADDRESS_FORBIDDEN') return String(e?.message)
  const cause = e?.cause as { code?: unknown, message?: unknown } | undefined
  if (cause?.code === 'WEBHOOK_ADDRESS_FORBIDDEN') return String(cause.message)
  if (e?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `no answer within ${timeoutMs} ms`
  }
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the receiver\'s name does not resolve'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset'
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `TLS failed (${code})`
  }
  return code ? `network error (${code})` : 'network error'
}
