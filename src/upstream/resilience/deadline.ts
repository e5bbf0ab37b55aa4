import { setTimeout as delay } from 'node:timers/promises'
import { GatewayError } from '../../errors/gateway-error.ts'
import { markLocal } from './local-errors.ts'

// The overall deadline of one gateway request, as every upstream call of that request sees it.
export interface Deadline {
  signal: AbortSignal // fires at `at`
  at: number // epoch ms
}

// Routes hand adapters an AbortSignal.timeout(limits.request_timeout_ms), which does not expose
// when it fires. The first guard to see a signal notes "now + request timeout" as its deadline:
// adapters are called as soon as a route starts, so the estimate is within milliseconds, and the
// signal itself still fires at the true deadline. The estimate only decides whether a wait fits.
const seen = new WeakMap<AbortSignal, number>()

export function deadlineOf (
  opts: { signal?: AbortSignal, deadline?: number }, now: number, defaultMs: number, capMs?: number
): Deadline {
  let signal: AbortSignal
  let at: number
  if (opts.signal) {
    signal = opts.signal
    at = opts.deadline ?? seen.get(signal) ?? now + defaultMs
    if (!seen.has(signal)) seen.set(signal, at)
  } else {
    at = opts.deadline ?? now + defaultMs
    signal = AbortSignal.timeout(Math.max(1, at - now))
  }
  // A provider's own share of the request (resilience.deadline_ms), when it ends first.
  if (capMs !== undefined && now + capMs < at) {
    at = now + capMs
    signal = AbortSignal.any([signal, AbortSignal.timeout(capMs)])
  }
  return { signal, at }
}

export function deadlineExpired (providerId: string): GatewayError {
  return markLocal(new GatewayError('upstream_timeout',
    `Provider '${providerId}' did not answer within the request's deadline.`, { provider: providerId }))
}

// Waits `ms`, or rejects with upstream_timeout when the deadline fires first.
export async function sleep (ms: number, signal: AbortSignal, providerId: string): Promise<void> {
  if (ms <= 0) {
    if (signal.aborted) throw deadlineExpired(providerId)
    return
  }
  try {
    await delay(ms, undefined, { signal })
  } catch {
    throw deadlineExpired(providerId)
  }
}

// `promise`, or upstream_timeout as soon as the deadline fires (the promise keeps running for
// whoever else waits on it: a shared token request or a coalesced read).
export function raceAbort<T> (promise: Promise<T>, signal: AbortSignal, providerId: string): Promise<T> {
  if (signal.aborted) return Promise.reject(deadlineExpired(providerId))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadlineExpired(providerId))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value) },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err) }
    )
  })
}
