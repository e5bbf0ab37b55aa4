import { UpstreamFailure } from '../http/upstream-errors.ts'
import { CALLER_CODES, isGatewayError } from '../../errors/gateway-error.ts'
import { isLocal } from './local-errors.ts'

// What one failed attempt means for the call (and for the circuit breaker):
// - local: the gateway refused on its own (open circuit, budget, queue): not a provider outcome;
// - caller: the provider answered and the request was at fault (404, 400 -> 422): the provider
//   is healthy, the call is not repeated;
// - failure: the provider failed; `retry` says whether repeating can help and how long to wait.
export type Verdict =
  | { kind: 'local' }
  | { kind: 'caller' }
  | { kind: 'failure', retry: 'no' | 'backoff' | 'hint', hintMs?: number }

// Statuses that say "try again": overloaded or failing servers and gateways. 501 and 505 do not.
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504, 408])
const NO_RETRY = { kind: 'failure', retry: 'no' } as const

// Idempotent calls (reads, search, token) are repeated after transient failures. A write is
// repeated only when it provably never left the gateway (connection refused, connect timeout,
// DNS, or the token request it needed failed): after it was sent its outcome is unknown, and the
// client decides with its Idempotency-Key. A 2xx with an unreadable body is not repeated either:
// the vendor answered (test/resilience/units.test.ts, "retry policy").
export function judge (err: unknown, idempotent: boolean): Verdict {
  if (isLocal(err)) return { kind: 'local' }
  if (!isGatewayError(err)) return NO_RETRY
  if (CALLER_CODES.has(err.code)) return { kind: 'caller' }
  if (!(err instanceof UpstreamFailure) || err.aborted) return NO_RETRY
  const status = err.upstreamStatus
  // A request that never left the gateway may be repeated even when it is a write.
  const repeatable = idempotent || err.notSent
  if (!repeatable) return NO_RETRY
  if (status === null) return { kind: 'failure', retry: 'backoff' }
  if ((status === 429 || status === 503) && err.hintSeconds !== undefined) {
    return { kind: 'failure', retry: 'hint', hintMs: err.hintSeconds * 1000 }
  }
  if (status === 429 || TRANSIENT_STATUSES.has(status)) return { kind: 'failure', retry: 'backoff' }
  return NO_RETRY
}

// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
// Jitter"): a uniform draw in [0, min(max, base * 2^n)], so clients that failed together do not
// retry together.
export function backoffMs (retryIndex: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(retryIndex, 30))
  return Math.floor(random() * ceiling)
}
