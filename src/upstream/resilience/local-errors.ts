// Errors the gateway raises on its own, before or instead of an upstream exchange: an open
// circuit, an exhausted rate budget, a full concurrency queue, a deadline that passed while
// waiting. They say nothing about the provider's health, so the breaker and the health record
// ignore them, and they are never retried (test/resilience/units.test.ts). A WeakSet keeps
// GatewayError itself unchanged.
const local = new WeakSet<object>()

export function markLocal<E extends object> (err: E): E {
  local.add(err)
  return err
}

export const isLocal = (err: unknown): boolean => typeof err === 'object' && err !== null && local.has(err)
